import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { OutboxRelay } from './outbox.relay';

/**
 * terminus indicator for the outbox backlog: DOWN while an event has waited longer than
 * `backlogMaxAgeMs`, i.e. while the relay and the sweeper cannot get events out.
 */
@Injectable()
export class OutboxHealthIndicator {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async isHealthy(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const backlog = await this.relay.recentBacklog();
    const { backlogMaxAgeMs } = this.relay.options;
    const details = {
      pendingDocuments: backlog.documents,
      oldestPendingSeconds: Math.round(backlog.oldestAgeMs / 100) / 10,
      maxAgeSeconds: backlogMaxAgeMs / 1000,
    };
    return backlog.oldestAgeMs > backlogMaxAgeMs ? indicator.down(details) : indicator.up(details);
  }
}
