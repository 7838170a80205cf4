/**
 * What the services' integration tests share: a per-file world on the real broker and
 * database (its own topic prefix with a copy of every contract topic, its own database), a
 * producer for the events other services would send, and a recorder of what the app under
 * test publishes, read back from the broker. Each app's test support extends `ServiceWorld`
 * with its own env and senders. A lib apart from @storefront/testing because it builds on the
 * messaging and platform libs, whose own tests use @storefront/testing.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { TOPIC_SPECS, type Topic } from '@storefront/events';
import { createTopicsWithLeaders, MessagingMetrics } from '@storefront/messaging';
import { type AppDefinition, type BaseConfig, createApp } from '@storefront/platform';
import { TopicRecorder } from '@storefront/testing';
import { type Admin, type IHeaders, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { type Db, MongoClient } from 'mongodb';
import type { z } from 'zod';

export function requiredEnv(name: 'KAFKA_BROKERS' | 'MONGO_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through the jest "integration" project`);
  return value;
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

  constructor(private readonly service: string) {
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

  /**
   * Only what an app under test needs: this world's database and topics, a consumer group of its
   * own, no registry. Not the process environment: it may hold unrelated NAME_FILE variables
   * that the platform would try to read as secrets.
   */
  appEnv(): Record<string, string> {
    return {
      KAFKA_BROKERS: this.brokers.join(','),
      MONGO_URL: this.mongoUrl,
      MONGO_DB: this.database,
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_CONSUMER_GROUP: `${this.service}-${this.runId}`,
      EUREKA_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      PORT: '1', // never listened on: supertest drives the server in-process
    };
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
