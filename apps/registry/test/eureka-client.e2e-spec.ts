/**
 * The registry driven by eureka-js-client itself, the client every app uses: what it sends
 * and how it reacts to our answers (204, 200, 404) is the contract under test.
 */
import type { Eureka } from 'eureka-js-client';
import { eventually } from '@storefront/testing';
import type { ApplicationsJson, InstanceJson } from '../src/instance.view';
import {
  countEvents,
  eurekaClient,
  findInstance,
  getJson,
  type RunningRegistry,
  startClient,
  startRegistry,
  stopClient,
} from './registry-test-kit';

describe('registry with eureka-js-client', () => {
  let registry: RunningRegistry;
  const clients: Eureka[] = [];
  let nextPort = 41_000;

  /** A client on a port of its own, so instances of different tests never collide. */
  function client(options: Omit<Parameters<typeof eurekaClient>[1], 'port'>): Eureka {
    const created = eurekaClient(registry.eurekaUrl, { port: nextPort++, ...options });
    clients.push(created);
    return created;
  }

  beforeAll(async () => {
    registry = await startRegistry();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(stopClient));
  });

  afterAll(async () => {
    await registry.close();
  });

  it('registers (204) and the instance appears in GET /eureka/apps with Spring’s JSON shape', async () => {
    const accounts = client({ app: 'accounts' });
    await startClient(accounts);

    const { status, body } = await getJson<ApplicationsJson>(`${registry.eurekaUrl}/apps`);
    expect(status).toBe(200);
    expect(body.applications).toEqual({
      versions__delta: expect.stringMatching(/^\d+$/),
      apps__hashcode: expect.stringMatching(/UP_\d+_/),
      application: expect.arrayContaining([
        { name: 'ACCOUNTS', instance: [expect.objectContaining({ app: 'ACCOUNTS' })] },
      ]),
    });
    const instance = body.applications.application.find((app) => app.name === 'ACCOUNTS')!
      .instance[0];
    expect(instance).toEqual(
      expect.objectContaining<Partial<InstanceJson>>({
        instanceId: accounts.instanceId,
        hostName: '127.0.0.1',
        ipAddr: '127.0.0.1',
        status: 'UP',
        overriddenStatus: 'UNKNOWN',
        port: { $: accounts.config.instance.port.$, '@enabled': 'true' },
        vipAddress: 'accounts',
        dataCenterInfo: {
          '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
          name: 'MyOwn',
        },
        actionType: 'ADDED',
        lastUpdatedTimestamp: expect.stringMatching(/^\d+$/),
        lastDirtyTimestamp: expect.stringMatching(/^\d+$/),
      }),
    );
    expect(instance.leaseInfo).toEqual({
      renewalIntervalInSecs: 30,
      durationInSecs: 90,
      registrationTimestamp: expect.any(Number),
      lastRenewalTimestamp: expect.any(Number),
      evictionTimestamp: 0,
      serviceUpTimestamp: expect.any(Number),
    });

    // The client reads the same document back: it finds itself by app id and by VIP.
    expect(accounts.getInstancesByAppId('accounts').map((i) => i.instanceId)).toContain(
      accounts.instanceId,
    );
    expect(accounts.getInstancesByVipAddress('accounts')).toHaveLength(1);
  });

  it('answers the single-app, single-instance, instance-id and VIP lookups', async () => {
    const orders = client({ app: 'orders' });
    await startClient(orders);
    const id = orders.instanceId;

    await expect(getJson(`${registry.eurekaUrl}/apps/ORDERS`)).resolves.toEqual({
      status: 200,
      body: {
        application: { name: 'ORDERS', instance: [expect.objectContaining({ instanceId: id })] },
      },
    });
    await expect(getJson(`${registry.eurekaUrl}/apps/orders/${id}`)).resolves.toEqual({
      status: 200,
      body: { instance: expect.objectContaining({ instanceId: id }) },
    });
    await expect(getJson(`${registry.eurekaUrl}/instances/${id}`)).resolves.toEqual({
      status: 200,
      body: { instance: expect.objectContaining({ app: 'ORDERS' }) },
    });
    const vip = await getJson<ApplicationsJson>(`${registry.eurekaUrl}/vips/orders`);
    expect(vip.body.applications.application.map((app) => app.name)).toEqual(['ORDERS']);
  });

  it('keeps an instance that heartbeats past its lease', async () => {
    const heartbeating = client({ app: 'heartbeat', heartbeatInterval: 200, leaseDurationSecs: 1 });
    const heartbeats = countEvents(heartbeating, 'heartbeat');
    await startClient(heartbeating);
    const registered = (await findInstance(registry.eurekaUrl, heartbeating.instanceId))!;
    expect(registered.leaseInfo.durationInSecs).toBe(1);

    // Eight heartbeats take longer than the one-second lease, with eviction every 100 ms.
    await eventually('eight heartbeats', () => heartbeats.count >= 8);

    const renewed = await findInstance(registry.eurekaUrl, heartbeating.instanceId);
    expect(renewed?.status).toBe('UP');
    expect(renewed!.leaseInfo.lastRenewalTimestamp).toBeGreaterThan(
      registered.leaseInfo.lastRenewalTimestamp,
    );
    expect(renewed!.leaseInfo.registrationTimestamp).toBe(
      registered.leaseInfo.registrationTimestamp,
    );
  });

  it('evicts an instance that stops heartbeating, one lease after its last renewal', async () => {
    const silent = client({ app: 'silent', heartbeatInterval: 600_000, leaseDurationSecs: 2 });
    await startClient(silent);
    const registered = (await findInstance(registry.eurekaUrl, silent.instanceId))!;

    await eventually(
      'the silent instance to be evicted',
      async () => (await findInstance(registry.eurekaUrl, silent.instanceId)) === undefined,
    );

    // Gone after one lease (2 s), well before Netflix's doubled expiry (4 s) would let it go.
    const gone = Date.now() - registered.leaseInfo.lastRenewalTimestamp;
    expect(gone).toBeGreaterThanOrEqual(2000);
    expect(gone).toBeLessThan(3500);
    const delta = await getJson<ApplicationsJson>(`${registry.eurekaUrl}/apps/delta`);
    expect(
      delta.body.applications.application
        .flatMap((app) => app.instance)
        .filter((i) => i.instanceId === silent.instanceId)
        .map((i) => i.actionType),
    ).toEqual(['ADDED', 'DELETED']);
  });

  it('answers 404 to the heartbeat of an unknown instance, and the client re-registers by itself', async () => {
    const forgotten = client({ app: 'forgotten', heartbeatInterval: 200 });
    const registrations = countEvents(forgotten, 'registered');
    await startClient(forgotten);
    expect(registrations.count).toBe(1);

    // The registry loses the instance (as after a registry restart) without telling the client.
    const removed = await fetch(`${registry.eurekaUrl}/apps/FORGOTTEN/${forgotten.instanceId}`, {
      method: 'DELETE',
    });
    expect(removed.status).toBe(200);
    const renewal = await fetch(`${registry.eurekaUrl}/apps/FORGOTTEN/${forgotten.instanceId}`, {
      method: 'PUT',
    });
    expect(renewal.status).toBe(404);
    await expect(renewal.json()).resolves.toMatchObject({ code: 'REGISTRY.NOT_FOUND' });

    await eventually('the client to register again', () => registrations.count >= 2);
    await expect(findInstance(registry.eurekaUrl, forgotten.instanceId)).resolves.toMatchObject({
      status: 'UP',
    });
  });

  it('deregisters on stop (DELETE → 200), and the instance is gone', async () => {
    const leaving = client({ app: 'leaving' });
    const deregistrations = countEvents(leaving, 'deregistered');
    await startClient(leaving);

    await stopClient(leaving);

    expect(deregistrations.count).toBe(1);
    await expect(findInstance(registry.eurekaUrl, leaving.instanceId)).resolves.toBeUndefined();
    await expect(
      getJson(`${registry.eurekaUrl}/apps/LEAVING/${leaving.instanceId}`),
    ).resolves.toMatchObject({ status: 404, body: { code: 'REGISTRY.NOT_FOUND' } });
  });

  it('an OUT_OF_SERVICE override hides the instance from client lookups until it is removed', async () => {
    const target = client({ app: 'target' });
    const watcher = client({ app: 'watcher', registryFetchInterval: 100 });
    await startClient(target);
    await startClient(watcher);
    await eventually(
      'target to be visible',
      () => watcher.getInstancesByAppId('target').length === 1,
    );
    const statusUrl = `${registry.eurekaUrl}/apps/TARGET/${target.instanceId}/status`;

    const override = await fetch(`${statusUrl}?value=OUT_OF_SERVICE`, { method: 'PUT' });
    expect(override.status).toBe(200);
    await expect(findInstance(registry.eurekaUrl, target.instanceId)).resolves.toMatchObject({
      status: 'OUT_OF_SERVICE',
      overriddenStatus: 'OUT_OF_SERVICE',
    });
    await eventually(
      'target to be hidden',
      () => watcher.getInstancesByAppId('target').length === 0,
    );

    // A re-registration (eureka-js-client always says UP) does not lift the override.
    await new Promise<void>((resolve, reject) =>
      target.register((error) => (error ? reject(error) : resolve())),
    );
    await expect(findInstance(registry.eurekaUrl, target.instanceId)).resolves.toMatchObject({
      status: 'OUT_OF_SERVICE',
    });

    const removal = await fetch(`${statusUrl}?value=UP`, { method: 'DELETE' });
    expect(removal.status).toBe(200);
    await eventually('target to be back', () => watcher.getInstancesByAppId('target').length === 1);
  });

  it('applies metadata updates', async () => {
    const tagged = client({ app: 'tagged' });
    await startClient(tagged);

    const response = await fetch(
      `${registry.eurekaUrl}/apps/TAGGED/${tagged.instanceId}/metadata?zone=a&weight=3`,
      { method: 'PUT' },
    );

    expect(response.status).toBe(200);
    await expect(findInstance(registry.eurekaUrl, tagged.instanceId)).resolves.toMatchObject({
      metadata: { zone: 'a', weight: '3' },
    });
  });

  it('registers what a stock Spring Cloud Netflix client sends: nulls for unset fields, unknown fields', async () => {
    // InstanceInfo as Spring Cloud's Eureka client serialises it with Jackson: every unset
    // field is an explicit null, and fields this registry does not know are present.
    const body = {
      instance: {
        instanceId: '127.0.0.1:spring-shop:18080',
        app: 'SPRING-SHOP',
        appGroupName: null,
        ipAddr: '127.0.0.1',
        sid: 'na',
        homePageUrl: 'http://127.0.0.1:18080/',
        statusPageUrl: 'http://127.0.0.1:18080/actuator/info',
        healthCheckUrl: 'http://127.0.0.1:18080/actuator/health',
        secureHealthCheckUrl: null,
        vipAddress: 'spring-shop',
        secureVipAddress: 'spring-shop',
        countryId: 1,
        dataCenterInfo: {
          '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
          name: 'MyOwn',
        },
        hostName: '127.0.0.1',
        status: 'UP',
        overriddenStatus: 'UNKNOWN',
        leaseInfo: {
          renewalIntervalInSecs: 30,
          durationInSecs: 90,
          registrationTimestamp: 0,
          lastRenewalTimestamp: 0,
          evictionTimestamp: 0,
          serviceUpTimestamp: 0,
        },
        isCoordinatingDiscoveryServer: 'false',
        metadata: { 'management.port': '18080', zone: null },
        lastUpdatedTimestamp: '1733490000000',
        lastDirtyTimestamp: '1733490000000',
        actionType: null,
        asgName: null,
        port: { $: 18080, '@enabled': 'true' },
        securePort: { $: 443, '@enabled': 'false' },
      },
    };
    const response = await fetch(`${registry.eurekaUrl}/apps/SPRING-SHOP`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(204);
    const read = await fetch(`${registry.eurekaUrl}/apps/SPRING-SHOP/127.0.0.1:spring-shop:18080`, {
      headers: { accept: 'application/json' },
    });
    expect(read.status).toBe(200);
    const { instance } = (await read.json()) as { instance: InstanceJson };
    expect(instance).toMatchObject({
      app: 'SPRING-SHOP',
      status: 'UP',
      overriddenStatus: 'UNKNOWN',
      vipAddress: 'spring-shop',
      metadata: { 'management.port': '18080' },
      leaseInfo: { renewalIntervalInSecs: 30, durationInSecs: 90 },
    });
    expect(instance).not.toHaveProperty('appGroupName');
    expect(instance).not.toHaveProperty('secureHealthCheckUrl');
    expect(instance).not.toHaveProperty('sid');
    expect(instance.metadata).not.toHaveProperty('zone');
    const renewal = await fetch(
      `${registry.eurekaUrl}/apps/SPRING-SHOP/127.0.0.1:spring-shop:18080?status=UP&lastDirtyTimestamp=1733490000000`,
      { method: 'PUT' },
    );
    expect(renewal.status).toBe(200);
  });

  describe('bad input gets a 4xx JSON error, never a 500', () => {
    const post = (app: string, body: string, contentType = 'application/json') =>
      fetch(`${registry.eurekaUrl}/apps/${app}`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });

    it.each([
      ['{}', 'instance is missing'],
      [
        JSON.stringify({ instance: { app: 'BAD', ipAddr: '1.2.3.4', port: { $: 1 } } }),
        'instance.hostName is missing',
      ],
      [
        JSON.stringify({
          instance: {
            app: 'BAD',
            hostName: 'h',
            ipAddr: '1.2.3.4',
            port: { $: 1, '@enabled': true },
            dataCenterInfo: { '@class': 'x', name: 'MyOwn' },
          },
        }),
        "instance.port.@enabled must be the string 'true' or 'false'",
      ],
      [
        JSON.stringify({
          instance: {
            app: 'BAD',
            hostName: 'h',
            ipAddr: '1.2.3.4',
            port: { $: 1 },
            dataCenterInfo: { name: 'MyOwn' },
          },
        }),
        'instance.dataCenterInfo.@class is missing',
      ],
    ])('registration %s → 400 %s', async (body, message) => {
      const response = await post('BAD', body);
      expect(response.status).toBe(400);
      await expect(response.json()).resolves.toMatchObject({
        statusCode: 400,
        code: 'REGISTRY.INVALID',
        message: expect.stringContaining(message),
      });
    });

    it('malformed JSON → 400', async () => {
      const response = await post('BAD', '{"instance": ');
      expect(response.status).toBe(400);
      await expect(response.json()).resolves.toMatchObject({ code: 'REQUEST.MALFORMED_JSON' });
    });

    it('an XML registration → 415 (only JSON is implemented)', async () => {
      const response = await post('BAD', '<instance/>', 'application/xml');
      expect(response.status).toBe(415);
      await expect(response.json()).resolves.toMatchObject({
        code: 'REGISTRY.UNSUPPORTED_MEDIA_TYPE',
      });
    });

    it.each([
      ['GET', '/apps/NOBODY'],
      ['GET', '/apps/NOBODY/x'],
      ['GET', '/instances/nobody'],
      ['PUT', '/apps/NOBODY/x'],
      ['DELETE', '/apps/NOBODY/x'],
      ['PUT', '/apps/NOBODY/x/status?value=OUT_OF_SERVICE'],
      ['DELETE', '/apps/NOBODY/x/status?value=UP'],
      ['PUT', '/apps/NOBODY/x/metadata?a=b'],
    ])('%s %s of an unknown instance → 404', async (method, path) => {
      const response = await fetch(`${registry.eurekaUrl}${path}`, { method });
      expect(response.status).toBe(404);
      await expect(response.json()).resolves.toMatchObject({ code: 'REGISTRY.NOT_FOUND' });
    });

    it('an invalid override value → 400 naming the parameter', async () => {
      const known = client({ app: 'known' });
      await startClient(known);
      const response = await fetch(
        `${registry.eurekaUrl}/apps/KNOWN/${known.instanceId}/status?value=SLEEPING`,
        { method: 'PUT' },
      );
      expect(response.status).toBe(400);
      await expect(response.json()).resolves.toMatchObject({
        message: expect.stringContaining('query parameter value must be one of'),
      });
    });
  });

  it('serves the dashboard and /actuator/health', async () => {
    const dashboard = await fetch(`${registry.url}/`);
    expect(dashboard.headers.get('content-type')).toMatch(/^text\/html/);
    await expect(dashboard.text()).resolves.toContain('<h1>Storefront registry</h1>');
    await expect(getJson(`${registry.url}/actuator/health`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'UP', components: { registry: { status: 'UP' } } },
    });
  });
});
