import { Logger } from '@nestjs/common';
import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import {
  type DeadLetterReason,
  DeadLetterReasons,
  type EventMetadata,
  isTopic,
  parsePayloadJson,
  readEventHeaders,
  type Topic,
} from '@storefront/events';
import { runWithContext } from '@storefront/platform';
import type { KafkaConnection } from '../kafka/kafka-connection';
import type { ConsumeOutcome, MessagingMetrics } from '../messaging.metrics';
import { type BackoffOptions, backoffDelay } from '../util/backoff';
import { CancellableDelay, errorMessage } from '../util/delay';
import { deadLetterRecord, type FailedRecord } from './dead-letter';
import { classifyError, describeError } from './event-errors';
import { KafkaEventContext } from './kafka-event.context';

export interface KafkaEventServerOptions {
  readonly connection: KafkaConnection;
  /** Consumer group, e.g. `orders`; every instance of a service shares it. */
  readonly groupId: string;
  readonly metrics?: MessagingMetrics;
  /** Handler runs per record before it is dead-lettered (first try included). Default 5. */
  readonly maxAttempts?: number;
  /** Backoff between handler attempts. Default 100 ms doubling to 5 s. */
  readonly retryBackoff?: BackoffOptions;
  /** `DomainError` codes that retrying cannot fix: dead-lettered after the first failure. */
  readonly permanentErrorCodes?: readonly string[];
  /** Partitions processed in parallel; order holds within each partition. Default 3. */
  readonly partitionsConsumedConcurrently?: number;
  /** Where a new group starts: true reads the whole topic (replicas rebuild). Default true. */
  readonly fromBeginning?: boolean;
  /**
   * Topics to read again from their first record, whatever the group committed: asked once
   * before consuming starts; the partitions of those topics this instance gets at its first
   * group join start over (a replica wiped under a group that had read everything rebuilds).
   * Handlers must be idempotent, as they are for redeliveries.
   */
  readonly rewind?: () => Promise<readonly Topic[]>;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Backoff between attempts to connect and join while the broker is unreachable. */
  readonly reconnect?: BackoffOptions;
  /** Health: DOWN while no partition is assigned. Off by default (see README). */
  readonly requireAssignment?: boolean;
  /** Name of the health component. Default `kafkaConsumer`. */
  readonly healthName?: string;
}

type ConsumerState = 'idle' | 'connecting' | 'joining' | 'joined' | 'crashed' | 'stopped';

export interface ConsumerStatus {
  readonly up: boolean;
  readonly details: {
    readonly groupId: string;
    readonly state: ConsumerState;
    readonly topics: readonly Topic[];
    readonly assignedPartitions: Readonly<Record<string, readonly number[]>>;
  };
}

type Decoded =
  | {
      readonly ok: true;
      readonly key: string;
      readonly payload: unknown;
      readonly isTombstone: boolean;
      readonly metadata: EventMetadata;
    }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly error: string };

type MessageOutcome = 'done' | 'abandoned';

const APPLY_OUTCOMES: ReadonlySet<string> = new Set(['applied', 'stale', 'duplicate', 'not-found']);
const DEFAULT_RECONNECT: BackoffOptions = { baseMs: 1000, maxMs: 15_000 };

/**
 * A `@nestjs/microservices` transport over kafkajs whose commit, retry and dead-letter rules
 * are ours (the built-in Kafka transport retries by crashing the consumer, which rebalances
 * the group and loops forever on a poison record):
 *
 * - records of a partition are handled one at a time, in order; an offset is resolved only
 *   after its handler succeeded or the record reached the dead-letter topic, and only
 *   resolved offsets are ever committed;
 * - a record that cannot be decoded (no key, not JSON, breaks the schema, bad headers) is
 *   dead-lettered at once; a handler error is retried with backoff up to `maxAttempts`
 *   unless it is permanent, then dead-lettered; so one bad record never blocks a partition;
 *   the database out of reach is retried until it is back (an outage blocks every record
 *   alike, and dead-lettering them would lose them);
 * - if the dead-letter send fails the batch fails: kafkajs fetches the unresolved records
 *   again and nothing is committed past them;
 * - heartbeats continue while a handler runs or waits to retry;
 * - `close()` stops fetching, lets the record in flight finish (a pending retry is
 *   abandoned, uncommitted, for the next owner), commits what was resolved and leaves.
 */
