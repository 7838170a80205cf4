import { z } from 'zod';
import { defineContract } from './contract';
import { OrderSchema, OrderStatusEventSchema } from './order.value-objects';
import { Topics } from './topics';

export const ORDER_STATUS_CHANGE_TOPIC = Topics.OrderStatusChange;
export const ORDER_STATUS_CHANGED_TYPE = 'com.storefront.fulfillment.order.status.changed';
export const ORDER_STATUS_CHANGED_VERSION = 1;

/** One new status of an order, as the original's `OrderStatusChangeEvent`. */
export const OrderStatusChangedSchema = z
  .object({
    guid: OrderSchema.shape.guid.describe('Guid of the order whose status changed; the Kafka key.'),
    orderStatusEvent: OrderStatusEventSchema,
  })
  .describe('An order entered a new status in fulfillment.');

export type OrderStatusChanged = z.output<typeof OrderStatusChangedSchema>;
export type OrderStatusChangedInput = z.input<typeof OrderStatusChangedSchema>;

/** Key of a status change: the order guid, so an order's statuses arrive in order. */
export function orderStatusChangedKey(payload: Pick<OrderStatusChanged, 'guid'>): string {
  return payload.guid;
}

export const orderStatusChangedContract = defineContract({
  topic: ORDER_STATUS_CHANGE_TOPIC,
  name: 'OrderStatusChanged',
  summary: 'Fulfillment moved an order to a new status; orders appends it to the history.',
  type: ORDER_STATUS_CHANGED_TYPE,
  version: ORDER_STATUS_CHANGED_VERSION,
  schema: OrderStatusChangedSchema,
  key: orderStatusChangedKey,
  keyDescription: 'The order guid (payload `guid`).',
  tombstone: null,
  producer: 'fulfillment',
  consumers: ['orders'],
});
