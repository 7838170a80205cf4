import type { IHeaders, Message } from 'kafkajs';
import {
  buildEventHeaders,
  CUSTOMER_CHANGED_TYPE,
  type CustomerChanged,
  serviceSource,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';

/** A customer state event as accounts would publish it, for tests that produce directly. */
export function customerRecord(
  id: string,
  version: number,
  overrides: Partial<CustomerChanged> = {},
): Message {
  const payload = fixtures.aCustomerChanged({ id, ...overrides });
  return {
    key: id,
    value: JSON.stringify(payload),
    headers: customerHeaders(version),
  };
}

export function customerHeaders(version: number): IHeaders {
  return buildEventHeaders({
    type: CUSTOMER_CHANGED_TYPE,
    source: serviceSource('accounts'),
    schemaVersion: 1,
    aggregateVersion: version,
  });
}

export function customerName(firstName: string): Pick<CustomerChanged, 'name'> {
  return { name: fixtures.aName({ firstName }) };
}