export class KafkaEventServer extends Server implements CustomTransportStrategy {
  private readonly log: Logger;
  private readonly connection: KafkaConnection;
  private readonly groupId: string;
  private readonly metrics: MessagingMetrics | undefined;
  private readonly maxAttempts: number;
  private readonly retryBackoff: BackoffOptions;
  private readonly permanentCodes: ReadonlySet<string>;
  private readonly heartbeatIntervalMs: number;
  private readonly reconnectDelay = new CancellableDelay();
  private readonly retryDelays = new Set<CancellableDelay>();
  private consumer: Consumer | undefined;
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private state: ConsumerState = 'idle';
  private assignment: Record<string, number[]> = {};
  private topics: Topic[] = [];
  private listening = false;
  /** Physical topics still to read from their start (see `rewind`). */
  private rewinding = new Set<string>();
  private requestClose: () => void = () => undefined;
  private readonly closeRequested = new Promise<void>((resolve) => (this.requestClose = resolve));

  constructor(private readonly options: KafkaEventServerOptions) {
    super();
    this.connection = options.connection;
    this.groupId = options.groupId;
    this.metrics = options.metrics;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBackoff = options.retryBackoff ?? { baseMs: 100, maxMs: 5000 };
    this.permanentCodes = new Set(options.permanentErrorCodes ?? []);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3000;
    this.transportId = Symbol.for('storefront.kafka-events');
    this.log = new Logger(`KafkaEventServer(${options.groupId})`);
    if (this.maxAttempts < 1) throw new RangeError('maxAttempts must be at least 1');
  }

  /**
   * Called by Nest on start-up. Answers at once and connects in the background, so an app
   * starts (and reports the consumer DOWN) while Kafka is not reachable yet.
   */
  listen(callback: (error?: unknown) => void): void {
    // startEventConsumer already listens; a later app.startAllMicroservices() must not start
    // a second consumer.
    if (this.listening) {
      callback();
      return;
    }
    this.listening = true;
    const patterns = [...this.messageHandlers.keys()];
    const unknown = patterns.filter((pattern) => !isTopic(pattern));
    if (unknown.length > 0) {
      callback(new Error(`@EventPattern of unknown topics: ${unknown.join(', ')}`));
      return;
    }
    this.topics = patterns.filter(isTopic);
    if (this.topics.length === 0) {
      this.log.warn('no @EventPattern handlers registered; not consuming');
      callback();
      return;
    }
    this.loop = this.connectLoop();
    callback();
  }

  /** Stops fetching, finishes the record in flight, commits resolved offsets, disconnects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  on(): never {
    throw new Error('KafkaEventServer does not emit events');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('KafkaEventServer is not listening');
    return this.consumer as T;
  }

  /** True once `close()` was called: no new record is started after this. */
  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  /** Topics with a handler, as contract names. */
  get subscribedTopics(): readonly Topic[] {
    return this.topics;
  }

  /** Assigned partitions per contract topic, as of the last group join. */
  get assignedPartitions(): Readonly<Record<string, readonly number[]>> {
    return this.assignment;
  }

  /** Name of the consumer's health component (`healthName`, default `kafkaConsumer`). */
  get healthName(): string {
    return this.options.healthName ?? 'kafkaConsumer';
  }

