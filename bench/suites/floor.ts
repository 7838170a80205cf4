/**
 * The floor: what Kafka and the database cost on their own, on the same servers, with the same
 * client settings the apps use, so every other figure also reads as a ratio to its parts.
 *
 * - Kafka round trip: the messaging lib's own producer (KafkaConnection: idempotent, acks=all,
 *   one request in flight) → a kafkajs consumer run like KafkaEventServer's loop (eachBatch,
 *   3 partitions concurrently, offsets resolved one by one, heartbeat per record), with no
 *   handler. Contract-sized records (a customer change with its CloudEvents headers) on a
 *   3-partition topic. Open loop at the propagation rates; latency = send call → consumed.
 * - Kafka throughput: single-record sends from concurrent callers, as the outbox relay sends
 *   (one record per document), and batches of 100 for the broker's own ceiling.
 * - Database: single-document inserts, then updates and finds by _id, one at a time, in
 *   collections of 100 and 1000 documents (FerretDB's update cost grows with the collection),
 *   and updates from 8 concurrent callers for a write rate.
 */
import { randomUUID } from 'node:crypto';
import type { EachBatchPayload } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { buildEventHeaders, CUSTOMER_CHANGED_TYPE, serviceSource } from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { createTopicsWithLeaders, KafkaConnection } from '@storefront/messaging';
import { type CpuUse, cpuSince, cpuSnapshot } from '../lib/cpu';
import { type BenchContext, byMode } from '../lib/context';
import { closedLoop, openLoop } from '../lib/schedule';
import { type LatencySummary, round, sleep, summarize } from '../lib/stats';

export const FLOOR_RATES = [50, 200, 1000] as const;

export interface KafkaRoundTrip {
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  /** send() called → record handed to the consumer loop. */
  readonly roundTrip: LatencySummary;
  /** send() called → acks=all acknowledgement. */
  readonly produceAck: LatencySummary;
  readonly lost: number;
}

export interface KafkaThroughput {
  readonly recordsPerSend: number;
  readonly concurrentSenders: number;
  readonly durationSeconds: number;
  readonly records: number;
  /** Records acknowledged per second. */
  readonly producedPerSecond: number;
  /** Records consumed per second, first send to last consume. */
  readonly consumedPerSecond: number;
}

export interface FloorResult {
  readonly kafka: {
    readonly settings: Record<string, unknown>;
    readonly roundTrips: KafkaRoundTrip[];
    readonly throughput: KafkaThroughput[];
  };
  readonly database: {
    readonly documentBytes: number;
    readonly insert: LatencySummary;
    readonly sizes: DatabaseAtSize[];
  };
}

export async function runFloor(context: BenchContext): Promise<FloorResult> {
  // The consumer joins its group while the database is measured: on a fresh broker the first
  // join waits for the offsets topic, which takes a while and costs almost no CPU.
  const kafka = await prepareKafkaFloor(context);
  try {
    const database = await databaseFloor(context);
    return { kafka: await kafka.measure(), database };
  } finally {
    await kafka.close();
  }
}

