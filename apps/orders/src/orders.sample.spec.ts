import { createRandom } from '@storefront/platform';
import { historyProblem } from './order.rules';
import {
  CATALOGUE,
  SAMPLE_HISTORIES,
  sampleLines,
  sampleOrders,
  stampHistory,
} from './orders.sample';

const NOW = 1_700_000_000_000;

describe('sample orders', () => {
  it('keeps the original catalogue: eight products with exact decimal prices', () => {
    expect(CATALOGUE.map((p) => `${p.title}:${p.price}`)).toEqual([
      'Blue Widget:1.99',
      'Red Widget:3.99',
      'Yellow Widget:5.99',
      'Purple Widget:7.99',
      'Orange Widget:9.99',
      'Green Widget:11.99',
      'Black Widget:13.99',
      'White Widget:15.99',
    ]);
  });

  it.each(SAMPLE_HISTORIES.map((steps, index) => [index + 1, steps] as const))(
    'canned history %i is a legal path stamped 1 ms apart, ending now',
    (_n, steps) => {
      const stamped = stampHistory(steps, NOW);
      expect(historyProblem(stamped)).toBeNull();
      expect(stamped[stamped.length - 1]?.timestamp).toBe(NOW);
      stamped
        .slice(1)
        .forEach((e, i) => expect(e.timestamp).toBe((stamped[i]?.timestamp ?? 0) + 1));
    },
  );

  it('reproduces the original histories and notes', () => {
    const summary = SAMPLE_HISTORIES.map((steps) =>
      steps.map(([type, note]) => (note ? `${type}(${note})` : type)).join('>'),
    );
    expect(summary).toEqual([
      'CREATED>REJECTED(Primary credit card expired)',
      'CREATED>APPROVED>PROCESSING>SHIPPED>IN_TRANSIT>RECEIVED',
      'CREATED>APPROVED>PROCESSING>ON_HOLD(Items out of stock)>CANCELLED(Ordered alternative items)',
      'CREATED>APPROVED>PROCESSING>SHIPPED>IN_TRANSIT>RECEIVED>RETURNED(Items damaged during shipping)',
      'CREATED>APPROVED',
    ]);
  });

  it('draws 1–5 lines of 1–5 units and reaches all eight products', () => {
    const random = createRandom(42);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const lines = sampleLines(random);
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines.length).toBeLessThanOrEqual(5);
      for (const line of lines) {
        expect(line.quantity).toBeGreaterThanOrEqual(1);
        expect(line.quantity).toBeLessThanOrEqual(5);
        seen.add(line.product.guid);
      }
    }
    expect(seen).toEqual(new Set(CATALOGUE.map((p) => p.guid)));
  });

  it('is deterministic for a seed', () => {
    let n = 0;
    const guid = () => `guid-${n++}`;
    const first = sampleOrders(createRandom(7), NOW, guid);
    n = 0;
    expect(sampleOrders(createRandom(7), NOW, guid)).toEqual(first);
    expect(first.map((o) => o.guid)).toEqual(['guid-0', 'guid-1', 'guid-2', 'guid-3', 'guid-4']);
  });
});
