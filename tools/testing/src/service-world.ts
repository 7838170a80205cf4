/**
 * What the services' integration tests share: a per-file world on the real broker and
 * database (its own topic prefix with a copy of every contract topic, its own database), a
 * producer for the events other services would send, and a recorder of what the app under
 * test publishes, read back from the broker. Each app's test support extends `ServiceWorld`
 * with its own env and senders.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { EventHeaders, TOPIC_SPECS, type Topic } from '@storefront/events';
import { createTopicsWithLeaders, MessagingMetrics } from '@storefront/messaging';
import { type AppDefinition, type BaseConfig, createApp } from '@storefront/platform';
import {
  type Admin,
  type Consumer,
  type IHeaders,
  Kafka,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { type Db, MongoClient } from 'mongodb';
import type { z } from 'zod';
import { waitUntil } from '../runtime/wait';

export function requiredEnv(name: 'KAFKA_BROKERS' | 'MONGO_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through the jest "integration" project`);
  return value;
}

/** Polls `probe` until it yields a value (not undefined, null or false); never a fixed sleep. */
export function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  return waitUntil(probe, { what, timeoutMs, intervalMs: 50 });
}

/** Kafka header values (buffers) as text. */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [
      name,
      Buffer.isBuffer(value) ? value.toString('utf8') : String(value),
    ]),
  );
}

/** Records of a topic the app's consumer has finished, by outcome when one is given. */
export async function consumedCount(
  app: INestApplication,
  topic: Topic,
  outcome?: string,
): Promise<number> {
  const metric = await app.get(MessagingMetrics).consumed.get();
  return metric.values
    .filter(
      (value) =>
        value.labels.topic === topic && (outcome === undefined || value.labels.outcome === outcome),
    )
    .reduce((sum, value) => sum + value.value, 0);
}

/**
 * Where a topic reader stands in each partition: the next offset it has yet to see. A rejoin of
 * a reader's throwaway group replays what it had fetched; `firstSeen` tells those replays apart,
 * so a test sees the topic's records (real duplicates have offsets of their own), not its
 * reader's redeliveries.
 */
export class ReadPositions {
  private readonly next = new Map<number, bigint>();

  /** Records the delivery of `offset`; false when it was delivered before. */
  firstSeen(partition: number, offset: string): boolean {
    const at = BigInt(offset);
    if (at < this.nextOf(partition)) return false;
    this.next.set(partition, at + 1n);
    return true;
  }

  nextOf(partition: number): bigint {
    return this.next.get(partition) ?? 0n;
  }
}

export interface RecordedMessage<T = unknown> {
  readonly key: string | null;
  /** Raw value text; null for a tombstone. */
  readonly raw: string | null;
  /** The parsed value; null for a tombstone. */
  readonly payload: T;
  readonly headers: Record<string, string>;
  readonly partition: number;
  readonly offset: string;
}

/** Everything published on one topic, from the beginning, read with its own consumer group. */
export class TopicRecorder<T = unknown> {
  readonly records: RecordedMessage<T>[] = [];
  private readonly positions = new ReadPositions();
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly admin: Admin,
    readonly topic: string,
  ) {
    this.consumer = kafka.consumer({ groupId: `recorder-${randomUUID()}` });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const raw = message.value ? message.value.toString('utf8') : null;
        const record: RecordedMessage<T> = {
          key: message.key?.toString('utf8') ?? null,
          raw,
          payload: (raw === null ? null : JSON.parse(raw)) as T,
          headers: decodeHeaders(message.headers),
          partition,
          offset: message.offset,
        };
        if (this.positions.firstSeen(partition, message.offset)) this.records.push(record);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }

  /** The records of one key, in offset order. */
  forKey(key: string): RecordedMessage<T>[] {
    return this.records
      .filter((record) => record.key === key)
      .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  /** Waits until `count` records with this key have arrived, and returns them. */
  waitForKey(key: string, count: number): Promise<RecordedMessage<T>[]> {
    return eventually(
      `${count} records with key ${key} on ${this.topic}`,
      () => this.forKey(key).length >= count && this.forKey(key),
    );
  }

  /** Distinct event ids of a key: what an idempotent consumer applies. */
  eventIdsFor(key: string): string[] {
    return [...new Set(this.forKey(key).map((record) => record.headers[EventHeaders.id]))];
  }

  /**
   * Resolves once everything on the topic right now has been read: after it, a missing record
   * was never published (no sleeping and hoping).
   */
  async caughtUp(): Promise<void> {
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    await eventually(`the recorder to read ${this.topic} to its end`, () =>
      offsets.every(
        ({ partition, high, low }) =>
          high === low || this.positions.nextOf(partition) >= BigInt(high),
      ),
    );
  }
}

