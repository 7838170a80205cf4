/**
 * Audit and rebuild benchmark (not a test): `npx tsx bench/audit.ts [customers]` (10,000 by
 * default).
 *
 * 1. Seeds N customers straight into an accounts database and their change events (version 1,
 *    the contract's headers) onto a topic of its own; N replicas, each with one order sent to
 *    fulfillment and moved to SHIPPED, and N fulfillments, as the services leave them.
 * 2. Times `runAudit` over N customers and N orders (three runs; it must report no drift).
 * 3. Commits orders' group at the topic's end, drops orders' database and starts orders (from
 *    dist/, REPLICA_REBUILD=auto): the time until all N replicas are back (and the audit
 *    shows them in sync) is the rebuild.
 *
 * Uses the servers named by KAFKA_BROKERS / MONGO_URL or starts its own (tools/runtime).
 * Writes bench/results/audit.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { type Document, MongoClient, ObjectId } from 'mongodb';
import { serviceSource, Topics } from '@storefront/events';
import { createOutboxRecord, stampVersion, toOutgoingRecord } from '@storefront/messaging';
import { runAudit, type AuditResult } from '../tools/audit/audit';
import { ensureInfra } from '../tools/runtime/infra';
import { formatted } from './lib/report';
import { ROOT } from '../tools/runtime/paths';
import { logFileFor, type ManagedProcess, spawnManaged } from '../tools/runtime/procs';
import { freePort, startTestStack } from '../tools/runtime/test-stack';
import { waitUntil } from '../tools/runtime/wait';

const N = Number(process.argv[2] ?? 10_000);
const BATCH = 1000;
const T0 = Date.UTC(2026, 0, 1);

function say(line: string): void {
  process.stdout.write(`[bench audit ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function customer(i: number) {
  return {
    name: { title: 'Ms.', firstName: `Bench${i}`, lastName: 'Customer' },
    contact: { primaryPhone: `555-${String(i).padStart(7, '0')}`, email: `b${i}@example.com` },
    addresses: [
      {
        type: 'SHIPPING' as const,
        description: 'Home',
        address1: `${i} Bench Road`,
        city: 'Sunrise',
        state: 'CA',
        postalCode: '12345',
      },
    ],
  };
}

function history(i: number) {
  const at = T0 + i * 10;
  return ['CREATED', 'APPROVED', 'PROCESSING', 'SHIPPED'].map((status, k) => ({
    timestamp: at + k,
    orderStatusType: status,
    note: null,
  }));
}

async function main(): Promise<void> {
  const infra = await ensureInfra({ profile: 'test', log: (line) => say(`[infra] ${line}`) });
  process.env.KAFKA_BROKERS = infra.kafkaBrokers.join(',');
  process.env.MONGO_URL = infra.mongoUrl;
  const run = Date.now().toString(36);
  const prefix = `bench-audit-${run}.`;
  const dbPrefix = `bench_audit_${run}`;
  const databases = {
    accounts: `${dbPrefix}_accounts`,
    orders: `${dbPrefix}_orders`,
    fulfillment: `${dbPrefix}_fulfillment`,
  };
  const mongo = await new MongoClient(infra.mongoUrl).connect();
  const kafka = new Kafka({
    clientId: 'bench-audit',
    brokers: infra.kafkaBrokers,
    logLevel: logLevel.ERROR,
  });
  const results: Record<string, unknown> = { customers: N, orders: N, machine: machine() };
  let stack: Awaited<ReturnType<typeof startTestStack>> | undefined;
  const running: ManagedProcess[] = [];
  try {
    // 1. accounts' documents and their events.
    const ids = Array.from({ length: N }, () => new ObjectId());
    const accounts = mongo.db(databases.accounts).collection('customer.accounts');
    for (let i = 0; i < N; i += BATCH) {
      await accounts.insertMany(
        ids.slice(i, i + BATCH).map((_id, k) => ({
          _id,
          ...customer(i + k),
          creditCards: [],
          version: 1,
          outbox: [],
          createdAt: new Date(T0),
          updatedAt: new Date(T0),
        })),
      );
    }
    // The registry only: the stack creates the prefixed topics; orders is started later.
    stack = await startTestStack({
      dbPrefix,
      topicPrefix: prefix,
      apps: ['registry'],
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let t = Date.now();
    for (let i = 0; i < N; i += BATCH) {
      const messages = ids.slice(i, i + BATCH).map((id, k) => {
        const c = customer(i + k);
        const [stamped] = stampVersion(
          [
            createOutboxRecord(
              Topics.CustomerChange,
              {
                id: id.toHexString(),
                name: { ...c.name, middleName: null, suffix: null },
                contact: { ...c.contact, secondaryPhone: null },
                addresses: c.addresses.map((a) => ({ ...a, address2: null })),
              },
              { source: serviceSource('accounts') },
            ),
          ],
          1,
        );
        const record = toOutgoingRecord(stamped);
        return { key: record.key, value: record.value, headers: record.headers };
      });
      await producer.send({ topic: `${prefix}${Topics.CustomerChange}`, messages });
    }
    await producer.disconnect();
    say(`${N} customers in accounts and ${N} change events on the topic (${Date.now() - t} ms)`);

    // 2. orders' replicas and orders (one per customer, sent and moved to SHIPPED) and fulfillment's
    // fulfillments, as the services would have left them. Inserted, never updated in bulk:
    // a 10,000-document bulk update stalled FerretDB 1.24 here.
    t = Date.now();
    const replicas = mongo.db(databases.orders).collection('customer.orders');
    const orders = mongo.db(databases.orders).collection('orders');
    const fulfillments = mongo.db(databases.fulfillment).collection('fulfillment.requests');
    for (let i = 0; i < N; i += BATCH) {
      const replicaDocs: Document[] = [];
      const orderDocs: Document[] = [];
      const fulfillmentDocs: Document[] = [];
      ids.slice(i, i + BATCH).forEach((id, k) => {
        const c = customer(i + k);
        const guid = randomUUID();
        const h = history(i + k);
        replicaDocs.push({
          _id: id.toHexString(),
          name: { ...c.name, middleName: null, suffix: null },
          contact: { ...c.contact, secondaryPhone: null },
          addresses: c.addresses.map((a) => ({ ...a, address2: null })),
          sourceVersion: 1,
          deleted: false,
          orderIds: [guid],
        });
        orderDocs.push({
          _id: guid,
          guid,
          customerId: id.toHexString(),
          placed: h[0].timestamp * 1000,
          orderStatusEvents: h,
          orderItems: [],
          status: 'SHIPPED',
          fulfillmentRequested: true,
          appliedEventIds: [randomUUID(), randomUUID()],
          version: 3,
          outbox: [],
        });
        fulfillmentDocs.push({
          timestamp: h[1].timestamp,
          name: replicaDocs.at(-1)!.name as Document,
          contact: replicaDocs.at(-1)!.contact as Document,
          address: (replicaDocs.at(-1)!.addresses as Document[])[0],
          order: { guid, orderStatusEvents: h, orderItems: [] },
          status: 'SHIPPED',
          shippingMethod: 'UPS',
          version: 3,
          outbox: [],
        });
      });
      await replicas.insertMany(replicaDocs);
      await orders.insertMany(orderDocs);
      await fulfillments.insertMany(fulfillmentDocs);
    }
    say(`${N} replicas with one order each and ${N} fulfillments written (${Date.now() - t} ms)`);

    const auditOptions = {
      mongoUrl: infra.mongoUrl,
      kafkaBrokers: infra.kafkaBrokers,
      gatewayUrl: 'http://127.0.0.1:1',
      databases,
      topicPrefix: prefix,
    };
    const audits: AuditResult[] = [];
    for (let k = 0; k < 3; k += 1) {
      const result = await runAudit(auditOptions, () => undefined);
      audits.push(result);
      say(
        `audit ${k + 1}: ${result.durationMs} ms, customers ${JSON.stringify(result.relations.customers)}, orders ${JSON.stringify(result.relations.orders)}`,
      );
    }
    results.audit = audits.map((a) => ({
      durationMs: a.durationMs,
      ok: a.ok,
      customers: a.relations.customers,
      orders: a.relations.orders,
    }));

    // 3. the rebuild: the group has read everything, the database is dropped, orders starts:
    // only REPLICA_REBUILD=auto makes it read the topic again.
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const group = `${prefix}orders`;
    const topic = `${prefix}${Topics.CustomerChange}`;
    const caughtUp = async () => {
      const ends = await kafkaAdmin.fetchTopicOffsets(topic);
      const [committed] = await kafkaAdmin.fetchOffsets({ groupId: group, topics: [topic] });
      return ends.every(
        (end) =>
          committed?.partitions.find((p) => p.partition === end.partition)?.offset === end.high,
      );
    };
    // orders runs as a plain process here: on 10,000 documents its readiness (the outbox
    // backlog query scans the collection on FerretDB) is too slow for the runtime's health
    // wait while it consumes, and the replicas are what is measured anyway.
    const startOrders = async () => {
      const t0 = Date.now();
      const port = await freePort();
      const orders = await spawnManaged(
        `orders-${port}`,
        process.execPath,
        [path.join(ROOT, 'dist/apps/orders/src/main.js')],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            PORT: String(port),
            LOG_LEVEL: 'info',
            MONGO_URL: infra.mongoUrl,
            MONGO_DB: databases.orders,
            KAFKA_BROKERS: infra.kafkaBrokers.join(','),
            KAFKA_TOPIC_PREFIX: prefix,
            KAFKA_CONSUMER_GROUP: group,
            EUREKA_URL: `${stack!.registryUrl}/eureka`,
          },
          logFile: logFileFor(`orders-${port}`),
        },
      );
      running.push(orders);
      return { orders, t0 };
    };
    // As if orders had read the whole topic before its database was lost: the group's
    // offsets at the topic's end (reading 10,000 events it already has takes orders minutes
    // on FerretDB, whose upsert filter scans the collection).
    await kafkaAdmin.setOffsets({
      groupId: group,
      topic,
      partitions: (await kafkaAdmin.fetchTopicOffsets(topic)).map((p) => ({
        partition: p.partition,
        offset: p.high,
      })),
    });
    if (!(await caughtUp())) throw new Error(`the offsets of ${group} did not stick`);
    await mongo.db(databases.orders).dropDatabase();
    // orders' own orders are gone with it; leave fulfillment out of the final audit.
    await mongo.db(databases.fulfillment).dropDatabase();
    const rebuild = await startOrders();
    await waitUntil(async () => (await replicas.countDocuments({})) >= N, {
      what: `${N} replicas rebuilt`,
      timeoutMs: 15 * 60_000,
      intervalMs: 500,
    });
    const allReplicasMs = Date.now() - rebuild.t0;
    let last: AuditResult | undefined;
    await waitUntil(
      async () => {
        last = await runAudit({ ...auditOptions, settleMs: 0 }, () => undefined);
        return last.findings.length === 0;
      },
      { what: 'a clean audit after the rebuild', timeoutMs: 5 * 60_000, intervalMs: 1000 },
    );
    await kafkaAdmin.disconnect();
    results.rebuild = {
      allReplicasMs,
      cleanAuditAfterMs: Date.now() - rebuild.t0,
      cleanAuditDurationMs: last!.durationMs,
    };
    say(`rebuild: all ${N} replicas ${allReplicasMs} ms after starting orders; audit clean`);
    const file = path.join(__dirname, 'results', 'audit.json');
    fs.writeFileSync(
      file,
      await formatted(JSON.stringify({ date: new Date().toISOString(), ...results }), 'json'),
    );
    say(`results in ${path.relative(process.cwd(), file)}`);
  } finally {
    for (const proc of running) await proc.stop(15_000).catch(() => undefined);
    await stack?.stop();
    for (const database of Object.values(databases)) {
      await mongo.db(database).dropDatabase();
    }
    await mongo.close();
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
    await infra.stop();
  }
}

function machine() {
  return { cpus: os.cpus().length, loadAverage: os.loadavg(), node: process.version };
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
