import {
  ADDRESS_TYPES,
  AddressSchema,
  ContactSchema,
  NameSchema,
  ShippingAddressSchema,
} from './customer.value-objects';
import {
  aBillingAddress,
  aContact,
  aName,
  anOrder,
  anOrderItem,
  anOrderStatusEvent,
  aShippingAddress,
} from './fixtures';
import {
  ORDER_STATUS_TYPES,
  OrderItemSchema,
  OrderSchema,
  OrderStatusEventSchema,
  OrderStatusTypeSchema,
} from './order.value-objects';

describe('shared value objects', () => {
  it('keeps the original enum names and order', () => {
    expect(ADDRESS_TYPES).toEqual(['BILLING', 'SHIPPING', 'SHIPPING_ALTERNATE']);
    expect(ORDER_STATUS_TYPES).toEqual([
      'CREATED',
      'APPROVED',
      'REJECTED',
      'CANCELLED',
      'PROCESSING',
      'ON_HOLD',
      'SHIPPED',
      'IN_TRANSIT',
      'RECEIVED',
      'RETURNED',
    ]);
  });

  it.each(['created', 'COMPLETED', ''])(
    'refuses the order status %p (names are case-sensitive)',
    (status) => {
      expect(OrderStatusTypeSchema.safeParse(status).success).toBe(false);
    },
  );

  describe('optional texts (the original writes explicit nulls)', () => {
    it.each([
      ['Name.middleName', NameSchema, aName(), 'middleName'],
      ['Name.suffix', NameSchema, aName(), 'suffix'],
      ['Contact.secondaryPhone', ContactSchema, aContact(), 'secondaryPhone'],
      ['Address.address2', AddressSchema, aBillingAddress(), 'address2'],
      ['OrderStatusEvent.note', OrderStatusEventSchema, anOrderStatusEvent(), 'note'],
    ] as const)('%s: null and absent both read as null', (_label, schema, valid, field) => {
      const absent: Record<string, unknown> = { ...valid };
      delete absent[field];
      expect(schema.parse({ ...valid, [field]: null })).toHaveProperty(field, null);
      expect(schema.parse(absent)).toHaveProperty(field, null);
      expect(schema.safeParse({ ...valid, [field]: 42 }).success).toBe(false);
    });

    it('keeps a present optional text', () => {
      expect(NameSchema.parse(aName({ middleName: 'S.' })).middleName).toBe('S.');
    });
  });

  it.each([
    ['Name.firstName', NameSchema, { ...aName(), firstName: null }],
    ['Name.lastName empty', NameSchema, { ...aName(), lastName: '' }],
    ['Contact.email', ContactSchema, { ...aContact(), email: undefined }],
    ['Address.postalCode', AddressSchema, { ...aBillingAddress(), postalCode: null }],
    ['OrderItem.quantity 0', OrderItemSchema, anOrderItem({ quantity: 0 })],
    ['OrderItem.quantity 1.5', OrderItemSchema, anOrderItem({ quantity: 1.5 })],
    ['Order without status', OrderSchema, anOrder({ orderStatusEvents: [] })],
    ['Order without items', OrderSchema, anOrder({ orderItems: [] })],
    [
      'OrderStatusEvent.timestamp negative',
      OrderStatusEventSchema,
      anOrderStatusEvent({ timestamp: -1 }),
    ],
  ] as const)('refuses a missing or invalid required field: %s', (_label, schema, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });

  it('accepts SHIPPING_ALTERNATE as an address type', () => {
    expect(AddressSchema.safeParse(aBillingAddress({ type: 'SHIPPING_ALTERNATE' })).success).toBe(
      true,
    );
  });

  it.each(['BILLING', 'SHIPPING_ALTERNATE'])('a shipping address refuses type %s', (type) => {
    expect(ShippingAddressSchema.safeParse({ ...aShippingAddress(), type }).success).toBe(false);
    expect(ShippingAddressSchema.safeParse(aShippingAddress()).success).toBe(true);
  });
});
