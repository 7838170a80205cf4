import { z } from 'zod';
import { optionalText, requiredText } from './text';

/** A person's name, field for field the original's `Name`. */
export const NameSchema = z
  .object({
    title: requiredText('Courtesy title, e.g. "Mr." or "Ms."'),
    firstName: requiredText('Given name.'),
    middleName: optionalText('Middle name or initial, e.g. "S."; null when there is none.'),
    lastName: requiredText('Family name.'),
    suffix: optionalText('Name suffix, e.g. "Jr."; null when there is none.'),
  })
  .describe("A customer's name.");
export type Name = z.infer<typeof NameSchema>;

/** How to reach a customer, the original's `Contact`. */
export const ContactSchema = z
  .object({
    primaryPhone: requiredText('Main phone number, free text, e.g. "555-666-7777".'),
    secondaryPhone: optionalText('Other phone number; null when there is none.'),
    // Free text on purpose: the contract must never be stricter than what accounts accepts over
    // HTTP, or a valid customer would produce an event that cannot be published.
    email: requiredText('E-mail address, e.g. "john.doe@internet.com".'),
  })
  .describe("A customer's phone numbers and e-mail.");
export type Contact = z.infer<typeof ContactSchema>;

/** Address kinds, spelled as the original's `AddressType` enum names. */
export const ADDRESS_TYPES = ['BILLING', 'SHIPPING', 'SHIPPING_ALTERNATE'] as const;
export const AddressTypeSchema = z
  .enum(ADDRESS_TYPES)
  .describe('What the address is used for: BILLING, SHIPPING or SHIPPING_ALTERNATE.');
export type AddressType = z.infer<typeof AddressTypeSchema>;

const addressShape = {
  type: AddressTypeSchema,
  description: requiredText('Customer label for the address, e.g. "My home address".'),
  address1: requiredText('Street line, e.g. "123 Oak Street".'),
  address2: optionalText('Second street line; null when there is none.'),
  city: requiredText('City.'),
  state: requiredText('State code, e.g. "CA".'),
  postalCode: requiredText('Postal code as text, e.g. "12345-6789".'),
};

/** A postal address, the original's `Address`. */
export const AddressSchema = z.object(addressShape).describe('A postal address of the customer.');
export type Address = z.infer<typeof AddressSchema>;

/** An address whose type is SHIPPING: the only kind orders sends to fulfillment. */
export const ShippingAddressSchema = z
  .object({
    ...addressShape,
    type: z.literal('SHIPPING').describe('Always SHIPPING: the address the order ships to.'),
  })
  .describe("The customer's SHIPPING address.");
export type ShippingAddress = z.infer<typeof ShippingAddressSchema>;
