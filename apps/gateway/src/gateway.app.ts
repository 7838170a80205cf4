import { type AppDefinition, DiscoveryModule, discoveryConfigSchema } from '@storefront/platform';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { gatewayConfigSchema as routingConfigSchema } from './gateway.config';
import { rateLimited } from './gateway.errors';
import { GatewayModule } from './gateway.module';
import { GatewayProxy } from './gateway.proxy';
import { REGISTRY_DASHBOARD_PREFIX, registryDashboard } from './registry-dashboard';
import { SWAGGER_ASSETS_DIR } from './swagger-page';

export const gatewayConfigSchema = routingConfigSchema.extend(discoveryConfigSchema.shape);

export const gatewayApp: AppDefinition<typeof gatewayConfigSchema> = {
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  // Bodies stream through untouched; parsing them here would consume the stream.
  bodyParser: false,
  imports: () => [DiscoveryModule.forRoot(), GatewayModule],
  configure: (app, config) => {
    if (config.GATEWAY_RATE_LIMIT > 0) {
      app.use(
        rateLimit({
          windowMs: config.GATEWAY_RATE_WINDOW_MS,
          limit: config.GATEWAY_RATE_LIMIT,
          standardHeaders: 'draft-7',
          legacyHeaders: false,
          // Health probes (orchestrator, load balancer) must never be throttled.
          skip: (request) =>
            request.path === '/actuator/health' || request.path.startsWith('/actuator/health/'),
          handler: (request, response) => {
            const { statusCode, code, message } = rateLimited(
              config.GATEWAY_RATE_LIMIT,
              config.GATEWAY_RATE_WINDOW_MS,
            );
            response
              .status(statusCode)
              .json({ statusCode, code, message, path: request.originalUrl });
          },
        }),
      );
    }
    // Mounted before Nest's router: proxied paths never reach Nest; everything else falls through.
    app.use(REGISTRY_DASHBOARD_PREFIX, registryDashboard(config));
    app.use(app.get(GatewayProxy).handler());
    app.use('/swagger-ui', express.static(SWAGGER_ASSETS_DIR, { index: false }));
  },
};
