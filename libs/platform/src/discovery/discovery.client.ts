import type { Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Eureka, type EurekaLogger } from 'eureka-js-client';
import { APP_CONFIG, type BaseConfig } from '../config/config';
import { HealthService } from '../health/health.service';
import type { HealthReport } from '../health/health.types';
import { APP_INFO, type AppInfo } from '../observability/app-info';
import type { DiscoveryConfig } from './discovery.config';
import {
  buildInstanceConfig,
  eurekaServiceUrls,
  type RegistryStatus,
  nextReadiness,
  type ReadinessState,
  resolveInstanceAddress,
  type ServiceInstance,
  toServiceInstance,
} from './discovery.rules';
import { registryCredentials } from './registry-credentials';

export const DISCOVERY_OPTIONS = Symbol('DISCOVERY_OPTIONS');

export interface DiscoveryOptions {
  /** Registered application name; defaults to the app's own (`accounts` → `ACCOUNTS`). */
  appName?: string;
}

/** Deregistration must not hold shutdown hostage when the registry is gone. */
const DEREGISTER_TIMEOUT_MS = 3000;

function describe(args: unknown[]): string {
  return args
    .map((arg) => {
      if (arg instanceof Error) return arg.message;
      if (typeof arg === 'string') return arg;
      try {
        return JSON.stringify(arg);
      } catch {
        return String(arg);
      }
    })
    .join(' ');
}

/** eureka-js-client logs to the console by default; this sends it through the app's logger. */
function eurekaLogger(logger: Logger): EurekaLogger {
  return {
    debug: (...args) => logger.debug(describe(args)),
    info: (...args) => logger.log(describe(args)),
    warn: (...args) => {
      const message = describe(args);
      // A lookup miss is the caller's business (the gateway answers 503), not a warning.
      if (message.startsWith('Unable to retrieve')) logger.debug(message);
      else logger.warn(message);
    },
    error: (...args) => logger.error(describe(args)),
  };
}

/**
 * Registers this app with the registry and looks other apps up, through eureka-js-client.
 *
 * Lifecycle: it registers once the HTTP server is listening (so it never advertises a port
 * that refuses connections, and it registers the port actually bound), heartbeats, fetches
 * the registry, and deregisters in `beforeApplicationShutdown`, i.e. before Nest closes the
 * HTTP server, so callers stop picking this instance while it can still answer.
 *
 * Readiness: every EUREKA_STATUS_CHECK_INTERVAL_MS it runs the readiness health group; when
 * that fails EUREKA_STATUS_FAILURE_THRESHOLD times in a row (or the app is shutting down) it
 * puts a status override OUT_OF_SERVICE on its registry entry, and removes it
 * (`DELETE …/status?value=UP`) once ready again. An override rather than a re-registration,
 * because eureka-js-client forces status UP on every registration, including the automatic
 * one after a 404 heartbeat; an override is one small call and survives that. The registry
 * keeps an override across re-registration until the lease ends, so after each
 * (re-)registration the current state, UP included, is applied again: a process restarted
 * under the same id must not keep its predecessor's OUT_OF_SERVICE.
 */
