import type { HealthIndicatorResult } from '@nestjs/terminus';

export type HealthStatus = 'UP' | 'DOWN' | 'OUT_OF_SERVICE';

export type HealthGroup = 'all' | 'readiness' | 'liveness';

/** One component in the Spring-style body: `{ "status": "UP", "details": { … } }`. */
export interface ComponentHealth {
  status: HealthStatus;
  details?: Record<string, unknown>;
}

/** The Spring-style body of `/actuator/health` and its groups. */
export interface HealthReport {
  status: HealthStatus;
  components: Record<string, ComponentHealth>;
}

/**
 * One component of the health report, checked by a terminus health indicator. `readiness`
 * components decide whether the instance should get traffic (database, broker, consumer,
 * outbox backlog); `liveness` ones whether it should be restarted. Most components matter for
 * readiness only: a broker outage is not fixed by a restart.
 */
export interface HealthContributor {
  /** The component's name in the report, and the key its indicator reports under. */
  readonly name: string;
  readonly readiness: boolean;
  readonly liveness: boolean;
  /**
   * A terminus indicator for `key`: `indicators.check(key).up(details)` or `.down(details)`.
   * A throw or a hang counts as DOWN with the error.
   */
  check(key: string): Promise<HealthIndicatorResult>;
}
