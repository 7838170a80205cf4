/**
 * The local runtime, without Docker:
 *   npm start                              Kafka, FerretDB, then all five apps; Ctrl-C stops all
 *   npm start -- --infra-only              only Kafka and FerretDB
 *   npm start -- --apps registry,accounts  a subset of the apps
 *   npm start -- --extra orders:8091       a second orders instance (load balancing, failover)
 *   npm start -- --secure                  Kafka with SASL/SCRAM and ACLs on 127.0.0.1:9192, each
 *                                          service as its own user; registry writes and admin
 *                                          endpoints need credentials (all minted per run)
 *   npm run runtime -- stop                stops what an earlier run left behind (by PID file)
 *   npm start -- --kafka-brokers 3         a 3-node KRaft cluster (one broker may die)
 *   npm start -- --db-backend postgresql   FerretDB on a PostgreSQL of its own (default: SQLite)
 *   npm start -- --help                    every option
 */
import { build } from '../build';
import {
  APP_ORDER,
  APP_PORTS,
  type AppName,
  type AppSpec,
  isAppName,
  type RunningApps,
  startApps,
  waitForGatewayRoutes,
} from './apps';
import {
  DB_BACKEND_ENV,
  DB_BACKENDS,
  DEFAULT_DB_BACKEND,
  dbBackendFromEnv,
  parseDbBackends,
} from './db-backend';
import { ensureInfra, type Infra } from './infra';
import { provisionFerretDb } from './ferretdb';
import { provisionKafka } from './kafka';
import fs from 'node:fs';
import path from 'node:path';
import { PIDS_DIR, ROOT } from './paths';
import { PrerequisiteError, stopFromPidFile } from './procs';
import {
  type CommandDef,
  type OptionDef,
  type OptionValues,
  runCommand,
  UsageError,
} from '../cli/options';
import { REGISTRY_USER, secureAppEnv } from './secure-kafka';

function say(line: string): void {
  process.stdout.write(`[runtime] ${line}\n`);
}

function parseAppList(value: string | undefined): AppName[] {
  if (!value) return [...APP_ORDER];
  return value.split(',').map((name) => {
    const trimmed = name.trim();
    if (!isAppName(trimmed))
      throw new UsageError(`unknown app "${trimmed}" (apps: ${APP_ORDER.join(', ')})`);
    return trimmed;
  });
}

function parseExtra(values: string[]): AppSpec[] {
  return values.map((value) => {
    const [app, port] = value.split(':');
    if (!app || !isAppName(app) || !/^\d+$/.test(port ?? '')) {
      throw new UsageError(`--extra takes app:port, e.g. orders:8091 (got "${value}")`);
    }
    return { app, port: Number(port) };
  });
}

/**
 * Spring's Eureka timings (30 s heartbeats and fetches, 90 s leases) make a laptop demo wait
 * half a minute for the gateway to see a service; locally everything is on one machine, so
 * shorter ones cost nothing. The Swarm stack keeps the defaults.
 */
const LOCAL_DISCOVERY_ENV: Record<string, string> = {
  EUREKA_HEARTBEAT_INTERVAL_MS: '5000',
  EUREKA_REGISTRY_FETCH_INTERVAL_MS: '3000',
  EUREKA_STATUS_CHECK_INTERVAL_MS: '5000',
  EUREKA_LEASE_DURATION_SECONDS: '15',
  LEASE_EVICTION_INTERVAL_MS: '5000',
};

function relative(file: string): string {
  return path.relative(ROOT, file);
}

