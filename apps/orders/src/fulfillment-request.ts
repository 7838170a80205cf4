import {
  AddressSchema,
  ContactSchema,
  contractShape,
  type FulfillmentRequestedInput,
  NameSchema,
  serviceSource,
  Topics,
} from '@storefront/events';
import { createOutboxRecord, type OutboxEvent } from '@storefront/messaging';
import { type AddressDoc, toContractOrder } from '@storefront/model';
import type { CustomerOrderDoc } from './schemas/customer-order.schema';
import type { CustomerReplica } from './schemas/customer-replica.schema';

const ORDERS_SOURCE = serviceSource('orders');

export function findShippingAddress(addresses: readonly AddressDoc[]): AddressDoc | undefined {
  return addresses.find((address) => address.type === 'SHIPPING');
}

/** The fulfillment request of one order: exactly the contract's fields, nothing internal. */
export function fulfillmentRecord(
  customer: CustomerReplica,
  address: AddressDoc,
  order: CustomerOrderDoc,
  now = Date.now(),
): OutboxEvent {
  const payload: FulfillmentRequestedInput = {
    timestamp: now,
    name: contractShape(NameSchema, customer.name),
    contact: contractShape(ContactSchema, customer.contact),
    address: { ...contractShape(AddressSchema, address), type: 'SHIPPING' },
    order: toContractOrder(order),
  };
  return createOutboxRecord(Topics.OrderFulfill, payload, { source: ORDERS_SOURCE });
}
