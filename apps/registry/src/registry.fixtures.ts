/** Registrations and records for the registry's unit tests (what eureka-js-client sends). */
import { parseRegistration } from './dto/registration.dto';
import { newLease } from './lease.rules';
import type { InstanceRecord, Registration } from './registry.model';

/** What eureka-js-client sends with the platform's discovery client. */
export const instanceBody = (overrides: Record<string, unknown> = {}) => ({
  instanceId: '127.0.0.1:accounts:8085',
  app: 'ACCOUNTS',
  hostName: '127.0.0.1',
  ipAddr: '127.0.0.1',
  status: 'UP',
  port: { $: 8085, '@enabled': 'true' },
  vipAddress: 'accounts',
  statusPageUrl: 'http://127.0.0.1:8085/actuator/info',
  dataCenterInfo: {
    '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
    name: 'MyOwn',
  },
  ...overrides,
});

export function registration(overrides: Record<string, unknown> = {}): Registration {
  const result = parseRegistration('ACCOUNTS', { instance: instanceBody(overrides) });
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

export const defaults = { durationMs: 90_000, renewalIntervalMs: 30_000 };

export function record(overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  const reg = overrides.registration ?? registration();
  return {
    registration: reg,
    reportedStatus: reg.status,
    lease: newLease(reg, defaults, 1_000),
    lastUpdatedTimestamp: 1_000,
    lastDirtyTimestamp: 1_000,
    actionType: 'ADDED',
    ...overrides,
  };
}
