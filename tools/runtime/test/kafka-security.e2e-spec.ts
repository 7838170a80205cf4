/**
 * The secure broker (`npm start -- --secure`) against an attacker: a broker of its own on free
 * ports, SASL/SCRAM-SHA-512 users with this run's passwords, and the ACL table of
 * libs/events/src/acls.ts. Each test names the guard that makes it pass.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import {
  buildEventHeaders,
  CUSTOMER_CHANGED_TYPE,
  CUSTOMER_CHANGED_VERSION,
  serviceSource,
  topicSpecsOf,
  Topics,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { authorizationProblem, KafkaConnection } from '@storefront/messaging';
import { eventually } from '@storefront/testing';
import { type AuditResult, runAudit } from '../../audit/audit';
import { type RunningApps, startApps } from '../apps';
import { type KafkaCredentials, scramOptions } from '../kafka';
import { ROOT, RUNTIME_DIR } from '../paths';
import { logFileFor, tailFile } from '../procs';
import { kafkaSaslEnv, type SecureKafka, startSecureKafka } from '../secure-kafka';
import { freePort } from '../test-stack';

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const DIR = path.join(RUNTIME_DIR, 'test-secure', RUN);

let kafka: SecureKafka;
const clients: Array<{ disconnect(): Promise<void> }> = [];

/** A kafkajs client; few retries, so refusals come at once (they are not retriable anyway). */
function client(credentials?: KafkaCredentials): Kafka {
  const config: KafkaConfig = {
    clientId: `attacker-${RUN}`,
    brokers: kafka.brokers,
    connectionTimeout: 3_000,
    retry: { retries: 2, initialRetryTime: 100 },
    logLevel: logLevel.NOTHING,
    ...(credentials ? { sasl: scramOptions(credentials) } : {}),
  };
  return new Kafka(config);
}

/** Produces one record as the given user (or nobody); resolves to the error, if any. */
async function produceAs(
  credentials: KafkaCredentials | undefined,
  topic: string,
  key: string,
  value: string,
): Promise<unknown> {
  const producer = client(credentials).producer({ idempotent: true, maxInFlightRequests: 1 });
  clients.push(producer);
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

beforeAll(async () => {
  kafka = await startSecureKafka({
    dataDir: path.join(DIR, 'kafka'),
    secretsDir: path.join(DIR, 'secrets'),
    port: await freePort(),
    controllerPort: await freePort(),
    name: `kafka-secure-test-${RUN}`,
  });
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.disconnect().catch(() => undefined);
  await kafka?.stop();
  fs.rmSync(DIR, { recursive: true, force: true });
});

describe('a secure broker', () => {
  it('keeps the passwords in files only their owner may read', () => {
    for (const file of Object.values(kafka.passwordFiles)) {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(fs.statSync(path.join(DIR, 'kafka', 'server.properties')).mode & 0o777).toBe(0o600);
  });

  // Guard: SASL on the client listener.
  it('refuses a producer without credentials', async () => {
    const error = await produceAs(undefined, Topics.CustomerChange, 'k', 'forged');
    expect(error).toBeInstanceOf(Error);
    // The broker closes a connection that skips the SASL handshake.
    expect((error as Error).message).toMatch(/Closed connection|Connection error/);
  });

  // Guard: SCRAM authentication.
  it('refuses a wrong password', async () => {
    const error = await produceAs(
      { username: 'accounts', password: `${kafka.credentials.accounts.password}x` },
      Topics.CustomerChange,
      'k',
      'forged',
    );
    expect((error as Error).name).toBe('KafkaJSSASLAuthenticationError');
    expect(authorizationProblem(error)).toMatch(/SCRAM SHA512 authentication failed/);
  });

  // Guard: the authorizer, and no WRITE for orders on the customer topic in the ACL table.
  it('refuses orders producing customer events', async () => {
    const error = await produceAs(kafka.credentials.orders, Topics.CustomerChange, 'k', 'forged');
    expect(authorizationProblem(error)).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  // Guard: the table grants exactly this: accounts WRITE; orders READ with its group.
  it('lets accounts produce customer events (idempotently, without CREATE) and orders consume them', async () => {
    const accounts = new KafkaConnection({
      clientId: 'accounts',
      brokers: kafka.brokers,
      sasl: { mechanism: 'scram-sha-512', ...kafka.credentials.accounts },
      topics: topicSpecsOf('accounts'),
      reconnect: { baseMs: 100, maxMs: 500 },
    });
    clients.push({ disconnect: () => accounts.close() });
    accounts.start();
    // Connected means its producer has a producer id and its topics checked out, all without
    // CREATE or IDEMPOTENT_WRITE.
    await eventually('accounts to connect as its own user', () => accounts.isConnected, 30_000);
    const key = randomUUID();
    await accounts.send([
      { topic: Topics.CustomerChange, key, value: 'from accounts', headers: {} },
    ]);

    const consumer = client(kafka.credentials.orders).consumer({ groupId: 'orders' });
    clients.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: Topics.CustomerChange, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.key?.toString() ?? '');
      },
    });
    await eventually('orders to read the record accounts wrote', () => seen.includes(key), 30_000);
    await consumer.disconnect();
  });

  // Guard: the group ACL (a service may READ only its own group).
  it('refuses fulfillment joining the orders group', async () => {
    // kafkajs reports only "coordinator not found" and logs the broker's answer at debug level.
    const answers: string[] = [];
    const spy = new Kafka({
      clientId: `attacker-${RUN}`,
      brokers: kafka.brokers,
      retry: { retries: 1, initialRetryTime: 100 },
      sasl: scramOptions(kafka.credentials.fulfillment),
      logLevel: logLevel.DEBUG,
      logCreator:
        () =>
        ({ log }) => {
          const { error } = log as { error?: unknown };
          if (typeof error === 'string') answers.push(error);
          const type = (error as { type?: unknown } | undefined)?.type;
          if (typeof type === 'string') answers.push(type);
        },
    });
    const admin = spy.admin();
    clients.push(admin);
    await admin.connect();
    await expect(
      admin.fetchOffsets({ groupId: 'orders', topics: [Topics.OrderFulfill] }),
    ).rejects.toThrow('Failed to find group coordinator');
    expect(answers.join('\n')).toMatch(/GROUP_AUTHORIZATION_FAILED|Group authorization failed/);
    await admin.disconnect();
  });
});

