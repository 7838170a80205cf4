import type { HealthCheckResult, HealthIndicatorResult } from '@nestjs/terminus';
import type { ComponentHealth, HealthReport } from './health.types';

type IndicatorDetail = HealthIndicatorResult[string];

/**
 * One terminus indicator result (`{ status: 'up', …data }`) as a Spring component
 * (`{ status: 'UP', details: { …data } }`); no data, no `details`. A component the check did
 * not report is DOWN.
 */
export function toComponentHealth(detail: IndicatorDetail | undefined): ComponentHealth {
  if (!detail) return { status: 'DOWN' };
  const { status, ...data } = detail;
  const component: ComponentHealth = { status: status === 'up' ? 'UP' : 'DOWN' };
  if (Object.keys(data).length > 0) component.details = data;
  return component;
}

/**
 * A terminus check result as the Spring-style body. Components keep the given order (the
 * order they were registered in; terminus lists the UP ones first). The overall status is
 * OUT_OF_SERVICE once the app is shutting down, else DOWN when any component is; terminus'
 * own `ok` / `error` / `shutting_down` is not used, so its body never leaks out.
 */
export function toHealthReport(
  result: Pick<HealthCheckResult, 'details'>,
  names: readonly string[],
  shuttingDown: boolean,
): HealthReport {
  const components = Object.fromEntries(
    names.map((name) => [name, toComponentHealth(result.details[name])]),
  ) as Record<string, ComponentHealth>;
  if (shuttingDown) return { status: 'OUT_OF_SERVICE', components };
  const down = Object.values(components).some((component) => component.status !== 'UP');
  return { status: down ? 'DOWN' : 'UP', components };
}