/** A per-file world: its own topic prefix, database and Kafka clients, and the apps it started. */
export class ServiceWorld {
  readonly runId = randomUUID().slice(0, 8);
  readonly prefix: string;
  readonly database: string;
  readonly brokers = requiredEnv('KAFKA_BROKERS').split(',');
  readonly mongoUrl = requiredEnv('MONGO_URL');
  readonly mongo = new MongoClient(this.mongoUrl);
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private readonly apps: INestApplication[] = [];
  private readonly recorders: TopicRecorder<unknown>[] = [];

  constructor(service: string) {
    this.prefix = `${service}-${this.runId}.`;
    this.database = `${service}_e2e_${this.runId}`;
    this.kafka = new Kafka({
      clientId: `${service}-test-${this.runId}`,
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
    });
  }

  topic(name: string): string {
    return `${this.prefix}${name}`;
  }

  get db(): Db {
    return this.mongo.db(this.database);
  }

  /** Creates this world's copy of every contract topic (the broker does not auto-create). */
  async setUp(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await createTopicsWithLeaders(
      this.admin,
      TOPIC_SPECS.map((spec) => ({
        topic: this.topic(spec.name),
        numPartitions: spec.partitions,
        replicationFactor: 1,
        configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
      })),
    );
    await this.mongo.connect();
  }

  async tearDown(): Promise<void> {
    for (const app of this.apps.splice(0).reverse()) await app.close();
    await Promise.all(this.recorders.map((recorder) => recorder.stop()));
    await this.producer?.disconnect();
    // Best effort: the shared broker may already be going away at the end of a run, and the
    // topics of a finished test are harmless (a later run uses another prefix).
    await this.admin
      ?.deleteTopics({ topics: TOPIC_SPECS.map((spec) => this.topic(spec.name)) })
      .catch(() => undefined);
    await this.admin?.disconnect();
    await this.db.dropDatabase().catch(() => undefined);
    await this.mongo.close();
  }

  /** Builds and initializes an app as production does (not listening: supertest drives it). */
  protected async start<S extends z.ZodType<BaseConfig>>(
    definition: AppDefinition<S>,
    env: NodeJS.ProcessEnv,
  ): Promise<INestApplication> {
    const { app } = await createApp(definition, env);
    await app.init();
    this.apps.push(app);
    return app;
  }

  async stopApp(app: INestApplication): Promise<void> {
    const index = this.apps.indexOf(app);
    if (index >= 0) this.apps.splice(index, 1);
    await app.close();
  }

  /** Sends a record to this world's copy of `topic`; a null value is a tombstone. */
  async send(topic: Topic, key: string, value: unknown, headers: IHeaders): Promise<void> {
    if (!this.producer) {
      this.producer = this.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      });
      await this.producer.connect();
    }
    await this.producer.send({
      topic: this.topic(topic),
      acks: -1,
      messages: [{ key, value: value === null ? null : JSON.stringify(value), headers }],
    });
  }

  /** Starts recording this world's copy of `topic` (a contract or dead-letter topic). */
  async record<T = unknown>(topic: string): Promise<TopicRecorder<T>> {
    if (!this.admin) throw new Error('setUp() first');
    const recorder = new TopicRecorder<T>(this.kafka, this.admin, this.topic(topic));
    await recorder.start();
    this.recorders.push(recorder);
    return recorder;
  }
}
