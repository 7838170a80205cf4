import type { OrderStatusType } from '@storefront/events';
import {
  closeOpenOrder,
  decideAction,
  decideFulfillment,
  decideStatusEvent,
  inPlacementOrder,
  NO_SHIPPING_ADDRESS,
  placement,
  republishRefusal,
} from './order.rules';
import { history, T0 } from './order.fixtures';

/** The decisions the orders service takes on one order document (order.rules.ts). */

function anOrder(
  steps: OrderStatusType[],
  overrides: { fulfillmentRequested?: boolean; appliedEventIds?: string[]; guid?: string } = {},
) {
  return {
    guid: overrides.guid ?? 'g-1',
    orderStatusEvents: history(...steps),
    status: steps[steps.length - 1],
    fulfillmentRequested: overrides.fulfillmentRequested ?? false,
    appliedEventIds: overrides.appliedEventIds ?? [],
    customerId: 'c-1',
  };
}

describe('decideAction', () => {
  it.each<[OrderStatusType[], 'approve' | 'reject' | 'cancel', OrderStatusType | null]>([
    [['CREATED'], 'approve', 'APPROVED'],
    [['CREATED'], 'reject', 'REJECTED'],
    [['CREATED', 'APPROVED'], 'cancel', 'CANCELLED'],
    [['CREATED'], 'cancel', null],
    [['CREATED', 'REJECTED'], 'approve', null],
  ])('%j, %s → %s', (steps, action, expected) => {
    const decision = decideAction(anOrder(steps), action, T0 + 1000, 'why');
    if (expected === null) {
      expect(decision.ok).toBe(false);
      return;
    }
    expect(decision).toMatchObject({ ok: true, value: { status: expected, customerId: 'c-1' } });
    if (decision.ok) expect(decision.value.orderStatusEvents.at(-1)?.note).toBe('why');
  });

  it('refuses any action once fulfillment has the order', () => {
    const decision = decideAction(
      anOrder(['CREATED', 'APPROVED'], { fulfillmentRequested: true }),
      'cancel',
      T0 + 1000,
    );
    expect(decision).toMatchObject({ ok: false, reason: expect.stringContaining('fulfillment') });
  });
});

describe('decideFulfillment and republishRefusal', () => {
  it.each<[string, ReturnType<typeof anOrder>, boolean, string]>([
    ['an approved order', anOrder(['CREATED', 'APPROVED']), true, 'send'],
    [
      'an order already sent',
      anOrder(['CREATED', 'APPROVED'], { fulfillmentRequested: true }),
      true,
      'already-sent',
    ],
    ['a created order', anOrder(['CREATED']), true, 'not-approved'],
    ['an approved order without address', anOrder(['CREATED', 'APPROVED']), false, 'no-address'],
  ])('%s: %s', (_name, order, hasAddress, kind) => {
    const decision = decideFulfillment(order, hasAddress);
    expect(decision.kind).toBe(kind);
    if (decision.kind === 'send') {
      expect(decision.order).toEqual({ ...order, fulfillmentRequested: true });
    }
  });

  it.each<[string, ReturnType<typeof anOrder>, boolean, string | null]>([
    [
      'sent and still APPROVED',
      anOrder(['CREATED', 'APPROVED'], { fulfillmentRequested: true }),
      true,
      null,
    ],
    [
      'never sent',
      anOrder(['CREATED', 'APPROVED']),
      true,
      'the order was never sent for fulfillment',
    ],
    [
      'moved on',
      anOrder(['CREATED', 'APPROVED', 'PROCESSING'], { fulfillmentRequested: true }),
      true,
      'the order is PROCESSING; fulfillment accepts APPROVED orders only',
    ],
    [
      'no address',
      anOrder(['CREATED', 'APPROVED'], { fulfillmentRequested: true }),
      false,
      NO_SHIPPING_ADDRESS,
    ],
  ])('a request %s can be re-sent unless: %s', (_name, order, hasAddress, reason) => {
    expect(republishRefusal(order, hasAddress)).toBe(reason);
  });
});

describe('decideStatusEvent', () => {
  const approved = anOrder(['CREATED', 'APPROVED'], { fulfillmentRequested: true });
  const processing = { timestamp: T0 + 100, orderStatusType: 'PROCESSING' as const, note: null };

  it('applies a new status once, recording its event id and marking the order sent', () => {
    const decision = decideStatusEvent(
      { ...approved, fulfillmentRequested: false },
      'e-1',
      processing,
    );
    expect(decision).toEqual({
      kind: 'applied',
      order: {
        ...approved,
        orderStatusEvents: [...approved.orderStatusEvents, processing],
        status: 'PROCESSING',
        fulfillmentRequested: true,
        appliedEventIds: ['e-1'],
      },
    });
    if (decision.kind !== 'applied') return;
    expect(decideStatusEvent(decision.order, 'e-1', processing)).toEqual({ kind: 'duplicate' });
    // An exact copy under another event id is still a redelivery.
    expect(decideStatusEvent(decision.order, 'e-2', processing)).toEqual({ kind: 'duplicate' });
  });

  it('refuses an illegal transition with the reason', () => {
    const received = { timestamp: T0 + 100, orderStatusType: 'RECEIVED' as const, note: null };
    expect(decideStatusEvent(approved, 'e-1', received)).toMatchObject({
      kind: 'illegal',
      reason: expect.stringContaining('APPROVED → RECEIVED') as string,
    });
  });

  it('heals a history that holds a copy even when the event adds nothing', () => {
    const [created, approve] = approved.orderStatusEvents;
    const doubled = { ...approved, orderStatusEvents: [created, approve, approve] };
    expect(decideStatusEvent(doubled, 'e-3', approve)).toEqual({
      kind: 'applied',
      order: { ...doubled, orderStatusEvents: [created, approve], appliedEventIds: ['e-3'] },
    });
  });
});

describe('closeOpenOrder', () => {
  it.each<[OrderStatusType[], boolean, OrderStatusType | null]>([
    [['CREATED'], false, 'REJECTED'],
    [['CREATED', 'APPROVED'], false, 'CANCELLED'],
    [['CREATED', 'APPROVED'], true, null],
    [['CREATED', 'REJECTED'], false, null],
  ])('%j (sent: %s) → %s', (steps, fulfillmentRequested, expected) => {
    const closed = closeOpenOrder(anOrder(steps, { fulfillmentRequested }), T0 + 1000, 'gone');
    expect(closed?.status ?? null).toBe(expected);
  });
});

describe('placement', () => {
  it("sorts a customer's orders by creation, then by their place in one call, then by guid", () => {
    const orders = [
      { guid: 'c', placed: placement(T0 + 1) },
      { guid: 'b', placed: placement(T0, 1) },
      { guid: 'a', placed: placement(T0, 1) },
      { guid: 'z', placed: placement(T0, 0) },
      { guid: 'moved', placed: 3 },
    ];
    expect(inPlacementOrder(orders).map((o) => o.guid)).toEqual(['moved', 'z', 'a', 'b', 'c']);
  });
});
