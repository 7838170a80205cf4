/**
 * The registry's domain, without Nest: what a valid registration is, when a lease expires,
 * which status an instance shows, and the JSON shapes Spring's Eureka server answers with.
 */
import { z } from 'zod';

export const INSTANCE_STATUSES = ['UP', 'DOWN', 'STARTING', 'OUT_OF_SERVICE', 'UNKNOWN'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** Statuses an override can pin (UNKNOWN means "no override" in Eureka's model). */
export const OVERRIDE_STATUSES = ['UP', 'DOWN', 'STARTING', 'OUT_OF_SERVICE'] as const;
export type OverrideStatus = (typeof OVERRIDE_STATUSES)[number];

export type ActionType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface PortInfo {
  $: number;
  '@enabled': 'true' | 'false';
}

export interface DataCenterInfo {
  '@class': string;
  name: string;
  metadata?: Record<string, string>;
}

/** A registration as the instance sent it, validated and normalised (app upper-cased). */
export interface Registration {
  instanceId: string;
  app: string;
  appGroupName?: string;
  hostName: string;
  ipAddr: string;
  status: InstanceStatus;
  /** Set when a peer replicates an instance that carries an override. */
  overriddenStatus?: OverrideStatus;
  port: PortInfo;
  securePort: PortInfo;
  countryId: number;
  dataCenterInfo: DataCenterInfo;
  /** Lease timing the instance asked for; undefined fields fall back to the server defaults. */
  leaseInfo: { renewalIntervalInSecs?: number; durationInSecs?: number };
  metadata: Record<string, string>;
  homePageUrl?: string;
  statusPageUrl?: string;
  healthCheckUrl?: string;
  secureHealthCheckUrl?: string;
  vipAddress?: string;
  secureVipAddress?: string;
  lastDirtyTimestamp?: number;
}

export interface Lease {
  registrationTimestamp: number;
  lastRenewalTimestamp: number;
  /** When the instance first came UP; survives re-registration, like Spring's. */
  serviceUpTimestamp: number;
  durationMs: number;
  renewalIntervalMs: number;
}

/** What the registry holds for one instance. */
export interface InstanceRecord {
  registration: Registration;
  /** The status the instance itself reported (registration, or the value of a removed override). */
  reportedStatus: InstanceStatus;
  override?: OverrideStatus;
  lease: Lease;
  lastUpdatedTimestamp: number;
  lastDirtyTimestamp: number;
  actionType: ActionType;
}

export interface LeaseDefaults {
  durationMs: number;
  renewalIntervalMs: number;
}

// ---------------------------------------------------------------------------------------------
// Parsing a registration

function missingOr(expected: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? 'is missing' : `must be ${expected}`;
}

const requiredText = (expected = 'a non-empty string') =>
  z
    .string({ error: missingOr(expected) })
    .trim()
    .min(1, { error: 'must not be empty' });

const optionalText = z.string({ error: 'must be a string' }).optional();

/** Spring serialises numbers in some places as strings ("8080", "1700000000000"). */
const numberLike = (expected: string) =>
  z.union(
    [
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/)
        .transform(Number),
    ],
    {
      error: missingOr(expected),
    },
  );

const portSchema = z.object(
  {
    $: numberLike('a port number').pipe(
      z.number().int().min(0).max(65535, { error: 'must be a port number' }),
    ),
    // Spring's codec answers 500 for a boolean here; a clear 400 helps clients that would break there.
    '@enabled': z
      .enum(['true', 'false'], { error: "must be the string 'true' or 'false'" })
      .default('true'),
  },
  { error: missingOr("an object like {'$': 8080, '@enabled': 'true'}") },
);

const stringMap = z
  .record(
    z.string(),
    z.union([z.string(), z.number(), z.boolean()], { error: 'values must be strings' }),
  )
  .transform((map) =>
    Object.fromEntries(
      Object.entries(map)
        // Jackson's type hint for an empty map is not metadata.
        .filter(([key]) => key !== '@class')
        .map(([key, value]) => [key, String(value)]),
    ),
  );

const positiveOrDefault = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], {
    error: 'must be a number of seconds',
  })
  // Spring keeps its default for a duration that is not positive; so do we.
  .transform((value) => (value > 0 ? value : undefined))
  .optional();

