import { nestsDeeperThan } from './json-depth';

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

describe('nestsDeeperThan', () => {
  it.each([
    [undefined, 0, false],
    ['text', 0, false],
    [{}, 0, true],
    [{}, 1, false],
    [nested(32), 32, false],
    [nested(33), 32, true],
    [{ flat: 1, deep: nested(40) }, 32, true],
  ])('%j deeper than %i: %s', (value, max, expected) => {
    expect(nestsDeeperThan(value, max)).toBe(expected);
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    expect(nestsDeeperThan(nested(100_000), 32)).toBe(true);
  });
});
