/** Leases and status: when a lease expires, and which status an instance shows. */
import {
  InstanceRecord,
  InstanceStatus,
  Lease,
  LeaseDefaults,
  OverrideStatus,
  Registration,
} from './registry.model';

/** A new lease, or a renewed registration of a known instance keeping its service-up time. */
export function newLease(
  registration: Registration,
  defaults: LeaseDefaults,
  now: number,
  previous?: Lease,
): Lease {
  const durationSecs = registration.leaseInfo.durationInSecs;
  const intervalSecs = registration.leaseInfo.renewalIntervalInSecs;
  return {
    registrationTimestamp: now,
    lastRenewalTimestamp: now,
    serviceUpTimestamp: previous?.serviceUpTimestamp ?? now,
    durationMs: durationSecs !== undefined ? durationSecs * 1000 : defaults.durationMs,
    renewalIntervalMs:
      intervalSecs !== undefined ? intervalSecs * 1000 : defaults.renewalIntervalMs,
  };
}

/**
 * A lease expires once a whole duration has passed without a renewal. Netflix's Lease adds
 * the duration twice (renew() stores now + duration, isExpired() adds it again), which keeps
 * a dead instance for about 180 s; we deliberately expire at lastRenewal + duration.
 */
export function isExpired(lease: Lease, now: number): boolean {
  return now > lease.lastRenewalTimestamp + lease.durationMs;
}

/** Milliseconds until the lease expires (negative once expired). */
export function expiresIn(lease: Lease, now: number): number {
  return lease.lastRenewalTimestamp + lease.durationMs - now;
}

/**
 * The status others see, after Spring's rules: an instance saying it is DOWN or STARTING is
 * believed (an override must not route traffic to a broken instance); otherwise an override
 * wins over what the instance reported.
 */
export function effectiveStatus(
  reported: InstanceStatus,
  override?: OverrideStatus,
): InstanceStatus {
  if (reported === 'DOWN' || reported === 'STARTING') return reported;
  return override ?? reported;
}

/**
 * Renew answers 404 when the instance is unknown, and also when the client's copy is newer
 * than ours (its lastDirtyTimestamp is later): both make the client register again, which
 * is how Eureka resynchronises. Like Netflix's server it also answers 404 while the status
 * is UNKNOWN, i.e. after an override was removed without a status to fall back to (what
 * Spring's `CANCEL_OVERRIDE` sends): the re-registration brings back the status the client
 * holds, where a 200 would leave the instance UNKNOWN, and undiscoverable, for good.
 */
export function renewalNeedsRegistration(
  record: InstanceRecord | undefined,
  clientDirtyTimestamp: number | undefined,
): boolean {
  if (!record) return true;
  if (effectiveStatus(record.reportedStatus, record.override) === 'UNKNOWN') return true;
  return clientDirtyTimestamp !== undefined && clientDirtyTimestamp > record.lastDirtyTimestamp;
}