const instanceSchema = z.object({
  instanceId: optionalText,
  app: requiredText(),
  appGroupName: optionalText,
  hostName: requiredText(),
  ipAddr: requiredText(),
  status: z
    .enum(INSTANCE_STATUSES, { error: `must be one of ${INSTANCE_STATUSES.join(', ')}` })
    .default('UP'),
  overriddenStatus: z
    .enum(INSTANCE_STATUSES, { error: `must be one of ${INSTANCE_STATUSES.join(', ')}` })
    .optional(),
  port: portSchema,
  securePort: portSchema.optional(),
  countryId: numberLike('a number').optional(),
  dataCenterInfo: z.object(
    {
      '@class': requiredText(
        'a Java class name such as com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
      ),
      name: requiredText(),
      metadata: stringMap.optional(),
    },
    { error: missingOr("an object like {'@class': '…', name: 'MyOwn'}") },
  ),
  leaseInfo: z
    .object(
      { renewalIntervalInSecs: positiveOrDefault, durationInSecs: positiveOrDefault },
      { error: 'must be an object' },
    )
    .optional(),
  metadata: stringMap.optional(),
  homePageUrl: optionalText,
  statusPageUrl: optionalText,
  healthCheckUrl: optionalText,
  secureHealthCheckUrl: optionalText,
  vipAddress: optionalText,
  secureVipAddress: optionalText,
  lastDirtyTimestamp: numberLike('a timestamp').optional(),
});

/**
 * Netflix's client (Jackson) writes an unset field as an explicit null (`"appGroupName":null`,
 * `"actionType":null`, …) and Netflix's server reads that as absent; so do we, at every level
 * of the instance document. Unknown fields are dropped by the schema, as Netflix ignores them.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== null)
      .map(([key, field]) => [key, withoutNulls(field)]),
  );
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/**
 * Validates `POST /eureka/apps/{APP}` bodies: `{"instance": {...}}` as Spring's JSON codec
 * expects. Required fields are the ones Spring's ApplicationResource rejects when missing,
 * plus what Jackson needs to read the body (`port.$`, `dataCenterInfo['@class']`).
 */
export function parseRegistration(pathApp: string, body: unknown): ParseResult<Registration> {
  if (
    typeof body !== 'object' ||
    body === null ||
    !('instance' in body) ||
    body.instance === null
  ) {
    return {
      ok: false,
      field: 'instance',
      message: 'instance is missing: expected {"instance": {…}}',
    };
  }
  const parsed = instanceSchema.safeParse(withoutNulls(body.instance));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['instance', ...issue.path.map(String)].join('.');
    const message =
      issue.code === 'invalid_type' && issue.path.length === 0
        ? 'instance must be an object'
        : `${field} ${issue.message}`;
    return { ok: false, field, message };
  }
  const data = parsed.data;
  const app = data.app.toUpperCase();
  if (app !== pathApp.toUpperCase()) {
    return {
      ok: false,
      field: 'instance.app',
      message: `instance.app is ${data.app} but the path names ${pathApp}`,
    };
  }
  const override =
    data.overriddenStatus && data.overriddenStatus !== 'UNKNOWN'
      ? data.overriddenStatus
      : undefined;
  return {
    ok: true,
    value: {
      // Like Eureka outside AWS, the host name identifies an instance that names no id.
      instanceId: data.instanceId?.trim() || data.hostName,
      app,
      appGroupName: data.appGroupName,
      hostName: data.hostName,
      ipAddr: data.ipAddr,
      status: data.status,
      overriddenStatus: override,
      port: data.port,
      securePort: data.securePort ?? { $: 443, '@enabled': 'false' },
      countryId: data.countryId ?? 1,
      dataCenterInfo: data.dataCenterInfo,
      leaseInfo: data.leaseInfo ?? {},
      metadata: data.metadata ?? {},
      homePageUrl: data.homePageUrl,
      statusPageUrl: data.statusPageUrl,
      healthCheckUrl: data.healthCheckUrl,
      secureHealthCheckUrl: data.secureHealthCheckUrl,
      vipAddress: data.vipAddress,
      secureVipAddress: data.secureVipAddress,
      lastDirtyTimestamp: data.lastDirtyTimestamp,
    },
  };
}

