import { appsHashCode, matchesVip, toApplicationsJson, toInstanceJson } from './instance.view';
import { record, registration } from './registry.fixtures';

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
