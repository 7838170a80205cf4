/**
 * Pure parts of the discovery client: what this instance registers as, and how registry
 * entries become addresses the gateway can call.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { isIPv4 } from 'node:net';
import type { EurekaInstance, EurekaInstanceConfig } from 'eureka-js-client';
import type { HealthStatus } from '../health/health.types';

/** One UP instance of an application, as `DiscoveryClient.getInstances` returns it. */
export interface ServiceInstance {
  /** `host:app:port`, the registry's key for the instance. */
  instanceId: string;
  host: string;
  port: number;
  /** Base URL to call, without a trailing slash: `http://10.0.1.5:8085`. */
  url: string;
  status: 'UP';
}

/** The status the registry should show for a readiness result. */
export type RegistryStatus = 'UP' | 'OUT_OF_SERVICE';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The first external IPv4 address, preferring one that starts with `preferredNetwork`
 * (Swarm tasks have an ingress and an overlay address; only the overlay one is reachable
 * by the gateway).
 */
export function pickInterfaceAddress(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  preferredNetwork?: string,
): string | undefined {
  const addresses = Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry.address);
  const preferred = preferredNetwork
    ? addresses.find((address) => address.startsWith(preferredNetwork))
    : undefined;
  return preferred ?? addresses[0];
}

/**
 * The host name and IP this instance registers with. Explicit overrides win; a specific
 * HOST (127.0.0.1 locally) is used as is; a wildcard HOST means "reachable from outside",
 * so the machine's own address stands in for it (eureka-js-client only looks it up on AWS).
 */
export function resolveInstanceAddress(
  options: { host: string; hostName?: string; ipAddr?: string; preferredNetwork?: string },
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): { hostName: string; ipAddr: string } {
  const wildcard = WILDCARDS.has(options.host);
  const ipAddr =
    options.ipAddr ??
    (!wildcard && isIPv4(options.host)
      ? options.host
      : (pickInterfaceAddress(interfaces, options.preferredNetwork) ?? '127.0.0.1'));
  const hostName = options.hostName ?? (wildcard ? ipAddr : options.host);
  return { hostName, ipAddr };
}

/**
 * The registration body, in the shape Spring's Eureka server accepts: the `@class` of the
 * data center info (without it Spring answers 400), `@enabled` as a string (a boolean gets
 * a 500), and a statusPageUrl.
 */
export function buildInstanceConfig(options: {
  appName: string;
  version: string;
  hostName: string;
  ipAddr: string;
  port: number;
  leaseDurationSeconds: number;
  heartbeatIntervalMs: number;
}): EurekaInstanceConfig {
  const { appName, hostName, port } = options;
  const base = `http://${hostName}:${port}`;
  return {
    instanceId: `${hostName}:${appName.toLowerCase()}:${port}`,
    app: appName.toUpperCase(),
    hostName,
    ipAddr: options.ipAddr,
    status: 'UP',
    port: { $: port, '@enabled': 'true' },
    securePort: { $: 443, '@enabled': 'false' },
    vipAddress: appName.toLowerCase(),
    secureVipAddress: appName.toLowerCase(),
    homePageUrl: `${base}/`,
    statusPageUrl: `${base}/actuator/info`,
    healthCheckUrl: `${base}/actuator/health`,
    dataCenterInfo: {
      '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
      name: 'MyOwn',
    },
    leaseInfo: {
      renewalIntervalInSecs: Math.max(1, Math.round(options.heartbeatIntervalMs / 1000)),
      durationInSecs: options.leaseDurationSeconds,
    },
    metadata: { version: options.version },
  };
}

/** eureka-js-client wants each registry as the full apps URL (`…/eureka/apps/`). */
export function eurekaServiceUrls(registryUrls: readonly string[]): { default: string[] } {
  return { default: registryUrls.map((url) => `${url.replace(/\/+$/, '')}/apps/`) };
}

/** A registry entry as a callable address; undefined for entries that are not UP or unusable. */
export function toServiceInstance(instance: EurekaInstance): ServiceInstance | undefined {
  const port = Number(instance.port?.$);
  if (instance.status !== 'UP' || !instance.hostName || !Number.isInteger(port) || port <= 0) {
    return undefined;
  }
  return {
    instanceId: instance.instanceId ?? `${instance.hostName}:${port}`,
    host: instance.hostName,
    port,
    url: `http://${instance.hostName}:${port}`,
    status: 'UP',
  };
}

/** Where the readiness checks stand: the status to show and the failing checks in a row. */
export interface ReadinessState {
  status: RegistryStatus;
  failuresInARow: number;
}

/**
 * The next readiness state after one check, with a failure threshold like a Kubernetes
 * readiness probe's: a DOWN check only counts, and `threshold` of them in a row take the
 * instance out of service, so one check that is slow under load (the health check gives up
 * after 2 s) does not empty the gateway's route. One passing check puts it back. Shutting
 * down (readiness OUT_OF_SERVICE) applies at once: that is a decision, not a symptom.
 */
export function nextReadiness(
  previous: ReadinessState,
  readiness: HealthStatus,
  threshold: number,
): ReadinessState {
  if (readiness === 'UP') return { status: 'UP', failuresInARow: 0 };
  const failuresInARow = previous.failuresInARow + 1;
  const outOfService = readiness === 'OUT_OF_SERVICE' || failuresInARow >= threshold;
  return { status: outOfService ? 'OUT_OF_SERVICE' : previous.status, failuresInARow };
}
