import { backoffDelay, backoffSchedule } from './backoff';

describe('backoff', () => {
  it('doubles from the base and stops at the cap', () => {
    expect(backoffSchedule(8, { baseMs: 100, maxMs: 5000 })).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
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
