import {
  ORDER_STATUS_TYPES,
  type OrderStatusEvent,
  type OrderStatusType,
} from '@storefront/events';
import {
  awaitsFulfillment,
  canonicalHistory,
  canTransition,
  checkAction,
  closeOpenOrder,
  currentStatus,
  historyProblem,
  insertStatus,
  isOpen,
  nextTimestamp,
  ORDER_TRANSITIONS,
  type OrderAction,
  reachedFulfillment,
  sameHistory,
  withStatus,
} from './order.rules';
import { history, T0 } from './order.fixtures';
import { orderTotal, orderTotalCents } from './order.money';

function entry(
  orderStatusType: OrderStatusType,
  timestamp: number,
  note: string | null = null,
): OrderStatusEvent {
  return { timestamp, orderStatusType, note };
}

const allowed: [OrderStatusType, OrderStatusType][] = [
  ['CREATED', 'APPROVED'],
  ['CREATED', 'REJECTED'],
  ['APPROVED', 'PROCESSING'],
  ['APPROVED', 'CANCELLED'],
  ['PROCESSING', 'SHIPPED'],
  ['PROCESSING', 'ON_HOLD'],
  ['PROCESSING', 'CANCELLED'],
  ['ON_HOLD', 'PROCESSING'],
  ['ON_HOLD', 'CANCELLED'],
  ['SHIPPED', 'IN_TRANSIT'],
  ['IN_TRANSIT', 'RECEIVED'],
  ['RECEIVED', 'RETURNED'],
];

describe('order transitions', () => {
  it.each(allowed)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  const forbidden = ORDER_STATUS_TYPES.flatMap((from) =>
    ORDER_STATUS_TYPES.filter((to) => !allowed.some(([a, b]) => a === from && b === to)).map(
      (to): [OrderStatusType, OrderStatusType] => [from, to],
    ),
  );

  it.each(forbidden)('forbids %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('lists exactly the allowed transitions', () => {
    const listed = Object.entries(ORDER_TRANSITIONS).flatMap(([from, tos]) =>
      tos.map((to) => `${from}>${to}`),
    );
    expect(listed.sort()).toEqual(allowed.map(([a, b]) => `${a}>${b}`).sort());
  });
});

describe('historyProblem', () => {
  it.each([
    [history('CREATED')],
    [history('CREATED', 'REJECTED')],
    [history('CREATED', 'APPROVED', 'PROCESSING', 'ON_HOLD', 'PROCESSING', 'SHIPPED')],
    [history('CREATED', 'APPROVED', 'PROCESSING', 'SHIPPED', 'IN_TRANSIT', 'RECEIVED', 'RETURNED')],
  ])('accepts the legal path %#', (h) => {
    expect(historyProblem(h)).toBeNull();
  });

  it.each([
    [[], 'at least one status'],
    [history('APPROVED'), 'starts as CREATED'],
    [history('CREATED', 'SHIPPED'), 'CREATED → SHIPPED is not allowed'],
    [history('CREATED', 'APPROVED', 'APPROVED'), 'APPROVED → APPROVED'],
    [[entry('CREATED', T0 + 5), entry('APPROVED', T0)], 'is older than'],
  ])('refuses the illegal path %# (%s)', (h, reason) => {
    expect(historyProblem(h)).toContain(reason);
  });
});