function printTable(
  infra: Infra,
  apps: RunningApps | undefined,
  secrets: ReturnType<typeof secureAppEnv> | undefined,
): void {
  const rows: Array<[string, string]> = [
    ['kafka', infra.kafkaBrokers.join(',')],
    ...(infra.kafkaSecurity
      ? ([
          ['  SASL/SCRAM-SHA-512 users', Object.keys(infra.kafkaSecurity.credentials).join(', ')],
          [
            '  password files',
            path.relative(ROOT, path.dirname(infra.kafkaSecurity.passwordFiles.admin)),
          ],
        ] satisfies Array<[string, string]>)
      : []),
    ['mongodb (FerretDB)', infra.mongoUrl],
    ...(secrets
      ? ([
          [
            'registry writes',
            `HTTP Basic ${REGISTRY_USER} / ${relative(secrets.files.registryPassword)}`,
          ],
          ['admin API key', relative(secrets.files.adminApiKey)],
        ] satisfies Array<[string, string]>)
      : []),
  ];
  for (const instance of apps?.instances ?? []) {
    rows.push([instance.name, instance.url]);
    if (instance.app === 'registry') rows.push(['  dashboard', `${instance.url}/`]);
    if (instance.app === 'gateway')
      rows.push(['  swagger (all APIs)', `${instance.url}/swagger-ui.html`]);
    if (['accounts', 'orders', 'fulfillment'].includes(instance.app)) {
      rows.push(['  swagger', `${instance.url}/swagger-ui.html`]);
    }
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  process.stdout.write(
    `\n${rows.map(([name, url]) => `  ${name.padEnd(width)}  ${url}`).join('\n')}\n\n`,
  );
}

const OPTIONS = {
  'infra-only': { type: 'boolean', description: 'only Kafka and FerretDB' },
  apps: {
    type: 'string',
    value: 'LIST',
    description: `a subset of the apps, comma-separated (${APP_ORDER.join(', ')})`,
    default: 'all',
  },
  extra: {
    type: 'string',
    multiple: true,
    value: 'APP:PORT',
    description: 'one more instance of a service on another port, e.g. orders:8091',
  },
  'no-build': { type: 'boolean', description: 'skip the swc build of the apps' },
  'kafka-brokers': {
    type: 'string',
    value: 'N',
    description:
      'a KRaft cluster of N brokers on 127.0.0.1:9292, 9294, … (replication factor N, min.insync.replicas N−1)',
    default: '1',
  },
  secure: {
    type: 'boolean',
    description:
      'Kafka with SASL/SCRAM and ACLs on 127.0.0.1:9192, registry writes and admin endpoints behind credentials (minted per run)',
  },
  'db-backend': {
    type: 'string',
    value: 'NAME',
    description: `where FerretDB keeps its data: ${DB_BACKENDS.join(' or ')} (PostgreSQL: Debian's server, a cluster of its own under .runtime/)`,
    env: [DB_BACKEND_ENV],
    default: DEFAULT_DB_BACKEND,
  },
} as const satisfies Record<string, OptionDef>;

export const RUNTIME_COMMAND: CommandDef<typeof OPTIONS> = {
  usage: ['npm start -- [options]', 'npm run runtime -- [up|stop|provision] [options]'],
  summary: [
    'up (npm start)  provisions and starts Kafka and FerretDB on loopback, then the five apps;',
    '                Ctrl-C stops everything it started. Open on loopback unless --secure.',
    'stop            stops what an earlier run left behind (by PID file).',
    'provision       resolves the Kafka jars and builds FerretDB, starting nothing.',
  ].join('\n'),
  maxPositionals: 1,
  options: OPTIONS,
  footer: 'Exit status: 0 stopped cleanly; 1 failed; 2 a wrong command line.',
};

async function up(values: OptionValues<typeof OPTIONS>): Promise<void> {
  const secure = values.secure;
  const kafkaNodes = Number(values['kafka-brokers'] ?? '1');
  if (!Number.isInteger(kafkaNodes) || kafkaNodes < 1 || kafkaNodes > 5) {
    throw new UsageError(`--kafka-brokers takes 1 to 5 (got "${values['kafka-brokers']}")`);
  }
  const specs: AppSpec[] = values['infra-only']
    ? []
    : [
        ...parseAppList(values.apps).map((app) => ({ app, port: APP_PORTS[app] })),
        ...parseExtra(values.extra),
      ];

  const dbBackends = values['db-backend']
    ? parseDbBackends(values['db-backend'])
    : [dbBackendFromEnv()];
  if (dbBackends.length > 1) throw new UsageError('--db-backend takes one backend here');

  const started = Date.now();
  const infra = await ensureInfra({
    profile: secure ? 'secure' : 'dev',
    secure,
    kafkaNodes,
    dbBackend: dbBackends[0],
    log: say,
  });
  const secrets = infra.kafkaSecurity
    ? secureAppEnv(infra.kafkaSecurity, path.dirname(infra.kafkaSecurity.passwordFiles.admin))
    : undefined;
  let apps: RunningApps | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      say('stopping…');
      await apps?.stop();
      await infra.stop();
      say('stopped');
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void shutdown().then(() => process.exit(0)));
  }
  try {
    if (specs.length > 0) {
      if (!values['no-build']) {
        say('building apps (swc)…');
        build();
      }
      apps = await startApps(
        specs,
        {
          kafkaBrokers: infra.kafkaBrokers,
          mongoUrl: infra.mongoUrl,
          env: LOCAL_DISCOVERY_ENV,
          ...(secrets ? { secure: { appEnv: secrets.appEnv } } : {}),
        },
        say,
      );
      await waitForGatewayRoutes(apps);
    }
  } catch (error) {
    await shutdown();
    throw error;
  }
  say(`all healthy in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  printTable(infra, apps, secrets);
  say('logs in .runtime/logs/ — press Ctrl-C to stop');
  // Keep running until a signal arrives; the handlers above stop everything in order.
  await new Promise<never>(() => {});
}

async function run(command: string, values: OptionValues<typeof OPTIONS>): Promise<void> {
  if (command === 'up') return up(values);
  if (command === 'provision') {
    // The Kafka jars and the FerretDB binary, without starting anything (the image builds).
    const [kafka, ferretdb] = [await provisionKafka(), await provisionFerretDb()];
    say(`kafka jars in ${kafka.libDir}${kafka.cached ? ' (cached)' : ''}`);
    say(`ferretdb at ${ferretdb.bin}${ferretdb.cached ? ' (cached)' : ''}`);
    return;
  }
  if (command === 'stop') {
    // Apps before the servers they use: reverse start order, infrastructure last.
    const names = fs.existsSync(PIDS_DIR)
      ? fs.readdirSync(PIDS_DIR).map((file) => file.replace(/\.pid$/, ''))
      : [];
    const rank = (name: string): number => {
      const index = APP_ORDER.findIndex((app) => name === app || name.startsWith(`${app}-`));
      return index === -1 ? -1 : APP_ORDER.length - index;
    };
    const stopped: string[] = [];
    for (const name of names.sort((a, b) => rank(b) - rank(a))) {
      if (await stopFromPidFile(name)) stopped.push(name);
    }
    say(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
    return;
  }
  throw new UsageError(`unknown command "${command}" (commands: up, stop, provision)`);
}

void runCommand('runtime', RUNTIME_COMMAND, async ({ values, positionals }) => {
  try {
    await run(positionals[0] ?? 'up', values);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message =
      error instanceof PrerequisiteError
        ? error.message
        : ((error as Error).message ?? String(error));
    process.stderr.write(`[runtime] error: ${message}\n`);
    return 1;
  }
});
