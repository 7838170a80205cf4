import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import {
  buildEventHeaders,
  type CustomerChanged,
  CUSTOMER_CHANGED_TYPE,
  CUSTOMER_CHANGED_VERSION,
  CUSTOMER_DELETED_TYPE,
  deadLetterTopic,
  type OrderStatusChanged,
  ORDER_STATUS_CHANGED_TYPE,
  ORDER_STATUS_CHANGED_VERSION,
  serviceSource,
  TOPIC_SPECS,
  Topics,
  type Topic,
} from '@storefront/events';
import { MessagingMetrics } from '@storefront/messaging';
import { createApp } from '@storefront/platform';
import {
  type Consumer,
  type IHeaders,
  Kafka,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { MongoClient } from 'mongodb';
import { ordersApp } from '../../src/orders.app';

function requiredEnv(name: 'KAFKA_BROKERS' | 'MONGO_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through the jest "integration" project`);
  return value;
}

/** A record read back from a topic, decoded. */
export interface ReadRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: unknown;
  readonly headers: Record<string, string>;
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) out[name] = value.toString();
  }
  return out;
}

/**
 * One isolated orders world per test file: its own database, its own topic prefix (so other
 * test files' events never reach it) and consumer group; a producer for the events accounts
 * and fulfillment would send, and a reader for what orders publishes.
 */
export class OrdersHarness {
  readonly id = `orders-${randomUUID().slice(0, 8)}`;
  readonly prefix = `${this.id}.`;
  readonly brokers = requiredEnv('KAFKA_BROKERS').split(',');
  readonly mongoUrl = requiredEnv('MONGO_URL');
  readonly dbName = this.id.replace(/-/g, '_');
  readonly adminKey = 'orders-admin-key-for-tests';
  private readonly kafka = new Kafka({
    clientId: this.id,
    brokers: this.brokers,
    logLevel: logLevel.NOTHING,
  });
  private producer: Producer | undefined;
  private readonly readers: Consumer[] = [];
  private readonly apps: INestApplication[] = [];
  readonly mongo = new MongoClient(this.mongoUrl);

  topic(topic: string): string {
    return `${this.prefix}${topic}`;
  }

