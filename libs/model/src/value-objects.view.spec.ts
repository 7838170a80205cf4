import { fixtures } from '@storefront/events/testing';
import {
  toContractOrder,
  toOrderItemDoc,
  toOrderItemView,
  toOrderStatusEventView,
} from './value-objects.view';

/** A lean read of a document written before a field existed: the field is simply absent. */
function without<T extends object>(value: T, field: keyof T): T {
  const { [field]: _dropped, ...rest } = value;
  return rest as T;
}

describe('value object views', () => {
  it('copies a stored status event field for field', () => {
    expect(toOrderStatusEventView(fixtures.anOrderStatusEvent())).toEqual(
      fixtures.anOrderStatusEvent(),
    );
  });

  it('returns an absent note as null', () => {
    expect(toOrderStatusEventView(without(fixtures.anOrderStatusEvent(), 'note')).note).toBeNull();
  });

  it('stores a price as an exact decimal string and returns it as a JSON number', () => {
    const item = fixtures.anOrderItem({ product: fixtures.aProduct({ price: 0.1 }), quantity: 3 });
    const stored = toOrderItemDoc(item);
    expect(stored.product.price).toBe('0.10');
    expect(toOrderItemView(stored)).toEqual(item);
  });

  it('returns a stored order in the contract shape', () => {
    const order = fixtures.anOrder();
    const stored = { ...order, orderItems: order.orderItems.map(toOrderItemDoc) };
    expect(toContractOrder(stored)).toEqual(order);
  });
});
