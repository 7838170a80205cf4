import { HealthIndicatorService } from '@nestjs/terminus';
import { KafkaConnection, KafkaHealthIndicator } from '../src';
import { brokers, isolation } from './support/kit';

// An unreachable broker (DOWN, `producer connecting`) is health.e2e-spec's first test, in a
// whole app whose logging is off.
describe('KafkaHealthIndicator (real Kafka)', () => {
  const { prefix } = isolation('kafka-health');
  const indicators = new HealthIndicatorService();
  const connections: KafkaConnection[] = [];

  const connect = (brokerList: string[]) => {
    const connection = new KafkaConnection({
      clientId: 'kafka-health-spec',
      brokers: brokerList,
      topicPrefix: prefix,
      // Only the connection is under test; no topics to create.
      topics: [],
      reconnect: { baseMs: 200, maxMs: 1000 },
    });
    connections.push(connection);
    return { connection, health: new KafkaHealthIndicator(connection, indicators) };
  };

  afterAll(async () => {
    for (const connection of connections) await connection.close();
  });

  it('is DOWN before the connection starts', async () => {
    const { health } = connect(brokers());
    await expect(health.isHealthy('kafka')).resolves.toEqual({
      kafka: { status: 'down', brokers: brokers().join(','), error: 'producer idle' },
    });
  });

  it('is UP once connected, with the brokers the cluster reports, and DOWN once closed', async () => {
    const { connection, health } = connect(brokers());
    await connection.whenConnected();
    await expect(health.isHealthy('kafka')).resolves.toEqual({
      kafka: { status: 'up', brokers: brokers().join(','), clusterBrokers: expect.any(Number) },
    });
    const { kafka } = await health.isHealthy('kafka');
    expect(kafka.clusterBrokers).toBeGreaterThanOrEqual(1);
    await connection.close();
    await expect(health.isHealthy('kafka')).resolves.toEqual({
      kafka: { status: 'down', brokers: brokers().join(','), error: 'producer closed' },
    });
  });
});
