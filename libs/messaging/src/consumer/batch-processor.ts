import type { Logger } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { DeadLetterReasons, isTopic, type Topic } from '@storefront/events';
import { runWithContext } from '@storefront/platform';
import type { KafkaConnection } from '../kafka/kafka-connection';
import { type BackoffOptions, backoffDelay } from '../util/backoff';
import { CancellableDelay } from '../util/delay';
import type { ConsumerMetrics } from './consumer-metrics';
import type { DeadLetterSender, FailedRecord } from './dead-letter';
import { type DecodedRecord, decodeRecord } from './decode-record';
import { classifyError, describeError } from './event-errors';
import { KafkaEventContext, type KafkaEventRecord } from './kafka-event.context';

export interface BatchProcessorOptions {
  readonly connection: KafkaConnection;
  readonly handlerFor: (topic: Topic) => MessageHandler | null;
  readonly deadLetters: DeadLetterSender;
  readonly metrics: ConsumerMetrics;
  readonly maxAttempts: number;
  readonly retryBackoff: BackoffOptions;
  readonly permanentCodes: ReadonlySet<string>;
  readonly heartbeatIntervalMs: number;
  /** True once the server is closing: no new record or retry starts after this. */
  readonly isClosing: () => boolean;
  readonly log: Logger;
}

type RecordOutcome = 'done' | 'abandoned';

/**
 * The consumer's `eachBatch`: records of a partition one at a time, in order, each decoded,
 * handled with bounded retries or dead-lettered, and only then resolved for commit.
 */
export class BatchProcessor {
  private readonly retryDelays = new Set<CancellableDelay>();

  constructor(private readonly options: BatchProcessorOptions) {}

  async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const topic = this.options.connection.contractTopic(batch.topic);
    if (topic === undefined || !isTopic(topic)) {
      throw new Error(`received a batch of unexpected topic ${batch.topic}`);
    }
    for (const message of batch.messages) {
      // A stopping consumer or a seek: leave the rest unresolved for whoever reads next.
      if (this.mustStop(payload)) break;
      const outcome = await this.processMessage(topic, batch.partition, message, payload);
      if (outcome === 'abandoned') break;
      payload.resolveOffset(message.offset);
      this.options.metrics.resolved(topic, batch.partition, batch.highWatermark, message.offset);
      await payload.commitOffsetsIfNecessary();
      // Also how a rebalance is noticed between records (it throws), so this member stops
      // before the partition's new owner starts from the committed offset.
      await payload.heartbeat();
    }
  }

  /** Wakes every handler waiting to retry, so a closing consumer does not wait out backoffs. */
  cancelRetries(): void {
    for (const delay of this.retryDelays) delay.cancel();
  }

  private async processMessage(
    topic: Topic,
    partition: number,
    message: KafkaMessage,
    payload: EachBatchPayload,
  ): Promise<RecordOutcome> {
    const failed: FailedRecord = {
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
    };
    const decoded = decodeRecord(topic, message);
    if (!decoded.ok) {
      this.options.log.warn(
        `${topic}[${partition}]@${message.offset}: ${decoded.reason}: ${decoded.error}; dead-lettering`,
      );
      await this.options.deadLetters.send(failed, decoded.reason, decoded.error, 0);
      return 'done';
    }
    const handler = this.options.handlerFor(topic);
    if (!handler) throw new Error(`no handler for ${topic}`);
    // kafkajs only heartbeats between batches; a long handler or retry wait must not get the
    // member evicted (which would rebalance the group and redeliver the partition).
    const heartbeats = setInterval(
      () => void payload.heartbeat().catch(() => undefined),
      Math.max(100, Math.floor(this.options.heartbeatIntervalMs / 2)),
    );
    try {
      return await this.handleWithRetries(topic, handler, decoded, failed, payload);
    } finally {
      clearInterval(heartbeats);
    }
  }

  /**
   * Runs the handler until it succeeds; a permanent error, or a transient one `maxAttempts`
   * times, dead-letters the record; an outage is retried for as long as it lasts.
   */
  private async handleWithRetries(
    topic: Topic,
    handler: MessageHandler,
    decoded: DecodedRecord,
    failed: FailedRecord,
    payload: EachBatchPayload,
  ): Promise<RecordOutcome> {
    const { partition, offset } = failed;
    const { metrics, maxAttempts, log } = this.options;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await this.invoke(handler, decoded, {
          topic,
          partition,
          offset,
          key: decoded.key,
          metadata: decoded.metadata,
          isTombstone: decoded.isTombstone,
          attempt,
          heartbeat: () => payload.heartbeat(),
        });
        metrics.handled(topic, decoded, result);
        return 'done';
      } catch (error) {
        const where = `${topic}[${partition}]@${offset} (event ${decoded.metadata.id})`;
        const kind = classifyError(error, this.options.permanentCodes);
        const permanent = kind === 'permanent';
        metrics.failed(topic, decoded);
        if (permanent || (kind === 'transient' && attempt >= maxAttempts)) {
          log.warn(
            `${where}: handler failed ${permanent ? 'permanently' : `${attempt} times`}: ${describeError(error)}; dead-lettering`,
          );
          await this.options.deadLetters.send(
            failed,
            DeadLetterReasons.HandlerFailed,
            describeError(error),
            attempt,
          );
          return 'done';
        }
        const wait = backoffDelay(attempt, this.options.retryBackoff);
        metrics.retried(topic);
        log.warn(
          `${where}: attempt ${attempt} failed: ${describeError(error)}; retrying in ${wait} ms`,
        );
        await this.sleep(wait);
        if (this.mustStop(payload)) {
          log.log(`${where}: consumer stopping; left uncommitted for redelivery`);
          return 'abandoned';
        }
      }
    }
  }

  private async invoke(
    handler: MessageHandler,
    decoded: DecodedRecord,
    record: KafkaEventRecord,
  ): Promise<unknown> {
    const context = {
      correlationId: decoded.metadata.correlationId ?? decoded.metadata.id,
      traceparent: decoded.metadata.traceparent,
    };
    return runWithContext(context, async () => {
      const result: unknown = await handler(decoded.payload, new KafkaEventContext(record));
      // Nest wraps handler results (and errors, through the exception filters) in observables.
      return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
    });
  }

  private mustStop(payload: EachBatchPayload): boolean {
    return !payload.isRunning() || payload.isStale() || this.options.isClosing();
  }

  private async sleep(ms: number): Promise<void> {
    const delay = new CancellableDelay();
    this.retryDelays.add(delay);
    try {
      await delay.wait(ms);
    } finally {
      this.retryDelays.delete(delay);
    }
  }
}
