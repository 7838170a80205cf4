import { z } from 'zod';

const milliseconds = (fallback: number) => z.coerce.number().int().min(50).default(fallback);

/**
 * Variables of every app that registers with the registry. Apps spread `.shape` into their
 * own schema: `baseConfigSchema.extend({ ..., ...discoveryConfigSchema.shape })`.
 */
export const discoveryConfigSchema = z.object({
  /** `false` runs the app without registering or looking anything up. */
  EUREKA_ENABLED: z.stringbool({ error: 'expected true or false' }).default(true),
  /** Registry base URL(s), comma-separated; the client moves to the next one when a call fails. */
  EUREKA_URL: z
    .string()
    .default('http://127.0.0.1:8761/eureka')
    .transform((value) =>
      value
        .split(',')
        .map((url) => url.trim().replace(/\/+$/, ''))
        .filter((url) => url.length > 0),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'expected http(s) URLs' })).min(1)),
  /**
   * Registry credentials (HTTP Basic), needed when the registry has a password. They may also
   * sit in EUREKA_URL as `http://user:password@host:8761/eureka` (Spring's convention); these
   * win. Set EUREKA_PASSWORD_FILE to read the password from a secret file.
   */
  EUREKA_USERNAME: z.string().min(1).optional(),
  EUREKA_PASSWORD: z.string().min(1).optional(),
  /** Host name others use to reach this instance; default: HOST, or this machine's address when HOST is a wildcard. */
  EUREKA_INSTANCE_HOSTNAME: z.string().min(1).optional(),
  /** IP address registered as ipAddr; default: derived like the host name. */
  EUREKA_INSTANCE_IP: z.ipv4({ error: 'expected an IPv4 address' }).optional(),
  /** Prefix of the network to pick the address from when HOST is a wildcard (e.g. `10.0.1.`). */
  EUREKA_PREFERRED_NETWORK: z.string().min(1).optional(),
  EUREKA_HEARTBEAT_INTERVAL_MS: milliseconds(30_000),
  EUREKA_REGISTRY_FETCH_INTERVAL_MS: milliseconds(30_000),
  /** How long the registry keeps this instance without a heartbeat. */
  EUREKA_LEASE_DURATION_SECONDS: z.coerce.number().int().min(1).default(90),
  /** How often readiness is checked and reflected in the registry as UP / OUT_OF_SERVICE. */
  EUREKA_STATUS_CHECK_INTERVAL_MS: milliseconds(10_000),
  /** Failing readiness checks in a row that take the instance OUT_OF_SERVICE (one passing check puts it back). */
  EUREKA_STATUS_FAILURE_THRESHOLD: z.coerce.number().int().min(1).default(3),
});

export type DiscoveryConfig = z.infer<typeof discoveryConfigSchema>;
