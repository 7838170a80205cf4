/**
 * The demo end to end: the five apps as real processes (one stack for the whole file), real
 * Kafka and FerretDB, everything through the gateway. The refresh runs against the stack's
 * own databases and topic prefix, so it deletes nothing another test uses. Last, the Postman
 * collection runs with newman against the same stack.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { eventually } from '@storefront/testing';
import { ROOT } from '../../runtime/paths';
import { artifactPath, startTestStack, type TestStack } from '../../runtime/test-stack';
import {
  FULL_HISTORY,
  PENDING_ORDER_INDEX,
  SAMPLE_ORDERS_PER_CUSTOMER,
  SERVICES,
  type StepKey,
} from '../demo.rules';
import { type AuditResult, runAudit } from '../../audit/audit';
import { KafkaReset } from '../kafka-reset';
import { COLLECTIONS, type RefreshOptions, type RefreshResult, runRefresh } from '../refresh';

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const SHIPPING_METHODS = ['USPS', 'FedEx', 'UPS', 'Uber', 'Drone'];
const JOHN = '5b1be0107f2b1c0001a0e001';
const MARY = '5b1be0107f2b1c0001a0e002';

interface Customer {
  id: string;
  name: { firstName: string; lastName: string };
  contact: { email: string };
}
interface Order {
  guid: string;
  status: string;
  orderStatusEvents: Array<{ orderStatusType: string }>;
}
interface CustomerOrders extends Customer {
  orders: Order[];
}
interface Fulfillment {
  id: string;
  status: string;
  shippingMethod: string | null;
  order: { guid: string };
}

let stack: TestStack;
let mongo: MongoClient;
const timings: Array<{ run: string; result: RefreshResult }> = [];

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    headers: { accept: 'application/json' },
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function send(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

async function summaries() {
  const [accounts, orders, fulfillment] = await Promise.all([
    get<{ customers: Customer[] }>('/accounts/customers/summary'),
    get<{ customers: CustomerOrders[] }>('/orders/customers/summary'),
    get<{ fulfillments: Fulfillment[] }>('/fulfillment/fulfillments/summary'),
  ]);
  return {
    customers: accounts.body.customers,
    customerOrders: orders.body.customers,
    fulfillments: fulfillment.body.fulfillments,
  };
}

function refreshOptions(afterRequest?: (step: StepKey) => Promise<void>): RefreshOptions {
  return {
    gatewayUrl: stack.gatewayUrl,
    mongoUrl: process.env.MONGO_URL!,
    kafkaBrokers: process.env.KAFKA_BROKERS!.split(','),
    databases: stack.databases,
    topicPrefix: stack.topicPrefix,
    stepTimeoutMs: 90_000,
    afterRequest,
  };
}

/** Runs the refresh, keeps its output and timings under test-artifacts/demo/. */
async function refresh(
  run: string,
  afterRequest?: (step: StepKey) => Promise<void>,
): Promise<RefreshResult> {
  const lines: string[] = [];
  try {
    const result = await runRefresh(refreshOptions(afterRequest), (line) => lines.push(line));
    timings.push({ run, result });
    return result;
  } finally {
    fs.writeFileSync(artifactPath(`demo/refresh-${run}.log`), `${lines.join('\n')}\n`);
  }
}

function instanceOf(app: 'orders' | 'fulfillment') {
  const instance = stack.apps.instances.find((i) => i.app === app);
  if (!instance) throw new Error(`no ${app} instance`);
  return instance;
}

/** The original's end state (reference §8.3), read through the gateway and in the databases. */
async function expectOriginalEndState(): Promise<void> {
  const { customers, customerOrders, fulfillments } = await summaries();
  expect(customers.map((c) => `${c.name.firstName} ${c.name.lastName}`).sort()).toEqual([
    'John Doe',
    'Mary Smith',
    'Susan Blackstone',
  ]);
  expect(customerOrders.map((c) => c.id).sort()).toEqual(customers.map((c) => c.id).sort());
  for (const replica of customerOrders) {
    expect(replica.orders).toHaveLength(SAMPLE_ORDERS_PER_CUSTOMER);
    expect(
      replica.orders[PENDING_ORDER_INDEX].orderStatusEvents.map((e) => e.orderStatusType),
    ).toEqual(FULL_HISTORY);
  }
  expect(fulfillments).toHaveLength(3);
  for (const f of fulfillments) {
    expect(f.status).toBe('RECEIVED');
    expect(SHIPPING_METHODS).toContain(f.shippingMethod);
  }
  expect(fulfillments.map((f) => f.order.guid).sort()).toEqual(
    customerOrders.map((c) => c.orders[PENDING_ORDER_INDEX].guid).sort(),
  );
  const counts = await Promise.all(
    SERVICES.map((s) => mongo.db(stack.databases[s]).collection(COLLECTIONS[s]).countDocuments({})),
  );
  expect(counts).toEqual([3, 3, 3]);
  await expectCleanAudit();
}

