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

export const ordersConfigSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(8090),
  KAFKA_BROKERS: brokerListSchema.default(['127.0.0.1:9092']),
  ...databaseConfigSchema.shape,
  ...discoveryConfigSchema.shape,
});

export type OrdersConfig = z.infer<typeof ordersConfigSchema>;

export const ordersApp: AppDefinition<typeof ordersConfigSchema> = {
  name: 'orders',
  configSchema: ordersConfigSchema,
  openApi: {
    title: 'Storefront Demo - Orders API',
    description: 'Customer orders and the read-only replica of each customer',
  },
  imports: () => [DatabaseModule.forRoot('orders'), DiscoveryModule.forRoot()],
};
