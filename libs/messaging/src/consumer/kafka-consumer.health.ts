import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { KafkaEventServer } from './kafka-event.server';

/**
 * terminus indicator for the event consumer: UP while it runs (joining or joined its group;
 * with `requireAssignment`, only while it holds partitions). Not a provider: the consumer is
 * created by `startEventConsumer`, outside the container.
 */
export class KafkaConsumerHealthIndicator {
  constructor(
    private readonly server: KafkaEventServer,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async isHealthy(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const { up, details } = this.server.consumerStatus();
    return up ? indicator.up(details) : indicator.down(details);
  }
}
