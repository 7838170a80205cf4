/**
 * Registry writes need credentials: a registration, renewal, cancel or status change without
 * them, or with a wrong password, is a 401 with a JSON body and changes nothing; failures are
 * throttled per client without throttling the services that authenticate; reads stay open;
 * replicas replicate with the shared credentials; and the platform's discovery client sends
 * the credentials from its config or its URL.
 */
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import {
  type AppDefinition,
  baseConfigSchema,
  basicAuthorization,
  createApp,
  DiscoveryClient,
  DiscoveryModule,
  discoveryConfigSchema,
} from '@storefront/platform';
import { eventually } from '@storefront/testing';
import {
  eurekaClient,
  findInstance,
  type RunningRegistry,
  registeredInstances,
  startClient,
  startRegistry,
  stopClient,
} from './registry-test-kit';
import { PeerReplicationService } from '../src/peer-replication.service';

const PASSWORD = 'registry-secret-0123456789';
const GOOD = basicAuthorization({ username: 'eureka', password: PASSWORD });
const WRONG = basicAuthorization({ username: 'eureka', password: 'not-the-password-000' });

function registration(app: string, port: number) {
  return {
    instance: {
      instanceId: `127.0.0.1:${app.toLowerCase()}:${port}`,
      app,
      hostName: '127.0.0.1',
      ipAddr: '127.0.0.1',
      port: { $: port, '@enabled': 'true' },
      vipAddress: app.toLowerCase(),
      status: 'UP',
      dataCenterInfo: {
        '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
        name: 'MyOwn',
      },
    },
  };
}

async function call(
  url: string,
  method: string,
  authorization?: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> | undefined; headers: Headers }> {
  const response = await fetch(url, {
    method,
    headers: {
      accept: 'application/json',
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(authorization !== undefined && { authorization }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    headers: response.headers,
  };
}

describe('registry writes need credentials', () => {
  let registry: RunningRegistry;

  beforeAll(async () => {
    registry = await startRegistry({
      REGISTRY_PASSWORD: PASSWORD,
      REGISTRY_AUTH_FAILURE_LIMIT: '1000',
    });
  });

  afterAll(() => registry.close());

  it.each([
    ['no credentials', undefined, 'Registry writes need HTTP Basic credentials'],
    ['a wrong password', WRONG, 'The registry credentials are wrong'],
    ['a wrong user name', basicAuthorization({ username: 'admin', password: PASSWORD }), 'wrong'],
  ])(
    'refuses a registration with %s: 401, JSON, a Basic challenge, nothing registered',
    async (_, auth, message) => {
      const result = await call(
        `${registry.eurekaUrl}/apps/ACCOUNTS`,
        'POST',
        auth,
        registration('ACCOUNTS', 18999),
      );

      expect(result.status).toBe(401);
      expect(result.body).toMatchObject({ statusCode: 401, code: 'COMMON.UNAUTHORIZED' });
      expect(String(result.body?.message)).toContain(message);
      expect(result.headers.get('www-authenticate')).toMatch(/^Basic realm="storefront-registry"/);
      expect(await registeredInstances(registry.eurekaUrl)).toEqual([]);
    },
  );

  it('accepts a registration with the credentials; renewal, status, metadata and cancel need them too', async () => {
    const instance = `${registry.eurekaUrl}/apps/ORDERS/127.0.0.1:orders:18100`;
    expect(
      (await call(`${registry.eurekaUrl}/apps/ORDERS`, 'POST', GOOD, registration('ORDERS', 18100)))
        .status,
    ).toBe(204);
    expect(await findInstance(registry.eurekaUrl, '127.0.0.1:orders:18100')).toBeDefined();

    const writes: Array<[string, string]> = [
      ['PUT', instance],
      ['PUT', `${instance}/status?value=OUT_OF_SERVICE`],
      ['DELETE', `${instance}/status?value=UP`],
      ['PUT', `${instance}/metadata?zone=attacker`],
      ['DELETE', instance],
    ];
    for (const [method, url] of writes) {
      expect({ method, url, status: (await call(url, method)).status }).toEqual({
        method,
        url,
        status: 401,
      });
      expect({ method, url, status: (await call(url, method, WRONG)).status }).toEqual({
        method,
        url,
        status: 401,
      });
    }
    // None of the refused writes took effect: still UP, no metadata, still registered.
    const still = await findInstance(registry.eurekaUrl, '127.0.0.1:orders:18100');
    expect(still?.status).toBe('UP');
    expect(still?.metadata).not.toHaveProperty('zone');

    for (const [method, url] of writes) {
      expect({ method, url, status: (await call(url, method, GOOD)).status }).toEqual({
        method,
        url,
        status: 200,
      });
    }
    expect(await findInstance(registry.eurekaUrl, '127.0.0.1:orders:18100')).toBeUndefined();
  });

  it('keeps reads open (dashboard, registry JSON)', async () => {
    expect((await call(`${registry.eurekaUrl}/apps`, 'GET')).status).toBe(200);
    expect((await fetch(`${registry.url}/`)).status).toBe(200);
  });

  it('registers and renews a stock eureka-js-client whose service URL carries the credentials', async () => {
    const withCredentials = registry.eurekaUrl.replace('http://', `http://eureka:${PASSWORD}@`);
    const client = eurekaClient(withCredentials, {
      app: 'stock',
      port: 18200,
      heartbeatInterval: 100,
    });
    let renewals = 0;
    client.on('heartbeat', () => (renewals += 1));
    await startClient(client);
    try {
      await eventually('two renewals with credentials', () => renewals >= 2);
      expect(await findInstance(registry.eurekaUrl, '127.0.0.1:stock:18200')).toBeDefined();
    } finally {
      await stopClient(client);
    }
    expect(await findInstance(registry.eurekaUrl, '127.0.0.1:stock:18200')).toBeUndefined();
  });
});

describe('failed authentications are throttled per client', () => {
  let registry: RunningRegistry;

  beforeAll(async () => {
    registry = await startRegistry({
      REGISTRY_PASSWORD: PASSWORD,
      REGISTRY_AUTH_FAILURE_LIMIT: '3',
    });
  });

  afterAll(() => registry.close());

  it('answers 429 after the limit, while a client with the credentials keeps writing', async () => {
    const url = `${registry.eurekaUrl}/apps/ACCOUNTS`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1)
      statuses.push((await call(url, 'POST', WRONG, registration('ACCOUNTS', 18999))).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);

    const limited = await call(url, 'POST', undefined, registration('ACCOUNTS', 18999));
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      statusCode: 429,
      code: 'REGISTRY.TOO_MANY_FAILED_AUTHENTICATIONS',
    });
    expect(limited.headers.get('ratelimit')).toMatch(/limit=3/);

    // Same address, right credentials: never counted, never refused.
    expect((await call(url, 'POST', GOOD, registration('ACCOUNTS', 18300))).status).toBe(204);
    expect((await call(`${url}/127.0.0.1:accounts:18300`, 'PUT', GOOD)).status).toBe(200);
    expect((await registeredInstances(registry.eurekaUrl)).map((i) => i.instanceId)).toEqual([
      '127.0.0.1:accounts:18300',
    ]);
  });
});

