import type { OrderStatusEvent, OrderStatusType } from '@storefront/events';
import type { RuleResult } from '@storefront/platform';

/** Carriers a fulfillment can ship with, spelled as the original's `ShippingMethod` enum. */
export const SHIPPING_METHODS = ['USPS', 'FedEx', 'UPS', 'Uber', 'Drone'] as const;
export type ShippingMethod = (typeof SHIPPING_METHODS)[number];

/** The steps fulfillment takes an order through, named as the original's sample URLs. */
export const FULFILLMENT_STEPS = ['process', 'ship', 'in-transit', 'receive'] as const;
export type FulfillmentStep = (typeof FULFILLMENT_STEPS)[number];

interface StepRule {
  readonly from: OrderStatusType;
  readonly to: OrderStatusType;
  /** The status as the original's sample responses spell it. */
  readonly label: string;
}

/** APPROVED → PROCESSING → SHIPPED → IN_TRANSIT → RECEIVED, one step at a time. */
export const STEP_RULES: Readonly<Record<FulfillmentStep, StepRule>> = {
  process: { from: 'APPROVED', to: 'PROCESSING', label: 'Processing' },
  ship: { from: 'PROCESSING', to: 'SHIPPED', label: 'Shipped' },
  'in-transit': { from: 'SHIPPED', to: 'IN_TRANSIT', label: 'In Transit' },
  receive: { from: 'IN_TRANSIT', to: 'RECEIVED', label: 'Received' },
};

/** The only status a fulfillment can start in: orders sends approved orders only. */
export const INITIAL_STATUS: OrderStatusType = 'APPROVED';

export function isFulfillmentStep(value: string): value is FulfillmentStep {
  return (FULFILLMENT_STEPS as readonly string[]).includes(value);
}

export function isShippingMethod(value: string): value is ShippingMethod {
  return (SHIPPING_METHODS as readonly string[]).includes(value);
}

/** The original's sample response text, e.g. `Order status changed to 'In Transit'`. */
export function stepResponseText(step: FulfillmentStep): string {
  return `Order status changed to '${STEP_RULES[step].label}'`;
}

/** The current status: the last entry of the history (histories are kept oldest first). */
export function currentStatus(history: readonly OrderStatusEvent[]): OrderStatusType | undefined {
  return history.at(-1)?.orderStatusType;
}

/**
 * Whether a fulfillment request can start a fulfillment: its order must currently be
 * APPROVED. Anything else is a producer bug, not something a retry would fix.
 */
export function checkRequestable(
  history: readonly OrderStatusEvent[],
): { ok: true } | { ok: false; reason: string } {
  const status = currentStatus(history);
  return status === INITIAL_STATUS
    ? { ok: true }
    : { ok: false, reason: `the order's current status is ${status ?? 'missing'}, not APPROVED` };
}

/**
 * The status events fulfillment itself produced: the history after the request's, which
 * ends with the order's APPROVED entry (a request is accepted in no other status).
 */
export function ownStatusEvents<T extends OrderStatusEvent>(history: readonly T[]): T[] {
  const approved = history.map((entry) => entry.orderStatusType).lastIndexOf(INITIAL_STATUS);
  return history.slice(approved + 1);
}

/** What the state of one fulfillment needs for a transition. */
export interface FulfillmentState {
  readonly status: OrderStatusType;
  readonly shippingMethod: ShippingMethod | null;
}

export interface TransitionInput {
  /** Epoch milliseconds of the change. */
  readonly now: number;
  /**
   * Called by the ship step only, so a seeded random source is consumed once per shipment
   * and the carriers of a seeded run do not depend on the other steps taken.
   */
  readonly chooseShippingMethod: () => ShippingMethod;
}

export interface Transition {
  readonly status: OrderStatusType;
  readonly shippingMethod: ShippingMethod | null;
  /** The new history entry, also the payload of the status change event. */
  readonly statusEvent: OrderStatusEvent;
}

/** Why a step is illegal: the status it needs is not the current one. */
export interface IllegalStep {
  readonly from: OrderStatusType;
  readonly expected: OrderStatusType;
}

/** One step of the lifecycle, or the reason it is illegal from the current status. */
export function transition(
  state: FulfillmentState,
  step: FulfillmentStep,
  input: TransitionInput,
): RuleResult<Transition, IllegalStep> {
  const rule = STEP_RULES[step];
  if (state.status !== rule.from) return { ok: false, from: state.status, expected: rule.from };
  const shippingMethod = step === 'ship' ? input.chooseShippingMethod() : state.shippingMethod;
  return {
    ok: true,
    value: {
      status: rule.to,
      shippingMethod,
      statusEvent: {
        timestamp: input.now,
        orderStatusType: rule.to,
        note: step === 'ship' ? `Shipped via ${shippingMethod}` : null,
      },
    },
  };
}

/**
 * A uniformly chosen carrier. The original mapped 0–3 to four carriers, so USPS could never
 * be picked; here every one of the five is reachable.
 */
export function pickShippingMethod(random: { pick<T>(items: readonly T[]): T }): ShippingMethod {
  return random.pick(SHIPPING_METHODS);
}
