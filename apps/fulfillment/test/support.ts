/**
 * Test support for the fulfillment integration tests: an isolated topic prefix, a publisher
 * of fulfillment requests as orders sends them, and a recorder of the status changes the
 * app publishes, read back from the real broker.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import {
  buildEventHeaders,
  EventHeaders,
  fixtures,
  FULFILLMENT_REQUESTED_TYPE,
  FULFILLMENT_REQUESTED_VERSION,
  type FulfillmentRequested,
  type OrderStatusChanged,
  serviceSource,
  TOPIC_SPECS,
  Topics,
} from '@storefront/events';
import { MessagingMetrics } from '@storefront/messaging';
import { createApp } from '@storefront/platform';
import { type Admin, type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import mongoose from 'mongoose';
import { defineFulfillmentApp, type FulfillmentAppOverrides } from '../src/fulfillment.app';

/** Polls `probe` until it holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(
  probe: () => boolean | Promise<boolean>,
  options: { what: string; timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await probe())) {
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

export function requiredEnv(name: 'KAFKA_BROKERS' | 'MONGO_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through the jest "integration" project`);
  return value;
}

export const ADMIN_KEY = 'fulfillment-test-admin-key';

/** A per-file world: its own topic prefix, database and Kafka clients. */
export class TestWorld {
  readonly runId = randomUUID().slice(0, 8);
  readonly prefix = `ful-${this.runId}.`;
  readonly database = `fulfillment_e2e_${this.runId}`;
  readonly brokers = requiredEnv('KAFKA_BROKERS').split(',');
  readonly kafka = new Kafka({
    clientId: `fulfillment-test-${this.runId}`,
    brokers: this.brokers,
    logLevel: logLevel.NOTHING,
  });
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private readonly apps: INestApplication[] = [];
  private readonly recorders: StatusChangeRecorder[] = [];

  topic(name: string): string {
    return `${this.prefix}${name}`;
  }

  async setUp(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    // The broker does not auto-create topics: this file's prefixed copies of the contract's.
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: TOPIC_SPECS.map((spec) => ({
        topic: this.topic(spec.name),
        numPartitions: spec.partitions,
        configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
      })),
    });
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
  }

  async tearDown(): Promise<void> {
    for (const app of this.apps.splice(0).reverse()) await app.close().catch(() => undefined);
    await Promise.all(this.recorders.map((recorder) => recorder.stop()));
    await this.producer?.disconnect();
    await this.admin
      ?.deleteTopics({ topics: TOPIC_SPECS.map((spec) => this.topic(spec.name)) })
      .catch(() => undefined);
    await this.admin?.disconnect();
    const connection = await mongoose
      .createConnection(requiredEnv('MONGO_URL'), { dbName: this.database })
      .asPromise();
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }

  /** The app as production builds it, on this world's database and topics. */
  async startApp(
    env: Record<string, string> = {},
    overrides: FulfillmentAppOverrides = {},
  ): Promise<INestApplication> {
    // Only what the app needs: the machine's environment may hold unrelated *_FILE variables.
    const { app } = await createApp(defineFulfillmentApp(overrides), {
      KAFKA_BROKERS: this.brokers.join(','),
      MONGO_URL: requiredEnv('MONGO_URL'),
      PORT: '1', // never listened on: supertest drives the server in-process
      LOG_LEVEL: 'warn',
      MONGO_DB: this.database,
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_CONSUMER_GROUP: `fulfillment-${this.runId}`,
      EUREKA_ENABLED: 'false',
      ADMIN_API_KEY: ADMIN_KEY,
      OUTBOX_SWEEP_INTERVAL_MS: '200',
      ...env,
    });
    await app.init();
    this.apps.push(app);
    return app;
  }

  async stopApp(app: INestApplication): Promise<void> {
    const index = this.apps.indexOf(app);
    if (index >= 0) this.apps.splice(index, 1);
    await app.close();
  }

  /** Sends a fulfillment request the way orders does: keyed by order guid, CloudEvents headers. */
  async sendRequest(request: FulfillmentRequested, eventId: string = randomUUID()): Promise<void> {
    if (!this.producer) throw new Error('setUp() first');
    await this.producer.send({
      topic: this.topic(Topics.OrderFulfill),
      acks: -1,
      messages: [
        {
          key: request.order.guid,
          value: JSON.stringify(request),
          headers: buildEventHeaders({
            id: eventId,
            type: FULFILLMENT_REQUESTED_TYPE,
            source: serviceSource('orders'),
            schemaVersion: FULFILLMENT_REQUESTED_VERSION,
            aggregateVersion: 1,
          }),
        },
      ],
    });
  }

  async recordStatusChanges(): Promise<StatusChangeRecorder> {
    if (!this.admin) throw new Error('setUp() first');
    const recorder = new StatusChangeRecorder(
      this.kafka,
      this.admin,
      this.topic(Topics.OrderStatusChange),
    );
    await recorder.start();
    this.recorders.push(recorder);
    return recorder;
  }
}

