import { messagingConfigSchema, serviceModules } from '@storefront/messaging';
import {
  adminConfigSchema,
  type AppDefinition,
  baseConfigSchema,
  databaseConfigSchema,
  discoveryConfigSchema,
} from '@storefront/platform';
import { z } from 'zod';
import { cardEncryptionConfigSchema } from './card.cipher';
import { ACCOUNTS_ERROR_STATUSES } from './customer.errors';
import { CustomersModule } from './customers.module';

// Not serviceConfigSchema: accounts lists database and discovery before messaging, and the
// key order is the order in which a bad config reports its problems.
export const accountsConfigSchema = baseConfigSchema.extend({
  /** 0 picks a free port (tests). */
  PORT: z.coerce.number().int().min(0).max(65535).default(8085),
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
  imports: (config) => [...serviceModules('accounts', config), CustomersModule],
};