/**
 * The consistency audit finds every replica equal to its owner: nothing drifted, and once
 * the consumers have committed (about a second after the last event), nothing in flight.
 */
async function expectCleanAudit(): Promise<void> {
  let last: AuditResult | undefined;
  await eventually(
    'a clean consistency audit',
    async () => {
      last = await runAudit(
        {
          mongoUrl: process.env.MONGO_URL!,
          kafkaBrokers: process.env.KAFKA_BROKERS!.split(','),
          gatewayUrl: stack.gatewayUrl,
          databases: stack.databases,
          topicPrefix: stack.topicPrefix,
        },
        () => undefined,
      );
      return last.findings.length === 0;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 250,
      detail: () => JSON.stringify(last?.findings.slice(0, 5)),
    },
  );
  expect(last?.relations.orders.checked).toBe(3);
}

beforeAll(async () => {
  stack = await startTestStack({ dbPrefix: `demo_${RUN}`, topicPrefix: `demo-${RUN}.` });
  mongo = await new MongoClient(process.env.MONGO_URL!).connect();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (timings.length > 0) {
    fs.writeFileSync(
      artifactPath('demo/timings.json'),
      `${JSON.stringify(
        timings.map(({ run, result }) => ({
          run,
          ok: result.ok,
          totalMs: result.totalMs,
          resetMs: result.resetMs,
          flowMs: result.flowMs,
          steps: result.steps.map((s) => ({
            step: s.step,
            path: s.path,
            requestMs: s.requestMs,
            convergedMs: s.convergedMs,
            attempts: s.attempts,
          })),
        })),
        null,
        2,
      )}\n`,
    );
  }
  if (mongo) {
    for (const database of Object.values(stack?.databases ?? {})) {
      await mongo.db(database).dropDatabase();
    }
    await mongo.close();
  }
  if (stack) {
    const kafka = new KafkaReset(process.env.KAFKA_BROKERS!.split(','));
    await kafka.connect();
    const topics = await kafka.topicsWithPrefix(stack.topicPrefix);
    await kafka.deleteTopics(topics);
    await kafka.disconnect();
  }
}, 120_000);

