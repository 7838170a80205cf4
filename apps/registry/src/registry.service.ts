import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { APP_CONFIG, HealthService, type RuleResult } from '@storefront/platform';
import { InstanceNotFoundError, InvalidRequestError } from './registry.errors';
import type { RegistryConfig } from './registry.config';
import { PeerReplicationService } from './peer-replication.service';
import { parseRegistration } from './dto/registration.dto';
import {
  type ApplicationJson,
  type ApplicationsJson,
  type InstanceJson,
  matchesVip,
  toApplicationsJson,
  toInstanceJson,
} from './instance.view';
import { isExpired, newLease, renewalNeedsRegistration } from './lease.rules';
import {
  type InstanceRecord,
  type InstanceStatus,
  type LeaseDefaults,
  type OverrideStatus,
} from './registry.model';

/** Who made a write: an instance (replicate it to the peers) or a peer (do not forward again). */
export type Origin = 'client' | 'peer';

function unwrap<T>(result: RuleResult<T>): T {
  if (!result.ok) throw new InvalidRequestError(result.field, result.message);
  return result.value;
}

/**
 * The registry's state, in memory like Eureka's: instances by app and id, a queue of recent
 * changes for delta fetches, and an eviction task for leases nobody renews.
 */
@Injectable()
export class RegistryService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RegistryService.name);
  private readonly apps = new Map<string, Map<string, InstanceRecord>>();
  private readonly recentlyChanged: Array<{ at: number; instance: InstanceJson }> = [];
  private readonly leaseDefaults: LeaseDefaults;
  private version = 0;
  private evictionTimer?: NodeJS.Timeout;
  readonly startedAt = Date.now();

  constructor(
    @Inject(APP_CONFIG) private readonly config: RegistryConfig,
    private readonly health: HealthService,
    private readonly indicators: HealthIndicatorService,
    private readonly replication: PeerReplicationService,
  ) {
    this.leaseDefaults = {
      durationMs: config.LEASE_DURATION_MS,
      renewalIntervalMs: config.LEASE_RENEWAL_INTERVAL_MS,
    };
  }

  onModuleInit(): void {
    this.health.register({
      name: 'registry',
      readiness: true,
      liveness: false,
      check: async (key) =>
        this.indicators.check(key).up({
          applications: this.apps.size,
          instances: this.records().length,
          peers: this.replication.peerStates,
        }),
    });
    this.evictionTimer = setInterval(
      () => this.evictExpired(),
      this.config.LEASE_EVICTION_INTERVAL_MS,
    );
    this.evictionTimer.unref();
  }

  /** Starts with what the peers know, as Spring's syncUp does; does not delay start-up. */
  onApplicationBootstrap(): void {
    for (const peer of this.replication.peerUrls) {
      this.replication.fetchPeerRegistry(peer).then(
        (instances) => {
          for (const instance of instances) {
            try {
              this.register(instance.app, { instance }, 'peer');
            } catch (error) {
              this.logger.warn(`skipped ${instance.instanceId} from ${peer}: ${String(error)}`);
            }
          }
          this.logger.log(`synced ${instances.length} instance(s) from ${peer}`);
        },
        (error: unknown) =>
          this.logger.warn(`could not sync from ${peer}: ${(error as Error).message}`),
      );
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.evictionTimer);
  }

  // -------------------------------------------------------------------------------------------
  // Writes

  register(pathApp: string, body: unknown, origin: Origin): void {
    const registration = unwrap(parseRegistration(pathApp, body));
    const existing = this.find(registration.app, registration.instanceId);
    const now = Date.now();
    const record: InstanceRecord = {
      registration,
      reportedStatus: registration.status,
      // An override outlives re-registration (it is only dropped on cancel or eviction).
      override: registration.overriddenStatus ?? existing?.override,
      lease: newLease(registration, this.leaseDefaults, now, existing?.lease),
      lastUpdatedTimestamp: now,
      lastDirtyTimestamp: registration.lastDirtyTimestamp ?? now,
      actionType: existing ? 'MODIFIED' : 'ADDED',
    };
    const instances = this.apps.get(registration.app) ?? new Map<string, InstanceRecord>();
    instances.set(registration.instanceId, record);
    this.apps.set(registration.app, instances);
    this.changed(record);
    if (!existing) {
      this.logger.log(
        `registered ${registration.app}/${registration.instanceId} (${registration.status})${origin === 'peer' ? ' from a peer' : ''}`,
      );
    }
    if (origin === 'client') {
      this.replication.replicate({ kind: 'register', instance: replicable(record) });
    }
  }

  /** Renews a lease; unknown (or older than the client's copy) is NOT_FOUND, so it re-registers. */
  renew(app: string, id: string, clientDirtyTimestamp: number | undefined, origin: Origin): void {
    const record = this.find(app, id);
    if (!record || renewalNeedsRegistration(record, clientDirtyTimestamp)) {
      throw new InstanceNotFoundError(`${app}/${id}`);
    }
    record.lease.lastRenewalTimestamp = Date.now();
    if (origin === 'client') {
      this.replication.replicate({ kind: 'heartbeat', instance: replicable(record) });
    }
  }

  cancel(app: string, id: string, origin: Origin): void {
    const record = this.get(app, id);
    this.remove(record);
    this.logger.log(`cancelled ${record.registration.app}/${id}`);
    if (origin === 'client') {
      this.replication.replicate({ kind: 'cancel', app: record.registration.app, id });
    }
  }

  setStatusOverride(app: string, id: string, value: OverrideStatus, origin: Origin): void {
    const record = this.get(app, id);
    record.override = value;
    this.modified(record);
    this.logger.log(`status override ${value} on ${record.registration.app}/${id}`);
    if (origin === 'client') {
      this.replication.replicate({ kind: 'statusUpdate', app: record.registration.app, id, value });
    }
  }

  /** Removes an override; like Spring, the instance then shows `value` (UNKNOWN if none). */
  deleteStatusOverride(
    app: string,
    id: string,
    value: InstanceStatus | undefined,
    origin: Origin,
  ): void {
    const record = this.get(app, id);
    record.override = undefined;
    record.reportedStatus = value ?? 'UNKNOWN';
    this.modified(record);
    this.logger.log(`status override removed on ${record.registration.app}/${id}`);
    if (origin === 'client') {
      this.replication.replicate({
        kind: 'deleteStatusOverride',
        app: record.registration.app,
        id,
        value,
      });
    }
  }

  updateMetadata(app: string, id: string, metadata: Record<string, string>, origin: Origin): void {
    const record = this.get(app, id);
    record.registration = {
      ...record.registration,
      metadata: { ...record.registration.metadata, ...metadata },
    };
    this.modified(record);
    if (origin === 'client') {
      this.replication.replicate({ kind: 'metadata', app: record.registration.app, id, metadata });
    }
  }

  /** Removes every instance whose lease ran out; each replica evicts on its own, like Spring. */
  evictExpired(now = Date.now()): string[] {
    const expired = this.records().filter((record) => isExpired(record.lease, now));
    for (const record of expired) {
      this.remove(record);
      this.logger.warn(
        `evicted ${record.registration.app}/${record.registration.instanceId}: no renewal for ${now - record.lease.lastRenewalTimestamp} ms`,
      );
    }
    return expired.map((record) => record.registration.instanceId);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  applications(): ApplicationsJson {
    return toApplicationsJson(this.instancesJson(), this.version);
  }

  application(app: string): { application: ApplicationJson } {
    const instances = this.apps.get(app.toUpperCase());
    if (!instances || instances.size === 0) throw new InstanceNotFoundError(`application ${app}`);
    const [application] = toApplicationsJson(
      [...instances.values()].map((record) => toInstanceJson(record)),
      this.version,
    ).applications.application;
    return { application };
  }

  instance(app: string, id: string): { instance: InstanceJson } {
    return { instance: toInstanceJson(this.get(app, id)) };
  }

  /** `/eureka/instances/{id}`: the id alone, across all applications. */
  instanceById(id: string): { instance: InstanceJson } {
    const record = this.records().find((candidate) => candidate.registration.instanceId === id);
    if (!record) throw new InstanceNotFoundError(`instance ${id}`);
    return { instance: toInstanceJson(record) };
  }

  byVip(vip: string, secure: boolean): ApplicationsJson {
    const matching = this.instancesJson().filter((instance) =>
      matchesVip(secure ? instance.secureVipAddress : instance.vipAddress, vip),
    );
    return toApplicationsJson(matching, this.version);
  }

  /** Changes of the last DELTA_RETENTION_MS; the hash code is the full registry's, as in Eureka. */
  delta(): ApplicationsJson {
    this.pruneRecentlyChanged(Date.now());
    return toApplicationsJson(
      this.recentlyChanged.map((change) => change.instance),
      this.version,
      this.instancesJson(),
    );
  }

  /** Everything the dashboard shows. */
  records(): InstanceRecord[] {
    return [...this.apps.values()].flatMap((instances) => [...instances.values()]);
  }

  get peerStates() {
    return this.replication.peerStates;
  }

  // -------------------------------------------------------------------------------------------

  private instancesJson(): InstanceJson[] {
    return this.records().map((record) => toInstanceJson(record));
  }

  private find(app: string, id: string): InstanceRecord | undefined {
    return this.apps.get(app.toUpperCase())?.get(id);
  }

  private get(app: string, id: string): InstanceRecord {
    const record = this.find(app, id);
    if (!record) throw new InstanceNotFoundError(`${app.toUpperCase()}/${id}`);
    return record;
  }

  private remove(record: InstanceRecord): void {
    const { app, instanceId } = record.registration;
    const instances = this.apps.get(app);
    instances?.delete(instanceId);
    if (instances?.size === 0) this.apps.delete(app);
    this.changed({ ...record, lastUpdatedTimestamp: Date.now() }, 'DELETED');
  }

  private modified(record: InstanceRecord): void {
    record.lastUpdatedTimestamp = Date.now();
    record.actionType = 'MODIFIED';
    this.changed(record);
  }

  private changed(record: InstanceRecord, actionType = record.actionType): void {
    this.version += 1;
    const now = Date.now();
    this.recentlyChanged.push({ at: now, instance: toInstanceJson(record, actionType) });
    this.pruneRecentlyChanged(now);
  }

  private pruneRecentlyChanged(now: number): void {
    const cutoff = now - this.config.DELTA_RETENTION_MS;
    const firstKept = this.recentlyChanged.findIndex((change) => change.at >= cutoff);
    this.recentlyChanged.splice(0, firstKept === -1 ? this.recentlyChanged.length : firstKept);
  }
}

/** Peers get the instance's own status, so removing an override there restores the same state. */
function replicable(record: InstanceRecord): InstanceJson {
  return { ...toInstanceJson(record), status: record.reportedStatus };
}
