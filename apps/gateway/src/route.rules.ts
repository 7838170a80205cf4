/** Pure routing rules of the gateway: no I/O, no framework. */

export interface RouteDefinition {
  /** Path prefix, e.g. `/accounts`; stripped before forwarding. */
  prefix: string;
  /** Registry application id, e.g. `ACCOUNTS`. */
  serviceId: string;
  /** Milliseconds to establish the upstream TCP connection. */
  connectTimeoutMs: number;
  /** Milliseconds to wait for the upstream response. */
  readTimeoutMs: number;
}

export interface RouteMatch {
  route: RouteDefinition;
  /** The path the service sees: the prefix removed, query string kept. */
  upstreamPath: string;
}

/** Finds the route of a request URL (`/accounts/customers?page=1`); the prefix must be a whole segment. */
export function matchRoute(
  url: string,
  routes: readonly RouteDefinition[],
): RouteMatch | undefined {
  for (const route of routes) {
    if (
      url === route.prefix ||
      url.startsWith(`${route.prefix}/`) ||
      url.startsWith(`${route.prefix}?`)
    ) {
      const rest = url.slice(route.prefix.length);
      return { route, upstreamPath: rest.startsWith('/') ? rest : `/${rest}` };
    }
  }
  return undefined;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** RFC 9110 idempotent methods: only these may be retried on another instance. */
export function isIdempotent(method: string | undefined): boolean {
  return IDEMPOTENT.has((method ?? '').toUpperCase());
}

/** Of a service's actuator, only health and info are public; metrics and internals are not. */
const PUBLIC_ACTUATOR = /^\/actuator\/(health(\/(liveness|readiness))?|info)\/?$/;

export function isExposed(upstreamPath: string): boolean {
  const path = upstreamPath.split('?')[0] ?? '';
  return !path.startsWith('/actuator') || PUBLIC_ACTUATOR.test(path);
}

export interface Candidate {
  instanceId: string;
}

/**
 * Round-robin over the instances, skipping the ones already tried for this request and those
 * that recently refused a connection (unless nothing else is left: then a refused one gets
 * another chance rather than failing the request outright).
 */
export function pickInstance<T extends Candidate>(
  instances: readonly T[],
  counter: number,
  tried: ReadonlySet<string>,
  recentlyRefused: ReadonlySet<string>,
): T | undefined {
  const untried = instances.filter((instance) => !tried.has(instance.instanceId));
  const healthy = untried.filter((instance) => !recentlyRefused.has(instance.instanceId));
  const pool = healthy.length > 0 ? healthy : untried;
  if (pool.length === 0) return undefined;
  return pool[counter % pool.length];
}

/** Upstream failure → gateway status: refused or broken → 502, too slow → 504. */
export type UpstreamFailure = 'refused' | 'connect-timeout' | 'read-timeout' | 'reset' | 'other';

export function statusForFailure(failure: UpstreamFailure): 502 | 504 {
  return failure === 'connect-timeout' || failure === 'read-timeout' ? 504 : 502;
}

/** Failures where nothing reached the upstream, so another instance may take the request. */
export function isConnectFailure(failure: UpstreamFailure): boolean {
  return failure === 'refused' || failure === 'connect-timeout';
}

export function classifyError(
  error: NodeJS.ErrnoException,
  flags: { connectTimedOut: boolean; readTimedOut: boolean },
): UpstreamFailure {
  if (flags.connectTimedOut) return 'connect-timeout';
  if (flags.readTimedOut) return 'read-timeout';
  switch (error.code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    default:
      return 'other';
  }
}
