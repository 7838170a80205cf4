import {
  type AppDefinition,
  baseConfigSchema,
  brokerListSchema,
  DatabaseModule,
  databaseConfigSchema,
  DiscoveryModule,
  discoveryConfigSchema,
} from '@storefront/platform';
import { z } from 'zod';

export const accountsConfigSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(8085),
  KAFKA_BROKERS: brokerListSchema.default(['127.0.0.1:9092']),
  ...databaseConfigSchema.shape,
  ...discoveryConfigSchema.shape,
});

export type AccountsConfig = z.infer<typeof accountsConfigSchema>;

export const accountsApp: AppDefinition<typeof accountsConfigSchema> = {
  name: 'accounts',
  configSchema: accountsConfigSchema,
  openApi: {
    title: 'Storefront Demo - Accounts API',
    description: 'Customers: the system of record for name, contact, addresses and cards',
  },
  imports: () => [DatabaseModule.forRoot('accounts'), DiscoveryModule.forRoot()],
};
