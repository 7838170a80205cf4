/**
 * The part of eureka-js-client 4.5.0 (no published types) that the discovery client uses.
 * `register`, `renew`, `startHeartbeats`, `startRegistryFetches`, `fetchRegistry`,
 * `eurekaRequest` and the `heartbeat` / `registryFetch` timers are internals the README does
 * not list; the version is pinned
 * exactly, so relying on them is safe until someone upgrades it on purpose.
 */
declare module 'eureka-js-client' {
  import { EventEmitter } from 'node:events';

  export interface EurekaPort {
    $: number;
    '@enabled': 'true' | 'false';
  }

  export interface EurekaInstanceConfig {
    instanceId?: string;
    app: string;
    hostName: string;
    ipAddr: string;
    status?: string;
    port: EurekaPort;
    securePort?: EurekaPort;
    vipAddress: string;
    secureVipAddress?: string;
    homePageUrl?: string;
    statusPageUrl: string;
    healthCheckUrl?: string;
    dataCenterInfo: { '@class': string; name: string };
    leaseInfo?: { renewalIntervalInSecs?: number; durationInSecs?: number };
    metadata?: Record<string, string>;
  }

  /** An instance as read from the fetched registry. */
  export interface EurekaInstance {
    instanceId?: string;
    app: string;
    hostName: string;
    ipAddr?: string;
    status: string;
    port: { $: number | string; '@enabled'?: string };
    vipAddress?: string;
    homePageUrl?: string;
    statusPageUrl?: string;
    healthCheckUrl?: string;
    metadata?: Record<string, string>;
  }

  export interface EurekaLogger {
    debug(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  }

  export interface EurekaClientConfig {
    instance: EurekaInstanceConfig;
    eureka: {
      host?: string;
      port?: number;
      servicePath?: string;
      serviceUrls?: Record<string, string[]>;
      heartbeatInterval?: number;
      registryFetchInterval?: number;
      maxRetries?: number;
      requestRetryDelay?: number;
      fetchRegistry?: boolean;
      registerWithEureka?: boolean;
      filterUpInstances?: boolean;
      preferIpAddress?: boolean;
      fetchMetadata?: boolean;
      waitForRegistry?: boolean;
    };
    shouldUseDelta?: boolean;
    logger?: EurekaLogger;
    /** Directory searched for eureka-client.yml; point it somewhere without one. */
    cwd?: string;
    filename?: string;
    requestMiddleware?: (
      options: Record<string, unknown>,
      done: (options: Record<string, unknown>) => void,
    ) => void;
  }

  export interface EurekaRequestOptions {
    method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
    uri: string;
    qs?: Record<string, string>;
    json?: boolean;
    body?: unknown;
    headers?: Record<string, string>;
  }

  export interface EurekaResponse {
    statusCode: number;
  }

  type Callback = (error?: Error | null) => void;

  export class Eureka extends EventEmitter {
    constructor(config: EurekaClientConfig);
    readonly instanceId: string;
    config: EurekaClientConfig;
    /** Interval handles set by startHeartbeats() / startRegistryFetches(). */
    heartbeat?: NodeJS.Timeout;
    registryFetch?: NodeJS.Timeout;
    start(callback?: Callback): void;
    stop(callback?: Callback): void;
    register(callback?: Callback): void;
    deregister(callback?: Callback): void;
    renew(): void;
    startHeartbeats(): void;
    startRegistryFetches(): void;
    fetchRegistry(callback?: Callback): void;
    getInstancesByAppId(appId: string): EurekaInstance[];
    getInstancesByVipAddress(vipAddress: string): EurekaInstance[];
    eurekaRequest(
      options: EurekaRequestOptions,
      callback: (
        error: Error | null | undefined,
        response: EurekaResponse | undefined,
        body: unknown,
      ) => void,
    ): void;
  }

  export default Eureka;
}
