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

export const fulfillmentConfigSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(8095),
  KAFKA_BROKERS: brokerListSchema.default(['127.0.0.1:9092']),
  ...databaseConfigSchema.shape,
  ...discoveryConfigSchema.shape,
});

export type FulfillmentConfig = z.infer<typeof fulfillmentConfigSchema>;

export const fulfillmentApp: AppDefinition<typeof fulfillmentConfigSchema> = {
  name: 'fulfillment',
  configSchema: fulfillmentConfigSchema,
  openApi: {
    title: 'Storefront Demo - Fulfillment API',
    description: 'One fulfillment per approved order, and its shipping status',
  },
  imports: () => [DatabaseModule.forRoot('fulfillment'), DiscoveryModule.forRoot()],
};
