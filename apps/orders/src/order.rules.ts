import {
  centsToPrice,
  priceFromDecimalString,
  priceToCents,
  type OrderStatusEvent,
  type OrderStatusType,
} from '@storefront/events';

/**
 * The order lifecycle. Anything not listed is illegal, including staying in the same status:
 * a second PROCESSING is a duplicate, not a transition.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatusType, readonly OrderStatusType[]>> = {
  CREATED: ['APPROVED', 'REJECTED'],
  APPROVED: ['PROCESSING', 'CANCELLED'],
  PROCESSING: ['SHIPPED', 'ON_HOLD', 'CANCELLED'],
  ON_HOLD: ['PROCESSING', 'CANCELLED'],
  SHIPPED: ['IN_TRANSIT'],
  IN_TRANSIT: ['RECEIVED'],
  RECEIVED: ['RETURNED'],
  REJECTED: [],
  CANCELLED: [],
  RETURNED: [],
};

/** Every order starts here. */
export const INITIAL_STATUS: OrderStatusType = 'CREATED';

export function canTransition(from: OrderStatusType, to: OrderStatusType): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

export type RuleResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): RuleResult<T> => ({ ok: true, value });
const refused = <T>(reason: string): RuleResult<T> => ({ ok: false, reason });

function describeAllowed(from: OrderStatusType): string {
  const next = ORDER_TRANSITIONS[from];
  return next.length === 0 ? `${from} is final` : `from ${from} only ${next.join(' or ')}`;
}

/** Why a history is not a legal path through the lifecycle, or null when it is one. */
export function historyProblem(history: readonly OrderStatusEvent[]): string | null {
  const [first, ...rest] = history;
  if (!first) return 'an order needs at least one status';
  if (first.orderStatusType !== INITIAL_STATUS) {
    return `an order starts as ${INITIAL_STATUS}, not ${first.orderStatusType}`;
  }
  let previous = first;
  for (const entry of rest) {
    if (entry.timestamp < previous.timestamp) {
      return `status ${entry.orderStatusType} at ${entry.timestamp} is older than ${previous.orderStatusType} at ${previous.timestamp}`;
    }
    if (!canTransition(previous.orderStatusType, entry.orderStatusType)) {
      return `${previous.orderStatusType} → ${entry.orderStatusType} is not allowed (${describeAllowed(previous.orderStatusType)})`;
    }
    previous = entry;
  }
  return null;
}

/** The current status: the last entry of a time-ordered, valid history. */
export function currentStatus(history: readonly OrderStatusEvent[]): OrderStatusType {
  const last = history[history.length - 1];
  if (!last) throw new RangeError('an order history is never empty');
  return last.orderStatusType;
}

/**
 * True when the two entries are the same status change: the original deduplicated with
 * `$addToSet`, so an exact copy (without an event id) is still a redelivery.
 */
function sameEntry(a: OrderStatusEvent, b: OrderStatusEvent): boolean {
  return (
    a.timestamp === b.timestamp &&
    a.orderStatusType === b.orderStatusType &&
    (a.note ?? null) === (b.note ?? null)
  );
}

/**
 * The history as it must be: in time order (entries with equal timestamps keep their order)
 * and without exact copies. Every write keeps it so; a history that is not (a copy appended
 * twice, entries out of order: what the consistency audit calls doubled or reordered) is
 * healed when the next status event of the order arrives, e.g. one fulfillment re-emits.
 * Null when the canonical form would not be a legal path either: then nothing is rewritten.
 */
export function canonicalHistory(history: readonly OrderStatusEvent[]): OrderStatusEvent[] | null {
  const unique: OrderStatusEvent[] = [];
  for (const entry of history) {
    if (!unique.some((kept) => sameEntry(kept, entry))) unique.push(entry);
  }
  const sorted = unique
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.timestamp - b.entry.timestamp || a.index - b.index)
    .map(({ entry }) => entry);
  return historyProblem(sorted) === null ? sorted : null;
}

/** Same entries in the same order. */
export function sameHistory(
  a: readonly OrderStatusEvent[],
  b: readonly OrderStatusEvent[],
): boolean {
  return a.length === b.length && a.every((entry, index) => sameEntry(entry, b[index]));
}

export type StatusInsertion =
  | { kind: 'applied'; history: OrderStatusEvent[]; status: OrderStatusType }
  | { kind: 'duplicate' }
  | { kind: 'illegal'; reason: string };

/**
 * Puts a status event into a history at its place in time. Entries with equal timestamps keep
 * their arrival order (the new one goes after them), so the order is well defined. The result
 * must still be a legal path through the lifecycle: a status arriving out of order is accepted
 * only where it fits, never by rewriting what happened after it.
 */
