import type { OrderStatusEvent, OrderStatusType } from '@storefront/events';
import type { RuleResult } from '@storefront/platform';

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

/** Why an order rule refused: the order's state does not allow it. */
export interface Refusal {
  readonly reason: string;
}

type OrderRuleResult<T> = RuleResult<T, Refusal>;

const ok = <T>(value: T): OrderRuleResult<T> => ({ ok: true, value });
const refused = <T>(reason: string): OrderRuleResult<T> => ({ ok: false, reason });

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
export function checkAction(
  order: OrderState,
  action: OrderAction,
): OrderRuleResult<OrderStatusType> {
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

/** An approve / reject / cancel asked for over HTTP: the order with its new status, or why not. */
export function decideAction<T extends StatusedOrder>(
  order: T,
  action: OrderAction,
  now: number,
  note: string | null = null,
): OrderRuleResult<T> {
  const check = checkAction(order, action);
  return check.ok ? ok(withStatus(order, check.value, now, note)) : check;
}

/**
 * Closes an open order of a customer deleted in accounts: CREATED is REJECTED and APPROVED
 * CANCELLED (the lifecycle has no CREATED → CANCELLED). Null for an order that is not open:
 * closed already, or fulfillment has it and it is left to fulfillment.
 */
export function closeOpenOrder<T extends StatusedOrder>(
  order: T,
  now: number,
  note: string,
): T | null {
  if (!isOpen(order)) return null;
  return withStatus(order, order.status === 'CREATED' ? 'REJECTED' : 'CANCELLED', now, note);
}

/** An order with what the service keeps beside the rules' view. */
export interface KeptOrder extends StatusedOrder {
  readonly appliedEventIds: readonly string[];
}

export type FulfillmentDecision<T> =
  | { kind: 'already-sent' }
  | { kind: 'not-approved'; reason: string }
  | { kind: 'no-address'; reason: string }
  | { kind: 'send'; order: T };

export const NO_SHIPPING_ADDRESS = 'the customer has no SHIPPING address';

/**
 * Sending one order to fulfillment: once (an order already sent is left as it is), only when
 * APPROVED, only to a customer with a SHIPPING address. `send` carries the order flagged as
 * sent, to be written with its request.
 */
export function decideFulfillment<T extends StatusedOrder>(
  order: T,
  hasShippingAddress: boolean,
): FulfillmentDecision<T> {
  if (order.fulfillmentRequested) return { kind: 'already-sent' };
  if (!awaitsFulfillment(order)) {
    return {
      kind: 'not-approved',
      reason: `only APPROVED orders can be sent for fulfillment; this one is ${order.status}`,
    };
  }
  if (!hasShippingAddress) return { kind: 'no-address', reason: NO_SHIPPING_ADDRESS };
  return { kind: 'send', order: { ...order, fulfillmentRequested: true } };
}

/**
 * Why an order's fulfillment request cannot be sent again (repair of a fulfillment that never
 * arrived), or null when it can: it was sent and is still APPROVED (fulfillment accepts nothing
 * else, and an order that moved on has a fulfillment whose loss no request can undo).
 */
export function republishRefusal(order: StatusedOrder, hasShippingAddress: boolean): string | null {
  if (!order.fulfillmentRequested) return 'the order was never sent for fulfillment';
  if (order.status !== 'APPROVED') {
    return `the order is ${order.status}; fulfillment accepts APPROVED orders only`;
  }
  return hasShippingAddress ? null : NO_SHIPPING_ADDRESS;
}

export type StatusEventDecision<T> =
  { kind: 'duplicate' } | { kind: 'illegal'; reason: string } | { kind: 'applied'; order: T };

/**
 * A status event from fulfillment: applied once (its id is recorded on the order in the same
 * write), at its place in time. A history that held a copy or was out of order is healed by
 * the next event of the order, even one that adds nothing. Fulfillment reporting on the order
 * means it has it: the order counts as sent from then on.
 */
export function decideStatusEvent<T extends KeptOrder>(
  order: T,
  eventId: string,
  entry: OrderStatusEvent,
): StatusEventDecision<T> {
  if (order.appliedEventIds.includes(eventId)) return { kind: 'duplicate' };
  const canonical = canonicalHistory(order.orderStatusEvents);
  const healed = canonical !== null && !sameHistory(canonical, order.orderStatusEvents);
  const history = healed ? canonical : [...order.orderStatusEvents];
  const appliedEventIds = [...order.appliedEventIds, eventId];
  const insertion = insertStatus(history, entry);
  if (insertion.kind === 'duplicate') {
    if (!healed) return { kind: 'duplicate' };
    const status = currentStatus(history);
    return {
      kind: 'applied',
      order: { ...order, orderStatusEvents: history, status, appliedEventIds },
    };
  }
  if (insertion.kind === 'illegal') return insertion;
  return {
    kind: 'applied',
    order: {
      ...order,
      orderStatusEvents: insertion.history,
      status: insertion.status,
      fulfillmentRequested: true,
      appliedEventIds,
    },
  };
}

/**
 * Sort key of a customer's orders (oldest first): creation time and the order's place among
 * the orders created in the same call.
 */
export function placement(now: number, index = 0): number {
  return now * 1000 + index;
}

/** A customer's orders in the order they were placed (the original's array order). */
export function inPlacementOrder<T extends { readonly placed: number; readonly guid: string }>(
  orders: readonly T[],
): T[] {
  return [...orders].sort(
    (a, b) => a.placed - b.placed || (a.guid < b.guid ? -1 : a.guid > b.guid ? 1 : 0),
  );
}

/**
 * Sample histories that went past APPROVED stand for orders fulfillment already handled, so
 * they count as sent (the order API then leaves them alone).
 */
export function reachedFulfillment(history: readonly OrderStatusEvent[]): boolean {
  // Every status after APPROVED other than CANCELLED passes through PROCESSING.
  return history.some((entry) => entry.orderStatusType === 'PROCESSING');
}
