import {
  appsHashCode,
  effectiveStatus,
  type InstanceRecord,
  type InstanceStatus,
  isExpired,
  type Lease,
  matchesVip,
  newLease,
  type OverrideStatus,
  parseMetadataUpdate,
  parseRegistration,
  parseStatus,
  OVERRIDE_STATUSES,
  type Registration,
  renewalNeedsRegistration,
  toApplicationsJson,
  toInstanceJson,
} from './registry.rules';

/** What eureka-js-client sends with the platform's discovery client. */
const instanceBody = (overrides: Record<string, unknown> = {}) => ({
  instanceId: '127.0.0.1:accounts:8085',
  app: 'ACCOUNTS',
  hostName: '127.0.0.1',
  ipAddr: '127.0.0.1',
  status: 'UP',
  port: { $: 8085, '@enabled': 'true' },
  vipAddress: 'accounts',
  statusPageUrl: 'http://127.0.0.1:8085/actuator/info',
  dataCenterInfo: {
    '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
    name: 'MyOwn',
  },
  ...overrides,
});

function registration(overrides: Record<string, unknown> = {}): Registration {
  const result = parseRegistration('ACCOUNTS', { instance: instanceBody(overrides) });
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

const defaults = { durationMs: 90_000, renewalIntervalMs: 30_000 };

function record(overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  const reg = overrides.registration ?? registration();
  return {
    registration: reg,
    reportedStatus: reg.status,
    lease: newLease(reg, defaults, 1_000),
    lastUpdatedTimestamp: 1_000,
    lastDirtyTimestamp: 1_000,
    actionType: 'ADDED',
    ...overrides,
  };
}

describe('parseRegistration', () => {
  it('accepts what eureka-js-client sends and normalises it', () => {
    const result = parseRegistration('accounts', { instance: instanceBody({ app: 'accounts' }) });
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        instanceId: '127.0.0.1:accounts:8085',
        app: 'ACCOUNTS',
        status: 'UP',
        port: { $: 8085, '@enabled': 'true' },
        securePort: { $: 443, '@enabled': 'false' },
        countryId: 1,
        leaseInfo: {},
        metadata: {},
      }),
    });
  });

  it.each([
    [
      'no instanceId: the host name identifies it',
      { instanceId: undefined },
      'instanceId',
      '127.0.0.1',
    ],
    ['a port as text', { port: { $: '8085' } }, 'port', { $: 8085, '@enabled': 'true' }],
    [
      'lease timing',
      { leaseInfo: { durationInSecs: 5, renewalIntervalInSecs: 1 } },
      'leaseInfo',
      { durationInSecs: 5, renewalIntervalInSecs: 1 },
    ],
    [
      'a non-positive lease keeps the default',
      { leaseInfo: { durationInSecs: 0 } },
      'leaseInfo',
      { durationInSecs: undefined, renewalIntervalInSecs: undefined },
    ],
    [
      'metadata without the Java type hint',
      { metadata: { '@class': 'java.util.Collections$EmptyMap', zone: 'a', weight: 3 } },
      'metadata',
      { zone: 'a', weight: '3' },
    ],
    [
      'a replicated override',
      { overriddenStatus: 'OUT_OF_SERVICE' },
      'overriddenStatus',
      'OUT_OF_SERVICE',
    ],
    ['UNKNOWN is no override', { overriddenStatus: 'UNKNOWN' }, 'overriddenStatus', undefined],
    ['STARTING', { status: 'STARTING' }, 'status', 'STARTING'],
  ])('%s', (_name, overrides, field, expected) => {
    const result = parseRegistration('ACCOUNTS', { instance: instanceBody(overrides) });
    expect(result.ok && result.value[field as keyof Registration]).toEqual(expected);
  });

  it.each([
    'instanceId',
    'appGroupName',
    'status',
    'overriddenStatus',
    'securePort',
    'countryId',
    'leaseInfo',
    'metadata',
    'homePageUrl',
    'statusPageUrl',
    'healthCheckUrl',
    'secureHealthCheckUrl',
    'vipAddress',
    'secureVipAddress',
    'lastDirtyTimestamp',
    'actionType',
    'asgName',
  ])('reads %s: null as absent, as Netflix’s server does', (field) => {
    const absent = parseRegistration('ACCOUNTS', {
      instance: instanceBody({ [field]: undefined }),
    });
    const asNull = parseRegistration('ACCOUNTS', { instance: instanceBody({ [field]: null }) });
    expect(asNull).toEqual(absent);
    expect(asNull.ok).toBe(true);
  });

  it('reads null as absent inside nested objects too, and ignores unknown fields', () => {
    const result = parseRegistration('ACCOUNTS', {
      instance: instanceBody({
        sid: 'na',
        isCoordinatingDiscoveryServer: 'false',
        lastUpdatedTimestamp: '1733490000000',
        port: { $: 8085, '@enabled': null },
        leaseInfo: { durationInSecs: null, renewalIntervalInSecs: 10, evictionTimestamp: 0 },
        metadata: { 'management.port': '8085', zone: null },
        dataCenterInfo: {
          '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
          name: 'MyOwn',
          metadata: null,
        },
      }),
    });
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        port: { $: 8085, '@enabled': 'true' },
        leaseInfo: { renewalIntervalInSecs: 10 },
        metadata: { 'management.port': '8085' },
        dataCenterInfo: {
          '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
          name: 'MyOwn',
        },
      }),
    });
    expect(result.ok && result.value).not.toHaveProperty('sid');
  });

  it.each([
    ['a null instance', { instance: null }, 'instance is missing'],
    [
      'a null hostName',
      { instance: instanceBody({ hostName: null }) },
      'instance.hostName is missing',
    ],
    ['a null port', { instance: instanceBody({ port: null }) }, 'instance.port is missing'],
  ])('still refuses %s, a required field', (_name, body, message) => {
    expect(parseRegistration('ACCOUNTS', body)).toMatchObject({
      ok: false,
      message: expect.stringContaining(message),
    });
  });

  it.each([
    ['no body', undefined, 'instance', 'instance is missing'],
    ['no wrapper', instanceBody(), 'instance', 'instance is missing'],
    ['a non-object instance', { instance: 'x' }, 'instance', 'instance must be an object'],
    [
      'no app',
      { instance: instanceBody({ app: undefined }) },
      'instance.app',
      'instance.app is missing',
    ],
    [
      'no hostName',
      { instance: instanceBody({ hostName: undefined }) },
      'instance.hostName',
      'instance.hostName is missing',
    ],
    [
      'a blank hostName',
      { instance: instanceBody({ hostName: ' ' }) },
      'instance.hostName',
      'instance.hostName must not be empty',
    ],
    [
      'no ipAddr',
      { instance: instanceBody({ ipAddr: undefined }) },
      'instance.ipAddr',
      'instance.ipAddr is missing',
    ],
    [
      'no port',
      { instance: instanceBody({ port: undefined }) },
      'instance.port',
      'instance.port is missing',
    ],
    [
      'a bare port number',
      { instance: instanceBody({ port: 8085 }) },
      'instance.port',
      'instance.port must be an object',
    ],
    [
      'no port.$',
      { instance: instanceBody({ port: {} }) },
      'instance.port.$',
      'instance.port.$ is missing',
    ],
    [
      'port out of range',
      { instance: instanceBody({ port: { $: 70000 } }) },
      'instance.port.$',
      'must be a port number',
    ],
    [
      '@enabled as a boolean',
      { instance: instanceBody({ port: { $: 8085, '@enabled': true } }) },
      'instance.port.@enabled',
      "must be the string 'true' or 'false'",
    ],
    [
      'no dataCenterInfo',
      { instance: instanceBody({ dataCenterInfo: undefined }) },
      'instance.dataCenterInfo',
      'instance.dataCenterInfo is missing',
    ],
    [
      'no @class',
      { instance: instanceBody({ dataCenterInfo: { name: 'MyOwn' } }) },
      'instance.dataCenterInfo.@class',
      'instance.dataCenterInfo.@class is missing',
    ],
    [
      'no data center name',
      { instance: instanceBody({ dataCenterInfo: { '@class': 'x' } }) },
      'instance.dataCenterInfo.name',
      'is missing',
    ],
    [
      'an unknown status',
      { instance: instanceBody({ status: 'SLEEPING' }) },
      'instance.status',
      'must be one of UP, DOWN',
    ],
    [
      'a bad lease',
      { instance: instanceBody({ leaseInfo: { durationInSecs: 'long' } }) },
      'instance.leaseInfo.durationInSecs',
      'must be a number of seconds',
    ],
    [
      'another app than the path',
      { instance: instanceBody({ app: 'ORDERS' }) },
      'instance.app',
      'instance.app is ORDERS but the path names ACCOUNTS',
    ],
  ])('rejects %s, naming the field', (_name, body, field, message) => {
    const result = parseRegistration('ACCOUNTS', body);
    expect(result).toEqual({ ok: false, field, message: expect.stringContaining(message) });
  });
});