describe('peer replication authenticates', () => {
  let first: RunningRegistry;
  let second: RunningRegistry;
  let open: RunningRegistry;

  beforeAll(async () => {
    second = await startRegistry({ REGISTRY_PASSWORD: PASSWORD });
    // Its own password, sent to the peer (the replicas share one secret).
    first = await startRegistry({ REGISTRY_PASSWORD: PASSWORD, EUREKA_PEERS: second.eurekaUrl });
    // No password of its own and none in the peer URL: the peer refuses its replication.
    open = await startRegistry({ EUREKA_PEERS: second.eurekaUrl });
  });

  afterAll(async () => {
    await Promise.all([first, second, open].map((r) => r?.close()));
  });

  it('replicates a registration to a peer with the shared credentials', async () => {
    expect(
      (
        await call(
          `${first.eurekaUrl}/apps/FULFILLMENT`,
          'POST',
          GOOD,
          registration('FULFILLMENT', 18400),
        )
      ).status,
    ).toBe(204);
    await eventually('the peer to receive the registration', () =>
      findInstance(second.eurekaUrl, '127.0.0.1:fulfillment:18400'),
    );
  });

  it('a registry without the credentials cannot write into the peer', async () => {
    expect(
      (await call(`${open.eurekaUrl}/apps/ROGUE`, 'POST', undefined, registration('ROGUE', 18999)))
        .status,
    ).toBe(204);
    const replication = open.app.get(PeerReplicationService);
    await replication.drain();
    expect(replication.peerStates[0]).toMatchObject({
      lastError: expect.stringMatching(/answered 401/),
    });
    expect(await findInstance(second.eurekaUrl, '127.0.0.1:rogue:18999')).toBeUndefined();
  });
});

const probeConfigSchema = baseConfigSchema.extend(discoveryConfigSchema.shape);
const probeApp: AppDefinition<typeof probeConfigSchema> = {
  name: 'probe',
  configSchema: probeConfigSchema,
  imports: () => [DiscoveryModule.forRoot()],
};

describe("the platform's discovery client sends the registry credentials", () => {
  let registry: RunningRegistry;
  let probe: INestApplication | undefined;

  async function startProbe(
    env: Record<string, string>,
  ): Promise<{ discovery: DiscoveryClient; id: string }> {
    ({ app: probe } = await createApp(probeApp, {
      PORT: '1',
      LOG_LEVEL: 'silent',
      EUREKA_HEARTBEAT_INTERVAL_MS: '200',
      EUREKA_REGISTRY_FETCH_INTERVAL_MS: '200',
      ...env,
    }));
    await probe.listen(0, '127.0.0.1');
    const port = ((probe.getHttpServer() as Server).address() as { port: number }).port;
    return { discovery: probe.get(DiscoveryClient), id: `127.0.0.1:probe:${port}` };
  }

  beforeAll(async () => {
    registry = await startRegistry({
      REGISTRY_PASSWORD: PASSWORD,
      REGISTRY_AUTH_FAILURE_LIMIT: '1000',
    });
  });

  afterEach(async () => {
    await probe?.close();
    probe = undefined;
  });

  afterAll(() => registry.close());

  it.each([
    [
      'EUREKA_USERNAME / EUREKA_PASSWORD',
      (url: string) => ({ EUREKA_URL: url, EUREKA_USERNAME: 'eureka', EUREKA_PASSWORD: PASSWORD }),
    ],
    [
      'the user info of EUREKA_URL',
      (url: string) => ({ EUREKA_URL: url.replace('http://', `http://eureka:${PASSWORD}@`) }),
    ],
  ])('registers with credentials from %s', async (_, env) => {
    const { id } = await startProbe(env(registry.eurekaUrl));
    await eventually('the probe to register', () => findInstance(registry.eurekaUrl, id));
  });

  it('without them is refused, says why, and never appears', async () => {
    const { discovery, id } = await startProbe({ EUREKA_URL: registry.eurekaUrl });
    await eventually('the registration to fail', () => discovery.registration.error);
    expect(discovery.registration).toMatchObject({
      registered: false,
      error: expect.stringMatching(/401/),
    });
    expect(await findInstance(registry.eurekaUrl, id)).toBeUndefined();
  });
});
