import { defaults, record, registration } from './registry.fixtures';
import { effectiveStatus, isExpired, newLease, renewalNeedsRegistration } from './lease.rules';
import type { InstanceStatus, Lease, OverrideStatus } from './registry.model';

describe('leases', () => {
  const lease = (lastRenewalTimestamp: number, durationMs = 90_000): Lease => ({
    registrationTimestamp: 0,
    lastRenewalTimestamp,
    serviceUpTimestamp: 0,
    durationMs,
    renewalIntervalMs: 30_000,
  });

  it.each([
    ['just renewed', 1_000, 1_000, false],
    ['at exactly one duration', 1_000, 91_000, false],
    ['one millisecond past one duration (not 2×, unlike Netflix)', 1_000, 91_001, true],
    ['long gone', 1_000, 500_000, true],
  ])('%s → expired %s', (_name, renewedAt, now, expired) => {
    expect(isExpired(lease(renewedAt), now)).toBe(expired);
  });

  it.each([
    [
      'the registration’s own duration',
      { durationInSecs: 5, renewalIntervalInSecs: 1 },
      5_000,
      1_000,
    ],
    ['the server default', {}, 90_000, 30_000],
  ])('uses %s', (_name, leaseInfo, durationMs, renewalIntervalMs) => {
    const reg = registration({ leaseInfo });
    expect(newLease(reg, defaults, 7)).toEqual({
      registrationTimestamp: 7,
      lastRenewalTimestamp: 7,
      serviceUpTimestamp: 7,
      durationMs,
      renewalIntervalMs,
    });
  });

  it('keeps the service-up time across re-registration', () => {
    const first = newLease(registration(), defaults, 100);
    expect(newLease(registration(), defaults, 900, first).serviceUpTimestamp).toBe(100);
  });

  it.each([
    ['unknown instance', undefined, undefined, true],
    ['known, no client timestamp', record(), undefined, false],
    ['known, client copy older', record(), 500, false],
    ['known, same copy', record(), 1_000, false],
    ['known, client copy newer', record(), 1_001, true],
    // Spring's CANCEL_OVERRIDE removes an override without a value: the status is UNKNOWN
    // until the instance registers again, which only a 404 on its renewal makes it do.
    [
      'UNKNOWN after an override removed without a value',
      record({ reportedStatus: 'UNKNOWN' }),
      1_000,
      true,
    ],
    [
      'UNKNOWN under an OUT_OF_SERVICE override',
      record({ reportedStatus: 'UNKNOWN', override: 'OUT_OF_SERVICE' }),
      1_000,
      false,
    ],
    ['DOWN (it said so itself)', record({ reportedStatus: 'DOWN' }), 1_000, false],
  ])('renewal of %s needs registration: %s', (_name, existing, clientDirty, expected) => {
    expect(renewalNeedsRegistration(existing, clientDirty)).toBe(expected);
  });
});

describe('effectiveStatus', () => {
  it.each<[InstanceStatus, OverrideStatus | undefined, InstanceStatus]>([
    ['UP', undefined, 'UP'],
    ['UP', 'OUT_OF_SERVICE', 'OUT_OF_SERVICE'],
    ['OUT_OF_SERVICE', 'UP', 'UP'],
    ['DOWN', 'UP', 'DOWN'],
    ['STARTING', 'OUT_OF_SERVICE', 'STARTING'],
    ['UNKNOWN', undefined, 'UNKNOWN'],
    ['UNKNOWN', 'UP', 'UP'],
  ])('reported %s with override %s → %s', (reported, override, expected) => {
    expect(effectiveStatus(reported, override)).toBe(expected);
  });
});
