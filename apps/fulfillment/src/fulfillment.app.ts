import {
  messagingConfigSchema,
  MessagingModule,
  messagingOptionsFromConfig,
  type OutboxRelayOptions,
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
import { z } from 'zod';
import { FULFILLMENT_ERROR_STATUSES, FulfillmentErrors } from './fulfillment.errors';
import { FulfillmentModule } from './fulfillment.module';

// The key order is the order in which a bad config reports its problems (PORT is base's).
export const fulfillmentConfigSchema = baseConfigSchema.extend({
  ...messagingConfigSchema.shape,
  ...databaseConfigSchema.shape,
  ...discoveryConfigSchema.shape,
  ...adminConfigSchema.shape,
  PORT: portSchema(8095),
  /** Seed of the carrier picked at the ship step; unset, every run differs. */
  SAMPLE_SEED: z.coerce.number().int().optional(),
  /** Consumer group of the fulfillment requests. */
  KAFKA_CONSUMER_GROUP: z.string().min(1).default('fulfillment'),
});

export type FulfillmentConfig = z.infer<typeof fulfillmentConfigSchema>;

export interface FulfillmentAppOverrides {
  /** Outbox relay options beyond the config, e.g. fault injection in crash tests. */
  readonly outbox?: OutboxRelayOptions;
}

/** The fulfillment app; tests pass overrides, `main.ts` uses `fulfillmentApp`. */
export function defineFulfillmentApp(
  overrides: FulfillmentAppOverrides = {},
): AppDefinition<typeof fulfillmentConfigSchema> {
  return {
    name: 'fulfillment',
    configSchema: fulfillmentConfigSchema,
    errorStatuses: FULFILLMENT_ERROR_STATUSES,
    openApi: {
      title: 'Storefront Demo - Fulfillment API',
      description: 'One fulfillment per approved order, and its shipping status',
    },
    // Messaging after the database: on shutdown the relay stops before the connection closes.
    imports: (config) => {
      const messaging = messagingOptionsFromConfig('fulfillment', config);
      return [
        DatabaseModule.forRoot('fulfillment'),
        MessagingModule.forRoot({
          ...messaging,
          outbox: { ...messaging.outbox, ...overrides.outbox },
        }),
        DiscoveryModule.forRoot(),
        FulfillmentModule,
      ];
    },
    configure: async (app, config) => {
      await startEventConsumer(app, {
        groupId: config.KAFKA_CONSUMER_GROUP,
        // A request for an order that is not APPROVED stays invalid however often it is retried.
        permanentErrorCodes: [FulfillmentErrors.RequestInvalid],
      });
    },
  };
}

export const fulfillmentApp = defineFulfillmentApp();
