import { Logger } from '@nestjs/common';
import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isTopic, type Topic } from '@storefront/events';
import type { KafkaConnection } from '../kafka/kafka-connection';
import type { MessagingMetrics } from '../messaging.metrics';
import type { BackoffOptions } from '../util/backoff';
import { BatchProcessor } from './batch-processor';
import { ConsumerMetrics } from './consumer-metrics';
import { DeadLetterSender } from './dead-letter';
import { type ConsumerState, GroupMember } from './group-member';

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

export interface ConsumerStatus {
  readonly up: boolean;
  readonly details: {
    readonly groupId: string;
    readonly state: ConsumerState;
    readonly topics: readonly Topic[];
    readonly assignedPartitions: Readonly<Record<string, readonly number[]>>;
  };
}

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
 *
 * The parts: `GroupMember` (connecting, the group, rewinds, leaving), `BatchProcessor` (the
 * per-record decode, handle, retry and dead-letter loop), `ConsumerMetrics`.
 */
export class KafkaEventServer extends Server implements CustomTransportStrategy {
  private readonly log: Logger;
  private readonly group: GroupMember;
  private readonly batches: BatchProcessor;
  private closing: Promise<void> | undefined;
  private topics: Topic[] = [];
  private listening = false;

  constructor(private readonly options: KafkaEventServerOptions) {
    super();
    const maxAttempts = options.maxAttempts ?? 5;
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3000;
    this.transportId = Symbol.for('storefront.kafka-events');
    this.log = new Logger(`KafkaEventServer(${options.groupId})`);
    if (maxAttempts < 1) throw new RangeError('maxAttempts must be at least 1');
    const metrics = new ConsumerMetrics(options.metrics);
    const isClosing = () => this.isClosing;
    this.batches = new BatchProcessor({
      connection: options.connection,
      handlerFor: (topic) => this.getHandlerByPattern(topic),
      deadLetters: new DeadLetterSender(options.connection, options.groupId, metrics),
      metrics,
      maxAttempts,
      retryBackoff: options.retryBackoff ?? { baseMs: 100, maxMs: 5000 },
      permanentCodes: new Set(options.permanentErrorCodes ?? []),
      heartbeatIntervalMs,
      isClosing,
      log: this.log,
    });
    this.group = new GroupMember({
      connection: options.connection,
      groupId: options.groupId,
      eachBatch: (payload) => this.batches.processBatch(payload),
      metrics,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      fromBeginning: options.fromBeginning,
      rewind: options.rewind,
      sessionTimeoutMs: options.sessionTimeoutMs,
      heartbeatIntervalMs,
      reconnect: options.reconnect,
      isClosing,
      log: this.log,
    });
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
    this.group.start(this.topics);
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
    const consumer = this.group.kafkaConsumer;
    if (!consumer) throw new Error('KafkaEventServer is not listening');
    return consumer as T;
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
    return this.group.assignedPartitions;
  }

  /** Name of the consumer's health component (`healthName`, default `kafkaConsumer`). */
  get healthName(): string {
    return this.options.healthName ?? 'kafkaConsumer';
  }

  /** Whether the consumer counts as running for readiness, and what its health reports. */
  consumerStatus(): ConsumerStatus {
    const { state, assignedPartitions } = this.group;
    const partitions = Object.values(assignedPartitions).reduce(
      (sum, list) => sum + list.length,
      0,
    );
    const details = {
      groupId: this.options.groupId,
      state,
      topics: this.topics,
      assignedPartitions,
    };
    // Listening without handlers consumes nothing, which is not a failure.
    const idle = this.listening && this.topics.length === 0;
    // A member (re)joining is running: after a crash the group waits for the dead member's
    // session to expire before it rebalances, and the HTTP API must not go dark meanwhile.
    const running = state === 'joined' || state === 'joining';
    const up =
      idle || (this.options.requireAssignment ? state === 'joined' && partitions > 0 : running);
    return { up, details };
  }

  private async shutdown(): Promise<void> {
    // leave() stops kafkajs' running flag synchronously, so a handler waiting to retry sees it
    // when woken here; then it waits for the batch in flight to finish and commit.
    const leaving = this.group.leave();
    this.batches.cancelRetries();
    await leaving;
  }
}
