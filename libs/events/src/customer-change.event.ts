import { z } from 'zod';
import { defineContract } from './contract';
import { AddressSchema, ContactSchema, NameSchema } from './customer.value-objects';
import { requiredText } from './text';
import { Topics } from './topics';

export const CUSTOMER_CHANGE_TOPIC = Topics.CustomerChange;
export const CUSTOMER_CHANGED_TYPE = 'com.storefront.accounts.customer.changed';
/** `ce_type` of the tombstone accounts publishes when a customer is deleted. */
export const CUSTOMER_DELETED_TYPE = 'com.storefront.accounts.customer.deleted';
export const CUSTOMER_CHANGED_VERSION = 1;

/**
 * The full current state of a customer, as the original's `CustomerChangeEvent`.
 * Credit cards are deliberately absent: on produce any key outside this schema is rejected
 * (see `validatePayload`), so a `Customer` document passed by mistake cannot leak its cards.
 */
export const CustomerChangedSchema = z
  .object({
    id: requiredText('Customer id, assigned by accounts (a Mongo ObjectId in hex); the Kafka key.'),
    name: NameSchema,
    contact: ContactSchema,
    addresses: z.array(AddressSchema).describe('Billing and shipping addresses of the customer.'),
  })
  .describe('The current state of a customer, without payment data.');

/** A customer change as consumers see it (optional texts normalized to null). */
export type CustomerChanged = z.output<typeof CustomerChangedSchema>;
/** A customer change as producers may write it (optional texts may be omitted). */
export type CustomerChangedInput = z.input<typeof CustomerChangedSchema>;

/** Key of a customer change: the customer id, so compaction keeps the latest state per customer. */
export function customerChangedKey(payload: Pick<CustomerChanged, 'id'>): string {
  return payload.id;
}

export const customerChangedContract = defineContract({
  topic: CUSTOMER_CHANGE_TOPIC,
  name: 'CustomerChanged',
  summary: 'A customer was created or changed in accounts; carries its full state without cards.',
  type: CUSTOMER_CHANGED_TYPE,
  version: CUSTOMER_CHANGED_VERSION,
  schema: CustomerChangedSchema,
  key: customerChangedKey,
  keyDescription: 'The customer id (same as the payload `id`).',
  tombstone: {
    name: 'CustomerDeleted',
    type: CUSTOMER_DELETED_TYPE,
    summary:
      'A customer was deleted in accounts: a tombstone, key = customer id and a null value, ' +
      'so compaction eventually drops the customer from the topic.',
  },
  producer: 'accounts',
  consumers: ['orders'],
});
