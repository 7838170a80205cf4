import type { OrderStatusEvent, OrderStatusType } from '@storefront/events';

/** The parts of RandomSource sample orders need (kept structural so this file stays pure). */
interface Random {
  int(min: number, max: number): number;
}

/** A catalogue product as stored: the price as an exact decimal string, as the original did. */
export interface CatalogueProduct {
  readonly guid: string;
  readonly title: string;
  readonly description: string;
  readonly price: string;
}

/** The original's fixed catalogue, in its order. */
export const CATALOGUE: readonly CatalogueProduct[] = [
  {
    guid: 'b5efd4a0-4eb9-4ad0-bc9e-2f5542cbe897',
    title: 'Blue Widget',
    description: 'Brilliant Blue Widget',
    price: '1.99',
  },
  {
    guid: 'd01fde07-7c24-49c5-a5f1-bc2ce1f14c48',
    title: 'Red Widget',
    description: 'Reliable Red Widget',
    price: '3.99',
  },
  {
    guid: 'a9d5a5c7-4245-4b4e-b1c3-1d3968f36b2d',
    title: 'Yellow Widget',
    description: 'Amazing Yellow Widget',
    price: '5.99',
  },
  {
    guid: '4efe33a1-722d-48c8-af8e-7879edcad2fa',
    title: 'Purple Widget',
    description: 'Pretty Purple Widget',
    price: '7.99',
  },
  {
    guid: 'f3b9bdce-10d8-4c22-9861-27149879b3c1',
    title: 'Orange Widget',
    description: 'Opulent Orange Widget',
    price: '9.99',
  },
  {
    guid: '7f3c9c22-3c0a-47a5-9a92-2bd2e23f6e37',
    title: 'Green Widget',
    description: 'Gorgeous Green Widget',
    price: '11.99',
  },
  {
    guid: 'b506b962-fcfa-4ad6-a955-8859797edf16',
    title: 'Black Widget',
    description: 'Beautiful Black Widget',
    price: '13.99',
  },
  {
    guid: 'c8810c1d-b0ea-486b-acfa-7724bb70f5e6',
    title: 'White Widget',
    description: 'Wonderful White Widget',
    price: '15.99',
  },
];

export interface SampleLine {
  product: CatalogueProduct;
  quantity: number;
}

/**
 * 1 to 5 lines of 1 to 5 units. Like the original, the loop bound is re-drawn on every pass
 * (so short orders are more likely) and a product may appear twice; unlike it, every product
 * of the catalogue can be drawn (the original never picked the last one).
 */
export function sampleLines(random: Random): SampleLine[] {
  const lines: SampleLine[] = [];
  for (let i = 0; i < random.int(1, 5); i++) {
    const product = CATALOGUE[random.int(0, CATALOGUE.length - 1)];
    lines.push({ product: { ...product }, quantity: random.int(1, 5) });
  }
  return lines;
}

type Step = readonly [OrderStatusType, string?];

/** The original's five canned histories, in its order; the fifth awaits fulfillment. */
export const SAMPLE_HISTORIES: readonly (readonly Step[])[] = [
  [['CREATED'], ['REJECTED', 'Primary credit card expired']],
  [['CREATED'], ['APPROVED'], ['PROCESSING'], ['SHIPPED'], ['IN_TRANSIT'], ['RECEIVED']],
  [
    ['CREATED'],
    ['APPROVED'],
    ['PROCESSING'],
    ['ON_HOLD', 'Items out of stock'],
    ['CANCELLED', 'Ordered alternative items'],
  ],
  [
    ['CREATED'],
    ['APPROVED'],
    ['PROCESSING'],
    ['SHIPPED'],
    ['IN_TRANSIT'],
    ['RECEIVED'],
    ['RETURNED', 'Items damaged during shipping'],
  ],
  [['CREATED'], ['APPROVED']],
];

/**
 * A canned history stamped 1 ms apart, ending at `now`. The original stamped every entry with
 * the same millisecond, which leaves the time order undefined; ending at (not after) `now`
 * keeps a status that fulfillment stamps right afterwards later than the last canned one.
 */
export function stampHistory(steps: readonly Step[], now: number): OrderStatusEvent[] {
  return steps.map(([orderStatusType, note], index) => ({
    timestamp: now - (steps.length - 1 - index),
    orderStatusType,
    note: note ?? null,
  }));
}

export interface SampleOrder {
  guid: string;
  orderStatusEvents: OrderStatusEvent[];
  orderItems: SampleLine[];
}

/** One customer's five sample orders. */
export function sampleOrders(random: Random, now: number, newGuid: () => string): SampleOrder[] {
  return SAMPLE_HISTORIES.map((steps) => ({
    guid: newGuid(),
    orderStatusEvents: stampHistory(steps, now),
    orderItems: sampleLines(random),
  }));
}
