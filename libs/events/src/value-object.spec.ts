import { AddressSchema, ContactSchema, NameSchema } from './customer.value-objects';
import { aBillingAddress, aContact, aName } from './fixtures';
import { contractShape } from './value-object';

/** A read of a document written before a field existed, or stored without it: it is absent. */
function without<T extends object>(value: T, field: keyof T): T {
  const { [field]: _dropped, ...rest } = value;
  return rest as T;
}

describe('contractShape', () => {
  it('copies a value object field for field, in the schema order', () => {
    const { suffix, lastName, ...rest } = aName();
    const reordered = { suffix, lastName, ...rest };
    expect(contractShape(NameSchema, reordered)).toEqual(aName());
    expect(Object.keys(contractShape(NameSchema, reordered))).toEqual(Object.keys(aName()));
    expect(contractShape(ContactSchema, aContact())).toEqual(aContact());
    expect(contractShape(AddressSchema, aBillingAddress())).toEqual(aBillingAddress());
  });

  it.each([
    ['middleName', () => contractShape(NameSchema, without(aName(), 'middleName')).middleName],
    ['suffix', () => contractShape(NameSchema, without(aName(), 'suffix')).suffix],
    [
      'secondaryPhone',
      () => contractShape(ContactSchema, without(aContact(), 'secondaryPhone')).secondaryPhone,
    ],
    [
      'address2',
      () => contractShape(AddressSchema, without(aBillingAddress(), 'address2')).address2,
    ],
  ])('returns an absent optional %s as null', (_field, shaped) => {
    expect(shaped()).toBeNull();
  });

  it('leaves out what the contract does not declare (a stored _id, a card)', () => {
    const stored = { ...aContact(), _id: 'x', creditCards: [] } as ReturnType<typeof aContact>;
    expect(contractShape(ContactSchema, stored)).toEqual(aContact());
  });
});
