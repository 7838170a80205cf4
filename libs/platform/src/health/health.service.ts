import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import {
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { toHealthReport } from './health.rules';
import type { HealthContributor, HealthGroup, HealthReport } from './health.types';

const CHECK_TIMEOUT_MS = 2000;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Collects the health contributors that modules register, runs the selected ones through
 * terminus' `HealthCheckService`, and answers Spring-style (`toHealthReport`).
 */
@Injectable()
export class HealthService {
  private readonly contributors = new Map<string, HealthContributor>();
  private shuttingDown = false;

  constructor(
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  register(contributor: HealthContributor): void {
    this.contributors.set(contributor.name, contributor);
  }

  /** Once shutdown starts the instance reports OUT_OF_SERVICE so it stops getting traffic. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async report(group: HealthGroup = 'all'): Promise<HealthReport> {
    const selected = [...this.contributors.values()].filter(
      (contributor) =>
        group === 'all' || (group === 'readiness' ? contributor.readiness : contributor.liveness),
    );
    const result = await this.run(selected);
    return toHealthReport(
      result,
      selected.map((contributor) => contributor.name),
      this.shuttingDown && group !== 'liveness',
    );
  }

  private async run(selected: readonly HealthContributor[]): Promise<HealthCheckResult> {
    try {
      return await this.checks.check(
        selected.map((contributor) => () => this.checkWithTimeout(contributor)),
      );
    } catch (error) {
      // terminus answers a failed check (and any check once shutdown began) by throwing a 503
      // that carries the result; the report is built from that result, never from its body.
      if (error instanceof ServiceUnavailableException) {
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }

  /**
   * terminus rethrows whatever an indicator throws that is not its own error type (the whole
   * check would fail with a 500) and waits as long as an indicator does, so a throw or a hang
   * becomes this component's DOWN here.
   */
  private async checkWithTimeout(contributor: HealthContributor): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(contributor.name);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<HealthIndicatorResult>((resolve) => {
      timer = setTimeout(
        () => resolve(indicator.down({ error: `no answer in ${CHECK_TIMEOUT_MS} ms` })),
        CHECK_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([contributor.check(contributor.name), timeout]);
    } catch (error) {
      return indicator.down({ error: errorMessage(error) });
    } finally {
      clearTimeout(timer);
    }
  }
}