describe('insertStatus', () => {
  it('appends a later legal status and moves the current status', () => {
    const result = insertStatus(history('CREATED', 'APPROVED'), entry('PROCESSING', T0 + 100));
    expect(result).toEqual({
      kind: 'applied',
      status: 'PROCESSING',
      history: [...history('CREATED', 'APPROVED'), entry('PROCESSING', T0 + 100)],
    });
  });

  it('puts a late status at its place in time when the path stays legal', () => {
    const h = [entry('CREATED', T0), entry('APPROVED', T0 + 10), entry('CANCELLED', T0 + 40)];
    expect(insertStatus(h, entry('PROCESSING', T0 + 20))).toEqual({
      kind: 'applied',
      status: 'CANCELLED',
      history: [h[0], h[1], entry('PROCESSING', T0 + 20), h[2]],
    });
  });

  it('keeps arrival order for equal timestamps (the new entry goes last)', () => {
    const h = [entry('CREATED', T0), entry('APPROVED', T0)];
    const result = insertStatus(h, entry('PROCESSING', T0));
    expect(result.kind === 'applied' && result.history.map((e) => e.orderStatusType)).toEqual([
      'CREATED',
      'APPROVED',
      'PROCESSING',
    ]);
  });

  it('treats an exact copy of an entry as a duplicate', () => {
    const h = [...history('CREATED', 'APPROVED'), entry('PROCESSING', T0 + 100, 'n')];
    expect(insertStatus(h, entry('PROCESSING', T0 + 100, 'n'))).toEqual({ kind: 'duplicate' });
  });

  it.each([
    [
      'a skipped step',
      history('CREATED', 'APPROVED'),
      entry('SHIPPED', T0 + 100),
      'APPROVED → SHIPPED',
    ],
    [
      'a repeated status',
      history('CREATED', 'APPROVED', 'PROCESSING'),
      entry('PROCESSING', T0 + 100),
      'PROCESSING → PROCESSING',
    ],
    [
      'a status after a final one',
      history('CREATED', 'REJECTED'),
      entry('APPROVED', T0 + 100),
      'REJECTED is final',
    ],
    [
      'a late status that does not fit where it belongs in time',
      history('CREATED', 'APPROVED', 'PROCESSING'),
      entry('ON_HOLD', T0 + 15),
      'APPROVED → ON_HOLD',
    ],
    [
      'a status older than the creation',
      history('CREATED', 'APPROVED'),
      entry('PROCESSING', T0 - 1),
      'starts as CREATED',
    ],
  ])('refuses %s', (_name, h, e, reason) => {
    const result = insertStatus(h, e);
    expect(result.kind).toBe('illegal');
    expect(result.kind === 'illegal' && result.reason).toContain(reason);
  });
});

describe('currentStatus and nextTimestamp', () => {
  it('is the last entry', () => {
    expect(currentStatus(history('CREATED', 'APPROVED', 'PROCESSING'))).toBe('PROCESSING');
  });

  it.each([
    [history('CREATED'), T0 + 50, T0 + 50],
    [history('CREATED'), T0, T0 + 1],
    [history('CREATED'), T0 - 1000, T0 + 1],
  ])('stamps after the last entry %#', (h, now, expected) => {
    expect(nextTimestamp(h, now)).toBe(expected);
  });
});

