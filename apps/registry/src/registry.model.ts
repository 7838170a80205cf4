/**
 * What the registry holds: a registration as the instance sent it, its lease, and the record
 * of both (the registry's domain types, without Nest).
 */

export const INSTANCE_STATUSES = ['UP', 'DOWN', 'STARTING', 'OUT_OF_SERVICE', 'UNKNOWN'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** Statuses an override can pin (UNKNOWN means "no override" in Eureka's model). */
export const OVERRIDE_STATUSES = ['UP', 'DOWN', 'STARTING', 'OUT_OF_SERVICE'] as const;
export type OverrideStatus = (typeof OVERRIDE_STATUSES)[number];

export type ActionType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface PortInfo {
  $: number;
  '@enabled': 'true' | 'false';
}

export interface DataCenterInfo {
  '@class': string;
  name: string;
  metadata?: Record<string, string>;
}

/** A registration as the instance sent it, validated and normalised (app upper-cased). */
export interface Registration {
  instanceId: string;
  app: string;
  appGroupName?: string;
  hostName: string;
  ipAddr: string;
  status: InstanceStatus;
  /** Set when a peer replicates an instance that carries an override. */
  overriddenStatus?: OverrideStatus;
  port: PortInfo;
  securePort: PortInfo;
  countryId: number;
  dataCenterInfo: DataCenterInfo;
  /** Lease timing the instance asked for; undefined fields fall back to the server defaults. */
  leaseInfo: { renewalIntervalInSecs?: number; durationInSecs?: number };
  metadata: Record<string, string>;
  homePageUrl?: string;
  statusPageUrl?: string;
  healthCheckUrl?: string;
  secureHealthCheckUrl?: string;
  vipAddress?: string;
  secureVipAddress?: string;
  lastDirtyTimestamp?: number;
}

export interface Lease {
  registrationTimestamp: number;
  lastRenewalTimestamp: number;
  /** When the instance first came UP; survives re-registration, like Spring's. */
  serviceUpTimestamp: number;
  durationMs: number;
  renewalIntervalMs: number;
}

/** What the registry holds for one instance. */
export interface InstanceRecord {
  registration: Registration;
  /** The status the instance itself reported (registration, or the value of a removed override). */
  reportedStatus: InstanceStatus;
  override?: OverrideStatus;
  lease: Lease;
  lastUpdatedTimestamp: number;
  lastDirtyTimestamp: number;
  actionType: ActionType;
}

export interface LeaseDefaults {
  durationMs: number;
  renewalIntervalMs: number;
}