async function prepareKafkaFloor(
  context: BenchContext,
): Promise<{ measure(): Promise<FloorResult['kafka']>; close(): Promise<void> }> {
  const topic = `bench.floor.${context.runId}`;
  const credentials = context.infra.kafkaClientCredentials;
  const connection = new KafkaConnection({
    clientId: 'bench-floor',
    brokers: context.infra.kafkaBrokers,
    ...(credentials ? { sasl: { mechanism: 'scram-sha-512', ...credentials } } : {}),
  });
  const admin = connection.kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: 3, replicationFactor: 1 }]);
  connection.start();
  await connection.whenConnected();

  const value = JSON.stringify(fixtures.aCustomerChanged());
  const sentAt = new Map<number, number>();
  const consumedAt = new Map<number, number>();
  let onConsumed: () => void = () => undefined;

  const consumer = connection.createConsumer({
    groupId: `bench-floor-${context.runId}`,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  let joined: () => void = () => undefined;
  const isJoined = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommit: true,
    autoCommitInterval: 1000,
    autoCommitThreshold: 100,
    partitionsConsumedConcurrently: 3,
    eachBatch: async (payload: EachBatchPayload) => {
      for (const message of payload.batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        const seq = Number(message.key?.toString('utf8').split(':')[1]);
        if (!consumedAt.has(seq)) consumedAt.set(seq, performance.now());
        payload.resolveOffset(message.offset);
        await payload.commitOffsetsIfNecessary();
        await payload.heartbeat();
      }
      onConsumed();
    },
  });
  const close = async (): Promise<void> => {
    await consumer.disconnect().catch(() => undefined);
    await connection.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  };

  const measure = async (): Promise<FloorResult['kafka']> => {
    await Promise.race([
      isJoined,
      sleep(120_000).then(() => {
        throw new Error('the floor consumer did not join its group within 120 s');
      }),
    ]);

    let seq = 0;
    const record = (n: number) => ({
      topic,
      // Keys spread over the partitions like customer ids do; the sequence rides in the key.
      key: `k${n % 97}:${n}`,
      value,
      headers: buildEventHeaders({
        type: CUSTOMER_CHANGED_TYPE,
        source: serviceSource('accounts'),
        schemaVersion: 1,
        aggregateVersion: n + 1,
      }),
    });
    const waitConsumed = async (from: number, to: number, timeoutMs: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      const done = () => {
        for (let n = from; n < to; n += 1) if (!consumedAt.has(n)) return false;
        return true;
      };
      while (!done() && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          onConsumed = resolve;
          setTimeout(resolve, 100);
        });
      }
    };

    // Warm-up: metadata, connections, the first fetches.
    const warm = seq;
    for (let i = 0; i < 50; i += 1) {
      const n = seq++;
      sentAt.set(n, performance.now());
      await connection.send([record(n)]);
    }
    await waitConsumed(warm, seq, 30_000);

    const durationMs = byMode(context, 5_000, 15_000);
    const roundTrips: KafkaRoundTrip[] = [];
    for (const rate of FLOOR_RATES) {
      const first = seq;
      const acks: number[] = [];
      const pending: Promise<void>[] = [];
      await openLoop(rate, durationMs, () => {
        const n = seq++;
        const t0 = performance.now();
        sentAt.set(n, t0);
        pending.push(
          connection.send([record(n)]).then(() => {
            acks.push(performance.now() - t0);
          }),
        );
      });
      await Promise.all(pending);
      await waitConsumed(first, seq, 30_000);
      const trips: number[] = [];
      let lost = 0;
      for (let n = first; n < seq; n += 1) {
        const consumed = consumedAt.get(n);
        if (consumed === undefined) lost += 1;
        else trips.push(consumed - sentAt.get(n)!);
      }
      roundTrips.push({
        ratePerSecond: rate,
        durationSeconds: durationMs / 1000,
        roundTrip: summarize(trips),
        produceAck: summarize(acks),
        lost,
      });
      context.log(
        `floor: kafka round trip at ${rate}/s: p50 ${summarize(trips).p50Ms} ms, p99 ${summarize(trips).p99Ms} ms`,
      );
    }

    const throughput: KafkaThroughput[] = [];
    for (const [recordsPerSend, concurrentSenders] of [
      [1, 16],
      [100, 4],
    ] as const) {
      const first = seq;
      const t0 = performance.now();
      const end = t0 + byMode(context, 4_000, 10_000);
      let lastAck = t0;
      await closedLoop(
        concurrentSenders,
        async () => {
          const batch = Array.from({ length: recordsPerSend }, () => {
            const n = seq++;
            sentAt.set(n, performance.now());
            return record(n);
          });
          await connection.send(batch);
          lastAck = performance.now();
        },
        () => performance.now() >= end,
      );
      await waitConsumed(first, seq, 60_000);
      let lastConsumed = t0;
      for (let n = first; n < seq; n += 1)
        lastConsumed = Math.max(lastConsumed, consumedAt.get(n) ?? 0);
      const records = seq - first;
      throughput.push({
        recordsPerSend,
        concurrentSenders,
        durationSeconds: round((lastAck - t0) / 1000),
        records,
        producedPerSecond: Math.round(records / ((lastAck - t0) / 1000)),
        consumedPerSecond: Math.round(records / ((lastConsumed - t0) / 1000)),
      });
      context.log(
        `floor: kafka ${recordsPerSend} record(s)/send × ${concurrentSenders} senders: ${throughput.at(-1)!.producedPerSecond} produced/s`,
      );
      // Let the consumer's commits settle before the next phase.
      await sleep(500);
    }

    return {
      settings: {
        client: 'kafkajs via the messaging lib (KafkaConnection)',
        producer: { idempotent: true, acks: 'all', maxInFlightRequests: 1, partitioner: 'murmur2' },
        consumer: {
          eachBatch: true,
          partitionsConsumedConcurrently: 3,
          resolveOffsetPerRecord: true,
          heartbeatPerRecord: true,
        },
        partitions: 3,
        recordBytes: Buffer.byteLength(value),
      },
      roundTrips,
      throughput,
    };
  };
  return { measure, close };
}

interface FloorDocument {
  _id: string;
  version: number;
  name: { firstName: string; lastName: string };
}

