import { type AppDefinition, baseConfigSchema } from '@storefront/platform';
import { z } from 'zod';

export const gatewayConfigSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
});

export const gatewayApp: AppDefinition<typeof gatewayConfigSchema> = {
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  bodyParser: false,
};
