import { Logger } from '@nestjs/common';
import type { AppDefinition } from '@storefront/platform';
import { REGISTRY_ERROR_STATUSES } from './registry.errors';
import { authFailureLimiter } from './registry-auth';
import { registryConfigSchema } from './registry.config';
import { RegistryModule } from './registry.module';

/** The registry does not register with itself: it imports no DiscoveryModule. */
export const registryApp: AppDefinition<typeof registryConfigSchema> = {
  name: 'registry',
  configSchema: registryConfigSchema,
  bodyParser: true,
  errorStatuses: REGISTRY_ERROR_STATUSES,
  imports: () => [RegistryModule],
  configure: (app, config) => {
    if (config.REGISTRY_PASSWORD === undefined) {
      new Logger('RegistryAuth').warn(
        'REGISTRY_PASSWORD is not set: anyone who reaches this port can register, renew and cancel instances',
      );
    }
    // Before Nest's router, so a client over its failure limit never reaches the guard.
    app.use('/eureka', authFailureLimiter(config));
  },
};
