import type { AddressInput, CustomerInput } from './customer.rules';

export const SAMPLE_CREATED_MESSAGE = 'Sample customer accounts created';

/**
 * Fixed ids (ObjectId hex), the same as the contract fixtures': re-running the sample
 * updates the same three customers instead of orphaning their replicas in orders, which the
 * original's fresh ObjectIds on every run did.
 */
export const SAMPLE_CUSTOMER_IDS = {
  john: '5b1be0107f2b1c0001a0e001',
  mary: '5b1be0107f2b1c0001a0e002',
  susan: '5b1be0107f2b1c0001a0e003',
} as const;

export interface SampleCustomer {
  id: string;
  customer: CustomerInput;
}

function sameAddressTwice(
  billingDescription: string,
  shippingDescription: string,
  place: Pick<AddressInput, 'address1' | 'city' | 'state' | 'postalCode'>,
): AddressInput[] {
  return [
    { type: 'BILLING', description: billingDescription, ...place },
    { type: 'SHIPPING', description: shippingDescription, ...place },
  ];
}

/** The original's three sample customers (accounts `SampleData`), in its insertion order. */
export function sampleCustomers(): SampleCustomer[] {
  return [
    {
      id: SAMPLE_CUSTOMER_IDS.john,
      customer: {
        name: { title: 'Mr.', firstName: 'John', middleName: 'S.', lastName: 'Doe', suffix: 'Jr.' },
        contact: {
          primaryPhone: '555-666-7777',
          secondaryPhone: '555-444-9898',
          email: 'john.doe@internet.com',
        },
        addresses: sameAddressTwice('My cc billing address', 'My home address', {
          address1: '123 Oak Street',
          city: 'Sunrise',
          state: 'CA',
          postalCode: '12345-6789',
        }),
        creditCards: [
          {
            type: 'PRIMARY',
            description: 'VISA',
            number: '1234-6789-0000-0000',
            expiration: '6/19',
            nameOnCard: 'John S. Doe',
          },
          {
            type: 'ALTERNATE',
            description: 'Corporate American Express',
            number: '9999-8888-7777-6666',
            expiration: '3/20',
            nameOnCard: 'John Doe',
          },
        ],
      },
    },
    {
      id: SAMPLE_CUSTOMER_IDS.mary,
      customer: {
        name: { title: 'Ms.', firstName: 'Mary', lastName: 'Smith' },
        contact: {
          primaryPhone: '456-789-0001',
          secondaryPhone: '456-222-1111',
          email: 'marysmith@yougotmail.com',
        },
        addresses: sameAddressTwice('My CC billing address', 'Home Sweet Home', {
          address1: '1234 Main Street',
          city: 'Anywhere',
          state: 'NY',
          postalCode: '45455-66677',
        }),
        creditCards: [
          {
            type: 'PRIMARY',
            description: 'VISA',
            number: '4545-6767-8989-0000',
            expiration: '7/21',
            nameOnCard: 'Mary Smith',
          },
        ],
      },
    },
    {
      id: SAMPLE_CUSTOMER_IDS.susan,
      customer: {
        name: { title: 'Ms.', firstName: 'Susan', lastName: 'Blackstone' },
        contact: {
          primaryPhone: '433-544-6555',
          secondaryPhone: '223-445-6767',
          email: 'susan.m.blackstone@emailisus.com',
        },
        addresses: sameAddressTwice('My CC billing address', 'Home Sweet Home', {
          address1: '33 Oak Avenue',
          city: 'Nowhere',
          state: 'VT',
          postalCode: '444556-9090',
        }),
        creditCards: [
          {
            type: 'PRIMARY',
            description: 'Master Card',
            number: '4545-5656-7878-9090',
            expiration: '4/19',
            nameOnCard: 'Susan M. Blackstone',
          },
        ],
      },
    },
  ];
}
