import { backoffDelay } from './backoff';

describe('backoff', () => {
  it('doubles from the base and stops at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) =>
      backoffDelay(attempt, { baseMs: 100, maxMs: 5000 }),
    );
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it.each([
    [1, 50],
    [2, 100],
    [60, 1000],
  ])('attempt %i waits %i ms with base 50 and cap 1000', (attempt, expected) => {
    expect(backoffDelay(attempt, { baseMs: 50, maxMs: 1000 })).toBe(expected);
  });

  it.each([0, -1, 1.5])('refuses attempt %p', (attempt) => {
    expect(() => backoffDelay(attempt, { baseMs: 1, maxMs: 2 })).toThrow(RangeError);
  });
});