describe('a service refused by the broker', () => {
  const lines: Array<{ level: string; message: string }> = [];
  const capture = (level: string) => (message: unknown) => {
    lines.push({ level, message: String(message) });
  };

  beforeAll(() => {
    Logger.overrideLogger({
      log: capture('log'),
      error: capture('error'),
      warn: capture('warn'),
      debug: capture('debug'),
      verbose: capture('verbose'),
    });
  });

  afterAll(() => {
    Logger.overrideLogger(['error', 'warn']);
  });

  // Guard: KafkaConnection's refusal handling (one error line, then quiet retries).
  it.each([
    ['a wrong password', 'x', '', /SASL SCRAM SHA512 authentication failed/],
    [
      'missing topics it may not create',
      '',
      'missing.',
      /topics missing\.accounts\.customer\.change, .* are missing and this principal may not create them \(TOPIC_AUTHORIZATION_FAILED\)/,
    ],
  ])('says so once for %s, then retries quietly', async (_what, suffix, topicPrefix, reason) => {
    lines.length = 0;
    const orders = new KafkaConnection({
      clientId: 'orders',
      brokers: kafka.brokers,
      sasl: {
        mechanism: 'scram-sha-512',
        username: 'orders',
        password: `${kafka.credentials.orders.password}${suffix}`,
      },
      topicPrefix,
      topics: topicSpecsOf('orders'),
      reconnect: { baseMs: 50, maxMs: 100 },
    });
    orders.start();
    try {
      await eventually(
        'three refused attempts',
        () => lines.filter((line) => /still refuses/.test(line.message)).length >= 3,
        30_000,
      );
    } finally {
      await orders.close();
    }
    const errors = lines.filter((line) => line.level === 'error' && /refused/.test(line.message));
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(reason);
    expect(errors[0].message).toMatch(/^Kafka at .* refused User:orders: /);
    expect(lines.some((line) => line.message.includes(kafka.credentials.orders.password))).toBe(
      false,
    );
    expect(orders.isConnected).toBe(false);
  });
});

