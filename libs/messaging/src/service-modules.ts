import type { DynamicModule } from '@nestjs/common';
import {
  adminConfigSchema,
  baseConfigSchema,
  databaseConfigSchema,
  DatabaseModule,
  discoveryConfigSchema,
  DiscoveryModule,
} from '@storefront/platform';
import {
  type MessagingConfig,
  messagingConfigSchema,
  MessagingModule,
  messagingOptionsFromConfig,
} from './messaging.module';
import type { OutboxRelayOptions } from './outbox/outbox.relay';

/**
 * Variables of a service built on `serviceModules`, plus the admin key; the service extends it
 * with its own (its PORT default first). The key order is the order in which a bad config
 * reports its problems.
 */
export const serviceConfigSchema = baseConfigSchema.extend({
  ...messagingConfigSchema.shape,
  ...databaseConfigSchema.shape,
  ...discoveryConfigSchema.shape,
  ...adminConfigSchema.shape,
});

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