describe('parseStatus and parseMetadataUpdate', () => {
  it.each([
    ['OUT_OF_SERVICE', true],
    ['UP', true],
    ['UNKNOWN', false],
    ['up', false],
    [undefined, false],
    [['UP', 'UP'], false],
  ])('override value %j accepted: %s', (value, ok) => {
    expect(parseStatus(value, OVERRIDE_STATUSES).ok).toBe(ok);
  });

  it.each([
    [
      { zone: 'a', weight: '3' },
      { ok: true, value: { zone: 'a', weight: '3' } },
    ],
    [{}, expect.objectContaining({ ok: false, field: 'query' })],
    [{ zone: ['a', 'b'] }, expect.objectContaining({ ok: false, field: 'zone' })],
  ])('metadata %j', (query, expected) => {
    expect(parseMetadataUpdate(query)).toEqual(expected);
  });
});

describe('leases', () => {
  const lease = (lastRenewalTimestamp: number, durationMs = 90_000): Lease => ({
    registrationTimestamp: 0,
    lastRenewalTimestamp,
    serviceUpTimestamp: 0,
    durationMs,
    renewalIntervalMs: 30_000,
  });

  it.each([
    ['just renewed', 1_000, 1_000, false],
    ['at exactly one duration', 1_000, 91_000, false],
    ['one millisecond past one duration (not 2×, unlike Netflix)', 1_000, 91_001, true],
    ['long gone', 1_000, 500_000, true],
  ])('%s → expired %s', (_name, renewedAt, now, expired) => {
    expect(isExpired(lease(renewedAt), now)).toBe(expired);
  });

  it.each([
    [
      'the registration’s own duration',
      { durationInSecs: 5, renewalIntervalInSecs: 1 },
      5_000,
      1_000,
    ],
    ['the server default', {}, 90_000, 30_000],
  ])('uses %s', (_name, leaseInfo, durationMs, renewalIntervalMs) => {
    const reg = registration({ leaseInfo });
    expect(newLease(reg, defaults, 7)).toEqual({
      registrationTimestamp: 7,
      lastRenewalTimestamp: 7,
      serviceUpTimestamp: 7,
      durationMs,
      renewalIntervalMs,
    });
  });

  it('keeps the service-up time across re-registration', () => {
    const first = newLease(registration(), defaults, 100);
    expect(newLease(registration(), defaults, 900, first).serviceUpTimestamp).toBe(100);
  });

  it.each([
    ['unknown instance', undefined, undefined, true],
    ['known, no client timestamp', record(), undefined, false],
    ['known, client copy older', record(), 500, false],
    ['known, same copy', record(), 1_000, false],
    ['known, client copy newer', record(), 1_001, true],
    // Spring's CANCEL_OVERRIDE removes an override without a value: the status is UNKNOWN
    // until the instance registers again, which only a 404 on its renewal makes it do.
    [
      'UNKNOWN after an override removed without a value',
      record({ reportedStatus: 'UNKNOWN' }),
      1_000,
      true,
    ],
    [
      'UNKNOWN under an OUT_OF_SERVICE override',
      record({ reportedStatus: 'UNKNOWN', override: 'OUT_OF_SERVICE' }),
      1_000,
      false,
    ],
    ['DOWN (it said so itself)', record({ reportedStatus: 'DOWN' }), 1_000, false],
  ])('renewal of %s needs registration: %s', (_name, existing, clientDirty, expected) => {
    expect(renewalNeedsRegistration(existing, clientDirty)).toBe(expected);
  });
});

