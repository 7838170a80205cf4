/** A source of randomness that tests can make deterministic with a seed. */
export interface RandomSource {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/**
 * mulberry32: tiny, fast and good enough for sample data. With a seed the sequence repeats,
 * so sample data and tests are deterministic; without one it is seeded from the clock.
 */
export function createRandom(seed: number = Date.now() ^ (process.pid << 16)): RandomSource {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('cannot pick from an empty list');
      return items[Math.floor(next() * items.length)];
    },
  };
}

/** DI token of the app's RandomSource (seeded from SAMPLE_SEED when set). */
export const RANDOM_SOURCE = Symbol('RANDOM_SOURCE');
