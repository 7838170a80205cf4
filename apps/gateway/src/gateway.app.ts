import {
  type AppDefinition,
  baseConfigSchema,
  DiscoveryModule,
  discoveryConfigSchema,
} from '@storefront/platform';
import { z } from 'zod';

export const gatewayConfigSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  ...discoveryConfigSchema.shape,
});

export const gatewayApp: AppDefinition<typeof gatewayConfigSchema> = {
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  bodyParser: false,
  imports: () => [DiscoveryModule.forRoot()],
};
