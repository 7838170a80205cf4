/**
 * Helpers for the registry's integration tests: an in-process registry on a loopback port,
 * real eureka-js-client instances pointed at it, and polling instead of sleeping.
 */
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { Eureka, type EurekaClientConfig, type EurekaLogger } from 'eureka-js-client';
import { createApp } from '@storefront/platform';
import { freePort } from '../../../tools/runtime/test-stack';
import { registryApp } from '../src/registry.app';
import { RegistryService } from '../src/registry.service';
import type { ApplicationsJson, InstanceJson } from '../src/instance.view';

export { freePort };

export interface RunningRegistry {
  app: INestApplication;
  port: number;
  url: string;
  /** Base URL clients are given, `http://127.0.0.1:PORT/eureka`. */
  eurekaUrl: string;
  service: RegistryService;
  close(): Promise<void>;
}

export async function startRegistry(
  env: Record<string, string> = {},
  port = 0,
): Promise<RunningRegistry> {
  const { app } = await createApp(registryApp, {
    LOG_LEVEL: 'silent',
    LEASE_EVICTION_INTERVAL_MS: '100',
    DASHBOARD_REFRESH_SECONDS: '0',
    ...env,
  });
  await app.listen(port, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    port: address.port,
    url,
    eurekaUrl: `${url}/eureka`,
    service: app.get(RegistryService),
    close: () => app.close(),
  };
}

export const quietLogger: EurekaLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

export interface ClientOptions {
  app: string;
  port: number;
  heartbeatInterval?: number;
  registryFetchInterval?: number;
  leaseDurationSecs?: number;
}

/** A real eureka-js-client, configured like the platform's discovery client (Spring's shape). */
export function eurekaClient(eurekaUrl: string, options: ClientOptions): Eureka {
  const app = options.app.toUpperCase();
  const vip = options.app.toLowerCase();
  const config: EurekaClientConfig = {
    instance: {
      instanceId: `127.0.0.1:${vip}:${options.port}`,
      app,
      hostName: '127.0.0.1',
      ipAddr: '127.0.0.1',
      port: { $: options.port, '@enabled': 'true' },
      vipAddress: vip,
      statusPageUrl: `http://127.0.0.1:${options.port}/actuator/info`,
      healthCheckUrl: `http://127.0.0.1:${options.port}/actuator/health`,
      dataCenterInfo: {
        '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
        name: 'MyOwn',
      },
      ...(options.leaseDurationSecs !== undefined && {
        leaseInfo: { durationInSecs: options.leaseDurationSecs, renewalIntervalInSecs: 1 },
      }),
    },
    eureka: {
      serviceUrls: { default: [`${eurekaUrl}/apps/`] },
      servicePath: '/eureka/apps/',
      heartbeatInterval: options.heartbeatInterval ?? 30_000,
      registryFetchInterval: options.registryFetchInterval ?? 30_000,
      maxRetries: 0,
    },
    shouldUseDelta: false,
    logger: quietLogger,
    cwd: __dirname,
  };
  return new Eureka(config);
}

export async function startClient(client: Eureka): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    client.start((error) => (error ? reject(error) : resolve())),
  );
}

/** Stops heartbeats and fetches and deregisters; a 404 (already gone) is fine. */
export async function stopClient(client: Eureka): Promise<void> {
  await new Promise<void>((resolve) => client.stop(() => resolve()));
}

/** Counts a client's events, so tests can wait for "two registrations" or "eight heartbeats". */
export function countEvents(client: Eureka, event: string): { count: number } {
  const counter = { count: 0 };
  client.on(event, () => {
    counter.count += 1;
  });
  return counter;
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  return { status: response.status, body: (await response.json()) as T };
}

/** Every instance in a registry's full JSON, flattened. */
export async function registeredInstances(eurekaUrl: string): Promise<InstanceJson[]> {
  const { body } = await getJson<ApplicationsJson>(`${eurekaUrl}/apps`);
  return body.applications.application.flatMap((app) => app.instance);
}

export async function findInstance(
  eurekaUrl: string,
  instanceId: string,
): Promise<InstanceJson | undefined> {
  return (await registeredInstances(eurekaUrl)).find((i) => i.instanceId === instanceId);
}
