import type { NetworkInterfaceInfo } from 'node:os';
import type { EurekaInstance } from 'eureka-js-client';
import { discoveryConfigSchema } from './discovery.config';
import {
  buildInstanceConfig,
  eurekaServiceUrls,
  pickInterfaceAddress,
  nextReadiness,
  type ReadinessState,
  resolveInstanceAddress,
  toServiceInstance,
} from './discovery.rules';

const nic = (address: string, internal = false, family: 'IPv4' | 'IPv6' = 'IPv4') =>
  ({ address, internal, family }) as NetworkInterfaceInfo;

const interfaces = {
  lo: [nic('127.0.0.1', true)],
  eth0: [nic('fe80::1', false, 'IPv6'), nic('10.0.0.7')],
  eth1: [nic('10.0.1.5')],
};

describe('resolveInstanceAddress', () => {
  it.each([
    ['a specific HOST is used as is', { host: '127.0.0.1' }, '127.0.0.1', '127.0.0.1'],
    ['a wildcard HOST takes the first external IPv4', { host: '0.0.0.0' }, '10.0.0.7', '10.0.0.7'],
    ['IPv6 wildcard too', { host: '::' }, '10.0.0.7', '10.0.0.7'],
    [
      'the preferred network wins',
      { host: '0.0.0.0', preferredNetwork: '10.0.1.' },
      '10.0.1.5',
      '10.0.1.5',
    ],
    [
      'a host name keeps its name and gets an interface IP',
      { host: 'accounts.local' },
      'accounts.local',
      '10.0.0.7',
    ],
    [
      'explicit overrides win',
      { host: '0.0.0.0', hostName: 'accounts', ipAddr: '192.168.1.2' },
      'accounts',
      '192.168.1.2',
    ],
  ])('%s', (_name, options, hostName, ipAddr) => {
    expect(resolveInstanceAddress(options, interfaces)).toEqual({ hostName, ipAddr });
  });

  it('falls back to loopback on a machine without external interfaces', () => {
    expect(resolveInstanceAddress({ host: '0.0.0.0' }, { lo: interfaces.lo })).toEqual({
      hostName: '127.0.0.1',
      ipAddr: '127.0.0.1',
    });
  });

  it('ignores internal and IPv6 addresses when picking', () => {
    expect(pickInterfaceAddress({ lo: interfaces.lo, eth0: [nic('fe80::1', false, 'IPv6')] })).toBe(
      undefined,
    );
  });
});

describe('buildInstanceConfig', () => {
  const instance = buildInstanceConfig({
    appName: 'accounts',
    version: '1.2.3',
    hostName: '10.0.1.5',
    ipAddr: '10.0.1.5',
    port: 8085,
    leaseDurationSeconds: 90,
    heartbeatIntervalMs: 30_000,
  });

  it('has the shape Spring accepts', () => {
    expect(instance).toMatchObject({
      instanceId: '10.0.1.5:accounts:8085',
      app: 'ACCOUNTS',
      hostName: '10.0.1.5',
      ipAddr: '10.0.1.5',
      port: { $: 8085, '@enabled': 'true' },
      vipAddress: 'accounts',
      statusPageUrl: 'http://10.0.1.5:8085/actuator/info',
      healthCheckUrl: 'http://10.0.1.5:8085/actuator/health',
      dataCenterInfo: {
        '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
        name: 'MyOwn',
      },
      leaseInfo: { renewalIntervalInSecs: 30, durationInSecs: 90 },
      metadata: { version: '1.2.3' },
    });
  });

  it('sends @enabled as a string, never a boolean', () => {
    expect(typeof instance.port['@enabled']).toBe('string');
  });
});

describe('eurekaServiceUrls', () => {
  it.each([
    [['http://127.0.0.1:8761/eureka'], ['http://127.0.0.1:8761/eureka/apps/']],
    [['http://a:8761/eureka/'], ['http://a:8761/eureka/apps/']],
    [
      ['http://a:8761/eureka', 'http://b:8761/eureka'],
      ['http://a:8761/eureka/apps/', 'http://b:8761/eureka/apps/'],
    ],
  ])('%j → %j', (urls, expected) => {
    expect(eurekaServiceUrls(urls)).toEqual({ default: expected });
  });
});

