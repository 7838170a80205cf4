/**
 * The Swarm stack, for real: `npm run test:stack` builds every image from source, deploys both
 * stack files on a single-node swarm, runs this file (in band, top to bottom: the later tests
 * scale, kill, roll and finally remove the stack), then removes what is left. Everything is
 * reached the way a user reaches it: the published ports on 127.0.0.1, and tools in a container
 * on the stack's network. The attackers work from there too: a client on the network without
 * Kafka credentials or with the wrong principal's, a rogue registration with the registry, and
 * the ports that must not be published.
 */
import {
  type SpawnSyncReturns,
  execFile,
  execFileSync,
  spawn,
  spawnSync,
} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { eventually } from '@storefront/testing';
import { ROOT } from '../../runtime/paths';
import { artifactPath, launchChromium } from '../../runtime/test-stack';
import { IMAGES, recordFigures } from '../stack-figures';

const STACK = process.env.STACK_NAME ?? 'storefront';
const SECRETS_DIR = process.env.STACK_SECRETS_DIR ?? path.join(ROOT, '.stack-secrets');
const HOST = 'http://127.0.0.1';
const GATEWAY = `${HOST}:8080`;
/** The registry is not published: its dashboard and reads are the gateway's admin path. */
const REGISTRY = `${GATEWAY}/admin/registry`;
const NETWORK = `${STACK}_storefront-net`;
const MONGO_EXPRESS = `${HOST}:8081`;
const NODE_IMAGE = IMAGES.find((image) => image.startsWith('storefront/node:'))!;
const APPS = ['ACCOUNTS', 'FULFILLMENT', 'GATEWAY', 'ORDERS'];

// Deploys, scales and rolls take minutes on 2 cores.
jest.setTimeout(600_000);

function secret(name: string): string {
  return fs.readFileSync(path.join(SECRETS_DIR, name), 'utf8').trim();
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

function script(name: string, ...args: string[]): void {
  execFileSync(path.join(ROOT, 'scripts', name), args, { cwd: ROOT, stdio: 'inherit' });
}

/** `docker run` arguments of a tool container on the stack's network, with the repo and secrets. */
function onNetwork(...env: string[]): string[] {
  return [
    'run',
    '--rm',
    '--network',
    NETWORK,
    '-v',
    `${ROOT}:/repo:ro`,
    '-v',
    `${SECRETS_DIR}:/secrets:ro`,
    '-w',
    '/repo',
    ...env.flatMap((entry) => ['-e', entry]),
    NODE_IMAGE,
  ];
}

/** An operator's tool on the stack: MongoDB's root, the admin key, and Kafka's super user. */
const OPERATOR_ENV = [
  'MONGO_URL_FILE=/secrets/mongo_root_url',
  'ADMIN_API_KEY_FILE=/secrets/admin_api_key',
  'KAFKA_SASL_USERNAME=admin',
  'KAFKA_SASL_PASSWORD_FILE=/secrets/kafka_admin_password',
];

/**
 * `npm run refresh` as docker/README.md runs it against the stack: in a container on its network,
 * as Kafka's super user (it deletes and creates topics and joins the services' groups).
 */
function refreshArgs(): string[] {
  return [
    ...onNetwork(...OPERATOR_ENV),
    'node_modules/.bin/tsx',
    'tools/demo/refresh.ts',
    '--gateway',
    'http://gateway:8080',
    '--kafka-brokers',
    'kafka:9092',
    '--force',
  ];
}

function expectRefreshPassed(result: Pick<SpawnSyncReturns<string>, 'status' | 'stdout'>): void {
  const verdict = result.stdout.split('\n').find((line) => /^(PASS|FAIL)/.test(line));
  if (!verdict?.startsWith('PASS')) {
    // The refresh's whole account (each step's answer and attempts), for the failure's reader.
    fs.writeFileSync(artifactPath(`stack-refresh-${Date.now()}.log`), result.stdout);
  }
  expect(verdict).toMatch(/^PASS: 3 customers, 3 × 5 orders, order #5 CREATED → … → RECEIVED/);
  expect(result.status).toBe(0);
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

interface Instance {
  instanceId: string;
  status: string;
}
interface Apps {
  applications: { application: { name: string; instance: Instance[] }[] };
}

function adminKey(): Record<string, string> {
  return { 'x-api-key': secret('admin_api_key') };
}

async function upInstances(app: string): Promise<Instance[]> {
  const apps = await getJson<Apps>(`${REGISTRY}/eureka/apps`, adminKey());
  const entry = apps.applications.application.find((a) => a.name === app);
  return (entry?.instance ?? []).filter((i) => i.status === 'UP');
}

/** Containers of a service's running tasks on this (the only) node. */
function containers(service: string): string[] {
  return docker(
    'ps',
    '--quiet',
    '--filter',
    `label=com.docker.swarm.service.name=${STACK}_${service}`,
    '--filter',
    'status=running',
  )
    .split('\n')
    .filter(Boolean);
}

function runningTasks(service: string): number {
  return docker(
    'service',
    'ps',
    `${STACK}_${service}`,
    '--filter',
    'desired-state=running',
    '--format',
    '{{.CurrentState}}',
  )
    .split('\n')
    .filter((state) => state.startsWith('Running')).length;
}

/** Swarm converges in seconds to minutes: poll each second, for up to three minutes. */
const SWARM_WAIT = { timeoutMs: 180_000, intervalMs: 1_000 };

/** Whether a TCP connection to host:port opens ("… open") or not ("… refused"). */
function connects(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3_000 });
    const done = (state: string): void => {
      socket.destroy();
      resolve(`${host}:${port} ${state}`);
    };
    socket.once('connect', () => done('open'));
    socket.once('error', () => done('refused'));
    socket.once('timeout', () => done('refused'));
  });
}

