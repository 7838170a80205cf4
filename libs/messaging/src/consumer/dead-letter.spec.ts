import { DeadLetterHeaders, DeadLetterReasons, Topics } from '@storefront/events';
import { deadLetterRecord, type FailedRecord } from './dead-letter';

function aFailedRecord(overrides: Partial<FailedRecord> = {}): FailedRecord {
  return {
    topic: Topics.CustomerChange,
    partition: 2,
    offset: '41',
    key: Buffer.from('customer-1'),
    value: Buffer.from('not json'),
    headers: { ce_id: Buffer.from('id-1'), traceparent: 'tp', absent: undefined },
    ...overrides,
  };
}

describe('deadLetterRecord', () => {
  const failedAt = new Date('2024-05-06T07:08:09.000Z');

  it('keeps key, value and original headers and adds the dlt_* headers', () => {
    const record = deadLetterRecord(aFailedRecord(), {
      reason: DeadLetterReasons.NotJson,
      error: 'Unexpected token',
      attempts: 0,
      consumerGroup: 'orders',
      failedAt,
    });
    expect(record).toEqual({
      topic: 'accounts.customer.change.dlt',
      key: 'customer-1',
      value: Buffer.from('not json'),
      headers: {
        ce_id: Buffer.from('id-1'),
        traceparent: 'tp',
        [DeadLetterHeaders.reason]: 'not-json',
        [DeadLetterHeaders.error]: 'Unexpected token',
        [DeadLetterHeaders.originalTopic]: 'accounts.customer.change',
        [DeadLetterHeaders.originalPartition]: '2',
        [DeadLetterHeaders.originalOffset]: '41',
        [DeadLetterHeaders.attempts]: '0',
        [DeadLetterHeaders.failedAt]: '2024-05-06T07:08:09.000Z',
        [DeadLetterHeaders.consumerGroup]: 'orders',
      },
    });
  });

  it('overrides dlt_* headers of a record that was dead-lettered before and replayed', () => {
    const record = deadLetterRecord(
      aFailedRecord({ headers: { [DeadLetterHeaders.attempts]: '5' } }),
      {
        reason: DeadLetterReasons.HandlerFailed,
        error: 'x',
        attempts: 2,
        consumerGroup: 'g',
        failedAt,
      },
    );
    expect(record.headers[DeadLetterHeaders.attempts]).toBe('2');
  });

  it('keeps a missing key missing and a tombstone a tombstone', () => {
    const record = deadLetterRecord(aFailedRecord({ key: null, value: null }), {
      reason: DeadLetterReasons.MissingKey,
      error: 'the record has no key',
      attempts: 0,
      consumerGroup: 'orders',
    });
    expect(record.key).toBeNull();
    expect(record.value).toBeNull();
  });
});
