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

/** Writes the shared JSON error body, or cuts the connection if the response has started. */
export function sendError(
  response: ServerResponse,
  request: IncomingMessage & { originalUrl?: string },
  statusCode: number,
  code: GatewayErrorCode,
  message: string,
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