describe('npm run refresh against the whole runtime', () => {
  it('resets, runs the seven steps through the gateway and ends in the original end state', async () => {
    const result = await refresh('first');

    expect(result.problems).toEqual([]);
    expect(result.verdict).toMatch(/^PASS: /);
    expect(result.steps.map((s) => [s.step, s.converged])).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => [n, true]),
    );
    await expectOriginalEndState();
    // Dropping the database does not lose the index that keeps fulfillments unique per order.
    const indexes = await mongo
      .db(stack.databases.fulfillment)
      .collection(COLLECTIONS.fulfillment)
      .indexes();
    expect(indexes).toContainEqual(
      expect.objectContaining({ key: { 'order.guid': 1 }, unique: true }),
    );
    // One document per database, printed with the card numbers masked.
    expect(JSON.stringify(result.documents.accounts)).toMatch(/"number":"\*{12}\d{4}"/);
    expect(result.documents.orders).toEqual(expect.objectContaining({ orders: expect.any(Array) }));
    expect(result.documents.fulfillment).toEqual(expect.objectContaining({ status: 'RECEIVED' }));
  }, 240_000);

  it('propagates a customer update through the gateway to orders, which keeps the orders', async () => {
    const patched = await send('PATCH', `/accounts/customers/${JOHN}`, {
      contact: { email: 'john.doe@example.org' },
    });
    expect(patched.status).toBe(200);

    const replica = await eventually(
      "orders' replica of John to show the new e-mail",
      async () => {
        const { body } = await get<CustomerOrders>(`/orders/customerOrderses/${JOHN}`);
        return body.contact?.email === 'john.doe@example.org' ? body : undefined;
      },
      30_000,
    );
    expect(replica.orders).toHaveLength(SAMPLE_ORDERS_PER_CUSTOMER);
    expect(
      replica.orders[PENDING_ORDER_INDEX].orderStatusEvents.map((e) => e.orderStatusType),
    ).toEqual(FULL_HISTORY);
  });

  it('propagates a delete: the customer leaves orders too', async () => {
    expect((await send('DELETE', `/accounts/customers/${MARY}`)).status).toBe(204);
    expect((await get(`/accounts/customers/${MARY}`)).status).toBe(404);

    await eventually(
      'orders to drop the deleted customer',
      async () => (await get(`/orders/customerOrderses/${MARY}`)).status === 404,
      30_000,
    );
    const { customers, customerOrders } = await summaries();
    expect(customers.map((c) => c.id)).not.toContain(MARY);
    expect(customerOrders.map((c) => c.id)).not.toContain(MARY);
    expect(customerOrders).toHaveLength(2);
  });

  it('creates no duplicates when the flow runs again, or when its steps are sent twice', async () => {
    const result = await refresh('second');
    expect(result.problems).toEqual([]);
    await expectOriginalEndState();

    // Nothing is APPROVED and unsent any more, and no fulfillment is IN_TRANSIT.
    const fulfill = await send('POST', '/orders/customers/sample/fulfill');
    expect(fulfill.status).toBe(404);
    expect((await send('POST', '/fulfillment/fulfillments/sample/receive')).status).toBe(200);
    await expectOriginalEndState();
  }, 240_000);

  // Orders: right after it wrote the fulfillment requests into its outbox, and right after
  // fulfillment published the SHIPPED events orders has yet to consume. Fulfillment: right
  // after orders sent the requests it is consuming, and right after it wrote the PROCESSING
  // transitions and their events to its outbox.
  it.each([
    { app: 'orders', steps: ['fulfill', 'ship'] },
    { app: 'fulfillment', steps: ['fulfill', 'process'] },
  ] as const)(
    'converges when $app is killed (SIGKILL) while it has work in flight',
    async ({ app, steps }) => {
      const instance = instanceOf(app);
      const restartsBefore = instance.restartCount;
      const result = await refresh(`${app}-killed`, async (step) => {
        if ((steps as readonly StepKey[]).includes(step)) instance.crash();
      });

      expect(result.problems).toEqual([]);
      expect(instance.restartCount).toBeGreaterThan(restartsBefore);
      await expectOriginalEndState();
    },
    300_000,
  );

  it('converges when orders is stopped during a step and started again', async () => {
    const orders = instanceOf('orders');
    let restarted: Promise<void> | undefined;
    const result = await refresh('orders-stopped', async (step) => {
      if (step !== 'in-transit') return;
      await orders.stop();
      // Down while the IN_TRANSIT events wait in Kafka; the step's wait covers the restart.
      restarted = orders.restart();
    });
    await restarted;

    expect(result.problems).toEqual([]);
    await expectOriginalEndState();
  }, 300_000);
});

describe('the Postman collection', () => {
  it('passes every test with newman against the runtime', async () => {
    const report = artifactPath('postman/newman-report.json');
    const args = [
      require.resolve('newman/bin/newman.js'),
      'run',
      path.join(ROOT, 'postman/storefront.postman_collection.json'),
      '--environment',
      path.join(ROOT, 'postman/local.postman_environment.json'),
      '--env-var',
      `gatewayUrl=${stack.gatewayUrl}`,
      '--env-var',
      `registryUrl=${stack.registryUrl}`,
      '--reporters',
      'cli,json',
      '--reporter-json-export',
      report,
      '--color',
      'off',
      '--timeout-request',
      '30000',
    ];
    const { code, output } = await new Promise<{ code: number | null; output: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: ROOT });
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.once('error', reject);
        child.once('close', (exitCode) => resolve({ code: exitCode, output: text }));
      },
    );
    fs.writeFileSync(artifactPath('postman/newman.log'), output);

    const { run } = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      run: {
        stats: { requests: { total: number }; assertions: { total: number; failed: number } };
        failures: Array<{ source?: { name?: string }; error: { message: string } }>;
      };
    };
    const failures = run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.message}`);
    expect({ code, failures }).toEqual({ code: 0, failures: [] });
    // Every request has tests: at least as many assertions as requests.
    expect(run.stats.assertions.total).toBeGreaterThanOrEqual(run.stats.requests.total);
  }, 180_000);
});
