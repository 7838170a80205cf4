/**
 * The consistency audit against the five apps as real processes (one stack for the file, its
 * own databases and topic prefix), real Kafka and FerretDB: drift injected straight into the
 * databases is found exactly, `--repair` mends what re-emission can and the next audit is
 * clean; a steady stream of updates is in flight, never drift; a wiped orders database
 * rebuilds every customer replica from the compacted topic.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type Document, MongoClient, ObjectId } from 'mongodb';
import { eventually } from '@storefront/testing';
import { ORDER_BODY } from '../../../bench/lib/customers';
import { ROOT } from '../../runtime/paths';
import { startTestStack, type TestStack } from '../../runtime/test-stack';
import { KafkaReset } from '../../demo/kafka-reset';
import { type AuditOptions, type AuditResult, runAudit } from '../audit';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const CUSTOMERS = 9;

let stack: TestStack;
let mongo: MongoClient;
const ids: string[] = [];
const guids: string[] = [];

async function call(method: string, path: string, body?: unknown): Promise<Document> {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as Document;
}

function customerBody(i: number) {
  return {
    name: { title: 'Ms.', firstName: `Audit${i}`, lastName: 'Tester' },
    contact: { primaryPhone: `555-000-${String(1000 + i)}`, email: `audit${i}@example.com` },
    addresses: [
      {
        type: 'SHIPPING',
        description: 'Home',
        address1: `${i} Audit Street`,
        city: 'Sunrise',
        state: 'CA',
        postalCode: '12345',
      },
    ],
    creditCards: [
      {
        type: 'PRIMARY',
        description: 'VISA',
        number: '4111-1111-1111-1234',
        expiration: '12/29',
        nameOnCard: `Audit ${i}`,
      },
    ],
  };
}

function options(extra: Partial<AuditOptions> = {}): AuditOptions {
  return {
    mongoUrl: process.env.MONGO_URL!,
    kafkaBrokers: process.env.KAFKA_BROKERS!.split(','),
    gatewayUrl: stack.gatewayUrl,
    databases: stack.databases,
    topicPrefix: stack.topicPrefix,
    // The tests wait for convergence before injecting; outboxes and lag tell in flight.
    settleMs: 0,
    ...extra,
  };
}

function audit(extra: Partial<AuditOptions> = {}): Promise<AuditResult> {
  return runAudit(options(extra), () => undefined);
}

function findingsOf(result: AuditResult): string[] {
  return result.findings.map((f) => `${f.state} ${f.relation}/${f.kind} ${f.id}`).sort();
}

/** Audits until nothing at all is reported (everything propagated and committed). */
async function auditUntilClean(what: string, timeoutMs = 45_000): Promise<AuditResult> {
  let last: AuditResult | undefined;
  return eventually(
    what,
    async () => {
      last = await audit();
      return last.findings.length === 0 && last;
    },
    { timeoutMs, intervalMs: 250, detail: () => findingsOf(last!).join('\n') },
  );
}

const db = (service: 'accounts' | 'orders' | 'fulfillment') => mongo.db(stack.databases[service]);
const replicas = () => db('orders').collection('customer.orders');
const orders = () => db('orders').collection('orders');
const fulfillments = () => db('fulfillment').collection('fulfillment.requests');

/** Rewrites one order's history in its document, as drift would leave it. */
async function editOrder(guid: string, edit: (history: Document[]) => Document[]): Promise<void> {
  const order = await orders().findOne({ _id: guid as never });
  const history = edit(order!.orderStatusEvents as Document[]);
  await orders().updateOne(
    { _id: guid as never },
    { $set: { orderStatusEvents: history, status: history.at(-1)!.orderStatusType } },
  );
}

