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
import { brokerListSchema, HealthService, Metrics } from '@storefront/platform';
import { KafkaConnection, type KafkaConnectionOptions } from './kafka/kafka-connection';
import { KafkaHealthIndicator } from './kafka/kafka.health';
import { MessagingMetrics } from './messaging.metrics';
import { OutboxHealthIndicator } from './outbox/outbox.health';
import { OutboxRelay, type OutboxRelayOptions } from './outbox/outbox.relay';

export interface MessagingModuleOptions extends KafkaConnectionOptions {
  readonly outbox?: OutboxRelayOptions;
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
});

export type MessagingConfig = z.infer<typeof messagingConfigSchema>;

/** Module options from the validated config; `clientId` is the app name. */
export function messagingOptionsFromConfig(
  clientId: string,
  config: MessagingConfig,
): MessagingModuleOptions {
  return {
    clientId,
    brokers: config.KAFKA_BROKERS,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    outbox: {
      sweepIntervalMs: config.OUTBOX_SWEEP_INTERVAL_MS,
      backlogMaxAgeMs: config.OUTBOX_MAX_AGE_MS,
    },
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
