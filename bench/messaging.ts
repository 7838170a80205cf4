/**
 * Messaging benchmark (not a test): `npx tsx bench/messaging.ts [writes] [events]`.
 *
 * 1. Publish-after-commit delay: writes through the outbox helpers; for each write, the time
 *    from the database write returning to Kafka acknowledging its event (acks=all), measured
 *    sequentially (idle system) and with 8 concurrent writers.
 * 2. Consumer apply rate: events pre-produced to a topic, then consumed by KafkaEventServer
 *    and applied with upsertReplicaIfNewer; events per second from the first to the last apply.
 *
 * Uses the servers named by KAFKA_BROKERS / MONGO_URL or starts its own (tools/runtime).
 * Writes bench/results/messaging.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mongoose, { Schema } from 'mongoose';
import {
  buildEventHeaders,
  CUSTOMER_CHANGED_TYPE,
  deadLetterTopic,
  serviceSource,
  Topics,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import {
  createOutboxRecord,
  createTopicsWithLeaders,
  KafkaConnection,
  KafkaEventContext,
  KafkaEventServer,
  type OutboxDocument,
  OutboxRelay,
  outboxField,
  upsertReplicaIfNewer,
} from '@storefront/messaging';
import { ensureInfra } from '../tools/runtime/infra';

interface Account extends OutboxDocument {
  _id: string;
  lastName: string;
}

interface Replica {
  _id: string;
  lastName: string;
  sourceVersion: number;
  deleted: boolean;
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

function summary(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1]),
    meanMs: round(sorted.reduce((sum, v) => sum + v, 0) / sorted.length),
  };
}

async function main(): Promise<void> {
  const writes = Number(process.argv[2] ?? 500);
  const events = Number(process.argv[3] ?? 5000);
  const infra = await ensureInfra({
    profile: 'test',
    log: (line) => console.log(`[infra] ${line}`),
  });
  const run = Date.now().toString(36);
  const prefix = `bench-${run}.`;
  // Part 2 reads its own topic, so part 1's events do not mix in.
  const applyPrefix = `bench-${run}-apply.`;
  const kafka = new Kafka({
    clientId: 'bench',
    brokers: infra.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(
    admin,
    [prefix, applyPrefix].flatMap((p) =>
      [Topics.CustomerChange, deadLetterTopic(Topics.CustomerChange)].map((topic) => ({
        topic: `${p}${topic}`,
        numPartitions: 3,
        replicationFactor: 1,
      })),
    ),
  );
  const db = await mongoose
    .createConnection(infra.mongoUrl, { dbName: `bench_${run}` })
    .asPromise();
  const connection = new KafkaConnection({
    clientId: 'bench',
    brokers: infra.kafkaBrokers,
    topicPrefix: prefix,
  });
  const applyConnection = new KafkaConnection({
    clientId: 'bench-apply',
    brokers: infra.kafkaBrokers,
    topicPrefix: applyPrefix,
  });
  for (const c of [connection, applyConnection]) {
    c.start();
    await c.whenConnected();
  }

  try {
    // --- 1. publish-after-commit delay ----------------------------------------------------
    const accounts = db.model<Account>(
      'Account',
      new Schema<Account>({ _id: String, lastName: String, version: Number, outbox: outboxField }),
    );
    const acked = new Map<string, () => void>();
    const relay = new OutboxRelay(connection, {
      afterPublish: (_collection, id) => acked.get(String(id))?.(),
    });
    const outbox = relay.watch(accounts);
    const event = (id: string, lastName: string) =>
      createOutboxRecord(
        Topics.CustomerChange,
        fixtures.aCustomerChanged({ id, name: fixtures.aName({ lastName }) }),
        { source: serviceSource('accounts') },
      );

    async function measureWrites(
      docs: number,
      total: number,
      concurrency: number,
    ): Promise<number[]> {
      const versions = new Map<string, number>();
      for (let index = 0; index < docs; index += 1) {
        const id = `c${concurrency}-${index}`;
        await outbox.insert({ _id: id, lastName: 'start' }, [event(id, 'start')]);
        versions.set(id, 1);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      const delays: number[] = [];
      let next = 0;
      async function worker(slot: number): Promise<void> {
        for (;;) {
          const n = next++;
          if (n >= total) return;
          // One document per worker slot: a document's writes are sequential, like one user's.
          const id = `c${concurrency}-${slot % docs}`;
          const version = versions.get(id)!;
          const ack = new Promise<number>((resolve) =>
            acked.set(id, () => resolve(performance.now())),
          );
          const updated = await outbox.update(id, version, { set: { lastName: `n${n}` } }, [
            event(id, `n${n}`),
          ]);
          const written = performance.now();
          if (!updated) throw new Error(`version conflict on ${id}`);
          versions.set(id, version + 1);
          delays.push((await ack) - written);
        }
      }
      await Promise.all(Array.from({ length: concurrency }, (_, slot) => worker(slot)));
      return delays;
    }

    const sequential = await measureWrites(1, writes, 1);
    const concurrent = await measureWrites(8, writes, 8);
    await relay.stop();

    // --- 2. consumer apply rate -----------------------------------------------------------
    const replicas = db.model<Replica>(
      'Replica',
      new Schema<Replica>({
        _id: String,
        lastName: String,
        sourceVersion: Number,
        deleted: Boolean,
      }),
    );
    const keys = 50;
    const perKey = Math.ceil(events / keys);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let version = 1; version <= perKey; version += 1) {
      await producer.send({
        topic: `${applyPrefix}${Topics.CustomerChange}`,
        acks: -1,
        messages: Array.from({ length: keys }, (_, k) => {
          const id = `r${k}`;
          return {
            key: id,
            value: JSON.stringify(
              fixtures.aCustomerChanged({ id, name: fixtures.aName({ lastName: `v${version}` }) }),
            ),
            headers: buildEventHeaders({
              type: CUSTOMER_CHANGED_TYPE,
              source: serviceSource('accounts'),
              schemaVersion: 1,
              aggregateVersion: version,
            }),
          };
        }),
      });
    }
    await producer.disconnect();
    const total = keys * perKey;

    /** Consumes the whole topic with a new group and returns the apply rate. */
    async function consumeAll(
      groupId: string,
      apply: (payload: { name: { lastName: string } }, ctx: KafkaEventContext) => Promise<unknown>,
    ) {
      let first = 0;
      let last = 0;
      const seen = new Set<string>();
      let handled = 0;
      let done: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const server = new KafkaEventServer({ connection: applyConnection, groupId });
      server.addHandler(
        Topics.CustomerChange,
        async (payload: { name: { lastName: string } }, ctx: KafkaEventContext) => {
          first ||= performance.now();
          await apply(payload, ctx);
          last = performance.now();
          handled += 1;
          seen.add(`${ctx.key}:${ctx.aggregateVersion}`);
          if (seen.size === total) done();
        },
        true,
      );
      server.listen(() => undefined);
      await finished;
      await server.close();
      const seconds = (last - first) / 1000;
      return {
        events: seen.size,
        redelivered: handled - seen.size,
        seconds: Math.round(seconds * 100) / 100,
        eventsPerSecond: Math.round(seen.size / seconds),
      };
    }

    const withDatabase = await consumeAll(`bench-${run}-apply`, (payload, ctx) =>
      upsertReplicaIfNewer(replicas, ctx.key, ctx.aggregateVersion, {
        lastName: payload.name.lastName,
      }),
    );
    const withoutDatabase = await consumeAll(`bench-${run}-noop`, async () => undefined);

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
      servers: {
        kafka: infra.kafkaBrokers.join(','),
        mongo: 'FerretDB 1.24 (SQLite) or MONGO_URL',
      },
      publishAfterCommit: {
        description: 'database write returned -> Kafka ack (acks=all), one event per write',
        sequential: summary(sequential),
        concurrent8Writers: summary(concurrent),
      },
      consumerApply: {
        description:
          'KafkaEventServer (decode, validate, handle, commit) -> upsertReplicaIfNewer, 3 partitions, 50 keys',
        ...withDatabase,
      },
      consumerWithoutDatabase: {
        description: 'the same consumer with a handler that does nothing: the consumer ceiling',
        ...withoutDatabase,
      },
    };
    const file = path.join(__dirname, 'results', 'messaging.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await connection.close();
    await applyConnection.close();
    await db.dropDatabase();
    await db.close();
    const mine = (await admin.listTopics()).filter((topic) => topic.startsWith(`bench-${run}`));
    await admin.deleteTopics({ topics: mine });
    await admin.disconnect();
    await infra.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
