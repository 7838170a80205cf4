/** The JSON shapes Spring's Eureka server answers with (its field names and order). */
import { effectiveStatus } from './lease.rules';
import {
  ActionType,
  DataCenterInfo,
  InstanceRecord,
  InstanceStatus,
  PortInfo,
} from './registry.model';

export interface InstanceJson {
  instanceId: string;
  hostName: string;
  app: string;
  ipAddr: string;
  status: InstanceStatus;
  overriddenStatus: InstanceStatus;
  port: PortInfo;
  securePort: PortInfo;
  countryId: number;
  dataCenterInfo: DataCenterInfo;
  leaseInfo: {
    renewalIntervalInSecs: number;
    durationInSecs: number;
    registrationTimestamp: number;
    lastRenewalTimestamp: number;
    evictionTimestamp: number;
    serviceUpTimestamp: number;
  };
  metadata: Record<string, string>;
  appGroupName?: string;
  homePageUrl?: string;
  statusPageUrl?: string;
  healthCheckUrl?: string;
  secureHealthCheckUrl?: string;
  vipAddress?: string;
  secureVipAddress?: string;
  isCoordinatingDiscoveryServer: 'false';
  lastUpdatedTimestamp: string;
  lastDirtyTimestamp: string;
  actionType: ActionType;
}

export interface ApplicationJson {
  name: string;
  instance: InstanceJson[];
}

export interface ApplicationsJson {
  applications: {
    versions__delta: string;
    apps__hashcode: string;
    application: ApplicationJson[];
  };
}

const EMPTY_MAP_CLASS = 'java.util.Collections$EmptyMap';

export function toInstanceJson(
  record: InstanceRecord,
  actionType = record.actionType,
): InstanceJson {
  const r = record.registration;
  const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));
  return {
    instanceId: r.instanceId,
    hostName: r.hostName,
    app: r.app,
    ipAddr: r.ipAddr,
    status: effectiveStatus(record.reportedStatus, record.override),
    overriddenStatus: record.override ?? 'UNKNOWN',
    port: r.port,
    securePort: r.securePort,
    countryId: r.countryId,
    dataCenterInfo: r.dataCenterInfo,
    leaseInfo: {
      renewalIntervalInSecs: seconds(record.lease.renewalIntervalMs),
      durationInSecs: seconds(record.lease.durationMs),
      registrationTimestamp: record.lease.registrationTimestamp,
      lastRenewalTimestamp: record.lease.lastRenewalTimestamp,
      evictionTimestamp: 0,
      serviceUpTimestamp: record.lease.serviceUpTimestamp,
    },
    // Java clients read an empty map only with its type hint, as Spring writes it.
    metadata: Object.keys(r.metadata).length > 0 ? r.metadata : { '@class': EMPTY_MAP_CLASS },
    ...(r.appGroupName !== undefined && { appGroupName: r.appGroupName }),
    homePageUrl: r.homePageUrl,
    statusPageUrl: r.statusPageUrl,
    healthCheckUrl: r.healthCheckUrl,
    ...(r.secureHealthCheckUrl !== undefined && { secureHealthCheckUrl: r.secureHealthCheckUrl }),
    vipAddress: r.vipAddress,
    secureVipAddress: r.secureVipAddress,
    isCoordinatingDiscoveryServer: 'false',
    lastUpdatedTimestamp: String(record.lastUpdatedTimestamp),
    lastDirtyTimestamp: String(record.lastDirtyTimestamp),
    actionType,
  };
}

/**
 * Eureka's reconcile hash: `STATUS_count_` per status, statuses in alphabetical order
 * (`OUT_OF_SERVICE_1_UP_3_`). Clients compare it with their own to detect a stale cache.
 */
export function appsHashCode(instances: ReadonlyArray<Pick<InstanceJson, 'status'>>): string {
  const counts = new Map<string, number>();
  for (const instance of instances) {
    counts.set(instance.status, (counts.get(instance.status) ?? 0) + 1);
  }
  return [...counts.keys()]
    .sort()
    .map((status) => `${status}_${counts.get(status)}_`)
    .join('');
}

/** Groups instances into applications, sorted by name and then by instance id. */
export function groupApplications(instances: readonly InstanceJson[]): ApplicationJson[] {
  const byApp = new Map<string, InstanceJson[]>();
  for (const instance of instances) {
    const list = byApp.get(instance.app) ?? [];
    list.push(instance);
    byApp.set(instance.app, list);
  }
  return [...byApp.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => ({
      name,
      instance: [...list].sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
    }));
}

export function toApplicationsJson(
  instances: readonly InstanceJson[],
  version: number,
  hashOf: readonly InstanceJson[] = instances,
): ApplicationsJson {
  return {
    applications: {
      versions__delta: String(version),
      apps__hashcode: appsHashCode(hashOf),
      application: groupApplications(instances),
    },
  };
}

/** Does a (comma-separated) VIP address list name `vip`? */
export function matchesVip(vipAddresses: string | undefined, vip: string): boolean {
  return (vipAddresses ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .includes(vip);
}