describe('accounts and orders on a secure broker', () => {
  let apps: RunningApps | undefined;
  let mongo: MongoClient;
  const ordersDb = `secure_${RUN.replace(/-/g, '_')}_orders`;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist/apps/orders/src/main.js'))) {
      throw new Error('dist/ is missing: run `npm test` (it builds first) or `npm run build`');
    }
    const mongoUrl = process.env.MONGO_URL;
    if (!mongoUrl) throw new Error('MONGO_URL unset: run in the integration project');
    mongo = await MongoClient.connect(mongoUrl);
    apps = await startApps(
      [
        { app: 'accounts', port: await freePort(), env: { MONGO_DB: `${ordersDb}_accounts` } },
        { app: 'orders', port: await freePort(), env: { MONGO_DB: ordersDb } },
      ],
      {
        kafkaBrokers: kafka.brokers,
        mongoUrl,
        env: { LOG_LEVEL: 'warn', EUREKA_ENABLED: 'false' },
        secure: {
          appEnv: {
            accounts: kafkaSaslEnv(kafka, 'accounts'),
            orders: kafkaSaslEnv(kafka, 'orders'),
          },
        },
      },
    );
  }, 120_000);

  afterAll(async () => {
    await apps?.stop();
    await mongo
      ?.db(ordersDb)
      .dropDatabase()
      .catch(() => undefined);
    await mongo
      ?.db(`${ordersDb}_accounts`)
      .dropDatabase()
      .catch(() => undefined);
    await mongo?.close();
  });

  // Guard: the ACL table (orders has no WRITE on the customer topic) and the authorizer.
  it('a customer event forged as orders changes no replica; a real one from accounts does', async () => {
    const forgedId = fixtures.SAMPLE_CUSTOMER_IDS.mary;
    const forged = await produceAs(
      kafka.credentials.orders,
      Topics.CustomerChange,
      forgedId,
      JSON.stringify(fixtures.aCustomerChanged({ id: forgedId })),
    ).then(async (error) => {
      // The header-carrying variant too, exactly as accounts would publish it.
      const producer = client(kafka.credentials.orders).producer();
      clients.push(producer);
      await producer.connect();
      const withHeaders = await producer
        .send({
          topic: Topics.CustomerChange,
          messages: [
            {
              key: forgedId,
              value: JSON.stringify(fixtures.aCustomerChanged({ id: forgedId })),
              headers: buildEventHeaders({
                id: randomUUID(),
                type: CUSTOMER_CHANGED_TYPE,
                source: serviceSource('accounts'),
                schemaVersion: CUSTOMER_CHANGED_VERSION,
                aggregateVersion: 1,
              }),
            },
          ],
        })
        .then(() => undefined)
        .catch((e: unknown) => e);
      await producer.disconnect();
      return [error, withHeaders];
    });
    expect(forged.map(authorizationProblem)).toEqual([
      'TOPIC_AUTHORIZATION_FAILED',
      'TOPIC_AUTHORIZATION_FAILED',
    ]);

    const response = await fetch(
      `${apps!.instances.find((i) => i.app === 'accounts')!.url}/customers`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: {
            title: 'Dr.',
            firstName: 'Ada',
            middleName: 'K.',
            lastName: 'Lovelace',
            suffix: null,
          },
          contact: { primaryPhone: '555-000-1111', secondaryPhone: null, email: 'ada@example.com' },
          addresses: [
            {
              type: 'SHIPPING',
              description: 'Home',
              address1: '1 Analytical Way',
              city: 'London',
              state: 'LN',
              postalCode: 'N1 9GU',
            },
          ],
          creditCards: [],
        }),
      },
    );
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };

    const replicas = mongo.db(ordersDb).collection<{ _id: string }>('customer.orders');
    const ordersLog = (): string => tailFile(logFileFor(apps!.instances[1].name), 15);
    await eventually(
      "the real customer to reach orders' replica",
      () => replicas.findOne({ _id: id }),
      { timeoutMs: 30_000, detail: ordersLog },
    );
    // Orders has consumed everything on the topic by now: had a forgery got through, its
    // replica would exist (it was produced before the real event, on a partition of its own).
    await eventually(
      'the orders group to commit the end of the customer topic',
      () => ordersCaughtUp(),
      { timeoutMs: 30_000, detail: ordersLog },
    );
    await expect(replicas.findOne({ _id: forgedId })).resolves.toBeNull();

    for (const instance of apps!.instances) {
      const log = fs.readFileSync(logFileFor(instance.name), 'utf8');
      expect(log).not.toContain(kafka.credentials[instance.app as 'accounts' | 'orders'].password);
    }
  });
  // Guard: the auditor connects with the tools' SASL options, here as the admin user.
  it('the consistency audit reads the offsets as the admin user and finds the replica in sync', async () => {
    const audit = (sasl?: ReturnType<typeof scramOptions>) =>
      runAudit(
        {
          mongoUrl: process.env.MONGO_URL!,
          kafkaBrokers: kafka.brokers,
          gatewayUrl: 'http://127.0.0.1:1',
          databases: {
            accounts: `${ordersDb}_accounts`,
            orders: ordersDb,
            fulfillment: `${ordersDb}_fulfillment`,
          },
          settleMs: 0,
          ...(sasl ? { sasl } : {}),
        },
        () => undefined,
      );
    let last: AuditResult | undefined;
    await eventually(
      'a clean audit on the secure broker',
      async () => {
        last = await audit(scramOptions(kafka.credentials.admin));
        return last.findings.length === 0 && last.relations.customers.checked > 0;
      },
      { timeoutMs: 30_000, detail: () => JSON.stringify(last) },
    );
    expect(last!.warnings).toEqual([]);
    expect(last!.lag?.map((entry) => entry.group)).toContain('orders');

    const anonymous = await audit();
    expect(anonymous.lag).toBeNull();
    expect(anonymous.warnings).toEqual([expect.stringMatching(/^Kafka: .*lag unknown/)]);
  });
});

/** The orders group's committed offsets reach the end of every customer-topic partition. */
async function ordersCaughtUp(): Promise<boolean> {
  const admin = client(kafka.credentials.admin).admin();
  try {
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(Topics.CustomerChange);
    const [committed] = await admin.fetchOffsets({
      groupId: 'orders',
      topics: [Topics.CustomerChange],
    });
    return ends.every((end) => {
      const done = committed?.partitions.find((p) => p.partition === end.partition)?.offset;
      return end.high === '0' || done === end.high;
    });
  } finally {
    await admin.disconnect();
  }
}
