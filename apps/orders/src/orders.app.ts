import { serviceConfigSchema, serviceModules, startEventConsumer } from '@storefront/messaging';
import type { AppDefinition } from '@storefront/platform';
import { z } from 'zod';
import { ORDERS_ERROR_STATUSES, OrdersErrors } from './orders.errors';
import { OrdersModule } from './orders.module';

export const ordersConfigSchema = serviceConfigSchema.extend({
  // 0 picks a free port (tests).
  PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  /** Seed of the sample orders' random items; unset, every run differs. */
  SAMPLE_SEED: z.coerce.number().int().optional(),
  /** Consumer group of the customer and order status events. */
  KAFKA_CONSUMER_GROUP: z.string().min(1).default('orders'),
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
  imports: (config) => [...serviceModules('orders', config), OrdersModule],
  configure: async (app, config) => {
    await startEventConsumer(app, {
      groupId: config.KAFKA_CONSUMER_GROUP,
      // An illegal status change stays illegal however often it is retried.
      permanentErrorCodes: [OrdersErrors.IllegalTransition],
    });
  },
};
