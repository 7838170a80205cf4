/**
 * Test support for the accounts integration tests: a per-file world (its own topic prefix and
 * database) and a recorder of what the app publishes, read back from the real broker.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { TOPIC_SPECS, Topics } from '@storefront/events';
import { createApp } from '@storefront/platform';
import { type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import { type Collection, type Document, MongoClient } from 'mongodb';
import { accountsApp } from '../src/accounts.app';

/** Polls `probe` until it returns something other than undefined/false; never a fixed sleep. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function requiredEnv(name: 'KAFKA_BROKERS' | 'MONGO_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through the jest "integration" project`);
  return value;
}

/**
 * The runner's environment without unrelated `*_FILE` variables (TF_CLI_CONFIG_FILE and the
 * like): the platform reads every `NAME_FILE` as a secret file and refuses to start when one
 * is missing.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.endsWith('_FILE')),
  );
}

export const ADMIN_KEY = 'accounts-admin-key-for-tests';
/** A fixed 32-byte key, so a test can open what the app sealed. */
export const CARD_KEY = randomBytes(32);

export interface RecordedEvent {
  readonly key: string;
  /** Raw value text; null for a tombstone. */
  readonly raw: string | null;
  readonly payload: unknown;
  readonly headers: Record<string, string>;
  readonly partition: number;
  readonly offset: string;
}

/** Everything published on the world's customer topic, from the beginning, own group. */
export class CustomerEventRecorder {
  readonly events: RecordedEvent[] = [];
  private readonly next = new Map<number, bigint>();
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly admin: Admin,
    readonly topic: string,
  ) {
    this.consumer = kafka.consumer({ groupId: `accounts-recorder-${randomUUID()}` });
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
        const raw = message.value ? message.value.toString('utf8') : null;
        this.events.push({
          key: message.key?.toString('utf8') ?? '',
          raw,
          payload: raw === null ? null : JSON.parse(raw),
          headers,
          partition,
          offset: message.offset,
        });
        this.next.set(partition, BigInt(message.offset) + 1n);
      },
    });
  }

  forKey(key: string): RecordedEvent[] {
    return this.events.filter((event) => event.key === key);
  }

  /** Waits until `count` events with this key have arrived, and returns them. */
  async waitForKey(key: string, count: number): Promise<RecordedEvent[]> {
    return waitUntil(
      () => this.forKey(key).length >= count && this.forKey(key),
      `${count} events with key ${key} on ${this.topic}`,
    );
  }

  /** Waits until the recorder has read everything the topic holds right now. */
  async caughtUp(): Promise<void> {
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    await waitUntil(
      () =>
        offsets.every(
          ({ partition, high, low }) =>
            high === low || (this.next.get(partition) ?? 0n) >= BigInt(high),
        ),
      `the recorder to catch up on ${this.topic}`,
    );
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** A per-file world: its own topic prefix, database and Kafka clients. */
export class AccountsWorld {
  readonly runId = randomUUID().slice(0, 8);
  readonly prefix = `acc-${this.runId}.`;
  readonly database = `accounts_e2e_${this.runId}`;
  readonly brokers = requiredEnv('KAFKA_BROKERS').split(',');
  readonly mongo = new MongoClient(requiredEnv('MONGO_URL'));
  private readonly kafka = new Kafka({
    clientId: `accounts-test-${this.runId}`,
    brokers: this.brokers,
    logLevel: logLevel.NOTHING,
  });
  private admin: Admin | undefined;
  private readonly apps: INestApplication[] = [];
  private readonly recorders: CustomerEventRecorder[] = [];

  topic(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Creates this world's copy of every contract topic (the broker does not auto-create). */
  async setUp(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: TOPIC_SPECS.map((spec) => ({
        topic: this.topic(spec.name),
        numPartitions: spec.partitions,
        replicationFactor: 1,
        configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
      })),
    });
    await this.mongo.connect();
  }

  async tearDown(): Promise<void> {
    for (const app of this.apps.splice(0).reverse()) await app.close().catch(() => undefined);
    await Promise.all(this.recorders.map((recorder) => recorder.stop()));
    await this.admin
      ?.deleteTopics({ topics: TOPIC_SPECS.map((spec) => this.topic(spec.name)) })
      .catch(() => undefined);
    await this.admin?.disconnect();
    await this.mongo
      .db(this.database)
      .dropDatabase()
      .catch(() => undefined);
    await this.mongo.close();
  }

  /** The app as production builds it, on this world's database and topics. */
  async startApp(env: Record<string, string> = {}): Promise<INestApplication> {
    const { app } = await createApp(accountsApp, {
      ...inheritedEnv(),
      PORT: '0',
      LOG_LEVEL: 'warn',
      MONGO_DB: this.database,
      KAFKA_TOPIC_PREFIX: this.prefix,
      EUREKA_ENABLED: 'false',
      ADMIN_API_KEY: ADMIN_KEY,
      CARD_ENCRYPTION_KEY: CARD_KEY.toString('base64'),
      OUTBOX_SWEEP_INTERVAL_MS: '200',
      ...env,
    });
    await app.init();
    this.apps.push(app);
    return app;
  }

  async recordCustomerEvents(): Promise<CustomerEventRecorder> {
    if (!this.admin) throw new Error('setUp() first');
    const recorder = new CustomerEventRecorder(
      this.kafka,
      this.admin,
      this.topic(Topics.CustomerChange),
    );
    await recorder.start();
    this.recorders.push(recorder);
    return recorder;
  }

  get customers(): Collection<Document> {
    return this.mongo.db(this.database).collection('customer.accounts');
  }
}
