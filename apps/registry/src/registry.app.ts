import { type AppDefinition, baseConfigSchema } from '@storefront/platform';
import { z } from 'zod';

export const registryConfigSchema = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(8761),
});

export const registryApp: AppDefinition<typeof registryConfigSchema> = {
  name: 'registry',
  configSchema: registryConfigSchema,
  bodyParser: true,
};
