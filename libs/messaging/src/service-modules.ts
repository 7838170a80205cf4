import type { DynamicModule } from '@nestjs/common';
import { DatabaseModule, DiscoveryModule } from '@storefront/platform';
import {
  type MessagingConfig,
  MessagingModule,
  messagingOptionsFromConfig,
} from './messaging.module';
import type { OutboxRelayOptions } from './outbox/outbox.relay';

export interface ServiceModulesOptions {
  /** Outbox relay options beyond the config, e.g. fault injection in crash tests. */
  readonly outbox?: OutboxRelayOptions;
}

/**
 * The infrastructure of a service that owns a database and publishes through the outbox: its
 * database (named after the service unless MONGO_DB says otherwise), messaging and discovery.
 * Messaging comes after the database: on shutdown the relay stops before the connection closes.
 */
export function serviceModules(
  name: string,
  config: MessagingConfig,
  options: ServiceModulesOptions = {},
): DynamicModule[] {
  const messaging = messagingOptionsFromConfig(name, config);
  return [
    DatabaseModule.forRoot(name),
    MessagingModule.forRoot({ ...messaging, outbox: { ...messaging.outbox, ...options.outbox } }),
    DiscoveryModule.forRoot(),
  ];
}
