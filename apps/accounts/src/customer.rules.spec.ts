import { validatePayload, Topics } from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { CardCipher } from './card.cipher';
import {
  applyPatch,
  compactCustomer,
  type CreditCard,
  type CustomerInput,
  type CustomerState,
  customerChanged,
  customerView,
  maskCardNumber,
  resolveCardNumbers,
  summaryView,
} from './customer.rules';
import { sampleCustomers, SAMPLE_CUSTOMER_IDS } from './customers.sample';

function aCard(overrides: Partial<CreditCard> = {}): CreditCard {
  return {
    type: 'PRIMARY',
    description: 'VISA',
    number: '1234-6789-0000-0000',
    expiration: '6/19',
    nameOnCard: 'John S. Doe',
    ...overrides,
  };
}

function aCustomer(overrides: Partial<CustomerInput> = {}): CustomerInput {
  return { ...structuredClone(sampleCustomers()[0].customer), ...overrides };
}

function aState(overrides: Partial<CustomerState> = {}): CustomerState {
  return {
    id: SAMPLE_CUSTOMER_IDS.john,
    ...aCustomer(),
    version: 3,
    createdAt: new Date('2018-06-09T12:00:00Z'),
    updatedAt: new Date('2018-06-10T12:00:00Z'),
    ...overrides,
  };
}

const key = Buffer.alloc(32, 7);
const identity = (number: string): string => number;

describe('maskCardNumber', () => {
  it.each([
    ['1234-6789-0000-0000', '************0000'],
    ['9999 8888 7777 6666', '************6666'],
    ['378282246310005', '************0005'],
    [new CardCipher(key).seal('4545-5656-7878-9090'), '************9090'],
  ])('masks %s as %s', (stored, masked) => {
    expect(maskCardNumber(stored)).toBe(masked);
  });
});

describe('views', () => {
  it('shows every card masked and optional texts as explicit nulls', () => {
    const view = summaryView(
      aState({ name: { title: 'Ms.', firstName: 'Mary', lastName: 'Smith' } }),
    );
    expect(view.creditCards.map((card) => card.number)).toEqual([
      '************0000',
      '************6666',
    ]);
    expect(view.name).toEqual({
      title: 'Ms.',
      firstName: 'Mary',
      middleName: null,
      lastName: 'Smith',
      suffix: null,
    });
    expect(view.addresses[0].address2).toBeNull();
    expect(JSON.stringify(view)).not.toContain('6789-0000');
  });

  it('adds version and ISO timestamps to the resource view', () => {
    expect(customerView(aState())).toMatchObject({
      id: SAMPLE_CUSTOMER_IDS.john,
      version: 3,
      createdAt: '2018-06-09T12:00:00.000Z',
      updatedAt: '2018-06-10T12:00:00.000Z',
    });
  });
});

describe('compactCustomer', () => {
  it('leaves absent optional fields out of the stored form, like the original', () => {
    const stored = compactCustomer(
      aCustomer({ name: { title: 'Ms.', firstName: 'Mary', middleName: null, lastName: 'Smith' } }),
    );
    expect(stored.name).toEqual({ title: 'Ms.', firstName: 'Mary', lastName: 'Smith' });
    expect(stored.addresses[0]).not.toHaveProperty('address2');
  });
});

describe('customerChanged', () => {
  it('carries id, name, contact and addresses, and never cards', () => {
    const payload = customerChanged(SAMPLE_CUSTOMER_IDS.john, aCustomer());
    expect(Object.keys(payload)).toEqual(['id', 'name', 'contact', 'addresses']);
    expect(JSON.stringify(payload)).not.toMatch(/creditCards|6789-0000|VISA/);
  });

  it('matches the contract fixtures for the three sample customers', () => {
    const payloads = sampleCustomers().map(({ id, customer }) => customerChanged(id, customer));
    expect(payloads).toEqual(fixtures.sampleCustomerChanges());
    for (const payload of payloads) {
      expect(validatePayload(Topics.CustomerChange, payload)).toMatchObject({ ok: true });
    }
  });
});

describe('resolveCardNumbers', () => {
  const stored = [aCard(), aCard({ type: 'ALTERNATE', number: '9999-8888-7777-6666' })];
  const seal = (number: string): string => `sealed(${number})`;

  it.each<[string, CreditCard[], string[]]>([
    [
      'seals full numbers',
      [aCard({ number: '4111 1111 1111 1111' })],
      ['sealed(4111 1111 1111 1111)'],
    ],
    [
      'keeps stored cards named by their mask, in any order',
      [aCard({ number: '************6666' }), aCard({ number: '************0000' })],
      ['9999-8888-7777-6666', '1234-6789-0000-0000'],
    ],
    [
      'mixes kept and new cards',
      [aCard({ number: '************0000' }), aCard({ number: '5555-4444-3333-2222' })],
      ['1234-6789-0000-0000', 'sealed(5555-4444-3333-2222)'],
    ],
  ])('%s', (_case, incoming, numbers) => {
    const result = resolveCardNumbers(incoming, stored, seal);
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.value.map((card) => card.number)).toEqual(numbers);
  });

  it.each<[string, CreditCard[], CreditCard[], RegExp]>([
    [
      'unknown last four',
      [aCard({ number: '************1111' })],
      stored,
      /matches no stored card/,
    ],
    ['a masked number on a new customer', [aCard({ number: '************0000' })], [], /no stored/],
    [
      'an ambiguous mask at another position',
      [aCard({ number: '5555-4444-3333-2222' }), aCard(), aCard({ number: '************0000' })],
      [aCard(), aCard({ number: '1111-2222-3333-0000' })],
      /several stored cards/,
    ],
  ])('refuses %s, naming the field', (_case, incoming, existing, message) => {
    const result = resolveCardNumbers(incoming, existing, identity);
    expect(result).toMatchObject({ ok: false, field: `creditCards.${incoming.length - 1}.number` });
    expect(!result.ok && result.message).toMatch(message);
  });

  it('prefers the stored card at the same position when several share the last four', () => {
    const twins = [aCard(), aCard({ number: '1111-2222-3333-0000' })];
    const result = resolveCardNumbers(
      [aCard(), aCard({ number: '************0000' })],
      twins,
      identity,
    );
    expect(result.ok && result.value[1].number).toBe('1111-2222-3333-0000');
  });
});

describe('applyPatch', () => {
  it.each<[string, Parameters<typeof applyPatch>[1], (patched: CustomerInput) => unknown, unknown]>(
    [
      [
        'merges name fields',
        { name: { firstName: 'Johnny' } },
        (c) => c.name,
        { ...aCustomer().name, firstName: 'Johnny' },
      ],
      [
        'clears an optional field with null',
        { name: { middleName: null } },
        (c) => c.name.middleName,
        null,
      ],
      [
        'keeps what the patch leaves out',
        { contact: { email: 'j@d.com' } },
        (c) => c.name,
        aCustomer().name,
      ],
      ['replaces arrays whole', { addresses: [] }, (c) => c.addresses, []],
      ['keeps arrays it does not name', {}, (c) => c.creditCards, aCustomer().creditCards],
    ],
  )('%s', (_case, patch, pick, expected) => {
    expect(pick(applyPatch(aCustomer(), patch))).toEqual(expected);
  });
});
