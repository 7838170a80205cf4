import type { IncomingMessage, ServerResponse } from 'node:http';
import { CommonErrors, CORRELATION_HEADER, type ErrorBody } from '@storefront/platform';

/** Codes of the answers the gateway gives itself (never a service's), with their statuses. */
export const GatewayErrors = {
  /** 404: the path is an actuator internal or otherwise not published through the gateway. */
  NotExposed: 'GATEWAY.NOT_EXPOSED',
  /** 413: the body is over GATEWAY_MAX_BODY_BYTES. */
  BodyTooLarge: 'GATEWAY.BODY_TOO_LARGE',
  /** 429: over the per-client request limit. */
  RateLimited: 'GATEWAY.RATE_LIMITED',
  /** 503: no UP instance of the route's service in the registry. */
  NoInstance: 'GATEWAY.NO_INSTANCE',
  /** 502: the upstream refused, reset or answered nothing usable. */
  UpstreamFailed: 'GATEWAY.UPSTREAM_FAILED',
  /** 504: the upstream did not answer within the read timeout. */
  UpstreamTimeout: 'GATEWAY.UPSTREAM_TIMEOUT',
  /** 401: the admin key is missing or wrong (the registry dashboard). */
  Unauthorized: CommonErrors.Unauthorized,
} as const;

export type GatewayErrorCode = (typeof GatewayErrors)[keyof typeof GatewayErrors];

/** An answer the gateway gives itself: status, stable code and message. */
export interface GatewayError {
  readonly statusCode: number;
  readonly code: GatewayErrorCode;
  readonly message: string;
}

/** The path is not published through the gateway (`only` says what is, where that helps). */
export const notExposed = (path: string, only?: string): GatewayError => ({
  statusCode: 404,
  code: GatewayErrors.NotExposed,
  message: `${path} is not reachable through the gateway${only === undefined ? '' : ` (${only})`}`,
});

export const bodyTooLarge = (maxBytes: number): GatewayError => ({
  statusCode: 413,
  code: GatewayErrors.BodyTooLarge,
  message: `Request body exceeds ${maxBytes} bytes`,
});

export const noInstance = (serviceId: string): GatewayError => ({
  statusCode: 503,
  code: GatewayErrors.NoInstance,
  message: `No instance of ${serviceId} is available`,
});

/** Every UP instance was tried (or is cooling down after refusing) for this request. */
export const everyInstanceFailed = (): GatewayError => ({
  statusCode: 502,
  code: GatewayErrors.UpstreamFailed,
  message: 'Every instance failed',
});

/** The upstream refused, reset or cut the exchange; `failure` names how. */
export const upstreamFailed = (serviceId: string, failure: string): GatewayError => ({
  statusCode: 502,
  code: GatewayErrors.UpstreamFailed,
  message: `${serviceId} failed to answer (${failure})`,
});

export const upstreamTimeout = (serviceId: string): GatewayError => ({
  statusCode: 504,
  code: GatewayErrors.UpstreamTimeout,
  message: `${serviceId} did not answer in time`,
});

export const registryUnreachable = (): GatewayError => ({
  statusCode: 502,
  code: GatewayErrors.UpstreamFailed,
  message: 'The registry did not answer',
});

/** Over the per-client request limit (express-rate-limit's answer). */
export const rateLimited = (limit: number, windowMs: number): GatewayError => ({
  statusCode: 429,
  code: GatewayErrors.RateLimited,
  message: `Too many requests: at most ${limit} per ${windowMs / 1000} s per client`,
});

/** The registry dashboard without the admin key (`given` false) or with a wrong one. */
export const adminKeyRefused = (given: boolean): GatewayError => ({
  statusCode: 401,
  code: GatewayErrors.Unauthorized,
  message: given
    ? 'The admin API key is wrong'
    : 'The registry dashboard needs the admin API key (X-API-Key, or as the HTTP Basic password)',
});

/** Writes the shared JSON error body, or cuts the connection if the response has started. */
export function sendError(
  response: ServerResponse,
  request: IncomingMessage & { originalUrl?: string },
  { statusCode, code, message }: GatewayError,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const correlationId = request.headers[CORRELATION_HEADER];
  const body: ErrorBody = {
    statusCode,
    code,
    message,
    path: request.originalUrl ?? request.url,
    ...(typeof correlationId === 'string' ? { correlationId } : {}),
  };
  response.writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}
