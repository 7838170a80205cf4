import { instanceBody } from '../registry.fixtures';
import { OVERRIDE_STATUSES, type Registration } from '../registry.model';
import { parseMetadataUpdate, parseRegistration, parseStatus } from './registration.dto';

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
