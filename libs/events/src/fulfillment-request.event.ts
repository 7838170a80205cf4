import { z } from 'zod';
import { defineContract } from './contract';
import { ContactSchema, NameSchema, ShippingAddressSchema } from './customer.value-objects';
import { EpochMillisSchema, OrderSchema } from './order.value-objects';
import { Topics } from './topics';

export const ORDER_FULFILL_TOPIC = Topics.OrderFulfill;
export const FULFILLMENT_REQUESTED_TYPE = 'com.storefront.orders.fulfillment.requested';
export const FULFILLMENT_REQUESTED_VERSION = 1;

/** A request to fulfill one approved order, as the original's `FulfillmentRequestEvent`. */
export const FulfillmentRequestedSchema = z
  .object({
    timestamp: EpochMillisSchema.describe('When orders sent the request, in epoch milliseconds.'),
    name: NameSchema,
    contact: ContactSchema,
    address: ShippingAddressSchema,
    order: OrderSchema,
  })
  .describe('Everything fulfillment needs to ship one approved order.');

export type FulfillmentRequested = z.output<typeof FulfillmentRequestedSchema>;
export type FulfillmentRequestedInput = z.input<typeof FulfillmentRequestedSchema>;

/** Key of a fulfillment request: the order guid, the same key as the order's status changes. */
export function fulfillmentRequestedKey(payload: {
  readonly order: Pick<FulfillmentRequested['order'], 'guid'>;
}): string {
  return payload.order.guid;
}

export const fulfillmentRequestedContract = defineContract({
  topic: ORDER_FULFILL_TOPIC,
  name: 'FulfillmentRequested',
  summary: 'Orders asks fulfillment to ship an approved order.',
  type: FULFILLMENT_REQUESTED_TYPE,
  version: FULFILLMENT_REQUESTED_VERSION,
  schema: FulfillmentRequestedSchema,
  key: fulfillmentRequestedKey,
  keyDescription: 'The order guid (payload `order.guid`).',
  tombstone: null,
  producer: 'orders',
  consumers: ['fulfillment'],
});