beforeAll(async () => {
  stack = await startTestStack({ dbPrefix: `audit_${RUN}`, topicPrefix: `audit-${RUN}.` });
  mongo = await new MongoClient(process.env.MONGO_URL!).connect();
  for (let i = 0; i < CUSTOMERS; i += 1) {
    ids.push(String((await call('POST', '/accounts/customers', customerBody(i))).id));
  }
  await eventually(
    'the customer replicas',
    async () => (await replicas().countDocuments({})) === CUSTOMERS,
    30_000,
  );
  // Customers 0–4 each get an order sent to fulfillment; fulfillment moves them on.
  for (let i = 0; i < 5; i += 1) {
    const order = await call('POST', `/orders/customers/${ids[i]}/orders`, ORDER_BODY);
    guids.push(String(order.guid));
    await call('POST', `/orders/customers/${ids[i]}/orders/${guids[i]}/approve`, {});
    await call('POST', `/orders/customers/${ids[i]}/orders/${guids[i]}/fulfill`);
  }
  await eventually(
    'the five fulfillments',
    async () => (await fulfillments().countDocuments({})) === 5,
    30_000,
  );
  const steps: Array<[number, string[]]> = [
    [0, ['process', 'ship']],
    [1, ['process', 'ship']],
    [2, ['process', 'ship']],
    [4, ['process']],
  ];
  for (const [i, list] of steps) {
    for (const step of list) await call('POST', `/fulfillment/fulfillments/${guids[i]}/${step}`);
  }
  // Customer 6 changes once (version 2), customer 8 is deleted.
  await call('PATCH', `/accounts/customers/${ids[6]}`, { name: { firstName: 'Renamed' } });
  await call('DELETE', `/accounts/customers/${ids[8]}`);
  await auditUntilClean('the seeded data to be in sync');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (mongo) {
    for (const database of Object.values(stack?.databases ?? {})) {
      await mongo.db(database).dropDatabase();
    }
    await mongo.close();
  }
  if (stack) {
    const kafka = new KafkaReset(process.env.KAFKA_BROKERS!.split(','));
    await kafka.connect();
    await kafka.deleteTopics(await kafka.topicsWithPrefix(stack.topicPrefix));
    await kafka.disconnect();
  }
}, 120_000);