  /** Whether the consumer counts as running for readiness, and what its health reports. */
  consumerStatus(): ConsumerStatus {
    const partitions = Object.values(this.assignment).reduce((sum, list) => sum + list.length, 0);
    const details = {
      groupId: this.groupId,
      state: this.state,
      topics: this.topics,
      assignedPartitions: this.assignment,
    };
    // Listening without handlers consumes nothing, which is not a failure.
    const idle = this.listening && this.topics.length === 0;
    // A member (re)joining is running: after a crash the group waits for the dead member's
    // session to expire before it rebalances, and the HTTP API must not go dark meanwhile.
    const running = this.state === 'joined' || this.state === 'joining';
    const up =
      idle ||
      (this.options.requireAssignment ? this.state === 'joined' && partitions > 0 : running);
    return { up, details };
  }

  private async connectLoop(): Promise<void> {
    const physical = this.topics.map((topic) => this.connection.physicalTopic(topic));
    // Consume only once the producer is up: dead-lettering needs it, and the connection
    // starts at application bootstrap, so no handler runs before every module's init hook.
    await Promise.race([this.connection.whenConnected(), this.closeRequested]);
    if (this.options.rewind) {
      try {
        const topics = await this.options.rewind();
        this.rewinding = new Set(topics.map((topic) => this.connection.physicalTopic(topic)));
        if (topics.length > 0) this.log.log(`reading ${topics.join(', ')} again from the start`);
      } catch (error) {
        this.log.warn(`cannot tell whether to rewind: ${errorMessage(error)}`);
      }
    }
    for (let attempt = 1; !this.closing; attempt += 1) {
      this.state = 'connecting';
      const consumer = this.createConsumer();
      this.consumer = consumer;
      try {
        await consumer.connect();
        await consumer.subscribe({
          topics: physical,
          fromBeginning: this.options.fromBeginning ?? true,
        });
        // close() may have run while connecting; it did not wait for us.
        if (this.closing) {
          await consumer.disconnect().catch(() => undefined);
          return;
        }
        this.state = 'joining';
        await consumer.run({
          eachBatchAutoResolve: false,
          // Commits only what we resolved: after each batch and every second or 100 records.
          autoCommit: true,
          autoCommitInterval: 1000,
          autoCommitThreshold: 100,
          partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
          eachBatch: (payload) => this.processBatch(payload),
        });
        this.log.log(`consuming ${physical.join(', ')}`);
        return;
      } catch (error) {
        await consumer.disconnect().catch(() => undefined);
        if (this.closing) return;
        this.state = 'crashed';
        const wait = backoffDelay(attempt, this.options.reconnect ?? DEFAULT_RECONNECT);
        this.log.warn(
          `cannot start consuming (${errorMessage(error)}); retrying in ${wait} ms (attempt ${attempt})`,
        );
        await this.reconnectDelay.wait(wait);
      }
    }
  }

