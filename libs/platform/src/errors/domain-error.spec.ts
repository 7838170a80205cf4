import { statusForCode } from './domain-error';

describe('statusForCode', () => {
  it.each([
    ['ORDERS.NOT_FOUND', 404],
    ['ORDERS.CUSTOMER_NOT_FOUND', 404],
    ['ACCOUNTS.VERSION_CONFLICT', 409],
    ['FULFILLMENT.ILLEGAL_TRANSITION', 409],
    ['FULFILLMENT.SORT_INVALID', 400],
    ['COMMON.UNAUTHORIZED', 401],
    ['ORDERS.NOTFOUND', 422],
    ['ORDERS.SOMETHING_ELSE', 422],
  ])('%s → %i', (code, status) => {
    expect(statusForCode(code)).toBe(status);
  });

  it('lets an explicit map win over the suffix', () => {
    expect(statusForCode('ORDERS.NO_CUSTOMERS', { 'ORDERS.NO_CUSTOMERS': 404 })).toBe(404);
    expect(statusForCode('X.NOT_FOUND', { 'X.NOT_FOUND': 410 })).toBe(410);
  });
});
