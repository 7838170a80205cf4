import { getModelToken } from '@nestjs/mongoose';
import { Topics } from '@storefront/events';
import {
  messagingConfigSchema,
  MessagingModule,
  messagingOptionsFromConfig,
  startEventConsumer,
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
import type { Model } from 'mongoose';
import { z } from 'zod';
import { ORDERS_ERROR_STATUSES, OrdersErrors } from './orders.errors';
import { LegacyLayoutMigration } from './orders.migration';
import { OrdersModule } from './orders.module';
import { CustomerReplica } from './schemas/customer-replica.schema';

// The key order is the order in which a bad config reports its problems (PORT is base's).
export const ordersConfigSchema = baseConfigSchema.extend({
  ...messagingConfigSchema.shape,
  ...databaseConfigSchema.shape,
  ...discoveryConfigSchema.shape,
  ...adminConfigSchema.shape,
  PORT: portSchema(8090),
  /** Seed of the sample orders' random items; unset, every run differs. */
  SAMPLE_SEED: z.coerce.number().int().optional(),
  /** Consumer group of the customer and order status events. */
  KAFKA_CONSUMER_GROUP: z.string().min(1).default('orders'),
  /**
   * Rebuild of the customer replicas from the compacted accounts.customer.change: `auto`
   * reads the topic again from its start when customer.orders is empty at start-up (a wiped
   * or new database under a group that had read everything), `always` on every start,
   * `off` never.
   */
  REPLICA_REBUILD: z.enum(['auto', 'always', 'off']).default('auto'),
});

export type OrdersConfig = z.infer<typeof ordersConfigSchema>;

export const ordersApp: AppDefinition<typeof ordersConfigSchema> = {
  name: 'orders',
  configSchema: ordersConfigSchema,
  errorStatuses: ORDERS_ERROR_STATUSES,
  openApi: {
    title: 'Storefront Demo - Orders API',
    description: 'Customer orders and the read-only replica of each customer',
  },
  // Messaging after the database: on shutdown the relay stops before the connection closes.
  imports: (config) => [
    DatabaseModule.forRoot('orders'),
    MessagingModule.forRoot(messagingOptionsFromConfig('orders', config)),
    DiscoveryModule.forRoot(),
    OrdersModule,
  ],
  configure: async (app, config) => {
    // Before anything reads or writes orders: a database of the embedded layout is moved first.
    await app.get(LegacyLayoutMigration).run();
    const replicas = app.get<Model<CustomerReplica>>(getModelToken(CustomerReplica.name));
    await startEventConsumer(app, {
      groupId: config.KAFKA_CONSUMER_GROUP,
      // Only the customer topic: status events of orders an empty database no longer has
      // would only be retried and dead-lettered. Replicas apply an event once per version.
      rewind: async () => {
        if (config.REPLICA_REBUILD === 'off') return [];
        if (config.REPLICA_REBUILD === 'auto' && (await replicas.exists({}).exec())) return [];
        return [Topics.CustomerChange];
      },
      // An illegal status change stays illegal however often it is retried.
      permanentErrorCodes: [OrdersErrors.IllegalTransition],
    });
  },
};