describe('npm run audit', () => {
  const orphanCustomer = new ObjectId().toHexString();
  const orphanGuid = randomUUID();

  it('finds exactly the drift injected into the databases, and nothing else', async () => {
    // customers
    await replicas().deleteOne({ _id: ids[5] as never });
    await replicas().updateOne(
      { _id: ids[6] as never },
      { $set: { sourceVersion: 1, 'name.firstName': 'Audit6' } },
    );
    await replicas().updateOne({ _id: ids[7] as never }, { $set: { 'name.lastName': 'Changed' } });
    await replicas().updateOne({ _id: ids[8] as never }, { $set: { deleted: false } });
    const template = await replicas().findOne({ _id: ids[7] as never });
    await replicas().insertOne({
      ...template,
      _id: orphanCustomer as never,
      sourceVersion: 3,
    });
    // orders ↔ fulfillment
    await editOrder(guids[0], (h) => h.slice(0, -1)); // SHIPPED lost
    await editOrder(guids[1], (h) => [...h.slice(0, 3), h[2], ...h.slice(3)]); // doubled
    await editOrder(guids[2], (h) => [...h.slice(0, 2), h[3], h[2]]); // reordered
    await fulfillments().deleteOne({ 'order.guid': guids[3] }); // fulfillment lost
    await editOrder(guids[4], (h) => [
      ...h,
      { timestamp: Number(h.at(-1)!.timestamp) + 1, orderStatusType: 'SHIPPED', note: null },
    ]);
    const someFulfillment = await fulfillments().findOne({ 'order.guid': guids[4] });
    await fulfillments().insertOne({
      ...someFulfillment,
      _id: new ObjectId(),
      order: { ...someFulfillment!.order, guid: orphanGuid },
    });

    const expected = [
      `drift customers/missing ${ids[5]}`,
      `drift customers/stale ${ids[6]}`,
      `drift customers/content ${ids[7]}`,
      `drift customers/deleted-but-live ${ids[8]}`,
      `drift customers/orphan ${orphanCustomer}`,
      `drift orders/status-missing ${guids[0]}`,
      `drift orders/status-doubled ${guids[1]}`,
      `drift orders/status-reordered ${guids[2]}`,
      `drift orders/fulfillment-missing ${guids[3]}`,
      `drift orders/status-unknown ${guids[4]}`,
      `drift orders/fulfillment-orphan ${orphanGuid}`,
    ].sort();
    const result = await audit();
    expect(findingsOf(result)).toEqual(expected);
    expect(result.ok).toBe(false);
    expect(result.relations.customers).toMatchObject({ checked: CUSTOMERS + 1, drift: 5 });
    expect(result.relations.orders).toMatchObject({ drift: 6, inFlight: 0 });
    // Cards are never read, let alone printed.
    expect(JSON.stringify(result)).not.toMatch(/4111|creditCards/);
  });

  it('--repair has the owners re-emit what drifted; what re-emission cannot mend is reported', async () => {
    const result = await audit({ repair: true, repairTimeoutMs: 60_000 });

    expect(result.repair).toMatchObject({
      converged: true,
      requested: { customers: 5, requests: 1, statuses: 3 },
      notRepairable: 2,
      outcomes: {
        accounts: { state: 3, tombstone: 2 },
        orders: { requested: 1 },
        fulfillment: { republished: 3 },
      },
    });
    expect(findingsOf(result)).toEqual(
      [
        `drift orders/status-unknown ${guids[4]}`,
        `drift orders/fulfillment-orphan ${orphanGuid}`,
      ].sort(),
    );
    // Applied once: the healed histories hold each status once, in time order.
    const order = (await orders().findOne({ _id: guids[1] as never }))!;
    expect((order.orderStatusEvents as Document[]).map((e) => String(e.orderStatusType))).toEqual([
      'CREATED',
      'APPROVED',
      'PROCESSING',
      'SHIPPED',
    ]);

    // A person mends the two by hand; then the audit is clean.
    await editOrder(guids[4], (h) => h.slice(0, -1));
    await fulfillments().deleteOne({ 'order.guid': orphanGuid });
    await auditUntilClean('a clean audit after the repair');
  }, 120_000);

  it('reports in-flight items but no drift during a steady stream of updates', async () => {
    const results: AuditResult[] = [];
    let writing = true;
    const writers = [0, 1, 2, 3].map(async (i) => {
      for (let n = 0; writing; n += 1) {
        await call('PATCH', `/accounts/customers/${ids[i]}`, {
          name: { firstName: `Stream${i}-${n}` },
        });
      }
    });
    const until = Date.now() + 6000;
    while (Date.now() < until) results.push(await audit({ settleMs: 5000 }));
    writing = false;
    await Promise.all(writers);

    expect(results.length).toBeGreaterThan(2);
    expect(results.map((r) => r.relations.customers.drift + r.relations.orders.drift)).toEqual(
      results.map(() => 0),
    );
    expect(Math.max(...results.map((r) => r.relations.customers.inFlight))).toBeGreaterThan(0);
    await auditUntilClean('the stream to settle');
    // orders tells how far its replicas are behind, per partition; caught up now.
    const metrics = await (await fetch(`${stack.url('orders')}/actuator/prometheus`)).text();
    expect(metrics).toMatch(
      /^messaging_consumer_lag_records\{[^}]*topic="accounts\.customer\.change"[^}]*\} 0$/m,
    );
  }, 60_000);

  it('exits 0 on a clean target and 2 when refused, as a command', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
        const child = spawn(tsx, ['tools/audit/audit.ts', ...args], {
          cwd: ROOT,
          env: process.env,
        });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.on('exit', (code) => resolve({ code, stdout }));
      });
    const dbArgs = Object.entries(stack.databases).flatMap(([s, name]) => [
      '--database',
      `${s}=${name}`,
    ]);
    const clean = await run(['--json', '--topic-prefix', stack.topicPrefix, ...dbArgs]);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ formatVersion: 1, ok: true });
    const refused = await run(['--mongo-url', 'mongodb://db.example.com:27017/']);
    expect(refused.code).toBe(2);
  }, 60_000);

  it('rebuilds every customer replica of a wiped orders database from the compacted topic', async () => {
    const orders = stack.apps.instances.find((i) => i.app === 'orders')!;
    await orders.stop();
    await db('orders').dropDatabase();
    const t0 = Date.now();
    await orders.restart();
    let last: AuditResult | undefined;
    await eventually(
      'the customer replicas to be rebuilt',
      async () => {
        last = await audit();
        const customers = last.relations.customers;
        return customers.drift === 0 && customers.inFlight === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, detail: () => findingsOf(last!).join('\n') },
    );
    const rebuildMs = Date.now() - t0;
    process.stdout.write(`rebuild of ${CUSTOMERS + 1} customers: ${rebuildMs} ms\n`);
    // The orders themselves were orders' own data: their fulfillments are orphans now.
    expect(new Set(last!.findings.map((f) => f.kind))).toEqual(new Set(['fulfillment-orphan']));
    expect(await replicas().countDocuments({ deleted: { $ne: true } })).toBe(CUSTOMERS - 1);
  }, 120_000);
});
