/**
 * Interoperability with the reference implementations, as real processes: a Spring Cloud
 * Netflix Eureka client registers with, renews at, fetches from and cancels at our registry
 * while our four apps run against it; and our apps register with Netflix's own Eureka
 * server, are found there by the gateway, and deregister from it. Both Java programs come
 * from ./spring-eureka, built with Maven on the first run and cached after.
 */
import { eventually } from '@storefront/testing';
import type { ApplicationsJson, InstanceJson } from '../src/instance.view';
import { freePort, startTestStack, type TestStack } from '../../../tools/runtime/test-stack';
import {
  eurekaClient,
  type RunningRegistry,
  startClient,
  startRegistry,
  stopClient,
} from './registry-test-kit';
import {
  buildSpringEureka,
  logTail,
  type RecordingProxy,
  type SpringEurekaProcess,
  startRecordingProxy,
  startSpringEureka,
} from './spring-eureka-kit';

const SPRING_APP = 'STOREFRONT-INTEROP';
const OUR_APPS = ['ACCOUNTS', 'FULFILLMENT', 'GATEWAY', 'ORDERS'] as const;
/** Short enough to outlive within the test, long enough to tell a cancel from an expiry. */
const LEASE_SECONDS = 6;

async function eurekaApps(eurekaUrl: string): Promise<ApplicationsJson['applications']> {
  const response = await fetch(`${eurekaUrl}/apps`, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`GET ${eurekaUrl}/apps: HTTP ${response.status}`);
  return ((await response.json()) as ApplicationsJson).applications;
}

/** Every instance of `app` in the registry at `eurekaUrl` (Netflix's or ours). */
async function instancesOf(eurekaUrl: string, app: string): Promise<InstanceJson[]> {
  const applications = await eurekaApps(eurekaUrl);
  // Netflix's server, like eureka-js-client, also accepts one object in place of an array.
  const list = ([] as ApplicationsJson['applications']['application']).concat(
    applications.application,
  );
  const found = list.find((entry) => entry.name === app);
  return found ? ([] as InstanceJson[]).concat(found.instance) : [];
}