export interface DatabaseAtSize {
  /** Documents in the collection while measuring. */
  readonly documents: number;
  readonly updateById: LatencySummary;
  readonly findById: LatencySummary;
  /** `{ _id, version: { $gte: 1 } }`: the same document, one more condition. */
  readonly findByIdAndCondition: LatencySummary;
  readonly concurrentUpdates: {
    readonly concurrency: number;
    readonly writesPerSecond: number;
    readonly latency: LatencySummary;
    /**
     * The database's CPU time per update in that window, ms: FerretDB's, plus PostgreSQL's on
     * that backend (when they are this run's own). Less swayed than updates/s by other work on
     * the machine, which takes cores away but adds no CPU time to ours.
     */
    readonly databaseMsPerUpdate?: number;
    readonly cpu?: CpuUse;
  };
}

const COLLECTION_SIZES = [100, 1000] as const;

async function databaseFloor(context: BenchContext): Promise<FloorResult['database']> {
  const client = new MongoClient(context.infra.mongoUrl);
  await client.connect();
  const db = client.db(`bench_${context.runId}_floor`);
  const document = (id: string): FloorDocument => ({
    _id: id,
    version: 1,
    ...fixtures.aCustomerChanged({ id }),
  });
  const samples = byMode(context, 200, 500);
  const time = async (action: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await action();
    return performance.now() - t0;
  };
  /** The latencies of `samples` calls of `action(i)`, one at a time. */
  const timeEach = async (action: (i: number) => Promise<unknown>): Promise<number[]> => {
    const latencies: number[] = [];
    for (let i = 0; i < samples; i += 1) latencies.push(await time(() => action(i)));
    return latencies;
  };
  try {
    const inserted = db.collection<FloorDocument>('inserts');
    // Warm-up: the collection exists, the connection pool is open.
    for (let i = 0; i < 20; i += 1) await inserted.insertOne(document(`warm-${i}`));
    const inserts = await timeEach(() => inserted.insertOne(document(randomUUID())));

    // Upstream FerretDB 1.x (SQLite) scans the collection for every lookup and update, and
    // decodes every document for any filter but a bare _id; our build's patches (ADR 0003)
    // make an _id equality, alone or with other conditions, use the _id index. Two sizes show
    // whether a cost still grows with the collection.
    const sizes: DatabaseAtSize[] = [];
    for (const size of COLLECTION_SIZES) {
      const collection = db.collection<FloorDocument>(`size${size}`);
      const ids = Array.from({ length: size }, () => randomUUID());
      for (let i = 0; i < size; i += 500) {
        await collection.insertMany(ids.slice(i, i + 500).map(document));
      }
      const updates = await timeEach((i) =>
        collection.updateOne(
          { _id: ids[i % size] },
          { $set: { 'name.lastName': `n${i}` }, $inc: { version: 1 } },
        ),
      );
      const finds = await timeEach((i) => collection.findOne({ _id: ids[i % size] }));
      const conditional = await timeEach((i) =>
        collection.findOne({ _id: ids[i % size], version: { $gte: 1 } }),
      );
      const concurrency = 8;
      const latencies: number[] = [];
      const cpuStart = cpuSnapshot(context.processes());
      const t0 = performance.now();
      const end = t0 + byMode(context, 3_000, 10_000);
      await closedLoop(
        concurrency,
        async (slot, n) => {
          const i = slot + n * concurrency;
          latencies.push(
            await time(() =>
              collection.updateOne(
                { _id: ids[i % size] },
                { $set: { 'name.firstName': `f${i}` }, $inc: { version: 1 } },
              ),
            ),
          );
        },
        () => performance.now() >= end,
      );
      const elapsed = (performance.now() - t0) / 1000;
      const cpu = cpuSince(cpuStart, context.processes());
      const databaseShare = cpu.processes.ferretdb;
      const atSize: DatabaseAtSize = {
        documents: size,
        updateById: summarize(updates),
        findById: summarize(finds),
        findByIdAndCondition: summarize(conditional),
        concurrentUpdates: {
          concurrency,
          writesPerSecond: Math.round(latencies.length / elapsed),
          latency: summarize(latencies),
          ...(databaseShare === undefined
            ? {}
            : {
                databaseMsPerUpdate:
                  Math.round(
                    (((databaseShare + (cpu.processes.postgres ?? 0)) / 100) * elapsed * 1e5) /
                      latencies.length,
                  ) / 100,
              }),
          cpu,
        },
      };
      sizes.push(atSize);
      context.log(
        `floor: database, ${size} documents: update p50 ${atSize.updateById.p50Ms} ms, find by _id p50 ${atSize.findById.p50Ms} ms, by _id and a condition p50 ${atSize.findByIdAndCondition.p50Ms} ms, ${atSize.concurrentUpdates.writesPerSecond} updates/s with ${concurrency} callers (database CPU ${atSize.concurrentUpdates.databaseMsPerUpdate ?? '–'} ms per update)`,
      );
    }
    const insert = summarize(inserts);
    context.log(`floor: database insert p50 ${insert.p50Ms} ms, p99 ${insert.p99Ms} ms`);
    return {
      documentBytes: Buffer.byteLength(JSON.stringify(document(randomUUID()))),
      insert,
      sizes,
    };
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}
