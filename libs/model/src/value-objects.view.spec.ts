import { fixtures } from '@storefront/events';
import {
  toAddressView,
  toContactView,
  toContractOrder,
  toNameView,
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
  it('copies stored values field for field', () => {
    expect(toNameView(fixtures.aName())).toEqual(fixtures.aName());
    expect(toContactView(fixtures.aContact())).toEqual(fixtures.aContact());
    expect(toAddressView(fixtures.aShippingAddress())).toEqual(fixtures.aShippingAddress());
    expect(toOrderStatusEventView(fixtures.anOrderStatusEvent())).toEqual(
      fixtures.anOrderStatusEvent(),
    );
  });

  it.each([
    ['middleName', () => toNameView(without(fixtures.aName(), 'middleName')).middleName],
    ['suffix', () => toNameView(without(fixtures.aName(), 'suffix')).suffix],
    [
      'secondaryPhone',
      () => toContactView(without(fixtures.aContact(), 'secondaryPhone')).secondaryPhone,
    ],
    ['address2', () => toAddressView(without(fixtures.aBillingAddress(), 'address2')).address2],
    ['note', () => toOrderStatusEventView(without(fixtures.anOrderStatusEvent(), 'note')).note],
  ])('returns an absent optional %s as null', (_field, view) => {
    expect(view()).toBeNull();
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
