import { buildDeadLetterHeaders, type DeadLetterReason, deadLetterTopic } from '@storefront/events';
import type { KafkaConnection, OutgoingRecord } from '../kafka/kafka-connection';
import type { ConsumerMetrics } from './consumer-metrics';

/** A consumed record as the dead-letter step needs it. */
export interface FailedRecord {
  /** Contract topic. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export interface DeadLetterCause {
  readonly reason: DeadLetterReason;
  readonly error: string;
  readonly attempts: number;
  readonly consumerGroup: string;
  readonly failedAt?: Date;
}

/**
 * The record to send to `<topic>.dlt`: same key and value, the original headers (so the
 * record can be inspected and replayed as it was) plus the `dlt_*` headers saying why.
 * A record without a key keeps a null key; ordering no longer matters for it.
 */
export function deadLetterRecord(record: FailedRecord, cause: DeadLetterCause): OutgoingRecord {
  const original: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    if (value !== undefined) original[name] = value;
  }
  const headers = {
    ...original,
    ...buildDeadLetterHeaders({
      reason: cause.reason,
      error: cause.error,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      attempts: cause.attempts,
      consumerGroup: cause.consumerGroup,
      failedAt: cause.failedAt,
    }),
  };
  return {
    topic: deadLetterTopic(record.topic),
    key: record.key === null ? null : record.key.toString(),
    value: record.value,
    headers,
  };
}

/** Sends one consumer group's failed records to their dead-letter topics. */
export class DeadLetterSender {
  constructor(
    private readonly connection: KafkaConnection,
    private readonly consumerGroup: string,
    private readonly metrics: ConsumerMetrics,
  ) {}

  /** Awaited with acks=all before the offset is resolved; a failure fails the batch. */
  async send(
    record: FailedRecord,
    reason: DeadLetterReason,
    error: string,
    attempts: number,
  ): Promise<void> {
    await this.connection.send([
      deadLetterRecord(record, { reason, error, attempts, consumerGroup: this.consumerGroup }),
    ]);
    this.metrics.deadLettered(record.topic, reason);
  }
}