describe('toServiceInstance', () => {
  const up: EurekaInstance = {
    instanceId: '10.0.1.5:orders:8090',
    app: 'ORDERS',
    hostName: '10.0.1.5',
    status: 'UP',
    port: { $: 8090, '@enabled': 'true' },
  };

  it.each<[string, EurekaInstance, ReturnType<typeof toServiceInstance>]>([
    [
      'an UP instance',
      up,
      {
        instanceId: '10.0.1.5:orders:8090',
        host: '10.0.1.5',
        port: 8090,
        url: 'http://10.0.1.5:8090',
        status: 'UP',
      },
    ],
    [
      'a port given as text (XML-style JSON)',
      { ...up, port: { $: '8090' } },
      expect.objectContaining({ port: 8090 }),
    ],
    [
      'no instanceId: host:port',
      { ...up, instanceId: undefined },
      expect.objectContaining({ instanceId: '10.0.1.5:8090' }),
    ],
    ['OUT_OF_SERVICE', { ...up, status: 'OUT_OF_SERVICE' }, undefined],
    ['DOWN', { ...up, status: 'DOWN' }, undefined],
    ['no usable port', { ...up, port: { $: 'x' } }, undefined],
  ])('%s', (_name, instance, expected) => {
    expect(toServiceInstance(instance)).toEqual(expected);
  });
});

describe('nextReadiness', () => {
  const up: ReadinessState = { status: 'UP', failuresInARow: 0 };
  /** The status shown after each check, from UP. */
  function run(checks: Array<'UP' | 'DOWN' | 'OUT_OF_SERVICE'>, threshold = 3): string[] {
    let state = up;
    return checks.map((check) => (state = nextReadiness(state, check, threshold)).status);
  }

  it('stays UP through fewer failing checks in a row than the threshold', () => {
    expect(run(['DOWN', 'DOWN', 'UP', 'DOWN', 'DOWN', 'UP'])).toEqual([
      'UP',
      'UP',
      'UP',
      'UP',
      'UP',
      'UP',
    ]);
  });

  it('goes OUT_OF_SERVICE at the threshold and back UP with one passing check', () => {
    expect(run(['DOWN', 'DOWN', 'DOWN', 'DOWN', 'UP', 'DOWN'])).toEqual([
      'UP',
      'UP',
      'OUT_OF_SERVICE',
      'OUT_OF_SERVICE',
      'UP',
      'UP',
    ]);
  });

  it('takes the instance out at once when it is shutting down', () => {
    expect(run(['OUT_OF_SERVICE'])).toEqual(['OUT_OF_SERVICE']);
  });

  it('with a threshold of 1 follows every check', () => {
    expect(run(['DOWN', 'UP'], 1)).toEqual(['OUT_OF_SERVICE', 'UP']);
  });
});

describe('discoveryConfigSchema', () => {
  it('has defaults that work against a local registry', () => {
    expect(discoveryConfigSchema.parse({})).toEqual({
      EUREKA_ENABLED: true,
      EUREKA_URL: ['http://127.0.0.1:8761/eureka'],
      EUREKA_HEARTBEAT_INTERVAL_MS: 30_000,
      EUREKA_REGISTRY_FETCH_INTERVAL_MS: 30_000,
      EUREKA_LEASE_DURATION_SECONDS: 90,
      EUREKA_STATUS_CHECK_INTERVAL_MS: 10_000,
      EUREKA_STATUS_FAILURE_THRESHOLD: 3,
    });
  });

  it.each([
    [{ EUREKA_ENABLED: 'false' }, { EUREKA_ENABLED: false }],
    [
      { EUREKA_URL: 'http://r1:8761/eureka/, http://r2:8761/eureka' },
      { EUREKA_URL: ['http://r1:8761/eureka', 'http://r2:8761/eureka'] },
    ],
  ])('reads %j', (env, expected) => {
    expect(discoveryConfigSchema.parse(env)).toMatchObject(expected);
  });

  it.each([
    [{ EUREKA_ENABLED: 'maybe' }, 'EUREKA_ENABLED'],
    [{ EUREKA_URL: 'registry:8761' }, 'EUREKA_URL'],
    [{ EUREKA_INSTANCE_IP: '10.0.1' }, 'EUREKA_INSTANCE_IP'],
    [{ EUREKA_HEARTBEAT_INTERVAL_MS: '0' }, 'EUREKA_HEARTBEAT_INTERVAL_MS'],
  ])('rejects %j', (env, variable) => {
    const result = discoveryConfigSchema.safeParse(env);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path[0]).toBe(variable);
  });
});
