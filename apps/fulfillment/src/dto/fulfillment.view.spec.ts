import { fixtures } from '@storefront/events/testing';
import {
  type StoredFulfillment,
  toFulfillmentBody,
  toFulfillmentHalItem,
  toFulfillmentView,
} from './fulfillment.view';

const ID = '5b1be0aa0bdf5b0006c2f7a2';

function aStoredFulfillment(overrides: Partial<StoredFulfillment> = {}): StoredFulfillment {
  const order = fixtures.anOrder();
  return {
    _id: { toString: () => ID },
    timestamp: fixtures.SAMPLE_FULFILLMENT_REQUESTED_AT,
    name: fixtures.aName(),
    contact: fixtures.aContact(),
    address: fixtures.aShippingAddress(),
    order: {
      guid: order.guid,
      orderStatusEvents: order.orderStatusEvents,
      orderItems: order.orderItems.map((item) => ({
        product: { ...item.product, price: item.product.price.toFixed(2) },
        quantity: item.quantity,
      })),
    },
    status: 'APPROVED',
    shippingMethod: null,
    version: 3,
    outbox: [],
    ...overrides,
  };
}

describe('fulfillment views', () => {
  it('returns stored decimal-string prices as JSON numbers', () => {
    const body = toFulfillmentBody(aStoredFulfillment());
    expect(body.order.orderItems.map((item) => item.product.price)).toEqual([11.99, 1.99]);
  });

  it('never exposes the version or the pending events', () => {
    const view = toFulfillmentView(aStoredFulfillment());
    expect(Object.keys(view).sort()).toEqual(
      ['address', 'contact', 'id', 'name', 'order', 'shippingMethod', 'status', 'timestamp'].sort(),
    );
  });

  it('writes absent optional texts as null, like the original', () => {
    const body = toFulfillmentBody(
      aStoredFulfillment({
        name: { ...fixtures.aName(), middleName: undefined as unknown as null },
      }),
    );
    expect(body.name.middleName).toBeNull();
    expect(body.address.address2).toBeNull();
    expect(body.shippingMethod).toBeNull();
  });

  it('puts the id only in the HAL links, under the given base path', () => {
    const item = toFulfillmentHalItem(aStoredFulfillment(), '/fulfillment/fulfillments');
    expect(item).not.toHaveProperty('id');
    expect(item._links).toEqual({
      self: { href: `/fulfillment/fulfillments/${ID}` },
      fulfillment: { href: `/fulfillment/fulfillments/${ID}` },
    });
  });
});