export function parseStatus<T extends string>(
  value: unknown,
  allowed: readonly T[],
): ParseResult<T> {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) {
    return { ok: true, value: value as T };
  }
  return {
    ok: false,
    field: 'value',
    message:
      value === undefined
        ? `query parameter value is missing (one of ${allowed.join(', ')})`
        : `query parameter value must be one of ${allowed.join(', ')}`,
  };
}

/** `PUT …/metadata?k=v`: every query parameter is one metadata entry; repeated keys are refused. */
export function parseMetadataUpdate(
  query: Record<string, unknown>,
): ParseResult<Record<string, string>> {
  const entries = Object.entries(query);
  if (entries.length === 0) {
    return { ok: false, field: 'query', message: 'no metadata given: use ?key=value' };
  }
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      return { ok: false, field: key, message: `metadata ${key} must be given once, as text` };
    }
  }
  return { ok: true, value: Object.fromEntries(entries) as Record<string, string> };
}

// ---------------------------------------------------------------------------------------------
// Leases and status

/** A new lease, or a renewed registration of a known instance keeping its service-up time. */
export function newLease(
  registration: Registration,
  defaults: LeaseDefaults,
  now: number,
  previous?: Lease,
): Lease {
  const durationSecs = registration.leaseInfo.durationInSecs;
  const intervalSecs = registration.leaseInfo.renewalIntervalInSecs;
  return {
    registrationTimestamp: now,
    lastRenewalTimestamp: now,
    serviceUpTimestamp: previous?.serviceUpTimestamp ?? now,
    durationMs: durationSecs !== undefined ? durationSecs * 1000 : defaults.durationMs,
    renewalIntervalMs:
      intervalSecs !== undefined ? intervalSecs * 1000 : defaults.renewalIntervalMs,
  };
}

/**
 * A lease expires once a whole duration has passed without a renewal. Netflix's Lease adds
 * the duration twice (renew() stores now + duration, isExpired() adds it again), which keeps
 * a dead instance for about 180 s; we deliberately expire at lastRenewal + duration.
 */
export function isExpired(lease: Lease, now: number): boolean {
  return now > lease.lastRenewalTimestamp + lease.durationMs;
}

/** Milliseconds until the lease expires (negative once expired). */
export function expiresIn(lease: Lease, now: number): number {
  return lease.lastRenewalTimestamp + lease.durationMs - now;
}

/**
 * The status others see, after Spring's rules: an instance saying it is DOWN or STARTING is
 * believed (an override must not route traffic to a broken instance); otherwise an override
 * wins over what the instance reported.
 */
export function effectiveStatus(
  reported: InstanceStatus,
  override?: OverrideStatus,
): InstanceStatus {
  if (reported === 'DOWN' || reported === 'STARTING') return reported;
  return override ?? reported;
}

/**
 * Renew answers 404 when the instance is unknown, and also when the client's copy is newer
 * than ours (its lastDirtyTimestamp is later): both make the client register again, which
 * is how Eureka resynchronises. Like Netflix's server it also answers 404 while the status
 * is UNKNOWN, i.e. after an override was removed without a status to fall back to (what
 * Spring's `CANCEL_OVERRIDE` sends): the re-registration brings back the status the client
 * holds, where a 200 would leave the instance UNKNOWN, and undiscoverable, for good.
 */
export function renewalNeedsRegistration(
  record: InstanceRecord | undefined,
  clientDirtyTimestamp: number | undefined,
): boolean {
  if (!record) return true;
  if (effectiveStatus(record.reportedStatus, record.override) === 'UNKNOWN') return true;
  return clientDirtyTimestamp !== undefined && clientDirtyTimestamp > record.lastDirtyTimestamp;
}

// ---------------------------------------------------------------------------------------------
// JSON shapes (field names and order of Spring's Eureka server)

export interface InstanceJson {
  instanceId: string;
  hostName: string;
  app: string;
  ipAddr: string;
  status: InstanceStatus;
  overriddenStatus: InstanceStatus;
  port: PortInfo;
  securePort: PortInfo;
  countryId: number;
  dataCenterInfo: DataCenterInfo;
  leaseInfo: {
    renewalIntervalInSecs: number;
    durationInSecs: number;
    registrationTimestamp: number;
    lastRenewalTimestamp: number;
    evictionTimestamp: number;
    serviceUpTimestamp: number;
  };
  metadata: Record<string, string>;
  appGroupName?: string;
  homePageUrl?: string;
  statusPageUrl?: string;
  healthCheckUrl?: string;
  secureHealthCheckUrl?: string;
  vipAddress?: string;
  secureVipAddress?: string;
  isCoordinatingDiscoveryServer: 'false';
  lastUpdatedTimestamp: string;
  lastDirtyTimestamp: string;
  actionType: ActionType;
}

