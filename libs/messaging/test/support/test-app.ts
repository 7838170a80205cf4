import { type INestApplication, Module, type Provider, type Type } from '@nestjs/common';
import { type AppDefinition, baseConfigSchema, createApp } from '@storefront/platform';
import {
  type EventConsumerOptions,
  type KafkaEventServer,
  MessagingModule,
  type OutboxRelayOptions,
  startEventConsumer,
} from '../../src';
import { brokers } from './kit';

export interface TestAppOptions {
  readonly name: string;
  readonly prefix: string;
  /** Defaults to the test broker. */
  readonly brokers?: string[];
  readonly controllers?: Type[];
  readonly providers?: Provider[];
  readonly outbox?: OutboxRelayOptions;
  /** Starts the event consumer with these options when given. */
  readonly consumer?: EventConsumerOptions;
}

export interface TestApp {
  readonly app: INestApplication;
  /** The event consumer, when the app has one. */
  readonly server: KafkaEventServer | undefined;
}

/** A real app as the services build it (platform createApp + MessagingModule), initialized. */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  let server: KafkaEventServer | undefined;
  @Module({ controllers: options.controllers ?? [], providers: options.providers ?? [] })
  class TestFeatureModule {}

  const definition: AppDefinition<typeof baseConfigSchema> = {
    name: options.name,
    configSchema: baseConfigSchema,
    imports: () => [
      MessagingModule.forRoot({
        clientId: options.name,
        brokers: options.brokers ?? brokers(),
        topicPrefix: options.prefix,
        reconnect: { baseMs: 200, maxMs: 1000 },
        outbox: options.outbox,
      }),
      TestFeatureModule,
    ],
    configure: options.consumer
      ? async (app) => {
          server = await startEventConsumer(app, options.consumer!);
        }
      : undefined,
  };
  const { app } = await createApp(definition, {
    PORT: '1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  });
  await app.init();
  return { app, server };
}

/** Consumer settings that keep tests quick: short backoff, fast heartbeats and rejoins. */
export const fastConsumer = {
  retryBackoff: { baseMs: 10, maxMs: 50 },
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 500,
  reconnect: { baseMs: 200, maxMs: 1000 },
} as const satisfies Partial<EventConsumerOptions>;
