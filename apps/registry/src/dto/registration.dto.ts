/**
 * Parsing what an instance sends: a registration (Spring's and eureka-js-client's shapes, nulls
 * and string-typed numbers included), a status and a metadata update.
 */
import type { RuleResult } from '@storefront/platform';
import { z } from 'zod';
import { INSTANCE_STATUSES, Registration } from '../registry.model';

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

/**
 * Validates `POST /eureka/apps/{APP}` bodies: `{"instance": {...}}` as Spring's JSON codec
 * expects. Required fields are the ones Spring's ApplicationResource rejects when missing,
 * plus what Jackson needs to read the body (`port.$`, `dataCenterInfo['@class']`).
 */
export function parseRegistration(pathApp: string, body: unknown): RuleResult<Registration> {
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
): RuleResult<T> {
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
): RuleResult<Record<string, string>> {
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