describe('checkAction', () => {
  const order = (fulfillmentRequested: boolean, ...steps: OrderStatusType[]) => ({
    orderStatusEvents: history(...steps),
    fulfillmentRequested,
  });

  it.each<[OrderAction, OrderStatusType[], OrderStatusType]>([
    ['approve', ['CREATED'], 'APPROVED'],
    ['reject', ['CREATED'], 'REJECTED'],
    ['cancel', ['CREATED', 'APPROVED'], 'CANCELLED'],
  ])('lets %s move %j to %s', (action, steps, to) => {
    expect(checkAction(order(false, ...steps), action)).toEqual({ ok: true, value: to });
  });

  it.each<[OrderAction, OrderStatusType[], string]>([
    ['approve', ['CREATED', 'APPROVED'], 'Cannot approve an order that is APPROVED'],
    ['reject', ['CREATED', 'APPROVED'], 'Cannot reject an order that is APPROVED'],
    ['cancel', ['CREATED'], 'Cannot cancel an order that is CREATED'],
    ['approve', ['CREATED', 'REJECTED'], 'REJECTED is final'],
    ['cancel', ['CREATED', 'APPROVED', 'CANCELLED'], 'CANCELLED is final'],
  ])('refuses %s on %j', (action, steps, reason) => {
    const result = checkAction(order(false, ...steps), action);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('refuses any action once fulfillment has the order', () => {
    const result = checkAction(order(true, 'CREATED', 'APPROVED'), 'cancel');
    expect(!result.ok && result.reason).toContain('sent for fulfillment');
  });

  it.each<[boolean, OrderStatusType[], boolean, boolean]>([
    [false, ['CREATED'], false, true],
    [false, ['CREATED', 'APPROVED'], true, true],
    [true, ['CREATED', 'APPROVED'], false, false],
    [false, ['CREATED', 'APPROVED', 'PROCESSING'], false, false],
    [false, ['CREATED', 'REJECTED'], false, false],
  ])('requested=%s %j: awaits fulfillment %s, open %s', (requested, steps, awaits, open) => {
    expect(awaitsFulfillment(order(requested, ...steps))).toBe(awaits);
    expect(isOpen(order(requested, ...steps))).toBe(open);
  });
});

describe('order totals', () => {
  const line = (price: string, quantity: number) => ({ product: { price }, quantity });

  it.each([
    [[line('0.10', 1), line('0.20', 1)], 30, 0.3],
    [[line('1.99', 3), line('11.99', 5)], 6592, 65.92],
    [[line('15.99', 5), line('15.99', 5), line('0.01', 1)], 15991, 159.91],
    [[line('2', 2)], 400, 4],
  ])('sums %j exactly in cents', (lines, cents, total) => {
    expect(orderTotalCents(lines)).toBe(cents);
    expect(orderTotal(lines)).toBe(total);
  });

  it('refuses a price with more than two decimals', () => {
    expect(() => orderTotalCents([line('1.999', 1)])).toThrow(RangeError);
  });
});

describe('withStatus, closeOpenOrder and reachedFulfillment', () => {
  const order = (guid: string, fulfillmentRequested: boolean, ...steps: OrderStatusType[]) => ({
    guid,
    status: steps[steps.length - 1],
    orderStatusEvents: history(...steps),
    fulfillmentRequested,
  });

  it('appends a status stamped after the last entry and moves the current status', () => {
    const changed = withStatus(order('a', false, 'CREATED'), 'APPROVED', T0 - 5, 'ok');
    expect(changed.status).toBe('APPROVED');
    expect(changed.orderStatusEvents).toEqual([
      entry('CREATED', T0),
      entry('APPROVED', T0 + 1, 'ok'),
    ]);
  });

  it('closes only the open orders of a deleted customer, within the lifecycle', () => {
    const orders = [
      order('created', false, 'CREATED'),
      order('approved', false, 'CREATED', 'APPROVED'),
      order('sent', true, 'CREATED', 'APPROVED'),
      order('processing', true, 'CREATED', 'APPROVED', 'PROCESSING'),
      order('rejected', false, 'CREATED', 'REJECTED'),
    ];
    const closing = orders.map((o) => closeOpenOrder(o, T0 + 1000, 'gone'));
    expect(orders.filter((_, i) => closing[i] !== null).map((o) => o.guid)).toEqual([
      'created',
      'approved',
    ]);
    const next = orders.map((o, i) => closing[i] ?? o);
    expect(next.map((o) => o.status)).toEqual([
      'REJECTED',
      'CANCELLED',
      'APPROVED',
      'PROCESSING',
      'REJECTED',
    ]);
    for (const o of next) expect(historyProblem(o.orderStatusEvents)).toBeNull();
    expect(next[2]).toBe(orders[2]);
  });

  it.each<[OrderStatusType[], boolean]>([
    [['CREATED', 'APPROVED'], false],
    [['CREATED', 'REJECTED'], false],
    [['CREATED', 'APPROVED', 'CANCELLED'], false],
    [['CREATED', 'APPROVED', 'PROCESSING'], true],
    [['CREATED', 'APPROVED', 'PROCESSING', 'ON_HOLD', 'CANCELLED'], true],
  ])('%j reached fulfillment: %s', (steps, expected) => {
    expect(reachedFulfillment(history(...steps))).toBe(expected);
  });
});

describe('canonicalHistory', () => {
  const shipped = history('CREATED', 'APPROVED', 'PROCESSING', 'SHIPPED');
  const [created, approved, processing, ship] = shipped;

  it.each([
    ['a healthy history', shipped, shipped],
    ['an exact copy', [created, approved, processing, processing, ship], shipped],
    ['entries out of time order', [created, approved, ship, processing], shipped],
    ['a copy and out of order', [created, processing, approved, ship, processing], shipped],
  ])('%s becomes the time-ordered history without copies', (_name, stored, expected) => {
    expect(canonicalHistory(stored)).toEqual(expected);
  });

  it('keeps the arrival order of entries with the same time', () => {
    const same = [
      { timestamp: T0, orderStatusType: 'CREATED' as const, note: null },
      { timestamp: T0, orderStatusType: 'APPROVED' as const, note: null },
    ];
    expect(canonicalHistory(same)).toEqual(same);
  });

  it('gives null when even the canonical form is no legal path', () => {
    expect(canonicalHistory([created, ship])).toBeNull();
  });

  it('compares histories entry by entry', () => {
    expect(sameHistory(shipped, [...shipped])).toBe(true);
    expect(sameHistory(shipped, [created, approved, ship, processing])).toBe(false);
    expect(sameHistory(shipped, shipped.slice(0, 3))).toBe(false);
  });
});
