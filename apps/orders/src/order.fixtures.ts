/** Order histories for the orders unit tests. */
import type { OrderStatusEvent, OrderStatusType } from '@storefront/events';

export const T0 = 1_700_000_000_000;

/** A history of these statuses, 10 ms apart from T0. */
export function history(...steps: OrderStatusType[]): OrderStatusEvent[] {
  return steps.map((orderStatusType, index) => ({
    timestamp: T0 + index * 10,
    orderStatusType,
    note: null,
  }));
}
