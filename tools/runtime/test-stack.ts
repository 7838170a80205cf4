/**
 * The whole local runtime for end-to-end tests: the five apps as real processes (from dist/,
 * as `npm start` runs them) on free ports, so a developer's runtime on the default ports is
 * left alone, each service on a database of its own, all registered in their own registry.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { TOPIC_SPECS } from '../../libs/events/src';
import {
  APP_ORDER,
  type AppName,
  type AppSpec,
  type RunningApps,
  type RuntimeEnv,
  startApps,
  waitForGatewayRoutes,
} from './apps';
import { ensureTopics } from './kafka';
import { ROOT } from './paths';
import { freePort } from './procs';

export { freePort };

export interface TestStack {
  apps: RunningApps;
  url(app: AppName): string;
  registryUrl: string;
  gatewayUrl: string;
  /** Database name of each service in this stack. */
  databases: Record<'accounts' | 'orders' | 'fulfillment', string>;
  /** Prefix of this stack's topic names ('' when it uses the contract's topics). */
  topicPrefix: string;
  /** Consumer group of each consuming service. */
  consumerGroups: Record<'orders' | 'fulfillment', string>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Prefix of the services' database names, unique per test file. */
  dbPrefix: string;
  /**
   * Topic name prefix (e.g. `demo.`): the stack gets topics and consumer groups of its own,
   * created before the apps start, so a test may delete or flood them without touching
   * other tests. Without it the apps use the contract's topics and default groups.
   */
  topicPrefix?: string;
  /** Extra environment for every app. */
  env?: Record<string, string>;
  apps?: AppName[];
  /**
   * How many instances of a service (default 1): the others get free ports of their own, the
   * same database and consumer group, and register beside the first.
   */
  instances?: Partial<Record<AppName, number>>;
  /** Each app's own environment on a secure broker (see secure-kafka.ts `secureAppEnv`). */
  secure?: RuntimeEnv['secure'];
  /** Another MongoDB-protocol server than MONGO_URL (e.g. a FerretDB on PostgreSQL). */
  mongoUrl?: string;
}

function requireBuild(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist/apps/gateway/src/main.js'))) {
    throw new Error(
      'dist/ is missing: run the tests with `npm test` (it builds first) or `npm run build`',
    );
  }
}

export async function startTestStack(options: TestStackOptions): Promise<TestStack> {
  requireBuild();
  const kafkaBrokers = process.env.KAFKA_BROKERS;
  const mongoUrl = options.mongoUrl ?? process.env.MONGO_URL;
  if (!kafkaBrokers || !mongoUrl)
    throw new Error('KAFKA_BROKERS / MONGO_URL unset: run in the integration project');
  const wanted = options.apps ?? [...APP_ORDER];
  const ports = new Map<AppName, number>();
  for (const app of wanted) ports.set(app, await freePort());
  const registryUrl = `http://127.0.0.1:${ports.get('registry') ?? 0}`;
  const databases = {
    accounts: `${options.dbPrefix}_accounts`,
    orders: `${options.dbPrefix}_orders`,
    fulfillment: `${options.dbPrefix}_fulfillment`,
  };
  const topicPrefix = options.topicPrefix ?? '';
  const consumerGroups = topicPrefix
    ? { orders: `${topicPrefix}orders`, fulfillment: `${topicPrefix}fulfillment` }
    : { orders: 'orders', fulfillment: 'fulfillment' };
  if (topicPrefix) {
    await ensureTopics(
      kafkaBrokers.split(','),
      TOPIC_SPECS.map((spec) => ({ ...spec, name: `${topicPrefix}${spec.name}` })),
    );
  }
  const appEnv = (app: AppName): Record<string, string> => ({
    ...(app in databases ? { MONGO_DB: databases[app as keyof typeof databases] } : {}),
    ...(topicPrefix ? { KAFKA_TOPIC_PREFIX: topicPrefix } : {}),
    ...(topicPrefix && app in consumerGroups
      ? { KAFKA_CONSUMER_GROUP: consumerGroups[app as keyof typeof consumerGroups] }
      : {}),
  });
  const specs = wanted.map((app): AppSpec => ({ app, port: ports.get(app)!, env: appEnv(app) }));
  for (const app of wanted) {
    for (let n = 1; n < (options.instances?.[app] ?? 1); n += 1) {
      specs.push({ app, port: await freePort(), env: appEnv(app) });
    }
  }
  const apps = await startApps(specs, {
    kafkaBrokers: kafkaBrokers.split(','),
    mongoUrl,
    env: {
      LOG_LEVEL: 'warn',
      EUREKA_URL: `${registryUrl}/eureka`,
      EUREKA_HEARTBEAT_INTERVAL_MS: '1000',
      EUREKA_REGISTRY_FETCH_INTERVAL_MS: '1000',
      EUREKA_STATUS_CHECK_INTERVAL_MS: '1000',
      DASHBOARD_REFRESH_SECONDS: '0',
      ...options.env,
    },
    ...(options.secure ? { secure: options.secure } : {}),
  });
  const url = (app: AppName): string => `http://127.0.0.1:${ports.get(app)}`;
  // An app is healthy before the gateway's next registry fetch sees it: a test's first call
  // through the gateway must not meet a 503 NO_INSTANCE that no client of a running stack would.
  if (!options.secure && ports.has('registry')) await waitForGatewayRoutes(apps);
  return {
    apps,
    url,
    registryUrl,
    gatewayUrl: url('gateway'),
    databases,
    topicPrefix,
    consumerGroups,
    stop: () => apps.stop(),
  };
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: \`npm test\` installs it (apt-get install -y chromium)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Where browser tests keep their screenshots (git-ignored). */
export function artifactPath(name: string): string {
  const file = path.join(ROOT, 'test-artifacts', name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return file;
}
