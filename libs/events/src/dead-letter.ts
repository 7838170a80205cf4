import { z } from 'zod';

/**
 * Headers a consumer adds when it moves a record to `<topic>.dlt`. The original record's key,
 * value and headers are kept as they were, so the record can be inspected and replayed.
 */
export const DeadLetterHeaders = {
  /** One of `DeadLetterReasons`. */
  reason: 'dlt_reason',
  /** Human-readable error: validation issues or the handler's error message. */
  error: 'dlt_error',
  originalTopic: 'dlt_original_topic',
  originalPartition: 'dlt_original_partition',
  originalOffset: 'dlt_original_offset',
  /** How many times the handler ran before giving up (0 when the record was never handled). */
  attempts: 'dlt_attempts',
  /** RFC 3339 time the record was dead-lettered. */
  failedAt: 'dlt_failed_at',
  consumerGroup: 'dlt_consumer_group',
} as const;
export type DeadLetterHeaderName = (typeof DeadLetterHeaders)[keyof typeof DeadLetterHeaders];

/** Why a record was dead-lettered; the value of the `dlt_reason` header. */
export const DeadLetterReasons = {
  /** The value is not UTF-8 JSON. */
  NotJson: 'not-json',
  /** The value is JSON but breaks the topic's payload schema. */
  SchemaViolation: 'schema-violation',
  /** A null value on a topic whose contract has no tombstones. */
  UnexpectedTombstone: 'unexpected-tombstone',
  /** The CloudEvents metadata headers are missing or malformed. */
  InvalidHeaders: 'invalid-headers',
  /** The record has no key, so it cannot be ordered or deduplicated per aggregate. */
  MissingKey: 'missing-key',
  /** The handler kept failing after the bounded retries. */
  HandlerFailed: 'handler-failed',
} as const;
export type DeadLetterReason = (typeof DeadLetterReasons)[keyof typeof DeadLetterReasons];

const nonNegativeInteger = /^(0|[1-9]\d*)$/;

/** The dead-letter headers on the wire (all Kafka header values are strings here). */
export const DeadLetterHeadersSchema = z.object({
  [DeadLetterHeaders.reason]: z
    .enum(DeadLetterReasons)
    .describe('Why the record was dead-lettered.'),
  [DeadLetterHeaders.error]: z.string().describe('The error: validation issues or handler error.'),
  [DeadLetterHeaders.originalTopic]: z.string().min(1).describe('Topic the record was read from.'),
  [DeadLetterHeaders.originalPartition]: z
    .string()
    .regex(nonNegativeInteger)
    .describe('Partition the record was read from.'),
  [DeadLetterHeaders.originalOffset]: z
    .string()
    .regex(nonNegativeInteger)
    .describe('Offset of the record in that partition.'),
  [DeadLetterHeaders.attempts]: z
    .string()
    .regex(nonNegativeInteger)
    .describe('How many times the handler ran before the record was dead-lettered.'),
  [DeadLetterHeaders.failedAt]: z.iso
    .datetime({ offset: true })
    .describe('RFC 3339 time the record was dead-lettered.'),
  [DeadLetterHeaders.consumerGroup]: z
    .string()
    .min(1)
    .describe('Consumer group that gave up on the record.'),
});

/**
 * Longest `dlt_error` we write: header bytes count against the topic's `max.message.bytes`,
 * and a stack trace adds nothing the consumer's log does not already hold.
 */
export const MAX_DEAD_LETTER_ERROR_LENGTH = 4000;

export interface DeadLetterInfo {
  readonly reason: DeadLetterReason;
  readonly error: string;
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kafkajs hands them over as strings. */
  readonly offset: string;
  readonly attempts: number;
  readonly consumerGroup: string;
  readonly failedAt?: Date;
}

/** The `dlt_*` headers for a record being moved to its dead-letter topic. */
export function buildDeadLetterHeaders(info: DeadLetterInfo): Record<DeadLetterHeaderName, string> {
  const headers = {
    [DeadLetterHeaders.reason]: info.reason,
    [DeadLetterHeaders.error]: info.error.slice(0, MAX_DEAD_LETTER_ERROR_LENGTH),
    [DeadLetterHeaders.originalTopic]: info.topic,
    [DeadLetterHeaders.originalPartition]: String(info.partition),
    [DeadLetterHeaders.originalOffset]: info.offset,
    [DeadLetterHeaders.attempts]: String(info.attempts),
    [DeadLetterHeaders.failedAt]: (info.failedAt ?? new Date()).toISOString(),
    [DeadLetterHeaders.consumerGroup]: info.consumerGroup,
  };
  return DeadLetterHeadersSchema.parse(headers);
}
