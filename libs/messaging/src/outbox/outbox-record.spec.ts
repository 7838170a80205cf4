import {
  CUSTOMER_CHANGED_TYPE,
  CUSTOMER_DELETED_TYPE,
  readEventHeaders,
  serviceSource,
  Topics,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { runWithContext } from '@storefront/platform';
import {
  createOutboxRecord,
  InvalidEventError,
  stampVersion,
  toOutgoingRecord,
} from './outbox-record';

const source = serviceSource('accounts');

describe('createOutboxRecord', () => {
  it('stores the validated payload as JSON with the contract metadata', () => {
    const payload = fixtures.aCustomerChanged();
    const record = createOutboxRecord(Topics.CustomerChange, payload, { source });
    expect(record).toMatchObject({
      topic: Topics.CustomerChange,
      key: payload.id,
      type: CUSTOMER_CHANGED_TYPE,
      schemaVersion: 1,
      source,
      correlationId: record.id,
    });
    // The write that stores it stamps the version (see stampVersion).
    expect(record).not.toHaveProperty('aggregateVersion');
    expect(JSON.parse(record.payload!)).toEqual(payload);
  });

  it('refuses a payload that breaks the contract, naming the field', () => {
    const payload = { ...fixtures.aCustomerChanged(), creditCards: [{ number: '4111' }] };
    expect(() => createOutboxRecord(Topics.CustomerChange, payload as never, { source })).toThrow(
      InvalidEventError,
    );
    expect(() => createOutboxRecord(Topics.CustomerChange, payload as never, { source })).toThrow(
      /creditCards/,
    );
  });

  it('refuses a key that differs from the payload key', () => {
    expect(() =>
      createOutboxRecord(Topics.CustomerChange, fixtures.aCustomerChanged(), {
        source,
        key: 'another-id',
      }),
    ).toThrow(/differs/);
  });

  it('builds a tombstone with the key given and the tombstone type', () => {
    const record = createOutboxRecord(Topics.CustomerChange, null, {
      source,
      key: 'customer-9',
    });
    expect(record).toMatchObject({ payload: null, key: 'customer-9', type: CUSTOMER_DELETED_TYPE });
  });

  it('refuses a tombstone on a topic whose contract has none', () => {
    expect(() =>
      createOutboxRecord(Topics.OrderFulfill as never, null, {
        source,
        key: 'k',
      }),
    ).toThrow(/no tombstones/);
  });

  it('takes the correlation id and a child trace context from the current request', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const record = runWithContext({ correlationId: 'req-7', traceparent }, () =>
      createOutboxRecord(Topics.CustomerChange, fixtures.aCustomerChanged(), {
        source,
      }),
    );
    expect(record.correlationId).toBe('req-7');
    expect(record.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(record.traceparent).not.toBe(traceparent);
  });

  it('publishes headers that a consumer reads back as the same metadata', () => {
    const [record] = stampVersion(
      [
        createOutboxRecord(Topics.CustomerChange, fixtures.aCustomerChanged(), {
          source,
          occurredAt: new Date('2024-01-02T03:04:05.000Z'),
        }),
      ],
      7,
    );
    const outgoing = toOutgoingRecord(record);
    const read = readEventHeaders(outgoing.headers);
    expect(read).toEqual({
      ok: true,
      metadata: expect.objectContaining({
        id: record.id,
        aggregateVersion: 7,
        time: '2024-01-02T03:04:05.000Z',
        correlationId: record.correlationId,
      }),
    });
    expect(outgoing).toMatchObject({
      topic: Topics.CustomerChange,
      key: record.key,
      value: record.payload,
    });
  });
});
