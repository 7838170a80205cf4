import { Injectable } from '@nestjs/common';
import type { ComponentHealth, HealthIndicator, HealthReport } from './health.types';

const CHECK_TIMEOUT_MS = 2000;

async function checkWithTimeout(indicator: HealthIndicator): Promise<ComponentHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ComponentHealth>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'DOWN', details: { error: `no answer in ${CHECK_TIMEOUT_MS} ms` } }),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([indicator.check(), timeout]);
  } catch (error) {
    return { status: 'DOWN', details: { error: (error as Error).message } };
  } finally {
    clearTimeout(timer);
  }
}

/** Collects health indicators that modules register, and aggregates them Spring-style. */
@Injectable()
export class HealthService {
  private readonly indicators = new Map<string, HealthIndicator>();
  private shuttingDown = false;

  register(indicator: HealthIndicator): void {
    this.indicators.set(indicator.name, indicator);
  }

  /** Once shutdown starts the instance reports OUT_OF_SERVICE so it stops getting traffic. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async report(group: 'all' | 'readiness' | 'liveness' = 'all'): Promise<HealthReport> {
    const selected = [...this.indicators.values()].filter(
      (indicator) =>
        group === 'all' || (group === 'readiness' ? indicator.readiness : indicator.liveness),
    );
    const results = await Promise.all(selected.map(checkWithTimeout));
    const components = Object.fromEntries(
      selected.map((indicator, index) => [indicator.name, results[index]]),
    ) as Record<string, ComponentHealth>;
    const down = results.some((result) => result.status !== 'UP');
    if (this.shuttingDown && group !== 'liveness') {
      return { status: 'OUT_OF_SERVICE', components };
    }
    return { status: down ? 'DOWN' : 'UP', components };
  }
}