function hostPort(instance: InstanceJson): string {
  return `${instance.hostName}:${instance.port.$}`;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe('Eureka interoperability with Spring Cloud Netflix (real processes)', () => {
  let jar: string;

  beforeAll(async () => {
    jar = (await buildSpringEureka()).jar;
  }, 600_000);

  describe('a Spring Cloud Eureka client against our registry', () => {
    let stack: TestStack | undefined;
    let proxy: RecordingProxy | undefined;
    let client: SpringEurekaProcess | undefined;
    let instanceId: string;
    let eurekaUrl: string;

    beforeAll(async () => {
      stack = await startTestStack({
        dbPrefix: 'spring_eureka',
        env: { LEASE_EVICTION_INTERVAL_MS: '200' },
      });
      eurekaUrl = `${stack.registryUrl}/eureka`;
      // Between the Spring client and the registry: what it asked, and what it was answered.
      proxy = await startRecordingProxy(stack.registryUrl);
      const port = await freePort();
      instanceId = `127.0.0.1:storefront-interop:${port}`;
      client = await startSpringEureka(jar, 'client', port, {
        'eureka.client.service-url.defaultZone': `${proxy.url}/eureka/`,
        'eureka.instance.lease-renewal-interval-in-seconds': 1,
        'eureka.instance.lease-expiration-duration-in-seconds': LEASE_SECONDS,
        'eureka.client.registry-fetch-interval-seconds': 1,
      });
    }, 300_000);

    afterAll(async () => {
      await client?.stop(10_000);
      await proxy?.close();
      await stack?.stop();
    }, 120_000);

    /** The Spring client's calls so far, as `METHOD path status` (query strings dropped). */
    function calls(method: string, pathPattern: RegExp): number {
      return proxy!.calls.filter(
        (call) => call.method === method && pathPattern.test(call.path.split('?')[0]),
      ).length;
    }

    it('registers, and appears UP in our registry with its real host and port', async () => {
      const instance = await eventually(
        `${SPRING_APP} in our registry`,
        async () => (await instancesOf(eurekaUrl, SPRING_APP))[0],
        { timeoutMs: 30_000, detail: () => logTail(client!) },
      );
      expect(instance).toEqual(
        expect.objectContaining({
          instanceId,
          app: SPRING_APP,
          hostName: '127.0.0.1',
          ipAddr: '127.0.0.1',
          status: 'UP',
          port: { $: client!.port, '@enabled': 'true' },
          vipAddress: 'storefront-interop',
        }),
      );
      expect(instance.leaseInfo).toEqual(
        expect.objectContaining({ renewalIntervalInSecs: 1, durationInSecs: LEASE_SECONDS }),
      );
      const registrations = proxy!.calls.filter((call) => call.method === 'POST');
      expect(registrations.map((call) => [call.path, call.status])).toEqual([
        [`/eureka/apps/${SPRING_APP}`, 204],
      ]);
      // Its own endpoint answers where it registered: the address is real.
      await expect(fetch(`http://${hostPort(instance)}/seen`)).resolves.toHaveProperty(
        'status',
        200,
      );
    });

    it('stays registered past its lease duration, renewing every second', async () => {
      const registered = (await instancesOf(eurekaUrl, SPRING_APP))[0];
      const since = registered.leaseInfo.registrationTimestamp;
      await eventually(
        'two lease durations to pass',
        () => Date.now() - since > 2 * LEASE_SECONDS * 1000,
        { timeoutMs: 3 * LEASE_SECONDS * 1000, intervalMs: 500 },
      );
      const renewed = (await instancesOf(eurekaUrl, SPRING_APP))[0];
      expect(renewed).toEqual(
        expect.objectContaining({
          status: 'UP',
          leaseInfo: expect.objectContaining({ registrationTimestamp: since }) as unknown,
        }),
      );
      expect(renewed.leaseInfo.lastRenewalTimestamp).toBeGreaterThan(
        since + (LEASE_SECONDS - 2) * 1000,
      );
      const renewals = proxy!.calls.filter(
        (call) => call.method === 'PUT' && call.path.startsWith(`/eureka/apps/${SPRING_APP}/`),
      );
      expect(renewals.length).toBeGreaterThanOrEqual(2 * LEASE_SECONDS - 2);
      expect(renewals.every((call) => call.status === 200)).toBe(true);
      // Never re-registered: no renewal was answered 404.
      expect(calls('POST', /^\/eureka\/apps\//)).toBe(1);
    });

    it('fetches the full registry, then deltas that reconcile, and sees our four apps at their ports', async () => {
      const expected = Object.fromEntries(
        OUR_APPS.map((app) => [
          app,
          [`127.0.0.1:${portOf(stack!.url(app.toLowerCase() as Lowercase<typeof app>))}`],
        ]),
      );
      const seen = await eventually(
        'the Spring client to discover our four apps',
        async () => {
          const response = await fetch(`${client!.url}/seen`);
          const body = (await response.json()) as Record<string, string[]>;
          return OUR_APPS.every((app) => body[app]?.length) ? body : undefined;
        },
        30_000,
      );
      expect(seen).toEqual({ ...expected, [SPRING_APP]: [`127.0.0.1:${client!.port}`] });

      await eventually(
        'five delta fetches',
        () => calls('GET', /^\/eureka\/apps\/delta$/) >= 5,
        20_000,
      );
      const fetches = proxy!.calls.filter((call) => call.method === 'GET');
      expect(fetches.every((call) => call.status === 200)).toBe(true);
      // One full fetch at start-up; after that only deltas. A delta whose apps__hashcode
      // disagreed with the client's own count would make it fetch everything again.
      expect(fetches[0].path.split('?')[0]).toBe('/eureka/apps/');
      expect(calls('GET', /^\/eureka\/apps\/?$/)).toBe(1);
    });

    it('follows an instance through deltas: added, OUT_OF_SERVICE, back UP, cancelled', async () => {
      const seen = async (): Promise<Record<string, string[]>> =>
        (await fetch(`${client!.url}/seen`)).json() as Promise<Record<string, string[]>>;
      const port = await freePort();
      const extra = eurekaClient(eurekaUrl, {
        app: 'interop-extra',
        port,
        heartbeatInterval: 1000,
      });
      const id = `127.0.0.1:interop-extra:${port}`;
      const until = (what: string, probe: (view: Record<string, string[]>) => boolean) =>
        eventually(what, async () => probe(await seen()), 15_000);
      try {
        await startClient(extra);
        await until('the Spring client to see the new instance', (view) =>
          Boolean(view['INTEROP-EXTRA']?.includes(`127.0.0.1:${port}`)),
        );
        const status = `${eurekaUrl}/apps/INTEROP-EXTRA/${id}/status`;
        expect((await fetch(`${status}?value=OUT_OF_SERVICE`, { method: 'PUT' })).status).toBe(200);
        // Spring's client keeps only UP instances.
        await until(
          'the Spring client to drop the OUT_OF_SERVICE instance',
          (view) => !view['INTEROP-EXTRA']?.length,
        );
        expect((await fetch(`${status}?value=UP`, { method: 'DELETE' })).status).toBe(200);
        await until('the Spring client to see it UP again', (view) =>
          Boolean(view['INTEROP-EXTRA']?.length),
        );
      } finally {
        await stopClient(extra);
      }
      await until('the Spring client to see the cancel', (view) => !view['INTEROP-EXTRA']);
      // Each change reached it through a delta that reconciled: still one full fetch.
      expect(calls('GET', /^\/eureka\/apps\/?$/)).toBe(1);
      const deltas = proxy!.calls.filter((call) => call.path.startsWith('/eureka/apps/delta'));
      const actions = new Set(
        deltas.flatMap((call) =>
          [...call.responseBody.matchAll(/"actionType":"(\w+)"/g)].map((match) => match[1]),
        ),
      );
      expect([...actions].sort()).toEqual(['ADDED', 'DELETED', 'MODIFIED']);
    });

    it('takes itself out of service and back through its service-registry endpoint', async () => {
      const setStatus = (status: string) =>
        fetch(`${client!.url}/actuator/serviceregistry`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ status }),
        });
      const statusIn = async (): Promise<string | undefined> =>
        (await instancesOf(eurekaUrl, SPRING_APP))[0]?.status;

      expect((await setStatus('OUT_OF_SERVICE')).status).toBe(200);
      await eventually(
        `${SPRING_APP} OUT_OF_SERVICE in our registry`,
        async () => (await statusIn()) === 'OUT_OF_SERVICE',
        10_000,
      );
      const override = proxy!.calls.find(
        (call) => call.method === 'PUT' && call.path.includes('/status?'),
      );
      expect(override).toEqual(expect.objectContaining({ status: 200 }));
      // It keeps renewing while out of service, and stays so.
      const renewals = calls('PUT', /^\/eureka\/apps\/[^/]+\/[^/]+$/);
      await eventually(
        'two more renewals',
        () => calls('PUT', /^\/eureka\/apps\/[^/]+\/[^/]+$/) >= renewals + 2,
        10_000,
      );
      expect(await statusIn()).toBe('OUT_OF_SERVICE');

      // CANCEL_OVERRIDE removes the override without a status to fall back to: the instance is
      // UNKNOWN until its next renewal is answered 404 and it registers again, UP, as with
      // Netflix's server. (A 200 there once left it UNKNOWN, undiscoverable, for good.)
      const before = proxy!.calls.length;
      expect((await setStatus('CANCEL_OVERRIDE')).status).toBe(200);
      await eventually(
        `${SPRING_APP} UP again in our registry`,
        async () => (await statusIn()) === 'UP',
        10_000,
      );
      const after = proxy!.calls
        .slice(before)
        .filter((call) => !call.path.startsWith('/eureka/apps/delta'))
        .map((call) => `${call.method} ${call.path.split('?')[0]} ${call.status}`);
      const instancePath = `/eureka/apps/${SPRING_APP}/${instanceId}`;
      expect(after.slice(0, 3)).toEqual([
        `DELETE ${instancePath}/status 200`,
        `PUT ${instancePath} 404`,
        `POST /eureka/apps/${SPRING_APP} 204`,
      ]);
    });

    it('deregisters on SIGTERM (a cancel, well before its lease would expire)', async () => {
      const lastRenewal = (await instancesOf(eurekaUrl, SPRING_APP))[0].leaseInfo
        .lastRenewalTimestamp;
      await client!.stop(15_000);
      await eventually(
        `${SPRING_APP} to leave our registry`,
        async () => (await instancesOf(eurekaUrl, SPRING_APP)).length === 0,
        2 * LEASE_SECONDS * 1000,
      );
      // Eviction would take a whole lease without renewals; the cancel came before that.
      expect(Date.now()).toBeLessThan(lastRenewal + LEASE_SECONDS * 1000);
      const cancels = proxy!.calls.filter(
        (call) => call.method === 'DELETE' && !call.path.includes('/status'),
      );
      expect(cancels.map((call) => [call.path, call.status])).toEqual([
        [`/eureka/apps/${SPRING_APP}/${instanceId}`, 200],
      ]);
      // Our apps are unaffected.
      const apps = await eurekaApps(eurekaUrl);
      expect(apps.application.map((app) => app.name).sort()).toEqual([...OUR_APPS]);
    });
  });

  describe('a Spring Cloud Eureka client against our registry with a password', () => {
    const password = 'spring-interop-secret-0123';
    let registry: RunningRegistry | undefined;
    let proxy: RecordingProxy | undefined;
    const clients: SpringEurekaProcess[] = [];

    beforeAll(async () => {
      registry = await startRegistry({
        REGISTRY_PASSWORD: password,
        REGISTRY_AUTH_FAILURE_LIMIT: '1000',
      });
      proxy = await startRecordingProxy(registry.url);
      const withCredentials = proxy.url.replace('http://', `http://eureka:${password}@`);
      // Spring's convention: the credentials sit in defaultZone; the second client has none.
      clients.push(
        ...(await Promise.all(
          [`${withCredentials}/eureka/`, `${proxy.url}/eureka/`].map(async (defaultZone) =>
            startSpringEureka(jar, 'client', await freePort(), {
              'eureka.client.service-url.defaultZone': defaultZone,
              'eureka.instance.lease-renewal-interval-in-seconds': 1,
              'eureka.client.registry-fetch-interval-seconds': 1,
            }),
          ),
        )),
      );
    }, 300_000);

    afterAll(async () => {
      await Promise.all(clients.map((client) => client.stop(10_000)));
      await proxy?.close();
      await registry?.close();
    }, 120_000);

    it('registers and renews with the credentials in its defaultZone; without them it gets 401', async () => {
      const [authenticated, anonymous] = clients;
      const ids = await eventually(
        'one Spring client renewing and the other refused',
        async () => {
          const ids = (await instancesOf(registry!.eurekaUrl, SPRING_APP)).map((i) => i.instanceId);
          const renewed = proxy!.calls.some(
            (call) =>
              call.method === 'PUT' &&
              call.path.includes(`:${authenticated.port}`) &&
              call.status === 200,
          );
          const refused = proxy!.calls.some(
            (call) =>
              call.method === 'POST' &&
              call.status === 401 &&
              call.requestBody.includes(`:${anonymous.port}`),
          );
          return renewed && refused ? ids : undefined;
        },
        { timeoutMs: 60_000, detail: () => `${logTail(authenticated)}\n${logTail(anonymous)}` },
      );
      expect(ids).toEqual([`127.0.0.1:storefront-interop:${authenticated.port}`]);
      const refusal = proxy!.calls.find((call) => call.method === 'POST' && call.status === 401)!;
      expect(JSON.parse(refusal.responseBody)).toMatchObject({
        statusCode: 401,
        code: 'COMMON.UNAUTHORIZED',
      });
    });
  });

  describe('our apps against Netflix’s Eureka server', () => {
    let netflix: SpringEurekaProcess | undefined;
    let stack: TestStack | undefined;
    let eurekaUrl: string;

    beforeAll(async () => {
      netflix = await startSpringEureka(jar, 'server', await freePort());
      eurekaUrl = `${netflix.url}/eureka`;
      stack = await startTestStack({
        dbPrefix: 'spring_eureka_netflix',
        apps: ['gateway', 'accounts'],
        env: { EUREKA_URL: eurekaUrl },
      });
    }, 300_000);

    afterAll(async () => {
      await stack?.stop();
      await netflix?.stop(10_000);
    }, 120_000);

    it('registers the gateway and accounts UP at their real ports', async () => {
      for (const app of ['GATEWAY', 'ACCOUNTS'] as const) {
        // Accounts may be OUT_OF_SERVICE for a moment after registering, until its readiness
        // checks (Kafka, the consumer) pass: that is our client's status override at work.
        const [instance, ...others] = await eventually(
          `${app} UP in Netflix's registry`,
          async () => {
            const found = await instancesOf(eurekaUrl, app);
            return found.some((entry) => entry.status === 'UP') ? found : undefined;
          },
          30_000,
        );
        expect(others).toEqual([]);
        const port = portOf(stack!.url(app === 'GATEWAY' ? 'gateway' : 'accounts'));
        expect(instance).toEqual(
          expect.objectContaining({
            app,
            status: 'UP',
            hostName: '127.0.0.1',
            overriddenStatus: 'UNKNOWN',
            port: { $: port, '@enabled': 'true' },
            instanceId: `127.0.0.1:${app.toLowerCase()}:${port}`,
          }),
        );
      }
    });

    it('registers accounts again when Netflix forgets it (its renewal answered 404)', async () => {
      const [before] = await instancesOf(eurekaUrl, 'ACCOUNTS');
      const cancel = await fetch(`${eurekaUrl}/apps/ACCOUNTS/${before.instanceId}`, {
        method: 'DELETE',
      });
      expect(cancel.status).toBe(200);
      const again = await eventually(
        'accounts registered again with Netflix',
        async () =>
          (await instancesOf(eurekaUrl, 'ACCOUNTS')).find(
            (entry) =>
              entry.status === 'UP' &&
              entry.leaseInfo.registrationTimestamp > before.leaseInfo.registrationTimestamp,
          ),
        15_000,
      );
      expect(again).toEqual(
        expect.objectContaining({ instanceId: before.instanceId, port: before.port }),
      );
    });

    it('lets the gateway find accounts through it, and deregisters accounts on stop', async () => {
      const response = await eventually(
        'the gateway to route /accounts through Netflix’s registry',
        async () => {
          const answer = await fetch(`${stack!.gatewayUrl}/accounts/customers?size=1`);
          return answer.status === 200 ? answer : undefined;
        },
        30_000,
      );
      await expect(response.json()).resolves.toHaveProperty('page.size', 1);

      const accounts = stack!.apps.get('accounts', portOf(stack!.url('accounts')));
      const stoppedAt = Date.now();
      await accounts.stop();
      await eventually(
        'ACCOUNTS to leave Netflix’s registry',
        async () => (await instancesOf(eurekaUrl, 'ACCOUNTS')).length === 0,
        20_000,
      );
      // Our lease is 90 s: gone this soon, it was a cancel, not an eviction.
      expect(Date.now() - stoppedAt).toBeLessThan(20_000);
      expect(await instancesOf(eurekaUrl, 'GATEWAY')).toHaveLength(1);
    });
  });
});