  async setUp(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: TOPIC_SPECS.map((spec) => ({
          topic: this.topic(spec.name),
          numPartitions: spec.partitions,
          replicationFactor: 1,
          configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
        })),
      });
    } finally {
      await admin.disconnect();
    }
    await this.mongo.connect();
  }

  /** Builds and initializes an orders app on this world (not listening: supertest drives it). */
  async startApp(env: Record<string, string> = {}): Promise<INestApplication> {
    // Only what the app needs: the whole process environment may hold unrelated NAME_FILE
    // variables that the platform would try to read as secrets.
    const { app } = await createApp(ordersApp, {
      KAFKA_BROKERS: this.brokers.join(','),
      MONGO_URL: this.mongoUrl,
      MONGO_DB: this.dbName,
      PORT: '0',
      LOG_LEVEL: 'warn',
      EUREKA_ENABLED: 'false',
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_CONSUMER_GROUP: this.id,
      SAMPLE_SEED: '42',
      ADMIN_API_KEY: this.adminKey,
      OUTBOX_SWEEP_INTERVAL_MS: '300',
      ...env,
    });
    await app.init();
    this.apps.push(app);
    return app;
  }

  async stopApp(app: INestApplication): Promise<void> {
    this.apps.splice(this.apps.indexOf(app), 1);
    await app.close();
  }

  get customerOrders() {
    return this.mongo
      .db(this.dbName)
      .collection<{ _id: string } & Record<string, unknown>>('customer.orders');
  }

  private async producerReady(): Promise<Producer> {
    if (!this.producer) {
      this.producer = this.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      });
      await this.producer.connect();
    }
    return this.producer;
  }

  async send(
    topic: Topic,
    key: string,
    value: unknown,
    headers: Record<string, string>,
  ): Promise<void> {
    const producer = await this.producerReady();
    await producer.send({
      topic: this.topic(topic),
      acks: -1,
      messages: [{ key, value: value === null ? null : JSON.stringify(value), headers }],
    });
  }

  /** What accounts publishes when a customer is saved. */
  async sendCustomerChanged(customer: CustomerChanged, version: number): Promise<string> {
    const id = randomUUID();
    await this.send(
      Topics.CustomerChange,
      customer.id,
      customer,
      buildEventHeaders({
        id,
        type: CUSTOMER_CHANGED_TYPE,
        source: serviceSource('accounts'),
        schemaVersion: CUSTOMER_CHANGED_VERSION,
        aggregateVersion: version,
      }),
    );
    return id;
  }

  /** What accounts publishes when a customer is deleted: a tombstone. */
  async sendCustomerDeleted(customerId: string, version: number): Promise<void> {
    await this.send(
      Topics.CustomerChange,
      customerId,
      null,
      buildEventHeaders({
        type: CUSTOMER_DELETED_TYPE,
        source: serviceSource('accounts'),
        schemaVersion: CUSTOMER_CHANGED_VERSION,
        aggregateVersion: version,
      }),
    );
  }

  /** What fulfillment publishes on a status change; returns the event id. */
  async sendStatusChanged(event: OrderStatusChanged, eventId = randomUUID()): Promise<string> {
    await this.send(
      Topics.OrderStatusChange,
      event.guid,
      event,
      buildEventHeaders({
        id: eventId,
        type: ORDER_STATUS_CHANGED_TYPE,
        source: serviceSource('fulfillment'),
        schemaVersion: ORDER_STATUS_CHANGED_VERSION,
        aggregateVersion: 1,
      }),
    );
    return eventId;
  }

  /** Starts reading a topic (and keeps everything it reads) from the beginning. */
  async read(topic: Topic | ReturnType<typeof deadLetterTopic>): Promise<ReadRecord[]> {
    const records: ReadRecord[] = [];
    const consumer = this.kafka.consumer({ groupId: `${this.id}-reader-${randomUUID()}` });
    this.readers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic(topic), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const text = message.value?.toString();
        records.push({
          topic,
          key: message.key?.toString() ?? null,
          value: text === undefined ? null : (JSON.parse(text) as unknown),
          headers: decodeHeaders(message.headers),
        });
      },
    });
    return records;
  }

  async tearDown(): Promise<void> {
    for (const app of [...this.apps].reverse()) await app.close();
    await Promise.all(this.readers.map((reader) => reader.disconnect()));
    await this.producer?.disconnect();
    await this.mongo
      .db(this.dbName)
      .dropDatabase()
      .catch(() => undefined);
    await this.mongo.close();
    // Best effort: the shared broker may already be going away at the end of a run.
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteTopics({ topics: TOPIC_SPECS.map((spec) => this.topic(spec.name)) });
    } catch {
      // Topics of a finished test are harmless; a later run uses another prefix.
    } finally {
      await admin.disconnect();
    }
  }
}

/** Records of a topic the app's consumer has finished (any outcome, dead-letters included). */
export async function consumedCount(app: INestApplication, topic: Topic): Promise<number> {
  const metric = await app.get(MessagingMetrics).consumed.get();
  return metric.values.filter((v) => v.labels.topic === topic).reduce((sum, v) => sum + v.value, 0);
}

/**
 * Runs `send`, then waits until the consumer has finished `count` more records of `topic`:
 * the way to assert that something did NOT change, without sleeping.
 */
export async function afterConsuming(
  app: INestApplication,
  topic: Topic,
  count: number,
  send: () => Promise<unknown>,
): Promise<void> {
  const before = await consumedCount(app, topic);
  await send();
  await eventually(`${count} more ${topic} record(s) consumed`, async () =>
    (await consumedCount(app, topic)) >= before + count ? true : undefined,
  );
}

/** Polls a condition until it yields a value (not undefined, null or false), with a readable timeout message (never a fixed sleep). */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined && result !== null && result !== false) return result;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
