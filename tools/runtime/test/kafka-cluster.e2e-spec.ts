/**
 * `npm start -- --kafka-brokers 3`: a KRaft cluster of three combined nodes from the same jars.
 * Topics get three replicas with min.insync.replicas 2, and with one broker SIGKILLed an
 * idempotent producer with acks=all goes on and nothing acknowledged is lost; with two down,
 * writes are refused rather than acknowledged on one copy.
 */
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { TOPIC_SPECS, Topics } from '@storefront/events';
import { eventually } from '@storefront/testing';
import { ensureTopics, type KafkaCluster, provisionKafka, startKafkaCluster } from '../kafka';
import { RUNTIME_DIR } from '../paths';
import { freePort } from '../test-stack';

jest.setTimeout(180_000);

/** A base port with the five after it free too (three nodes, a controller port each). */
async function freeRun(length: number): Promise<number> {
  for (;;) {
    const base = await freePort();
    const ports = Array.from({ length }, (_, i) => base + i);
    const free = await Promise.all(
      ports.map(
        (port) =>
          new Promise<boolean>((resolve) => {
            const server = net.createServer();
            server.once('error', () => resolve(false));
            server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return base;
  }
}

describe('a three-broker Kafka cluster', () => {
  let cluster: KafkaCluster;
  let kafka: Kafka;

  beforeAll(async () => {
    await provisionKafka();
    cluster = await startKafkaCluster({
      size: 3,
      dataDir: path.join(RUNTIME_DIR, 'test-cluster', `${process.pid}`),
      basePort: await freeRun(6),
      name: `kafka-cluster-test-${process.pid}`,
    });
    await ensureTopics(cluster.brokers, TOPIC_SPECS);
    kafka = new Kafka({
      clientId: 'cluster-test',
      brokers: cluster.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 200 },
    });
  });

  afterAll(async () => {
    await Promise.all((cluster?.nodes ?? []).map((node) => node.stop()));
  });

  it('gives every contract topic three replicas in sync and min.insync.replicas 2', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [Topics.CustomerChange] });
      for (const partition of topics[0].partitions) {
        expect(partition.replicas).toHaveLength(3);
        expect(partition.isr).toHaveLength(3);
      }
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: Topics.CustomerChange, configNames: ['min.insync.replicas'] }],
      });
      expect(configs.resources[0].configEntries[0].configValue).toBe('2');
    } finally {
      await admin.disconnect();
    }
  });

  it('loses nothing acknowledged while a broker is SIGKILLed mid-stream, and refuses writes with two down', async () => {
    const topic = Topics.OrderFulfill;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const acknowledged: string[] = [];
    const send = async (value: string) => {
      await producer.send({ topic, acks: -1, messages: [{ key: value, value }] });
      acknowledged.push(value);
    };
    for (let i = 0; i < 50; i += 1) await send(`before-${i}`);
    const [, second, third] = cluster.nodes;
    process.kill(second.pid, 'SIGKILL');
    await second.exited;
    // Until the two survivors have elected new leaders a send may fail (the client can give up
    // on the dead node); only an acknowledged send counts, so a failed one is sent again.
    for (let i = 0; i < 50; i += 1) {
      await eventually(
        `record after-${i} acknowledged`,
        () =>
          send(`after-${i}`).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    }

    // Every acknowledged record is there, read from the two brokers left.
    const reader = new Kafka({
      clientId: 'cluster-test-reader',
      brokers: [cluster.brokers[0], cluster.brokers[2]],
      logLevel: logLevel.NOTHING,
    });
    const consumer = reader.consumer({ groupId: `cluster-test-${process.pid}` });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(message.value!.toString());
      },
    });
    try {
      await eventually(
        `all ${acknowledged.length} acknowledged records read back`,
        () => acknowledged.every((value) => seen.has(value)),
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    } finally {
      await consumer.disconnect();
    }
    // With a second broker gone only one copy is left: below min.insync.replicas, so a write
    // is refused, never acknowledged on one copy.
    process.kill(third.pid, 'SIGKILL');
    await third.exited;
    await producer.disconnect();
    const lone = kafka.producer({ retry: { retries: 1, initialRetryTime: 100 } });
    await lone.connect();
    const refused = await lone
      .send({ topic, acks: -1, timeout: 2000, messages: [{ key: 'x', value: 'one-copy' }] })
      .then(
        () => undefined,
        (error: Error) => error,
      );
    await lone.disconnect();
    expect(refused).toBeInstanceOf(Error);
    expect(acknowledged).toHaveLength(100);
  });
});
