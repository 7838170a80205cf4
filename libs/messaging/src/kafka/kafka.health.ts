import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { errorMessage } from '../util/delay';
import { KafkaConnection } from './kafka-connection';

/**
 * terminus indicator for Kafka on our own client: UP while the producer is connected and the
 * cluster answers a metadata request (terminus' microservice indicator would open a client of
 * its own with Nest's Kafka transport).
 */
@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly connection: KafkaConnection,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async isHealthy(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const brokers = this.connection.brokers.join(',');
    if (!this.connection.isConnected) {
      return indicator.down({ brokers, error: `producer ${this.connection.connectionState}` });
    }
    try {
      const clusterBrokers = await this.connection.clusterBrokerCount();
      return indicator.up({ brokers, clusterBrokers });
    } catch (error) {
      return indicator.down({ brokers, error: errorMessage(error) });
    }
  }
}
