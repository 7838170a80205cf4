import { DomainError, isDatabaseUnreachable } from '@storefront/platform';
import { errorMessage } from '../util/delay';

export type ErrorClass = 'transient' | 'permanent' | 'outage';

/**
 * Retry decision for a handler error:
 * - an error with `retryable: false` (a handler's way to say a record can never succeed) and a
 *   `DomainError` whose code is listed in `permanentCodes` are permanent: retrying cannot change the outcome;
 * - the database out of reach (stopped, restarting, connection cut) is an outage: retried
 *   until it is back, never dead-lettered, since the record itself is fine and nothing after
 *   it on the partition could be applied meanwhile either;
 * - everything else (broker hiccups, timeouts, bugs) is transient and retried a bounded number
 *   of times, after which the record is dead-lettered anyway.
 */
export function classifyError(
  error: unknown,
  permanentCodes: ReadonlySet<string> = new Set(),
): ErrorClass {
  if (isDatabaseUnreachable(error)) return 'outage';
  if (typeof error === 'object' && error !== null) {
    if ((error as { retryable?: unknown }).retryable === false) return 'permanent';
    if (error instanceof DomainError && permanentCodes.has(error.code)) return 'permanent';
  }
  return 'transient';
}

/** One line for logs and the `dlt_error` header, with the domain code when there is one. */
export function describeError(error: unknown): string {
  const message = errorMessage(error);
  if (error instanceof DomainError) return `${error.code}: ${message}`;
  if (error instanceof Error && error.name !== 'Error') return `${error.name}: ${message}`;
  return message;
}
