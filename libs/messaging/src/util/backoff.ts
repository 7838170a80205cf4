/** Exponential backoff: `baseMs`, then doubling, never above `maxMs`. */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = the first retry). Deterministic on purpose: the
 * retries of one consumer are sequential per partition, so there is no herd to spread out,
 * and a predictable schedule is easier to reason about in logs and tests.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  }
  // Past 2^30 the product is far above any sensible cap; clamping the exponent avoids Infinity.
  const exponential = options.baseMs * 2 ** Math.min(attempt - 1, 30);
  return Math.min(options.maxMs, exponential);
}