describe('effectiveStatus', () => {
  it.each<[InstanceStatus, OverrideStatus | undefined, InstanceStatus]>([
    ['UP', undefined, 'UP'],
    ['UP', 'OUT_OF_SERVICE', 'OUT_OF_SERVICE'],
    ['OUT_OF_SERVICE', 'UP', 'UP'],
    ['DOWN', 'UP', 'DOWN'],
    ['STARTING', 'OUT_OF_SERVICE', 'STARTING'],
    ['UNKNOWN', undefined, 'UNKNOWN'],
    ['UNKNOWN', 'UP', 'UP'],
  ])('reported %s with override %s → %s', (reported, override, expected) => {
    expect(effectiveStatus(reported, override)).toBe(expected);
  });
});

describe('JSON shapes', () => {
  it('renders an instance with Spring’s field names', () => {
    expect(toInstanceJson(record({ override: 'OUT_OF_SERVICE' }))).toEqual({
      instanceId: '127.0.0.1:accounts:8085',
      hostName: '127.0.0.1',
      app: 'ACCOUNTS',
      ipAddr: '127.0.0.1',
      status: 'OUT_OF_SERVICE',
      overriddenStatus: 'OUT_OF_SERVICE',
      port: { $: 8085, '@enabled': 'true' },
      securePort: { $: 443, '@enabled': 'false' },
      countryId: 1,
      dataCenterInfo: {
        '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
        name: 'MyOwn',
      },
      leaseInfo: {
        renewalIntervalInSecs: 30,
        durationInSecs: 90,
        registrationTimestamp: 1_000,
        lastRenewalTimestamp: 1_000,
        evictionTimestamp: 0,
        serviceUpTimestamp: 1_000,
      },
      metadata: { '@class': 'java.util.Collections$EmptyMap' },
      homePageUrl: undefined,
      statusPageUrl: 'http://127.0.0.1:8085/actuator/info',
      healthCheckUrl: undefined,
      vipAddress: 'accounts',
      secureVipAddress: undefined,
      isCoordinatingDiscoveryServer: 'false',
      lastUpdatedTimestamp: '1000',
      lastDirtyTimestamp: '1000',
      actionType: 'ADDED',
    });
  });

  it.each([
    [[], ''],
    [['UP'], 'UP_1_'],
    [['UP', 'UP', 'OUT_OF_SERVICE', 'DOWN'], 'DOWN_1_OUT_OF_SERVICE_1_UP_2_'],
  ] as const)('hash code of %j is %j', (statuses, hash) => {
    expect(appsHashCode(statuses.map((status) => ({ status })))).toBe(hash);
  });

  it('groups instances into sorted applications', () => {
    const orders = toInstanceJson(
      record({ registration: { ...registration(), app: 'ORDERS', instanceId: 'o1' } }),
    );
    const accountsB = toInstanceJson(
      record({ registration: { ...registration(), instanceId: 'b' } }),
    );
    const accountsA = toInstanceJson(
      record({ registration: { ...registration(), instanceId: 'a' } }),
    );
    const json = toApplicationsJson([orders, accountsB, accountsA], 7);
    expect(json.applications.versions__delta).toBe('7');
    expect(json.applications.apps__hashcode).toBe('UP_3_');
    expect(
      json.applications.application.map((app) => [app.name, app.instance.map((i) => i.instanceId)]),
    ).toEqual([
      ['ACCOUNTS', ['a', 'b']],
      ['ORDERS', ['o1']],
    ]);
  });

  it.each([
    ['accounts', 'accounts', true],
    ['accounts,accounts-v2', 'accounts-v2', true],
    ['accounts, legacy', 'legacy', true],
    ['accounts', 'account', false],
    [undefined, 'accounts', false],
  ])('VIP list %j matches %j: %s', (list, vip, expected) => {
    expect(matchesVip(list, vip)).toBe(expected);
  });
});
