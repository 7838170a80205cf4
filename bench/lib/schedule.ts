import { sleep } from './stats';

export interface OpenLoopResult {
  /** Calls made. */
  readonly fired: number;
  /** Wall time from the first scheduled call to the last, ms. */
  readonly elapsedMs: number;
  /** The latest a call fired after its scheduled time: the generator itself falling behind. */
  readonly maxLagMs: number;
}

/**
 * Open loop: calls `fire(i)` at `start + i / rate`, whether or not earlier calls have finished
 * (a closed loop would slow down with the system and hide queueing). `fire` must not block;
 * it starts the work and returns.
 */
export async function openLoop(
  ratePerSecond: number,
  durationMs: number,
  fire: (index: number) => void,
): Promise<OpenLoopResult> {
  const total = Math.round((ratePerSecond * durationMs) / 1000);
  const intervalMs = 1000 / ratePerSecond;
  const start = performance.now();
  let next = 0;
  let maxLagMs = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && start + next * intervalMs <= now) {
      maxLagMs = Math.max(maxLagMs, now - (start + next * intervalMs));
      fire(next);
      next += 1;
    }
    if (next < total) {
      const wait = start + next * intervalMs - performance.now();
      await sleep(Math.max(0, Math.min(wait, 5)));
    }
  }
  return { fired: total, elapsedMs: performance.now() - start, maxLagMs };
}

/**
 * Closed loop: on each of `concurrency` slots, calls `worker(slot, n)` (n counts that slot's
 * calls from 0) one call after the other, until `until()` says stop before a call.
 */
export async function closedLoop(
  concurrency: number,
  worker: (slot: number, n: number) => Promise<void>,
  until: () => boolean,
): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async (_, slot) => {
      for (let n = 0; !until(); n += 1) await worker(slot, n);
    }),
  );
}

export interface PollPace {
  /** Pause as a share of the time waited so far. */
  readonly fraction: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * Calls `probe` until it returns true or `timeoutMs` passes; returns the time it took, or
 * undefined on timeout. The pause between calls grows with the time waited (by default a
 * tenth of it, 5 to 100 ms): a fine resolution for short waits, and a bounded load on the
 * system polled when it lags.
 */
export async function pollUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  pace: PollPace = { fraction: 0.1, minMs: 5, maxMs: 100 },
): Promise<number | undefined> {
  const start = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - start;
    const waited = performance.now() - start;
    if (waited > timeoutMs) return undefined;
    await sleep(Math.min(pace.maxMs, Math.max(pace.minMs, waited * pace.fraction)));
  }
}

/** `work` on every item, `concurrency` at a time. */
export async function eachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i]);
    }),
  );
}
