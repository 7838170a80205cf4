/**
 * A send that failed on the client's side but was written by the broker must not make the
 * next, different send vanish. The broker is frozen (SIGSTOP) while a send is in flight, so
 * the client gives up on it; thawed, the broker writes the request it had already received.
 * kafkajs then reuses that request's sequence numbers for the next batch, which the broker
 * acknowledges as a duplicate without writing it — unless the connection has moved to a new
 * producer (a new producer id), as it does after any failed send.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '@storefront/testing';
import { KafkaConnection } from '../src';
import { quietKafka, readTopic } from './support/kit';
import { type KafkaServer, provisionKafka, startKafka } from '../../../tools/runtime/kafka';
import { freePort } from '../../../tools/runtime/procs';

const TOPIC = 'sequence.check';

describe('a send the client gave up on but the broker wrote (real Kafka, frozen and thawed)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'producer-sequence-'));
  let server: KafkaServer;
  let connection: KafkaConnection;

  beforeAll(async () => {
    await provisionKafka();
    server = await startKafka({
      dataDir,
      port: await freePort(),
      controllerPort: await freePort(),
      name: `kafka-sequence-${process.pid}`,
    });
    connection = new KafkaConnection({
      clientId: 'producer-sequence-spec',
      brokers: server.brokers,
      topics: [{ name: TOPIC, partitions: 1, config: {} }],
      requestTimeoutMs: 2000,
      sendRetries: 1,
      reconnect: { baseMs: 200, maxMs: 1000 },
    });
    await connection.whenConnected();
  }, 120_000);

  afterAll(async () => {
    process.kill(server.pid, 'SIGCONT');
    await connection?.close();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const record = (key: string) => ({ topic: TOPIC, key, value: key, headers: {} });

  it('does not lose the next record', async () => {
    await connection.send([record('before')]);
    process.kill(server.pid, 'SIGSTOP');
    await expect(connection.send([record('given-up')])).rejects.toThrow();
    process.kill(server.pid, 'SIGCONT');
    // The connection is usable again (a new producer, once the broker answers).
    await eventually('the connection', () => connection.isConnected, 60_000);
    await connection.send([record('after')]);

    const keys = await readKeys(server.brokers);
    expect(keys).toContain('before');
    expect(keys).toContain('after');
  }, 120_000);
});

/** Every key on the topic, read from the start (readTopic, on this spec's own broker). */
async function readKeys(brokers: string[]): Promise<string[]> {
  const admin = quietKafka('producer-sequence-reader', brokers).admin();
  await admin.connect();
  const [end] = await admin.fetchTopicOffsets(TOPIC);
  await admin.disconnect();
  const records = await readTopic(TOPIC, Number(end.high), 20_000, brokers);
  return records.map((record) => record.key ?? '');
}