/** A fulfillment request with a fresh order guid; John Doe's order by default. */
export function aRequest(overrides: Partial<FulfillmentRequested> = {}): FulfillmentRequested {
  return fixtures.aFulfillmentRequested({
    order: fixtures.anOrder({ guid: randomUUID() }),
    ...overrides,
  });
}

export interface RecordedStatusChange {
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly payload: OrderStatusChanged;
  readonly partition: number;
  readonly offset: string;
}

/** Everything published on the status topic, read with its own consumer group. */
export class StatusChangeRecorder {
  readonly records: RecordedStatusChange[] = [];
  private readonly next = new Map<number, bigint>();
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly admin: Admin,
    private readonly topic: string,
  ) {
    this.consumer = kafka.consumer({ groupId: `recorder-${randomUUID()}` });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [
            name,
            Buffer.isBuffer(value) ? value.toString('utf8') : String(value),
          ]),
        );
        this.records.push({
          key: message.key?.toString('utf8') ?? '',
          headers,
          payload: JSON.parse(message.value?.toString('utf8') ?? 'null') as OrderStatusChanged,
          partition,
          offset: message.offset,
        });
        this.next.set(partition, BigInt(message.offset) + 1n);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }

  /**
   * Resolves once everything on the topic right now has been read: after it, a missing record
   * was never published (no sleeping and hoping).
   */
  async catchUp(): Promise<void> {
    const ends = await this.admin.fetchTopicOffsets(this.topic);
    await waitUntil(
      () => ends.every(({ partition, high }) => (this.next.get(partition) ?? 0n) >= BigInt(high)),
      { what: `the recorder to read ${this.topic} to its end`, timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  forKey(key: string): RecordedStatusChange[] {
    return this.records
      .filter((record) => record.key === key)
      .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  /** Distinct event ids of a key: what an idempotent consumer applies. */
  eventIdsFor(key: string): string[] {
    return [...new Set(this.forKey(key).map((record) => record.headers[EventHeaders.id]))];
  }
}

/** Records of the fulfillment topic the app finished handling, by outcome. */
export async function consumedCount(app: INestApplication, outcome?: string): Promise<number> {
  const metric = await app.get(MessagingMetrics).consumed.get();
  return metric.values
    .filter(
      (value) =>
        value.labels.topic === Topics.OrderFulfill &&
        (outcome === undefined || value.labels.outcome === outcome),
    )
    .reduce((sum, value) => sum + value.value, 0);
}

export async function waitForConsumed(app: INestApplication, count: number): Promise<void> {
  await waitUntil(async () => (await consumedCount(app)) >= count, {
    what: `${count} fulfillment requests to be consumed`,
    timeoutMs: 60_000,
    intervalMs: 50,
  });
}