export function insertStatus(
  history: readonly OrderStatusEvent[],
  entry: OrderStatusEvent,
): StatusInsertion {
  if (history.some((existing) => sameEntry(existing, entry))) return { kind: 'duplicate' };
  const at = history.findIndex((existing) => existing.timestamp > entry.timestamp);
  const next =
    at === -1 ? [...history, entry] : [...history.slice(0, at), entry, ...history.slice(at)];
  const problem = historyProblem(next);
  if (problem) return { kind: 'illegal', reason: problem };
  return { kind: 'applied', history: next, status: currentStatus(next) };
}

/**
 * Timestamp of a status orders sets itself: now, but never before the last entry, so the
 * history stays in time order even if the clock stepped back.
 */
export function nextTimestamp(history: readonly OrderStatusEvent[], now: number): number {
  const last = history[history.length - 1];
  return last && last.timestamp >= now ? last.timestamp + 1 : now;
}

/** What the order API lets a caller do; everything else is fulfillment's to report. */
export const ORDER_ACTIONS = {
  approve: 'APPROVED',
  reject: 'REJECTED',
  cancel: 'CANCELLED',
} as const satisfies Record<string, OrderStatusType>;
export type OrderAction = keyof typeof ORDER_ACTIONS;

/** The parts of an order the rules look at. */
export interface OrderState {
  readonly orderStatusEvents: readonly OrderStatusEvent[];
  readonly fulfillmentRequested: boolean;
}

/**
 * Checks a status change asked for over HTTP. Once fulfillment has the order, its status
 * changes only through fulfillment's events: cancelling here would not stop the shipment.
 */
export function checkAction(order: OrderState, action: OrderAction): RuleResult<OrderStatusType> {
  const from = currentStatus(order.orderStatusEvents);
  const to = ORDER_ACTIONS[action];
  if (order.fulfillmentRequested) {
    return refused(
      `The order was sent for fulfillment; its status (${from}) now changes only through fulfillment`,
    );
  }
  if (!canTransition(from, to)) {
    return refused(`Cannot ${action} an order that is ${from}: ${describeAllowed(from)}`);
  }
  return ok(to);
}

/** Approved and not yet handed to fulfillment: what `/customers/sample/fulfill` sends. */
export function awaitsFulfillment(order: OrderState): boolean {
  return !order.fulfillmentRequested && currentStatus(order.orderStatusEvents) === 'APPROVED';
}

/** An order that has not reached fulfillment and can still be cancelled by orders itself. */
export function isOpen(order: OrderState): boolean {
  const status = currentStatus(order.orderStatusEvents);
  return !order.fulfillmentRequested && (status === 'CREATED' || status === 'APPROVED');
}

/** An order as the service keeps it: the rules' view plus its guid and current status. */
export interface StatusedOrder extends OrderState {
  readonly guid: string;
  readonly status: OrderStatusType;
  readonly orderStatusEvents: readonly OrderStatusEvent[];
}

/** The order with one more status set by orders itself, stamped after its last entry. */
export function withStatus<T extends StatusedOrder>(
  order: T,
  status: OrderStatusType,
  now: number,
  note: string | null = null,
): T {
  const entry = {
    timestamp: nextTimestamp(order.orderStatusEvents, now),
    orderStatusType: status,
    note,
  };
  return { ...order, orderStatusEvents: [...order.orderStatusEvents, entry], status };
}

/**
 * Closes the open orders of a customer deleted in accounts: CREATED ones are REJECTED and
 * APPROVED ones CANCELLED (the lifecycle has no CREATED → CANCELLED). Orders fulfillment
 * already has are left to it.
 */
export function closeOpenOrders<T extends StatusedOrder>(
  orders: readonly T[],
  now: number,
  note: string,
): { orders: T[]; closed: string[] } {
  const closed: string[] = [];
  const next = orders.map((order) => {
    if (!isOpen(order)) return order;
    closed.push(order.guid);
    return withStatus(order, order.status === 'CREATED' ? 'REJECTED' : 'CANCELLED', now, note);
  });
  return { orders: next, closed };
}

/**
 * Sample histories that went past APPROVED stand for orders fulfillment already handled, so
 * they count as sent (the order API then leaves them alone).
 */
export function reachedFulfillment(history: readonly OrderStatusEvent[]): boolean {
  // Every status after APPROVED other than CANCELLED passes through PROCESSING.
  return history.some((entry) => entry.orderStatusType === 'PROCESSING');
}

/** A line as stored: the price is the exact decimal string ("1.99"). */
export interface PricedLine {
  readonly product: { readonly price: string };
  readonly quantity: number;
}

/** Order total, summed in integer cents so no float drift creeps in. */
export function orderTotalCents(lines: readonly PricedLine[]): number {
  return lines.reduce(
    (sum, line) => sum + priceToCents(priceFromDecimalString(line.product.price)) * line.quantity,
    0,
  );
}

/** Order total as a price (dollars, two decimals exact). */
export function orderTotal(lines: readonly PricedLine[]): number {
  return centsToPrice(orderTotalCents(lines));
}
