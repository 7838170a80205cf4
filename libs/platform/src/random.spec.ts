import { createRandom } from './random';

describe('createRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(
      Array.from({ length: 5 }, () => b.next()),
    );
  });

  it('keeps int() within bounds and reaches both ends', () => {
    const random = createRandom(7);
    const seen = new Set(Array.from({ length: 500 }, () => random.int(1, 5)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('can pick every element', () => {
    const random = createRandom(1);
    const items = ['USPS', 'FedEx', 'UPS', 'Uber', 'Drone'];
    expect(new Set(Array.from({ length: 200 }, () => random.pick(items))).size).toBe(items.length);
  });
});
