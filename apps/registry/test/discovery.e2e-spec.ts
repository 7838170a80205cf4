/**
 * The platform's DiscoveryModule in a real app against a real registry: registration after
 * listen, lookups for the gateway, readiness reflected as OUT_OF_SERVICE, and deregistration
 * before the HTTP server closes.
 */
import type { Server } from 'node:http';
import { type INestApplication, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import {
  type AppDefinition,
  baseConfigSchema,
  createApp,
  DiscoveryClient,
  DiscoveryModule,
  discoveryConfigSchema,
  HealthService,
  type HealthStatus,
} from '@storefront/platform';
import { eventually } from '@storefront/testing';
import type { InstanceJson } from '../src/instance.view';
import {
  eurekaClient,
  findInstance,
  freePort,
  type RunningRegistry,
  startClient,
  startRegistry,
} from './registry-test-kit';

/** The probe's readiness, switched by the tests. */
const readiness: { status: HealthStatus } = { status: 'UP' };

@Injectable()
class ProbeReadiness implements OnModuleInit {
  constructor(
    private readonly health: HealthService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  onModuleInit(): void {
    this.health.register({
      name: 'probe',
      readiness: true,
      liveness: false,
      check: async (key) =>
        readiness.status === 'UP'
          ? this.indicators.check(key).up()
          : this.indicators.check(key).down(),
    });
  }
}

@Module({ providers: [ProbeReadiness] })
class ProbeReadinessModule {}

const probeConfigSchema = baseConfigSchema.extend(discoveryConfigSchema.shape);

const probeApp: AppDefinition<typeof probeConfigSchema> = {
  name: 'probe',
  configSchema: probeConfigSchema,
  imports: () => [DiscoveryModule.forRoot(), ProbeReadinessModule],
};

interface Probe {
  app: INestApplication;
  server: Server;
  port: number;
  discovery: DiscoveryClient;
  instanceId: string;
}

async function startProbe(eurekaUrl: string, port = 0): Promise<Probe> {
  const { app } = await createApp(probeApp, {
    // Deliberately not the port it listens on: registration must use the bound port.
    PORT: '1',
    LOG_LEVEL: 'silent',
    EUREKA_URL: eurekaUrl,
    EUREKA_HEARTBEAT_INTERVAL_MS: '200',
    EUREKA_REGISTRY_FETCH_INTERVAL_MS: '200',
    EUREKA_STATUS_CHECK_INTERVAL_MS: '100',
    EUREKA_LEASE_DURATION_SECONDS: '2',
  });
  await app.listen(port, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  const bound = (server.address() as { port: number }).port;
  return {
    app,
    server,
    port: bound,
    discovery: app.get(DiscoveryClient),
    instanceId: `127.0.0.1:probe:${bound}`,
  };
}

describe('DiscoveryModule against the registry', () => {
  let registry: RunningRegistry;
  let probe: Probe | undefined;

  const registered = (): Promise<InstanceJson | undefined> =>
    findInstance(registry.eurekaUrl, probe!.instanceId);

  async function visibleToLookups(): Promise<number> {
    await probe!.discovery.refresh();
    return probe!.discovery.getInstances('probe').length;
  }

  beforeAll(async () => {
    registry = await startRegistry();
  });

  beforeEach(() => {
    readiness.status = 'UP';
  });

  afterEach(async () => {
    await probe?.app.close();
    probe = undefined;
  });

  afterAll(async () => {
    await registry.close();
  });

  it('registers once listening, with the bound port and the shape Spring accepts', async () => {
    probe = await startProbe(registry.eurekaUrl);

    const instance = await eventually('the probe to register', registered);

    expect(probe.discovery.instanceId).toBe(probe.instanceId);
    expect(instance).toMatchObject({
      instanceId: `127.0.0.1:probe:${probe.port}`,
      app: 'PROBE',
      hostName: '127.0.0.1',
      ipAddr: '127.0.0.1',
      status: 'UP',
      port: { $: probe.port, '@enabled': 'true' },
      vipAddress: 'probe',
      statusPageUrl: `http://127.0.0.1:${probe.port}/actuator/info`,
      healthCheckUrl: `http://127.0.0.1:${probe.port}/actuator/health`,
      dataCenterInfo: {
        '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
        name: 'MyOwn',
      },
      leaseInfo: expect.objectContaining({ durationInSecs: 2, renewalIntervalInSecs: 1 }),
    });
    // The registered URL really is this app.
    await expect(fetch(instance.healthCheckUrl!).then((r) => r.status)).resolves.toBe(200);
  });

  it('getInstances returns the UP instances of an app, as the gateway needs them', async () => {
    probe = await startProbe(registry.eurekaUrl);
    await eventually('the probe to register', registered);
    await probe.discovery.refresh();

    expect(probe.discovery.getInstances('probe')).toEqual([
      {
        instanceId: probe.instanceId,
        host: '127.0.0.1',
        port: probe.port,
        url: `http://127.0.0.1:${probe.port}`,
        status: 'UP',
      },
    ]);
    expect(probe.discovery.getInstances('PROBE')).toHaveLength(1);
    expect(probe.discovery.getInstances('nobody')).toEqual([]);
  });

  it('an OUT_OF_SERVICE override hides the instance from getInstances', async () => {
    probe = await startProbe(registry.eurekaUrl);
    await eventually('the probe to register', registered);
    const statusUrl = `${registry.eurekaUrl}/apps/PROBE/${probe.instanceId}/status`;

    await fetch(`${statusUrl}?value=OUT_OF_SERVICE`, { method: 'PUT' });
    await eventually('the instance to be hidden', async () => (await visibleToLookups()) === 0);

    await fetch(`${statusUrl}?value=UP`, { method: 'DELETE' });
    await eventually('the instance to be back', async () => (await visibleToLookups()) === 1);
  });

  it('goes OUT_OF_SERVICE while readiness fails, and back UP when ready', async () => {
    probe = await startProbe(registry.eurekaUrl);
    await eventually('the probe to be visible', async () => (await visibleToLookups()) === 1);

    readiness.status = 'DOWN';
    await eventually(
      'the registry to show OUT_OF_SERVICE',
      async () => (await registered())?.status === 'OUT_OF_SERVICE',
    );
    await expect(registered()).resolves.toMatchObject({ overriddenStatus: 'OUT_OF_SERVICE' });
    await eventually('lookups to skip it', async () => (await visibleToLookups()) === 0);

    readiness.status = 'UP';
    await eventually('the registry to show UP', async () => (await registered())?.status === 'UP');
    await expect(registered()).resolves.toMatchObject({ overriddenStatus: 'UNKNOWN' });
    await eventually('lookups to find it again', async () => (await visibleToLookups()) === 1);
  });

  it('re-applies OUT_OF_SERVICE after the registry forgot it and it registered again', async () => {
    probe = await startProbe(registry.eurekaUrl);
    readiness.status = 'DOWN';
    const before = await eventually('OUT_OF_SERVICE', async () => {
      const instance = await registered();
      return instance?.status === 'OUT_OF_SERVICE' && instance;
    });

    // Dropping the entry drops its override too; the next heartbeat gets a 404.
    await fetch(`${registry.eurekaUrl}/apps/PROBE/${probe.instanceId}`, { method: 'DELETE' });

    await eventually('a new registration that is OUT_OF_SERVICE again', async () => {
      const instance = await registered();
      return (
        instance !== undefined &&
        instance.leaseInfo.registrationTimestamp > before.leaseInfo.registrationTimestamp &&
        instance.status === 'OUT_OF_SERVICE'
      );
    });
  });

  it('a restarted instance does not inherit the OUT_OF_SERVICE of its predecessor under the same id', async () => {
    // The predecessor: the same instance id (same host and port), taken out of service, then
    // gone without deregistering (killed), its lease still running when the new process starts.
    const port = await freePort();
    const predecessor = eurekaClient(registry.eurekaUrl, {
      app: 'probe',
      port,
      leaseDurationSecs: 60,
    });
    await startClient(predecessor);
    const instanceId = `127.0.0.1:probe:${port}`;
    const statusUrl = `${registry.eurekaUrl}/apps/PROBE/${instanceId}/status`;
    expect((await fetch(`${statusUrl}?value=OUT_OF_SERVICE`, { method: 'PUT' })).status).toBe(200);
    // Killed: no more heartbeats or fetches, and no deregistration.
    clearInterval(predecessor.heartbeat);
    clearInterval(predecessor.registryFetch);
    // The registry keeps an override across re-registration, as Eureka does.
    await expect(findInstance(registry.eurekaUrl, instanceId)).resolves.toMatchObject({
      status: 'OUT_OF_SERVICE',
    });

    probe = await startProbe(registry.eurekaUrl, port);
    expect(probe.instanceId).toBe(instanceId);

    await eventually(
      'the ready successor to be listed UP',
      async () => (await registered())?.status === 'UP',
      10_000,
    );
    await expect(registered()).resolves.toMatchObject({ overriddenStatus: 'UNKNOWN' });
  });

  it('deregisters on shutdown while its HTTP server still listens', async () => {
    probe = await startProbe(registry.eurekaUrl);
    await eventually('the probe to register', registered);
    const { server, instanceId } = probe;
    const cancel = registry.service.cancel.bind(registry.service);
    let listeningAtCancel: boolean | undefined;
    const spy = jest.spyOn(registry.service, 'cancel').mockImplementation((...args) => {
      listeningAtCancel = server.listening;
      cancel(...args);
    });

    try {
      await probe.app.close();
      probe = undefined;
    } finally {
      spy.mockRestore();
    }

    expect(listeningAtCancel).toBe(true);
    expect(server.listening).toBe(false);
    await expect(findInstance(registry.eurekaUrl, instanceId)).resolves.toBeUndefined();
  });

  it('registers by itself when the registry starts after the app', async () => {
    const port = await freePort();
    probe = await startProbe(`http://127.0.0.1:${port}/eureka`);
    // eureka-js-client gives up on the registration itself after its retries…
    await eventually('the first registration to fail', () => probe!.discovery.registration.error);
    expect(probe.discovery.registration.registered).toBe(false);
    const late = await startRegistry({}, port);
    try {
      // …and the heartbeats that keep going get a 404, on which the client registers.
      await eventually(
        'the probe to register with the late registry',
        async () => (await findInstance(late.eurekaUrl, probe!.instanceId))?.status === 'UP',
      );
      expect(probe.discovery.registration).toEqual({ registered: true, error: undefined });
    } finally {
      await probe.app.close();
      probe = undefined;
      await late.close();
    }
  });
});
