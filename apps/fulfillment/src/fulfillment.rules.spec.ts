import { ORDER_STATUS_TYPES, type OrderStatusType } from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { createRandom } from '@storefront/platform';
import {
  checkRequestable,
  currentStatus,
  FULFILLMENT_STEPS,
  type FulfillmentState,
  type FulfillmentStep,
  ownStatusEvents,
  pickShippingMethod,
  SHIPPING_METHODS,
  type ShippingMethod,
  stepResponseText,
  transition,
  type TransitionInput,
} from './fulfillment.rules';

const NOW = 1_700_000_000_000;
const state = (overrides: Partial<FulfillmentState> = {}): FulfillmentState => ({
  status: 'APPROVED',
  shippingMethod: null,
  ...overrides,
});
const input = (method: ShippingMethod = 'UPS'): TransitionInput => ({
  now: NOW,
  chooseShippingMethod: () => method,
});

describe('transition', () => {
  it.each<[FulfillmentStep, OrderStatusType, OrderStatusType]>([
    ['process', 'APPROVED', 'PROCESSING'],
    ['ship', 'PROCESSING', 'SHIPPED'],
    ['in-transit', 'SHIPPED', 'IN_TRANSIT'],
    ['receive', 'IN_TRANSIT', 'RECEIVED'],
  ])('%s moves %s to %s with a new history entry', (step, from, to) => {
    const result = transition(state({ status: from }), step, input());
    expect(result).toMatchObject({
      ok: true,
      value: { status: to, statusEvent: { timestamp: NOW, orderStatusType: to } },
    });
  });

  const legal = new Set([
    'process:APPROVED',
    'ship:PROCESSING',
    'in-transit:SHIPPED',
    'receive:IN_TRANSIT',
  ]);
  const illegal = FULFILLMENT_STEPS.flatMap((step) =>
    ORDER_STATUS_TYPES.filter((status) => !legal.has(`${step}:${status}`)).map(
      (status) => [step, status] as const,
    ),
  );

  it.each(illegal)('%s is illegal from %s', (step, from) => {
    const result = transition(state({ status: from }), step, input());
    expect(result.ok).toBe(false);
  });

  it('names the expected status of an illegal step', () => {
    expect(transition(state({ status: 'RECEIVED' }), 'ship', input())).toEqual({
      ok: false,
      from: 'RECEIVED',
      expected: 'PROCESSING',
    });
  });

  it('ship sets the carrier and notes it', () => {
    const result = transition(state({ status: 'PROCESSING' }), 'ship', input('Drone'));
    expect(result).toMatchObject({
      ok: true,
      value: { shippingMethod: 'Drone', statusEvent: { note: 'Shipped via Drone' } },
    });
  });

  it.each<[FulfillmentStep, OrderStatusType, FulfillmentState['shippingMethod']]>([
    ['process', 'APPROVED', null],
    ['in-transit', 'SHIPPED', 'FedEx'],
    ['receive', 'IN_TRANSIT', 'FedEx'],
  ])('%s keeps the carrier (%s, %s) and has no note', (step, from, method) => {
    const choose = jest.fn((): ShippingMethod => 'UPS');
    const result = transition(state({ status: from, shippingMethod: method }), step, {
      now: NOW,
      chooseShippingMethod: choose,
    });
    expect(result).toMatchObject({
      ok: true,
      value: { shippingMethod: method, statusEvent: { note: null } },
    });
    expect(choose).not.toHaveBeenCalled();
  });
});

describe('stepResponseText', () => {
  it.each<[FulfillmentStep, string]>([
    ['process', "Order status changed to 'Processing'"],
    ['ship', "Order status changed to 'Shipped'"],
    ['in-transit', "Order status changed to 'In Transit'"],
    ['receive', "Order status changed to 'Received'"],
  ])('%s answers %s', (step, text) => {
    expect(stepResponseText(step)).toBe(text);
  });
});

describe('currentStatus and checkRequestable', () => {
  const event = (orderStatusType: OrderStatusType) =>
    fixtures.anOrderStatusEvent({ orderStatusType });

  it.each<[OrderStatusType[], OrderStatusType | undefined, boolean]>([
    [['CREATED', 'APPROVED'], 'APPROVED', true],
    [['APPROVED'], 'APPROVED', true],
    [['CREATED'], 'CREATED', false],
    [['CREATED', 'APPROVED', 'PROCESSING'], 'PROCESSING', false],
    [['APPROVED', 'CANCELLED'], 'CANCELLED', false],
    [[], undefined, false],
  ])('history %j is currently %s (requestable: %s)', (history, current, requestable) => {
    const events = history.map(event);
    expect(currentStatus(events)).toBe(current);
    expect(checkRequestable(events).ok).toBe(requestable);
  });
});

describe('pickShippingMethod', () => {
  it('can reach every one of the five carriers, USPS included', () => {
    const random = createRandom(42);
    const seen = new Set(Array.from({ length: 200 }, () => pickShippingMethod(random)));
    expect([...seen].sort()).toEqual([...SHIPPING_METHODS].sort());
  });

  it('is deterministic for a seed', () => {
    const sequence = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 10 }, () => pickShippingMethod(random));
    };
    expect(sequence(7)).toEqual(sequence(7));
  });
});

describe('ownStatusEvents', () => {
  const entry = (orderStatusType: OrderStatusType, timestamp: number) => ({
    timestamp,
    orderStatusType,
    note: null,
  });

  it.each([
    [['CREATED', 'APPROVED'], []],
    [['CREATED', 'APPROVED', 'PROCESSING'], ['PROCESSING']],
    [
      ['CREATED', 'APPROVED', 'PROCESSING', 'SHIPPED', 'IN_TRANSIT'],
      ['PROCESSING', 'SHIPPED', 'IN_TRANSIT'],
    ],
  ] as Array<[OrderStatusType[], OrderStatusType[]]>)('of %j are %j', (statuses, expected) => {
    const history = statuses.map((status, index) => entry(status, index));
    expect(ownStatusEvents(history).map((e) => e.orderStatusType)).toEqual(expected);
  });
});
