export type HealthStatus = 'UP' | 'DOWN' | 'OUT_OF_SERVICE';

export interface ComponentHealth {
  status: HealthStatus;
  details?: Record<string, unknown>;
}

/**
 * One component's health. `readiness` components decide whether the instance should get
 * traffic (database, broker, consumer, outbox backlog); `liveness` ones whether it should be
 * restarted. Most components matter for readiness only: a broker outage is not fixed by a
 * restart.
 */
export interface HealthIndicator {
  readonly name: string;
  readonly readiness: boolean;
  readonly liveness: boolean;
  check(): Promise<ComponentHealth>;
}

export interface HealthReport {
  status: HealthStatus;
  components: Record<string, ComponentHealth>;
}
