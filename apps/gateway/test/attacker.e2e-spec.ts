/**
 * An attacker on the same network as the stack, against real processes (registry, accounts
 * and gateway, secured as the Swarm stack runs them): a rogue registration naming the
 * attacker's listener, without credentials or with a wrong password, is refused and receives
 * none of the gateway's traffic; the admin endpoints and the registry dashboard answer 401
 * without the key; the actuator internals stay out of the gateway's reach; and the card
 * numbers clients send appear in no response, no log line and no event.
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { Topics } from '@storefront/events';
import { basicAuthorization } from '@storefront/platform';
import { TopicRecorder, eventually } from '@storefront/testing';
import { logFileFor } from '../../../tools/runtime/procs';
import { startTestStack, type TestStack } from '../../../tools/runtime/test-stack';

const REGISTRY_PASSWORD = 'attacker-test-registry-0123456789';
const ADMIN_API_KEY = 'attacker-test-admin-key-0123456789';
const CARD = '4111-2222-3333-4444';

interface Listener {
  server: Server;
  port: number;
  /** Requests the attacker's listener received. */
  received: string[];
}

async function attackerListener(): Promise<Listener> {
  const received: string[] = [];
  const server = createServer((request, response) => {
    received.push(`${request.method} ${request.url}`);
    response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

function rogueRegistration(port: number) {
  return JSON.stringify({
    instance: {
      instanceId: `127.0.0.1:accounts:${port}`,
      app: 'ACCOUNTS',
      hostName: '127.0.0.1',
      ipAddr: '127.0.0.1',
      status: 'UP',
      port: { $: port, '@enabled': 'true' },
      vipAddress: 'accounts',
      dataCenterInfo: {
        '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
        name: 'MyOwn',
      },
    },
  });
}

function aCustomer(i: number) {
  return {
    name: {
      title: 'Ms.',
      firstName: 'Grace',
      middleName: null,
      lastName: `Hopper${i}`,
      suffix: null,
    },
    contact: { primaryPhone: '555-000-2222', secondaryPhone: null, email: `grace${i}@example.com` },
    addresses: [],
    creditCards: [
      {
        type: 'PRIMARY',
        description: 'VISA',
        number: CARD,
        expiration: '12/29',
        nameOnCard: 'Grace Hopper',
      },
    ],
  };
}

describe('an attacker on the network', () => {
  let stack: TestStack;
  let attacker: Listener;

  beforeAll(async () => {
    attacker = await attackerListener();
    // Per run, so a broker or database kept from an earlier run adds nothing to the counts.
    const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
    stack = await startTestStack({
      dbPrefix: `attacker_${run}`,
      topicPrefix: `attacker-${run}.`,
      apps: ['registry', 'accounts', 'gateway'],
      env: {
        LOG_LEVEL: 'info',
        REGISTRY_PASSWORD,
        EUREKA_USERNAME: 'eureka',
        EUREKA_PASSWORD: REGISTRY_PASSWORD,
        ADMIN_API_KEY,
      },
    });
    await eventually(
      'the gateway to route to accounts',
      async () => {
        const response = await fetch(`${stack.gatewayUrl}/actuator/routes`);
        const routes = (await response.json()) as Array<{
          serviceId: string;
          instances: unknown[];
        }>;
        return routes.some((route) => route.serviceId === 'ACCOUNTS' && route.instances.length > 0);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => attacker?.server.close(resolve));
  });

  it('cannot register its listener as ACCOUNTS, and receives none of 20 customer creates', async () => {
    const attempts = [
      undefined,
      basicAuthorization({ username: 'eureka', password: 'a-guessed-password-123' }),
    ];
    for (const authorization of attempts) {
      const response = await fetch(`${stack.registryUrl}/eureka/apps/ACCOUNTS`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(authorization !== undefined && { authorization }),
        },
        body: rogueRegistration(attacker.port),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ statusCode: 401, code: 'COMMON.UNAUTHORIZED' });
    }

    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const response = await fetch(`${stack.gatewayUrl}/accounts/customers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(aCustomer(i)),
      });
      statuses.push(response.status);
      // The answer masks the card: only its last four digits come back.
      const text = await response.text();
      expect(text).not.toContain(CARD);
      expect(text).not.toContain(CARD.replaceAll('-', ''));
    }
    expect(statuses).toEqual(Array(20).fill(201));
    expect(attacker.received).toEqual([]);
  });

  it('gets 401 from the admin endpoints and the registry dashboard without the key', async () => {
    for (const [method, path] of [
      ['GET', '/accounts/customers/sample'],
      ['POST', '/accounts/customers/sample'],
      ['GET', '/admin/registry/'],
      ['GET', '/admin/registry/eureka/apps'],
    ]) {
      const response = await fetch(`${stack.gatewayUrl}${path}`, { method });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
      expect(await response.json()).toMatchObject({ statusCode: 401 });
    }
    const wrong = await fetch(`${stack.gatewayUrl}/admin/registry/`, {
      headers: {
        authorization: basicAuthorization({ username: 'admin', password: 'guess-guess-guess' }),
      },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic realm="storefront-admin"/);
  });

  it('with the key, reads the registry dashboard through the gateway (the browser form: Basic)', async () => {
    const redirect = await fetch(`${stack.gatewayUrl}/admin/registry`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, '/admin/registry/']);

    const page = await fetch(`${stack.gatewayUrl}/admin/registry/`, {
      headers: {
        authorization: basicAuthorization({ username: 'admin', password: ADMIN_API_KEY }),
      },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('ACCOUNTS');

    const apps = await fetch(`${stack.gatewayUrl}/admin/registry/eureka/apps`, {
      headers: { 'x-api-key': ADMIN_API_KEY, accept: 'application/json' },
    });
    expect(apps.status).toBe(200);
    expect(JSON.stringify(await apps.json())).toContain('"ACCOUNTS"');

    // Read-only, and none of the registry's actuator internals.
    for (const [method, path] of [
      ['POST', '/admin/registry/eureka/apps/ACCOUNTS'],
      ['DELETE', '/admin/registry/eureka/apps/ACCOUNTS/x'],
      ['GET', '/admin/registry/actuator/env'],
      ['GET', '/admin/registry/actuator/metrics'],
    ]) {
      const response = await fetch(`${stack.gatewayUrl}${path}`, {
        method,
        headers: { 'x-api-key': ADMIN_API_KEY },
      });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
  });

  it("cannot reach the services' actuator internals through the gateway", async () => {
    for (const path of [
      '/accounts/actuator/env',
      '/accounts/actuator/metrics',
      '/accounts/actuator/prometheus',
    ]) {
      const response = await fetch(`${stack.gatewayUrl}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(await response.json()).toMatchObject({ code: 'GATEWAY.NOT_EXPOSED' });
    }
  });

  it('finds no card number in the change events accounts published for those customers', async () => {
    const kafka = new Kafka({
      clientId: 'attacker-test',
      brokers: process.env.KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const recorder = new TopicRecorder(
      kafka,
      admin,
      `${stack.topicPrefix}${Topics.CustomerChange}`,
    );
    try {
      await recorder.start();
      await eventually('the 20 customer change events', () => recorder.records.length >= 20, {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      await recorder.caughtUp();
      const digits = CARD.replaceAll('-', '');
      expect(recorder.records).toHaveLength(20);
      for (const record of recorder.records) {
        expect(record.raw).not.toContain(digits);
        expect(record.raw).not.toContain(CARD);
        expect(record.raw).not.toContain('4444');
      }
    } finally {
      await recorder.stop();
      await admin.disconnect();
    }
  });

  it('finds no card number in any log line of the registry, accounts or the gateway', () => {
    const digits = CARD.replaceAll('-', '');
    for (const instance of stack.apps.instances) {
      const log = fs.readFileSync(logFileFor(instance.name), 'utf8');
      expect(log.length).toBeGreaterThan(0);
      expect({ app: instance.name, leaks: log.includes(CARD) || log.includes(digits) }).toEqual({
        app: instance.name,
        leaks: false,
      });
    }
  });
});