@Injectable()
export class DiscoveryClient implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Discovery');
  private client?: Eureka;
  private statusTimer?: NodeJS.Timeout;
  /** What the registry shows as far as we know; UNKNOWN right after a (re-)registration. */
  private applied: RegistryStatus | 'UNKNOWN' = 'UNKNOWN';
  /** What the readiness checks ask for, counting failures against the threshold. */
  private readiness: ReadinessState = { status: 'UP', failuresInARow: 0 };
  /** The components of the last failing readiness check, for the log. */
  private lastFailure = '';
  private checking?: Promise<void>;
  private registered = false;
  private registrationError?: string;
  private stopListening?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: BaseConfig & DiscoveryConfig,
    @Inject(APP_INFO) private readonly info: AppInfo,
    @Inject(DISCOVERY_OPTIONS) private readonly options: DiscoveryOptions,
    private readonly health: HealthService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The id this instance is registered under, once it has started registering. */
  get instanceId(): string | undefined {
    return this.client?.instanceId;
  }

  /** Whether the registry accepted this instance, and why the last attempt failed if it did not. */
  get registration(): { registered: boolean; error?: string } {
    return { registered: this.registered, error: this.registrationError };
  }

  /**
   * UP instances of an application, from the registry copy fetched every
   * EUREKA_REGISTRY_FETCH_INTERVAL_MS (so up to that old). Empty when discovery is disabled.
   */
  getInstances(appId: string): ServiceInstance[] {
    if (!this.client) return [];
    return this.client
      .getInstancesByAppId(appId)
      .map(toServiceInstance)
      .filter((instance): instance is ServiceInstance => instance !== undefined);
  }

  /** Fetches the registry now instead of waiting for the next periodic fetch. */
  async refresh(): Promise<void> {
    const client = this.client;
    if (!client) return;
    await new Promise<void>((resolve, reject) =>
      client.fetchRegistry((error) => (error ? reject(error) : resolve())),
    );
  }

  onApplicationBootstrap(): void {
    if (!this.config.EUREKA_ENABLED) return;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    // Nest runs this hook inside listen(), just before the socket is bound.
    if (server.listening) {
      this.start(server);
      return;
    }
    const onListening = () => this.start(server);
    server.once('listening', onListening);
    this.stopListening = () => server.off('listening', onListening);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopListening?.();
    clearInterval(this.statusTimer);
    const client = this.client;
    if (!client) return;
    if (!this.registered) {
      // Nothing to deregister; a DELETE would only wait out the client's retries.
      clearInterval(client.heartbeat);
      clearInterval(client.registryFetch);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) =>
        client.stop((error) => {
          if (error) this.logger.warn(`deregistration failed: ${error.message}`);
          resolve();
        }),
      ),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.logger.warn(
            `no deregistration answer in ${DEREGISTER_TIMEOUT_MS} ms; shutting down`,
          );
          resolve();
        }, DEREGISTER_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  private start(server: Server): void {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.config.PORT;
    const { hostName, ipAddr } = resolveInstanceAddress(
      {
        host: this.config.HOST,
        hostName: this.config.EUREKA_INSTANCE_HOSTNAME,
        ipAddr: this.config.EUREKA_INSTANCE_IP,
        preferredNetwork: this.config.EUREKA_PREFERRED_NETWORK,
      },
      networkInterfaces(),
    );
    if (
      this.config.EUREKA_HEARTBEAT_INTERVAL_MS >=
      this.config.EUREKA_LEASE_DURATION_SECONDS * 1000
    ) {
      this.logger.warn(
        'EUREKA_HEARTBEAT_INTERVAL_MS is not shorter than the lease: the registry will evict this instance between heartbeats',
      );
    }
    const registry = registryCredentials(
      this.config.EUREKA_URL,
      this.config.EUREKA_USERNAME,
      this.config.EUREKA_PASSWORD,
    );
    const credentials = registry.credentials;
    const firstRegistry = new URL(registry.urls[0]);
    const client = new Eureka({
      instance: buildInstanceConfig({
        appName: this.options.appName ?? this.info.name,
        version: this.info.version,
        hostName,
        ipAddr,
        port,
        leaseDurationSeconds: this.config.EUREKA_LEASE_DURATION_SECONDS,
        heartbeatIntervalMs: this.config.EUREKA_HEARTBEAT_INTERVAL_MS,
      }),
      eureka: {
        // serviceUrls takes precedence; host/port/servicePath only document the first one.
        host: firstRegistry.hostname,
        port: Number(firstRegistry.port || (firstRegistry.protocol === 'https:' ? 443 : 80)),
        servicePath: '/eureka/apps/',
        // Without credentials: the library logs the URLs it calls.
        serviceUrls: eurekaServiceUrls(registry.urls),
        heartbeatInterval: this.config.EUREKA_HEARTBEAT_INTERVAL_MS,
        registryFetchInterval: this.config.EUREKA_REGISTRY_FETCH_INTERVAL_MS,
        fetchRegistry: true,
        registerWithEureka: true,
        fetchMetadata: false,
      },
      // Every call (register, renew, status, fetch) carries them; `request` sends them at once.
      requestMiddleware: (requestOptions, done) =>
        done(
          credentials
            ? {
                ...requestOptions,
                auth: {
                  user: credentials.username,
                  pass: credentials.password,
                  sendImmediately: true,
                },
              }
            : requestOptions,
        ),
      // The library's delta merge has index bugs; full fetches are small at this scale.
      shouldUseDelta: false,
      logger: eurekaLogger(this.logger),
      // Keeps it from merging an eureka-client.yml that happens to sit in the working directory.
      cwd: __dirname,
    });
    this.client = client;
    client.on('registered', () => {
      this.registered = true;
      this.registrationError = undefined;
      this.applied = 'UNKNOWN';
      void this.checkStatus();
    });
    // Not start(): it stops at a failed registration and never heartbeats. Heartbeating
    // regardless means a registry that comes up later answers 404, and the client then
    // registers by itself.
    client.register((error) => {
      if (error) {
        this.registrationError = error.message;
        this.logger.warn(
          `registration failed (${error.message}); retrying with the next heartbeat in ${this.config.EUREKA_HEARTBEAT_INTERVAL_MS} ms`,
        );
      }
    });
    client.startHeartbeats();
    client.fetchRegistry((error) => {
      if (error) this.logger.warn(`registry fetch failed: ${error.message}`);
    });
    client.startRegistryFetches();
    this.statusTimer = setInterval(
      () => void this.checkStatus(),
      this.config.EUREKA_STATUS_CHECK_INTERVAL_MS,
    );
    this.statusTimer.unref();
  }

  /** Brings the registry status in line with readiness; one check at a time. */
  private checkStatus(): Promise<void> {
    this.checking ??= this.reconcileStatus()
      .catch((error: unknown) =>
        this.logger.warn(`could not update the registry status: ${(error as Error).message}`),
      )
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private async reconcileStatus(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const report = await this.health.report('readiness');
    this.readiness = nextReadiness(
      this.readiness,
      report.status,
      this.config.EUREKA_STATUS_FAILURE_THRESHOLD,
    );
    if (report.status !== 'UP') this.lastFailure = failingComponents(report);
    const desired = this.readiness.status;
    // After a registration the status is applied either way, UP included: the registry keeps an
    // OUT_OF_SERVICE override across re-registration (as Eureka does), so an instance that
    // restarts under the same id while its predecessor's lease lasts would otherwise inherit
    // the predecessor's override and never be listed UP (seen in the chaos runs).
    if (desired === this.applied) return;
    const before = this.applied;
    const { app } = client.config.instance;
    const statusCode = await new Promise<number | undefined>((resolve, reject) =>
      client.eurekaRequest(
        {
          method: desired === 'UP' ? 'DELETE' : 'PUT',
          uri: `${app}/${client.instanceId}/status`,
          qs: { value: desired },
        },
        (error, response) => (error ? reject(error) : resolve(response?.statusCode)),
      ),
    );
    if (statusCode !== 200) {
      // 404: not registered (yet, or any more); the next registration applies it again.
      throw new Error(`registry answered ${statusCode} to status ${desired}`);
    }
    this.applied = desired;
    const message = `${app}/${client.instanceId} is ${desired} in the registry`;
    if (desired === 'UP') {
      if (before !== 'UNKNOWN') this.logger.log(`ready again: ${message}`);
    } else this.logger.warn(`readiness check failing (${this.lastFailure}): ${message}`);
  }
}

/** `outbox DOWN: {…details}; kafka DOWN: …`, the components that are not UP. */
function failingComponents(report: HealthReport): string {
  return Object.entries(report.components)
    .filter(([, component]) => component.status !== 'UP')
    .map(
      ([name, component]) =>
        `${name} ${component.status}: ${JSON.stringify(component.details ?? {})}`,
    )
    .join('; ');
}
