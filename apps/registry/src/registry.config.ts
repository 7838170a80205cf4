import { baseConfigSchema, portSchema } from '@storefront/platform';
import { z } from 'zod';
import { registryAuthConfigSchema } from './registry-auth';

const milliseconds = (fallback: number) => z.coerce.number().int().min(10).default(fallback);

/** Comma-separated base URLs of the other registry replicas, e.g. `http://registry2:8761/eureka`. */
const peerListSchema = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((url) => url.trim().replace(/\/+$/, ''))
      .filter((url) => url.length > 0),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/, error: 'expected http(s) URLs' })));

export const registryConfigSchema = baseConfigSchema.extend({
  PORT: portSchema(8761),
  /** Lease duration for registrations that do not send leaseInfo.durationInSecs. */
  LEASE_DURATION_MS: milliseconds(90_000),
  /** Renewal interval shown for registrations that do not send leaseInfo.renewalIntervalInSecs. */
  LEASE_RENEWAL_INTERVAL_MS: milliseconds(30_000),
  /** How often expired leases are evicted (Spring's evictionIntervalTimerInMs). */
  LEASE_EVICTION_INTERVAL_MS: milliseconds(60_000),
  /** How long a change stays in /eureka/apps/delta (Spring's retentionTimeInMSInDeltaQueue). */
  DELTA_RETENTION_MS: milliseconds(180_000),
  EUREKA_PEERS: peerListSchema,
  /** Time limit of one replication call to a peer. */
  PEER_TIMEOUT_MS: milliseconds(2_000),
  /** The dashboard reloads itself this often (a meta refresh, no JavaScript); 0 turns it off. */
  DASHBOARD_REFRESH_SECONDS: z.coerce.number().int().min(0).default(15),
  ...registryAuthConfigSchema.shape,
});

export type RegistryConfig = z.infer<typeof registryConfigSchema>;