  /** Seeks this instance's partitions of the topics to rewind to their first record, once. */
  private async rewind(
    consumer: Consumer,
    assignment: Readonly<Record<string, readonly number[]>>,
  ): Promise<void> {
    const topics = Object.keys(assignment).filter((topic) => this.rewinding.has(topic));
    if (topics.length === 0) return;
    const admin = this.connection.kafka.admin();
    try {
      await admin.connect();
      for (const topic of topics) {
        const starts = new Map(
          (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.low]),
        );
        for (const partition of assignment[topic]) {
          consumer.seek({ topic, partition, offset: starts.get(partition) ?? '0' });
        }
        this.rewinding.delete(topic);
        this.log.log(`${topic} partitions ${assignment[topic].join(', ')}: reading from the start`);
      }
    } catch (error) {
      // The next group join tries again.
      this.log.warn(`rewinding ${topics.join(', ')} failed: ${errorMessage(error)}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private createConsumer(): Consumer {
    const consumer = this.connection.createConsumer({
      groupId: this.groupId,
      // Shorter than Kafka's 30-45 s default so a crashed member's partitions move on sooner;
      // long handlers heartbeat, so this does not limit handler time.
      sessionTimeout: this.options.sessionTimeoutMs ?? 15_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      // Topics come from the contract; never create one by subscribing with a typo.
      allowAutoTopicCreation: false,
      retry: {
        retries: 5,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        // Infrastructure failures (broker gone, coordinator moved) restart the consumer;
        // handler failures never get here, they are retried and dead-lettered per record.
        restartOnFailure: async () => !this.closing,
      },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.state = 'joined';
      this.assignment = Object.fromEntries(
        Object.entries(payload.memberAssignment).map(([topic, partitions]) => [
          this.connection.contractTopic(topic) ?? topic,
          [...partitions].sort((a, b) => a - b),
        ]),
      );
      this.log.log(`joined group ${payload.groupId}: ${JSON.stringify(this.assignment)}`);
      // Partitions another member has now are not this one's lag any more.
      this.metrics?.consumerLag.reset();
      if (this.rewinding.size > 0) void this.rewind(consumer, payload.memberAssignment);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.state = 'crashed';
      this.assignment = {};
      this.log.error(`consumer crashed: ${payload.error.message}`);
      // kafkajs restarts by itself after retriable errors; after any other we start over.
      if (!payload.restart && !this.closing) {
        void this.loop?.then(() => {
          if (!this.closing) this.loop = this.connectLoop();
        });
      }
    });
    for (const event of [consumer.events.STOP, consumer.events.DISCONNECT]) {
      consumer.on(event, () => {
        if (this.state === 'joined') this.state = 'stopped';
        this.assignment = {};
      });
    }
    return consumer;
  }

  private async shutdown(): Promise<void> {
    this.requestClose();
    this.reconnectDelay.cancel();
    const consumer = this.consumer;
    // stop() flips kafkajs' running flag synchronously, so a handler waiting to retry sees it
    // when woken below; then it waits for the batch in flight, whose resolved offsets kafkajs
    // commits before leaving the group.
    const stopping = consumer?.stop();
    for (const delay of this.retryDelays) delay.cancel();
    try {
      await stopping;
      await consumer?.disconnect();
    } catch (error) {
      this.log.warn(`consumer shutdown: ${errorMessage(error)}`);
    }
    // Not awaiting the connect loop: against an unreachable broker a connection attempt can
    // take many seconds; the loop notices `closing` and disconnects what it opened.
    this.state = 'stopped';
    this.assignment = {};
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const topic = this.connection.contractTopic(batch.topic);
    if (topic === undefined || !isTopic(topic)) {
      throw new Error(`received a batch of unexpected topic ${batch.topic}`);
    }
    for (const message of batch.messages) {
      // A stopping consumer or a seek: leave the rest unresolved for whoever reads next.
      if (!payload.isRunning() || payload.isStale() || this.closing) break;
      const outcome = await this.processMessage(topic, batch.partition, message, payload);
      if (outcome === 'abandoned') break;
      payload.resolveOffset(message.offset);
      this.metrics?.consumerLag.set(
        { topic, partition: String(batch.partition) },
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(message.offset) - 1n)),
      );
      await payload.commitOffsetsIfNecessary();
      // Also how a rebalance is noticed between records (it throws), so this member stops
      // before the partition's new owner starts from the committed offset.
      await payload.heartbeat();
    }
  }

  private async processMessage(
    topic: Topic,
    partition: number,
    message: KafkaMessage,
    payload: EachBatchPayload,
  ): Promise<MessageOutcome> {
    const failed: FailedRecord = {
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
    };
    const decoded = this.decode(topic, message);
    if (!decoded.ok) {
      this.log.warn(
        `${topic}[${partition}]@${message.offset}: ${decoded.reason}: ${decoded.error}; dead-lettering`,
      );
      await this.deadLetter(failed, decoded.reason, decoded.error, 0);
      return 'done';
    }
    const handler = this.getHandlerByPattern(topic);
    if (!handler) throw new Error(`no handler for ${topic}`);
    // kafkajs only heartbeats between batches; a long handler or retry wait must not get the
    // member evicted (which would rebalance the group and redeliver the partition).
    const heartbeats = setInterval(
      () => void payload.heartbeat().catch(() => undefined),
      Math.max(100, Math.floor(this.heartbeatIntervalMs / 2)),
    );
    try {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const result = await this.invoke(handler, decoded, {
            topic,
            partition,
            offset: message.offset,
            key: decoded.key,
            metadata: decoded.metadata,
            isTombstone: decoded.isTombstone,
            attempt,
            heartbeat: () => payload.heartbeat(),
          });
          const outcome: ConsumeOutcome =
            typeof result === 'string' && APPLY_OUTCOMES.has(result)
              ? (result as ConsumeOutcome)
              : 'processed';
          this.metrics?.consumed.inc({ topic, outcome });
          this.metrics?.behind.handled(topic, decoded.key, decoded.metadata.aggregateVersion);
          this.metrics?.eventAge.observe(
            { topic },
            Math.max(0, Date.now() - Date.parse(decoded.metadata.time)) / 1000,
          );
          return 'done';
        } catch (error) {
          const where = `${topic}[${partition}]@${message.offset} (event ${decoded.metadata.id})`;
          const kind = classifyError(error, this.permanentCodes);
          const permanent = kind === 'permanent';
          this.metrics?.behind.failed(topic, decoded.key, decoded.metadata.aggregateVersion);
          if (permanent || (kind === 'transient' && attempt >= this.maxAttempts)) {
            this.log.warn(
              `${where}: handler failed ${permanent ? 'permanently' : `${attempt} times`}: ${describeError(error)}; dead-lettering`,
            );
            await this.deadLetter(
              failed,
              DeadLetterReasons.HandlerFailed,
              describeError(error),
              attempt,
            );
            return 'done';
          }
          const wait = backoffDelay(attempt, this.retryBackoff);
          this.metrics?.retried.inc({ topic });
          this.log.warn(
            `${where}: attempt ${attempt} failed: ${describeError(error)}; retrying in ${wait} ms`,
          );
          await this.sleep(wait);
          if (!payload.isRunning() || payload.isStale() || this.closing) {
            this.log.log(`${where}: consumer stopping; left uncommitted for redelivery`);
            return 'abandoned';
          }
        }
      }
    } finally {
      clearInterval(heartbeats);
    }
  }

  private decode(topic: Topic, message: KafkaMessage): Decoded {
    const key = message.key?.toString('utf8');
    if (!key) {
      return { ok: false, reason: DeadLetterReasons.MissingKey, error: 'the record has no key' };
    }
    const parsed = parsePayloadJson(topic, message.value);
    if (parsed.kind === 'rejected') {
      return { ok: false, reason: parsed.reason, error: parsed.message };
    }
    const headers = readEventHeaders(message.headers);
    if (!headers.ok) {
      return { ok: false, reason: DeadLetterReasons.InvalidHeaders, error: headers.message };
    }
    return {
      ok: true,
      key,
      payload: parsed.kind === 'payload' ? parsed.payload : null,
      isTombstone: parsed.kind === 'tombstone',
      metadata: headers.metadata,
    };
  }

  private async invoke(
    handler: MessageHandler,
    decoded: Extract<Decoded, { ok: true }>,
    record: ConstructorParameters<typeof KafkaEventContext>[0],
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

  /** Awaited with acks=all before the offset is resolved; a failure fails the batch. */
  private async deadLetter(
    record: FailedRecord,
    reason: DeadLetterReason,
    error: string,
    attempts: number,
  ): Promise<void> {
    await this.connection.send([
      deadLetterRecord(record, { reason, error, attempts, consumerGroup: this.groupId }),
    ]);
    this.metrics?.deadLettered.inc({ topic: record.topic, reason });
    this.metrics?.consumed.inc({ topic: record.topic, outcome: 'dead-lettered' });
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
