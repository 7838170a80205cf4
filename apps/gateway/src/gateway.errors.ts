import { CommonErrors } from '@storefront/platform';

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
