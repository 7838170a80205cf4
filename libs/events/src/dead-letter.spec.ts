import {
  buildDeadLetterHeaders,
  DeadLetterHeaders,
  DeadLetterReasons,
  MAX_DEAD_LETTER_ERROR_LENGTH,
  type DeadLetterInfo,
} from './dead-letter';

const INFO: DeadLetterInfo = {
  reason: DeadLetterReasons.SchemaViolation,
  error: 'orderStatusEvent.orderStatusType: Invalid option',
  topic: 'fulfillment.order.change',
  partition: 2,
  offset: '41',
  attempts: 0,
  consumerGroup: 'orders',
  failedAt: new Date('2026-01-02T03:04:05.000Z'),
};

describe('dead-letter headers', () => {
  it('has the names messaging and its tests agree on', () => {
    expect(Object.values(DeadLetterHeaders)).toEqual([
      'dlt_reason',
      'dlt_error',
      'dlt_original_topic',
      'dlt_original_partition',
      'dlt_original_offset',
      'dlt_attempts',
      'dlt_failed_at',
      'dlt_consumer_group',
    ]);
  });

  it('writes every header as text', () => {
    expect(buildDeadLetterHeaders(INFO)).toEqual({
      dlt_reason: 'schema-violation',
      dlt_error: 'orderStatusEvent.orderStatusType: Invalid option',
      dlt_original_topic: 'fulfillment.order.change',
      dlt_original_partition: '2',
      dlt_original_offset: '41',
      dlt_attempts: '0',
      dlt_failed_at: '2026-01-02T03:04:05.000Z',
      dlt_consumer_group: 'orders',
    });
  });

  it('truncates a long error', () => {
    const headers = buildDeadLetterHeaders({
      ...INFO,
      error: 'x'.repeat(MAX_DEAD_LETTER_ERROR_LENGTH + 10),
    });
    expect(headers.dlt_error).toHaveLength(MAX_DEAD_LETTER_ERROR_LENGTH);
  });

  it.each([
    ['a negative partition', { partition: -1 }],
    ['a non-numeric offset', { offset: 'latest' }],
    ['an unknown reason', { reason: 'oops' as DeadLetterInfo['reason'] }],
  ])('refuses %s', (_label, override) => {
    expect(() => buildDeadLetterHeaders({ ...INFO, ...override })).toThrow();
  });
});
