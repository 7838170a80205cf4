import type { Topic } from '@storefront/events';
import type { ConsumeOutcome, MessagingMetrics } from '../messaging.metrics';
import type { DecodedRecord } from './decode-record';

/** What a handler may return to name how the record ended (see the apply helpers). */
const APPLY_OUTCOMES: ReadonlySet<string> = new Set(['applied', 'stale', 'duplicate', 'not-found']);

/**
 * What one consumer records in the messaging metrics; every method does nothing when the
 * consumer was built without metrics.
 */
export class ConsumerMetrics {
  constructor(private readonly metrics: MessagingMetrics | undefined) {}

  /** A handler finished; its result, when an apply outcome, refines the `consumed` outcome. */
  handled(topic: Topic, record: DecodedRecord, result: unknown): void {
    const outcome: ConsumeOutcome =
      typeof result === 'string' && APPLY_OUTCOMES.has(result)
        ? (result as ConsumeOutcome)
        : 'processed';
    this.metrics?.consumed.inc({ topic, outcome });
    this.metrics?.behind.handled(topic, record.key, record.metadata.aggregateVersion);
    this.metrics?.eventAge.observe(
      { topic },
      Math.max(0, Date.now() - Date.parse(record.metadata.time)) / 1000,
    );
  }

  /** A handler attempt failed, whether it is retried or dead-lettered next. */
  failed(topic: Topic, record: DecodedRecord): void {
    this.metrics?.behind.failed(topic, record.key, record.metadata.aggregateVersion);
  }

  retried(topic: Topic): void {
    this.metrics?.retried.inc({ topic });
  }

  deadLettered(topic: string, reason: string): void {
    this.metrics?.deadLettered.inc({ topic, reason });
    this.metrics?.consumed.inc({ topic, outcome: 'dead-lettered' });
  }

  /** Records of the partition after `offset`, as of the batch's high watermark. */
  resolved(topic: Topic, partition: number, highWatermark: string, offset: string): void {
    this.metrics?.consumerLag.set(
      { topic, partition: String(partition) },
      Math.max(0, Number(BigInt(highWatermark) - BigInt(offset) - 1n)),
    );
  }

  /** Partitions another member has now are not this one's lag any more. */
  rebalanced(): void {
    this.metrics?.consumerLag.reset();
  }
}
