import {
  type DynamicModule,
  Global,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { z } from 'zod';
import { isEventService, topicSpecsOf } from '@storefront/events';
import { brokerListSchema, ConfigError, HealthService, Metrics } from '@storefront/platform';
import {
  KAFKA_SASL_MECHANISMS,
  KafkaConnection,
  type KafkaConnectionOptions,
} from './kafka/kafka-connection';
import { KafkaHealthIndicator } from './kafka/kafka.health';
import { MessagingMetrics } from './messaging.metrics';
import { OutboxHealthIndicator } from './outbox/outbox.health';
import { OutboxRelay, type OutboxRelayOptions } from './outbox/outbox.relay';
import { useDocumentLocks } from './util/document-lock';

export interface MessagingModuleOptions extends KafkaConnectionOptions {
  readonly outbox?: OutboxRelayOptions;
  /** Serialize this process's writes per document (`useDocumentLocks`); only a stock FerretDB needs it. */
  readonly documentLocks?: boolean;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** Variables of an app that publishes or consumes events; merge into the app's config schema. */
export const messagingConfigSchema = z.object({
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: brokerListSchema.default(['127.0.0.1:9092']),
  /** How often the outbox sweeper looks for unpublished events, in ms. */
  OUTBOX_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  /** Readiness goes DOWN while an event has waited longer than this, in ms. */
  OUTBOX_MAX_AGE_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Prepended to every topic name; tests use it to isolate their topics. Empty in production. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ., _ and - only')
    .default(''),
  /** SASL user (the service's Kafka principal); unset, the connection is unauthenticated. */
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  /** Its password; KAFKA_SASL_PASSWORD_FILE names a file holding it (a mounted secret). */
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** SASL mechanism; the broker's users are SCRAM-SHA-512. */
  KAFKA_SASL_MECHANISM: z.enum(KAFKA_SASL_MECHANISMS).default('scram-sha-512'),
  /**
   * true: writes to one document from this process wait for each other (see
   * `useDocumentLocks`). Only for a stock FerretDB 1.24, which loses concurrent updates;
   * MongoDB and the FerretDB this project builds are atomic per document (ADR 0002, 0003).
   */
  MONGO_DOCUMENT_LOCKS: z.stringbool({ error: 'expected true or false' }).default(false),
});

export type MessagingConfig = z.infer<typeof messagingConfigSchema>;

/**
 * Module options from the validated config; `clientId` is the app name. A service checks only
 * the topics it produces or consumes (its ACLs hide the others). Throws a ConfigError naming
 * the missing variable when only half of the SASL credentials is set.
 */
export function messagingOptionsFromConfig(
  clientId: string,
  config: MessagingConfig,
): MessagingModuleOptions {
  const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
  if (username !== undefined && password === undefined) {
    throw new ConfigError([
      'KAFKA_SASL_PASSWORD: required when KAFKA_SASL_USERNAME is set (or KAFKA_SASL_PASSWORD_FILE)',
    ]);
  }
  if (password !== undefined && username === undefined) {
    throw new ConfigError(['KAFKA_SASL_USERNAME: required when KAFKA_SASL_PASSWORD is set']);
  }
  return {
    clientId,
    brokers: config.KAFKA_BROKERS,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    ...(username !== undefined && password !== undefined
      ? { sasl: { mechanism: config.KAFKA_SASL_MECHANISM, username, password } }
      : {}),
    ...(isEventService(clientId) ? { topics: topicSpecsOf(clientId) } : {}),
    outbox: {
      sweepIntervalMs: config.OUTBOX_SWEEP_INTERVAL_MS,
      backlogMaxAgeMs: config.OUTBOX_MAX_AGE_MS,
    },
    documentLocks: config.MONGO_DOCUMENT_LOCKS,
  };
}

/**
 * Start-up and shutdown order. Init: register health. Bootstrap: start connecting (in the
 * background) and start the sweeper. Shutdown: Nest closes the HTTP server and then the event consumer
 * (`app.close()` disposes microservices before `onApplicationShutdown`), then this stops the
 * relay (waiting for runs in flight) and disconnects the producer. The database connection
 * closes in its own `onApplicationShutdown`; import MessagingModule after the database
 * module so that runs after this one (Nest calls global modules in reverse import order).
 */
@Injectable()
class MessagingLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly connection: KafkaConnection,
    private readonly relay: OutboxRelay,
    private readonly health: HealthService,
    private readonly kafkaHealth: KafkaHealthIndicator,
    private readonly outboxHealth: OutboxHealthIndicator,
  ) {}

  onModuleInit(): void {
    this.health.register({
      name: 'kafka',
      readiness: true,
      liveness: false,
      check: (key) => this.kafkaHealth.isHealthy(key),
    });
    this.health.register({
      name: 'outbox',
      readiness: true,
      liveness: false,
      check: (key) => this.outboxHealth.isHealthy(key),
    });
  }

  /** After every module's init hook, so no handler or relay runs against a half-built app. */
  onApplicationBootstrap(): void {
    this.connection.start();
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.connection.close();
  }
}

/**
 * Kafka for an app: the connection and idempotent producer, the outbox relay and sweeper,
 * terminus health indicators (`kafka`, `outbox`) and metrics. Global: services inject
 * `OutboxRelay`; the consumer is added with `startEventConsumer(app, …)`.
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    useDocumentLocks(options.documentLocks ?? false);
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: MessagingMetrics,
          inject: [{ token: Metrics, optional: true }],
          useFactory: (metrics?: Metrics) => new MessagingMetrics(metrics?.registry),
        },
        {
          provide: KafkaConnection,
          inject: [MESSAGING_OPTIONS],
          useFactory: (opts: MessagingModuleOptions) => new KafkaConnection(opts),
        },
        {
          provide: OutboxRelay,
          inject: [KafkaConnection, MESSAGING_OPTIONS, MessagingMetrics],
          useFactory: (
            connection: KafkaConnection,
            opts: MessagingModuleOptions,
            metrics: MessagingMetrics,
          ) => new OutboxRelay(connection, opts.outbox, metrics),
        },
        KafkaHealthIndicator,
        OutboxHealthIndicator,
        MessagingLifecycle,
      ],
      exports: [MESSAGING_OPTIONS, MessagingMetrics, KafkaConnection, OutboxRelay],
    };
  }
}
