import { inspect } from 'node:util';
// tools/runtime is the repo's harness, not an Nx project: its waitUntil stays the one poll loop
// (the runtime and the Jest global setup use it, without path aliases).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { waitUntil } from '../../runtime/wait';

export interface EventuallyOptions {
  /** Default 30 s. */
  readonly timeoutMs?: number;
  /** Default 50 ms. */
  readonly intervalMs?: number;
  /** Extra detail for the timeout error, e.g. the tail of a server log. */
  readonly detail?: () => string;
}

/** The value a probe last returned, short enough for one line of a failure message. */
function describe(value: unknown): string {
  return inspect(value, {
    depth: 3,
    breakLength: Infinity,
    maxArrayLength: 10,
    maxStringLength: 300,
  });
}

/**
 * Polls `probe` until it yields a value (not undefined, null or false) and returns it; never a
 * fixed sleep. On timeout the error says what was awaited and what the probe last returned; an
 * error thrown by the probe ends the wait at once (a probe gives up that way, e.g. when the
 * process it waits for has exited), named after what was awaited.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  options: number | EventuallyOptions = {},
): Promise<T> {
  const {
    timeoutMs = 30_000,
    intervalMs = 50,
    detail,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  let last: { value: unknown } | undefined;
  return waitUntil(
    async () => {
      try {
        const value = await probe();
        last = { value };
        return value;
      } catch (error) {
        throw new Error(
          `while waiting for ${what}, the probe failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    },
    {
      what,
      timeoutMs,
      intervalMs,
      detail: () =>
        [last ? `last value: ${describe(last.value)}` : 'the probe never answered', detail?.()]
          .filter(Boolean)
          .join('\n'),
    },
  );
}
