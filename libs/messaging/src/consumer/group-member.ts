import type { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Topic } from '@storefront/events';
import type { KafkaConnection } from '../kafka/kafka-connection';
import { type BackoffOptions, backoffDelay } from '../util/backoff';
import { CancellableDelay, errorMessage } from '../util/delay';
import type { ConsumerMetrics } from './consumer-metrics';

export type ConsumerState = 'idle' | 'connecting' | 'joining' | 'joined' | 'crashed' | 'stopped';

export interface GroupMemberOptions {
  readonly connection: KafkaConnection;
  readonly groupId: string;
  readonly eachBatch: (payload: EachBatchPayload) => Promise<void>;
  readonly metrics: ConsumerMetrics;
  readonly partitionsConsumedConcurrently?: number;
  readonly fromBeginning?: boolean;
  readonly rewind?: () => Promise<readonly Topic[]>;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs: number;
  readonly reconnect?: BackoffOptions;
  /** True once the server is closing: no new connection attempt starts after this. */
  readonly isClosing: () => boolean;
  readonly log: Logger;
}

const DEFAULT_RECONNECT: BackoffOptions = { baseMs: 1000, maxMs: 15_000 };

/**
 * The kafkajs consumer's life in its group: connects and subscribes (retrying with backoff
 * while the broker is unreachable), starts over after a crash kafkajs does not restart from,
 * tracks the state and the assigned partitions, seeks partitions to rewind, and leaves.
 */
export class GroupMember {
  private readonly reconnectDelay = new CancellableDelay();
  private consumer: Consumer | undefined;
  private loop: Promise<void> | undefined;
  private currentState: ConsumerState = 'idle';
  private assignment: Record<string, number[]> = {};
  /** Physical topics still to read from their start (see `rewind`). */
  private rewinding = new Set<string>();
  private requestClose: () => void = () => undefined;
  private readonly closeRequested = new Promise<void>((resolve) => (this.requestClose = resolve));

  constructor(private readonly options: GroupMemberOptions) {}

  get state(): ConsumerState {
    return this.currentState;
  }

  /** Assigned partitions per contract topic, as of the last group join. */
  get assignedPartitions(): Readonly<Record<string, readonly number[]>> {
    return this.assignment;
  }

  /** The kafkajs consumer of the current connection attempt, if any. */
  get kafkaConsumer(): Consumer | undefined {
    return this.consumer;
  }

  /** Connects in the background; returns at once. */
  start(topics: readonly Topic[]): void {
    this.loop = this.connectLoop(topics);
  }

  /**
   * Stops fetching and leaves the group. The kafkajs running flag is flipped before this
   * returns its promise, so a handler waiting to retry and woken right after sees it.
   */
  async leave(): Promise<void> {
    this.requestClose();
    this.reconnectDelay.cancel();
    const consumer = this.consumer;
    // stop() waits for the batch in flight, whose resolved offsets kafkajs commits before
    // leaving the group.
    const stopping = consumer?.stop();
    try {
      await stopping;
      await consumer?.disconnect();
    } catch (error) {
      this.options.log.warn(`consumer shutdown: ${errorMessage(error)}`);
    }
    // Not awaiting the connect loop: against an unreachable broker a connection attempt can
    // take many seconds; the loop notices `closing` and disconnects what it opened.
    this.currentState = 'stopped';
    this.assignment = {};
  }

  private async connectLoop(topics: readonly Topic[]): Promise<void> {
    const { connection, log, isClosing } = this.options;
    const physical = topics.map((topic) => connection.physicalTopic(topic));
    // Consume only once the producer is up: dead-lettering needs it, and the connection
    // starts at application bootstrap, so no handler runs before every module's init hook.
    await Promise.race([connection.whenConnected(), this.closeRequested]);
    if (this.options.rewind) {
      try {
        const rewind = await this.options.rewind();
        this.rewinding = new Set(rewind.map((topic) => connection.physicalTopic(topic)));
        if (rewind.length > 0) log.log(`reading ${rewind.join(', ')} again from the start`);
      } catch (error) {
        log.warn(`cannot tell whether to rewind: ${errorMessage(error)}`);
      }
    }
    for (let attempt = 1; !isClosing(); attempt += 1) {
      this.currentState = 'connecting';
      const consumer = this.createConsumer(topics);
      this.consumer = consumer;
      try {
        await consumer.connect();
        await consumer.subscribe({
          topics: physical,
          fromBeginning: this.options.fromBeginning ?? true,
        });
        // close() may have run while connecting; it did not wait for us.
        if (isClosing()) {
          await consumer.disconnect().catch(() => undefined);
          return;
        }
        this.currentState = 'joining';
        await consumer.run({
          eachBatchAutoResolve: false,
          // Commits only what we resolved: after each batch and every second or 100 records.
          autoCommit: true,
          autoCommitInterval: 1000,
          autoCommitThreshold: 100,
          partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
          eachBatch: this.options.eachBatch,
        });
        log.log(`consuming ${physical.join(', ')}`);
        return;
      } catch (error) {
        await consumer.disconnect().catch(() => undefined);
        if (isClosing()) return;
        this.currentState = 'crashed';
        const wait = backoffDelay(attempt, this.options.reconnect ?? DEFAULT_RECONNECT);
        log.warn(
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
    const admin = this.options.connection.kafka.admin();
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
        this.options.log.log(
          `${topic} partitions ${assignment[topic].join(', ')}: reading from the start`,
        );
      }
    } catch (error) {
      // The next group join tries again.
      this.options.log.warn(`rewinding ${topics.join(', ')} failed: ${errorMessage(error)}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private createConsumer(topics: readonly Topic[]): Consumer {
    const { connection, log, isClosing } = this.options;
    const consumer = connection.createConsumer({
      groupId: this.options.groupId,
      // Shorter than Kafka's 30-45 s default so a crashed member's partitions move on sooner;
      // long handlers heartbeat, so this does not limit handler time.
      sessionTimeout: this.options.sessionTimeoutMs ?? 15_000,
      heartbeatInterval: this.options.heartbeatIntervalMs,
      // Topics come from the contract; never create one by subscribing with a typo.
      allowAutoTopicCreation: false,
      retry: {
        retries: 5,
        initialRetryTime: 300,
        maxRetryTime: 10_000,
        // Infrastructure failures (broker gone, coordinator moved) restart the consumer;
        // handler failures never get here, they are retried and dead-lettered per record.
        restartOnFailure: async () => !isClosing(),
      },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.currentState = 'joined';
      this.assignment = Object.fromEntries(
        Object.entries(payload.memberAssignment).map(([topic, partitions]) => [
          connection.contractTopic(topic) ?? topic,
          [...partitions].sort((a, b) => a - b),
        ]),
      );
      log.log(`joined group ${payload.groupId}: ${JSON.stringify(this.assignment)}`);
      this.options.metrics.rebalanced();
      if (this.rewinding.size > 0) void this.rewind(consumer, payload.memberAssignment);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.currentState = 'crashed';
      this.assignment = {};
      log.error(`consumer crashed: ${payload.error.message}`);
      // kafkajs restarts by itself after retriable errors; after any other we start over.
      if (!payload.restart && !isClosing()) {
        void this.loop?.then(() => {
          if (!isClosing()) this.loop = this.connectLoop(topics);
        });
      }
    });
    for (const event of [consumer.events.STOP, consumer.events.DISCONNECT]) {
      consumer.on(event, () => {
        if (this.currentState === 'joined') this.currentState = 'stopped';
        this.assignment = {};
      });
    }
    return consumer;
  }
}
