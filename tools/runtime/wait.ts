export interface WaitOptions {
  /** What is awaited, for the timeout message ("Kafka at 127.0.0.1:9092 to be ready"). */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Extra detail appended to the timeout error, e.g. the tail of a server log. */
  readonly detail?: () => string;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/**
 * Polls `probe` until it returns something other than `undefined`/`null`/`false`, and returns
 * it (null counts as "not yet", so a probe may return a database lookup as it is). An exception
 * thrown by `probe` aborts the wait (a probe signals "give up" that way, e.g. when the server
 * process it waits for has exited).
 */
export async function waitUntil<T>(
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const { what, timeoutMs, intervalMs = 200, detail } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined && result !== null && result !== false) return result;
    if (Date.now() >= deadline) {
      const extra = detail?.();
      throw new WaitTimeoutError(
        `timed out after ${timeoutMs} ms waiting for ${what}${extra ? `\n${extra}` : ''}`,
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    );
  }
}