describe(`the Swarm stack "${STACK}", built from source and deployed`, () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('runs every service at its desired replicas', () => {
    const services = docker('stack', 'services', STACK, '--format', '{{.Name}} {{.Replicas}}')
      .split('\n')
      .map((line) => line.split(' '));
    expect(services.map(([name]) => name.replace(`${STACK}_`, '')).sort()).toEqual([
      'accounts',
      'fulfillment',
      'gateway',
      'kafka',
      'kafka-ui',
      'mongo',
      'mongo-express',
      'orders',
      'registry',
    ]);
    for (const [name, replicas] of services) {
      const [running, desired] = replicas.split('/');
      expect(`${name} ${running}`).toBe(`${name} ${desired}`);
    }
  });

  it.each([
    ['GET', '/accounts/customers/sample'],
    ['POST', '/orders/customers/sample/orders'],
    ['GET', '/fulfillment/fulfillments/sample/process'],
  ])(
    'answers %s %s with a JSON 401 without the admin key, and 200 with it',
    async (method, url) => {
      const anonymous = await fetch(`${GATEWAY}${url}`, { method });
      expect(anonymous.status).toBe(401);
      await expect(anonymous.json()).resolves.toMatchObject({ statusCode: 401 });
      const wrongKey = await fetch(`${GATEWAY}${url}`, {
        method,
        headers: { 'x-api-key': 'nope' },
      });
      expect(wrongKey.status).toBe(401);
    },
  );

  it('runs the original seven-step flow with `npm run refresh` from a container on the stack network', () => {
    const result = spawnSync('docker', refreshArgs(), { encoding: 'utf8', timeout: 300_000 });
    expectRefreshPassed(result);
  });

  it('audits the stack from a container on its network after the refresh: everything in sync', () => {
    const result = spawnSync(
      'docker',
      [
        ...onNetwork(...OPERATOR_ENV),
        'node_modules/.bin/tsx',
        'tools/audit/audit.ts',
        '--gateway',
        'http://gateway:8080',
        '--kafka-brokers',
        'kafka:9092',
        '--force',
        '--json',
      ],
      { encoding: 'utf8', timeout: 180_000 },
    );
    const report = JSON.parse(result.stdout || '{}') as {
      ok?: boolean;
      relations?: Record<string, { checked: number; drift: number }>;
      lag?: unknown[] | null;
    };
    if (result.status !== 0) {
      fs.writeFileSync(
        artifactPath(`stack-audit-${Date.now()}.log`),
        result.stdout + result.stderr,
      );
    }
    expect(result.status).toBe(0);
    expect(report.ok).toBe(true);
    // The refresh's customers and orders, read through the stack's
    // credentials; the consumer groups' offsets read as Kafka's admin.
    expect(report.relations?.customers?.checked).toBeGreaterThanOrEqual(3);
    expect(report.relations?.customers?.drift).toBe(0);
    expect(report.relations?.orders?.checked).toBeGreaterThan(0);
    expect(report.relations?.orders?.drift).toBe(0);
    expect(Array.isArray(report.lag)).toBe(true);
  });

  describe('attacked from a container on the stack network', () => {
    /** A customer id no one created (ObjectId hex, as accounts assigns them). */
    const forged = `5b1be0107f2b1c${Date.now().toString(16).slice(-10)}`;

    function probe(...login: string[]): { result: string; type?: string; error?: string } {
      const result = spawnSync(
        'docker',
        [
          ...onNetwork(),
          'node_modules/.bin/tsx',
          'tools/stack/test/kafka-probe.ts',
          '--brokers',
          'kafka:9092',
          '--customer-id',
          forged,
          ...login,
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      const line = result.stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) throw new Error(`kafka-probe printed no answer: ${result.stdout}${result.stderr}`);
      return JSON.parse(line) as { result: string; type?: string; error?: string };
    }

    it('refuses a producer without credentials on accounts.customer.change', () => {
      expect(probe().result).toBe('refused');
    });

    it("refuses orders' principal (authenticated) on accounts.customer.change: not authorized", () => {
      const answer = probe(
        '--username',
        'orders',
        '--password-file',
        '/secrets/kafka_orders_password',
      );
      expect(answer).toMatchObject({ result: 'refused', type: 'TOPIC_AUTHORIZATION_FAILED' });
    });

    it('refuses accounts with a wrong password', () => {
      const answer = probe(
        '--username',
        'accounts',
        '--password-file',
        '/secrets/kafka_orders_password',
      );
      expect(answer).toMatchObject({ result: 'refused', error: 'KafkaJSSASLAuthenticationError' });
    });

    it("leaves orders' customer replica alone: the forged customer never appears", async () => {
      // A record that got through would reach orders within a second or two (the flow above
      // converges in well under one): wait longer than that, then look.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const orders = await fetch(`${GATEWAY}/orders/customerOrderses/${forged}`, {
        headers: adminKey(),
      });
      expect(orders.status).toBe(404);
    });

    it('cannot reach the registry (8761) or Kafka (29092) on the node', async () => {
      // Nothing of the stack publishes them…
      const published = docker('stack', 'services', STACK, '--format', '{{.Name}} {{.Ports}}');
      expect(published).not.toMatch(/:(8761|29092)->/);
      for (const service of ['registry', 'kafka']) {
        const ports = docker(
          'service',
          'inspect',
          '--format',
          '{{json .Endpoint.Ports}}',
          `${STACK}_${service}`,
        );
        expect(`${service} ${ports}`).toBe(`${service} null`);
      }
      // …and nothing answers on the node's own addresses (127.0.0.1 is left out: a local
      // `npm start` on this machine may run a registry there, outside the stack).
      const addresses = Object.values(os.networkInterfaces())
        .flat()
        .filter((entry) => entry && entry.family === 'IPv4' && !entry.internal)
        .map((entry) => entry!.address);
      expect(addresses.length).toBeGreaterThan(0);
      for (const host of addresses) {
        for (const port of [8761, 29092]) {
          await expect(connects(host, port)).resolves.toBe(`${host}:${port} refused`);
        }
      }
    });

    it('refuses a registration without credentials (401), and the gateway sends the rogue nothing', async () => {
      const rogue = spawn(
        'docker',
        [
          ...onNetwork(),
          'node_modules/.bin/tsx',
          'tools/stack/test/rogue-instance.ts',
          '--registry',
          'http://registry:8761/eureka',
          '--app',
          'ACCOUNTS',
          '--port',
          '8085',
          '--seconds',
          '12',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      rogue.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const finished = new Promise<number | null>((resolve) => rogue.on('close', resolve));
      const lines = (): Array<Record<string, unknown>> =>
        stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      const registration = await eventually(
        'the rogue to register',
        () => lines().find((line) => line.event === 'registration'),
        { ...SWARM_WAIT, timeoutMs: 60_000 },
      );
      expect(registration.status).toBe(401);
      // While it listens: 20 requests through the gateway, all answered by the real accounts.
      for (let i = 0; i < 20; i += 1) {
        const response = await fetch(`${GATEWAY}/accounts/customers/summary`, {
          headers: adminKey(),
        });
        expect(response.status).toBe(200);
        await expect(response.json()).resolves.not.toHaveProperty('rogue');
      }
      const ids = (await upInstances('ACCOUNTS')).map((instance) => instance.instanceId);
      expect(ids).not.toContain(registration.instanceId);
      expect(await finished).toBe(0);
      expect(lines().find((line) => line.event === 'done')).toEqual({ event: 'done', hits: 0 });
    });
  });

  it.each(['accounts', 'orders', 'fulfillment'])(
    'renders the %s Swagger UI through the gateway',
    async (service) => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const response = await page.goto(`${GATEWAY}/${service}/swagger-ui.html`);
      expect(response?.status()).toBe(200);
      const paths = page.locator('.opblock-summary-path');
      await paths.first().waitFor({ timeout: 30_000 });
      expect((await paths.count()) > 3).toBe(true);
      await page.screenshot({ path: artifactPath(`stack-swagger-${service}.png`) });
      await page.close();
    },
  );

  it("shows every instance UP on the registry dashboard, behind the gateway's admin key", async () => {
    const anonymous = await fetch(`${REGISTRY}/`);
    expect(anonymous.status).toBe(401);
    // A browser logs in with HTTP Basic: any user name, the admin key as the password.
    const context = await browser.newContext({
      httpCredentials: { username: 'admin', password: secret('admin_api_key') },
      viewport: { width: 1400, height: 900 },
    });
    const page = await context.newPage();
    const response = await page.goto(`${REGISTRY}/`);
    expect(response?.status()).toBe(200);
    const rows = page.locator('table.apps tbody tr');
    await expect(
      rows.evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-app'), tr.getAttribute('data-status')]),
      ),
    ).resolves.toEqual(APPS.map((app) => [app, 'UP']));
    await expect(page.locator('header p').innerText()).resolves.toContain('4 of 4 instance(s) UP');
    await page.screenshot({ path: artifactPath('stack-registry.png'), fullPage: true });
    await context.close();
  });

  it('logs in to mongo-express (8081) with the generated password and lists the three databases', async () => {
    const denied = await fetch(`${MONGO_EXPRESS}/`, {
      headers: { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` },
    });
    expect(denied.status).toBe(401);
    const context = await browser.newContext({
      httpCredentials: { username: 'admin', password: secret('mongo_express_password') },
      viewport: { width: 1400, height: 900 },
    });
    const page = await context.newPage();
    const response = await page.goto(`${MONGO_EXPRESS}/`);
    expect(response?.status()).toBe(200);
    const databases = await page
      .locator('a[href^="/db/"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(databases).toEqual(
      expect.arrayContaining(['/db/accounts/', '/db/orders/', '/db/fulfillment/']),
    );
    await page.screenshot({ path: artifactPath('stack-mongo-express.png'), fullPage: true });
    await context.close();
  });

  describe('scaled to two instances of orders and fulfillment', () => {
    beforeAll(() => {
      docker('service', 'scale', '--detach=false', `${STACK}_orders=2`, `${STACK}_fulfillment=2`);
    }, 300_000);

    it('registers both instances of each', async () => {
      for (const app of ['ORDERS', 'FULFILLMENT']) {
        await eventually(
          `two ${app} instances UP`,
          async () => (await upInstances(app).catch(() => [])).length === 2,
          SWARM_WAIT,
        );
      }
    });

    it('spreads the gateway requests over both orders instances', async () => {
      // 404s are logged (successes only at debug), with the request's correlation id.
      const since = new Date(Date.now() - 1_000).toISOString();
      const ids = Array.from({ length: 20 }, (_, i) => `spread-${Date.now()}-${i}`);
      for (const id of ids) {
        const response = await fetch(`${GATEWAY}/orders/customerOrderses/no-such-customer-${id}`, {
          headers: { 'x-correlation-id': id },
        });
        expect(response.status).toBe(404);
      }
      const served = await eventually(
        'both instances to have logged their requests',
        () => {
          const counts = containers('orders').map((id) => {
            const logs = docker('logs', '--since', since, id);
            return ids.filter((rid) => logs.includes(`"${rid}"`)).length;
          });
          return counts.reduce((a, b) => a + b, 0) === ids.length && counts;
        },
        { ...SWARM_WAIT, timeoutMs: 30_000 },
      );
      expect(served).toHaveLength(2);
      expect(Math.min(...served)).toBeGreaterThan(0);
    });

    it.each([
      ['orders', 8090, ['accounts.customer.change', 'fulfillment.order.change']],
      ['fulfillment', 8095, ['orders.order.fulfill']],
    ])('splits the partitions of %s between its two consumers', async (service, port, topics) => {
      type Health = {
        components: {
          kafkaConsumer: { details: { assignedPartitions: Record<string, number[]> } };
        };
      };
      const assignments = await eventually(
        `${service}'s group to settle over two members`,
        () => {
          const ids = containers(service);
          if (ids.length !== 2) return false;
          const each = ids.map((id) => {
            const body = spawnSync(
              'docker',
              ['exec', id, 'wget', '-q', '-O', '-', `http://127.0.0.1:${port}/actuator/health`],
              { encoding: 'utf8' },
            ).stdout;
            try {
              return (JSON.parse(body) as Health).components.kafkaConsumer.details
                .assignedPartitions;
            } catch {
              return undefined;
            }
          });
          const complete = each.every((a) => a && topics.every((t) => (a[t]?.length ?? 0) > 0));
          return complete && (each as Record<string, number[]>[]);
        },
        SWARM_WAIT,
      );
      for (const topic of topics) {
        const all = assignments.flatMap((a) => a[topic]).sort();
        expect(all).toEqual([0, 1, 2]);
      }
    });

    it('replaces a killed orders task and still converges: nothing lost or doubled', async () => {
      const before = containers('orders');
      const flow = spawn('docker', refreshArgs(), { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      flow.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const finished = new Promise<number | null>((resolve) => flow.on('close', resolve));
      // Mid-flow: once the sample orders exist, while fulfillment's events are still coming.
      await eventually('the sample orders to be created', () => stdout.includes('step 2'), {
        ...SWARM_WAIT,
        timeoutMs: 120_000,
      });
      const victim = before[0];
      docker('kill', victim);
      const status = await finished;
      expectRefreshPassed({ status, stdout });
      await eventually(
        'Swarm to replace the killed task',
        () => runningTasks('orders') === 2 && !containers('orders').includes(victim),
        SWARM_WAIT,
      );
    });
  });

  it('rolls orders (start-first) under a steady stream of reads through the gateway', async () => {
    let stop = false;
    const answers: Record<string, number> = {};
    // 10 reads a second: under the gateway's per-client limit of 1,200 a minute.
    const reader = (async () => {
      while (!stop) {
        const t0 = Date.now();
        const status = await fetch(`${GATEWAY}/orders/customers/summary`)
          .then((r) => r.status)
          .catch(() => 'network error');
        answers[status] = (answers[status] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - t0))));
      }
    })();
    const started = Date.now();
    // Asynchronous, so the reads go on while Swarm rolls the service.
    await promisify(execFile)('docker', [
      'service',
      'update',
      '--detach=false',
      '--force',
      '--update-order',
      'start-first',
      `${STACK}_orders`,
    ]);
    // Reads go on until the registry serves only the new instances.
    await eventually(
      'two orders instances UP after the roll',
      async () => (await upInstances('ORDERS').catch(() => [])).length === 2,
      SWARM_WAIT,
    );
    stop = true;
    await reader;
    const total = Object.values(answers).reduce((a, b) => a + b, 0);
    const failed = total - (answers[200] ?? 0);
    recordFigures({
      roll: {
        seconds: Math.round((Date.now() - started) / 1000),
        reads: total,
        non2xx: failed,
        answers,
      },
    });
    expect(total).toBeGreaterThan(50);
    expect(answers).toEqual({ 200: total });
  });

  it('keeps the customers and orders across stack-remove.sh and a new deploy', async () => {
    const key = { 'x-api-key': secret('admin_api_key') };
    const snapshot = async (): Promise<unknown[]> => [
      await getJson(`${GATEWAY}/accounts/customers/summary`, key),
      await getJson(`${GATEWAY}/orders/customers/summary`, key),
    ];
    const before = await snapshot();
    script('stack-remove.sh');
    expect(
      docker('volume', 'ls', '--quiet', '--filter', `label=com.docker.stack.namespace=${STACK}`)
        .split('\n')
        .sort(),
    ).toEqual([`${STACK}_kafka-data`, `${STACK}_mongo-data`]);
    script('stack-deploy.sh', '--from-source');
    // The gateway may still be settling in its new task (a CI run once met a refused
    // connection right after the deploy): wait for answers, then compare them.
    const after = await eventually(
      'the summaries through the new gateway',
      () => snapshot().catch(() => undefined),
      SWARM_WAIT,
    );
    expect(after).toEqual(before);
  });

  it('removes the volumes and the secrets with stack-remove.sh --purge', () => {
    script('stack-remove.sh', '--purge');
    expect(
      docker('volume', 'ls', '--quiet', '--filter', `label=com.docker.stack.namespace=${STACK}`),
    ).toBe('');
    expect(
      docker('secret', 'ls', '--quiet', '--filter', `label=com.docker.stack.namespace=${STACK}`),
    ).toBe('');
    expect(fs.existsSync(SECRETS_DIR)).toBe(false);
  });
});
