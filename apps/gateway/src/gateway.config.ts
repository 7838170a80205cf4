import { adminConfigSchema, baseConfigSchema, portSchema } from '@storefront/platform';
import { z } from 'zod';
import type { RouteDefinition } from './route.rules';

const DEFAULT_ROUTES = [
  { prefix: '/accounts', serviceId: 'ACCOUNTS' },
  { prefix: '/orders', serviceId: 'ORDERS' },
  { prefix: '/fulfillment', serviceId: 'FULFILLMENT' },
];

const routeSchema = z.object({
  prefix: z.string().regex(/^\/[\w-]+$/, 'a single path segment like /accounts'),
  serviceId: z.string().regex(/^[A-Za-z][\w-]*$/),
  connectTimeoutMs: z.number().int().positive().optional(),
  readTimeoutMs: z.number().int().positive().optional(),
});

const routesSchema = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.array(routeSchema).min(1));

export const gatewayConfigSchema = baseConfigSchema.extend({
  PORT: portSchema(8080),
  /** JSON array of {prefix, serviceId, connectTimeoutMs?, readTimeoutMs?}; defaults to the three services. */
  GATEWAY_ROUTES: routesSchema.optional(),
  /** Default upstream connect timeout (the original's Ribbon ConnectTimeout). */
  GATEWAY_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  /** Default upstream read timeout (the original's Ribbon ReadTimeout). */
  GATEWAY_READ_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  /** Largest request body forwarded, in bytes. */
  GATEWAY_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** Requests per client IP per window; 0 disables the limit. */
  GATEWAY_RATE_LIMIT: z.coerce.number().int().min(0).default(1200),
  GATEWAY_RATE_WINDOW_MS: z.coerce.number().int().positive().default(60_000),
  /**
   * How long an idle upstream connection is kept for the next request, in ms; 0 opens a new
   * connection per request. Keep it below the services' keep-alive timeout (Node's 5 s), so
   * the gateway, not the service, closes an idle connection.
   */
  GATEWAY_UPSTREAM_IDLE_MS: z.coerce.number().int().min(0).default(4000),
  /** How long an instance that refused a connection is skipped, if others are available. */
  GATEWAY_REFUSED_COOLDOWN_MS: z.coerce.number().int().min(0).default(10_000),
  /** Guards /admin/registry/ (the registry's dashboard); unset, it is open (local demo). */
  ...adminConfigSchema.shape,
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export function routesFrom(config: GatewayConfig): RouteDefinition[] {
  const routes: Array<z.infer<typeof routeSchema>> = config.GATEWAY_ROUTES ?? DEFAULT_ROUTES;
  return routes.map((route) => ({
    prefix: route.prefix,
    serviceId: route.serviceId.toUpperCase(),
    connectTimeoutMs: route.connectTimeoutMs ?? config.GATEWAY_CONNECT_TIMEOUT_MS,
    readTimeoutMs: route.readTimeoutMs ?? config.GATEWAY_READ_TIMEOUT_MS,
  }));
}
