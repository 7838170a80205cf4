import {
  messagingConfigSchema,
  MessagingModule,
  messagingOptionsFromConfig,
} from '@storefront/messaging';
import {
  adminConfigSchema,
  type AppDefinition,
  baseConfigSchema,
  databaseConfigSchema,
  DatabaseModule,
  discoveryConfigSchema,
  DiscoveryModule,
  portSchema,
} from '@storefront/platform';
import { z } from 'zod';
import { cardEncryptionConfigSchema } from './card.cipher';
import { ACCOUNTS_ERROR_STATUSES } from './customer.errors';
import { CustomersModule } from './customers.module';

// The key order is the order in which a bad config reports its problems.
export const accountsConfigSchema = baseConfigSchema.extend({
  PORT: portSchema(8085),
  ...databaseConfigSchema.shape,
  ...discoveryConfigSchema.shape,
  ...messagingConfigSchema.shape,
  ...adminConfigSchema.shape,
  ...cardEncryptionConfigSchema.shape,
});

export type AccountsConfig = z.infer<typeof accountsConfigSchema>;

export const accountsApp: AppDefinition<typeof accountsConfigSchema> = {
  name: 'accounts',
  configSchema: accountsConfigSchema,
  errorStatuses: ACCOUNTS_ERROR_STATUSES,
  openApi: {
    title: 'Storefront Demo - Accounts API',
    description: 'Customers: the system of record for name, contact, addresses and cards',
  },
  // Messaging after the database: on shutdown the relay stops before the connection closes.
  imports: (config) => [
    DatabaseModule.forRoot('accounts'),
    MessagingModule.forRoot(messagingOptionsFromConfig('accounts', config)),
    DiscoveryModule.forRoot(),
    CustomersModule,
  ],
};