export interface ApplicationJson {
  name: string;
  instance: InstanceJson[];
}

export interface ApplicationsJson {
  applications: {
    versions__delta: string;
    apps__hashcode: string;
    application: ApplicationJson[];
  };
}

const EMPTY_MAP_CLASS = 'java.util.Collections$EmptyMap';

export function toInstanceJson(
  record: InstanceRecord,
  actionType = record.actionType,
): InstanceJson {
  const r = record.registration;
  const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));
  return {
    instanceId: r.instanceId,
    hostName: r.hostName,
    app: r.app,
    ipAddr: r.ipAddr,
    status: effectiveStatus(record.reportedStatus, record.override),
    overriddenStatus: record.override ?? 'UNKNOWN',
    port: r.port,
    securePort: r.securePort,
    countryId: r.countryId,
    dataCenterInfo: r.dataCenterInfo,
    leaseInfo: {
      renewalIntervalInSecs: seconds(record.lease.renewalIntervalMs),
      durationInSecs: seconds(record.lease.durationMs),
      registrationTimestamp: record.lease.registrationTimestamp,
      lastRenewalTimestamp: record.lease.lastRenewalTimestamp,
      evictionTimestamp: 0,
      serviceUpTimestamp: record.lease.serviceUpTimestamp,
    },
    // Java clients read an empty map only with its type hint, as Spring writes it.
    metadata: Object.keys(r.metadata).length > 0 ? r.metadata : { '@class': EMPTY_MAP_CLASS },
    ...(r.appGroupName !== undefined && { appGroupName: r.appGroupName }),
    homePageUrl: r.homePageUrl,
    statusPageUrl: r.statusPageUrl,
    healthCheckUrl: r.healthCheckUrl,
    ...(r.secureHealthCheckUrl !== undefined && { secureHealthCheckUrl: r.secureHealthCheckUrl }),
    vipAddress: r.vipAddress,
    secureVipAddress: r.secureVipAddress,
    isCoordinatingDiscoveryServer: 'false',
    lastUpdatedTimestamp: String(record.lastUpdatedTimestamp),
    lastDirtyTimestamp: String(record.lastDirtyTimestamp),
    actionType,
  };
}

/**
 * Eureka's reconcile hash: `STATUS_count_` per status, statuses in alphabetical order
 * (`OUT_OF_SERVICE_1_UP_3_`). Clients compare it with their own to detect a stale cache.
 */
export function appsHashCode(instances: ReadonlyArray<Pick<InstanceJson, 'status'>>): string {
  const counts = new Map<string, number>();
  for (const instance of instances) {
    counts.set(instance.status, (counts.get(instance.status) ?? 0) + 1);
  }
  return [...counts.keys()]
    .sort()
    .map((status) => `${status}_${counts.get(status)}_`)
    .join('');
}

/** Groups instances into applications, sorted by name and then by instance id. */
export function groupApplications(instances: readonly InstanceJson[]): ApplicationJson[] {
  const byApp = new Map<string, InstanceJson[]>();
  for (const instance of instances) {
    const list = byApp.get(instance.app) ?? [];
    list.push(instance);
    byApp.set(instance.app, list);
  }
  return [...byApp.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => ({
      name,
      instance: [...list].sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
    }));
}

export function toApplicationsJson(
  instances: readonly InstanceJson[],
  version: number,
  hashOf: readonly InstanceJson[] = instances,
): ApplicationsJson {
  return {
    applications: {
      versions__delta: String(version),
      apps__hashcode: appsHashCode(hashOf),
      application: groupApplications(instances),
    },
  };
}

/** Does a (comma-separated) VIP address list name `vip`? */
export function matchesVip(vipAddresses: string | undefined, vip: string): boolean {
  return (vipAddresses ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .includes(vip);
}
