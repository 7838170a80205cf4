import type { Address, Contact, Name, ShippingAddress } from './customer.value-objects';
import type { Product } from './order.value-objects';

/*
 * Example values of the shared value objects, for the services' OpenAPI documents: the
 * original's sample customer John Doe and its catalogue's Green Widget. The only sample data a
 * running service loads; the test fixtures (`@storefront/events/testing`) start from them.
 */

export const EXAMPLE_NAME: Readonly<Name> = Object.freeze({
  title: 'Mr.',
  firstName: 'John',
  middleName: 'S.',
  lastName: 'Doe',
  suffix: 'Jr.',
});

export const EXAMPLE_CONTACT: Readonly<Contact> = Object.freeze({
  primaryPhone: '555-666-7777',
  secondaryPhone: '555-444-9898',
  email: 'john.doe@internet.com',
});

export const EXAMPLE_BILLING_ADDRESS: Readonly<Address> = Object.freeze({
  type: 'BILLING',
  description: 'My cc billing address',
  address1: '123 Oak Street',
  address2: null,
  city: 'Sunrise',
  state: 'CA',
  postalCode: '12345-6789',
});

export const EXAMPLE_SHIPPING_ADDRESS: Readonly<ShippingAddress> = Object.freeze({
  type: 'SHIPPING',
  description: 'My home address',
  address1: '123 Oak Street',
  address2: null,
  city: 'Sunrise',
  state: 'CA',
  postalCode: '12345-6789',
});

/** Green Widget, the product of the original README's fulfillment request sample. */
export const EXAMPLE_PRODUCT: Readonly<Product> = Object.freeze({
  guid: '7f3c9c22-3c0a-47a5-9a92-2bd2e23f6e37',
  title: 'Green Widget',
  description: 'Gorgeous Green Widget',
  price: 11.99,
});
