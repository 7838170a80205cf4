/**
 * `npm run bench` — the benchmarks (not tests): floor → gateway → propagation → lifecycle.
 *
 *   npm run bench                    quick run (the default; about 8 minutes on 2 cores)
 *   npm run bench -- --full          longer steps, 60 s of lifecycle
 *   npm run bench -- --only floor,gateway
 *   npm run bench -- --no-build      reuse dist/ as it is
 *   npm run bench -- --no-profile    skip the CPU-profile passes
 *   npm run bench -- --no-readme     write the results file only
 *   npm run bench -- --secure        Kafka with SASL/SCRAM-SHA-512 and the ACLs, each app as its
 *                                    own user (the stack's setting); never rewrites bench/README.md
 *   npm run bench -- --only floor,lifecycle --db-backend sqlite,postgresql
 *                                    the suites once on each FerretDB backend, one after the
 *                                    other, side by side in the results and bench/README.md
 *   npm run bench -- --only lifecycle --history 1,200
 *                                    one lifecycle window per value, on customers that already
 *                                    hold that many orders each
 *   npm run bench -- --help          every option
 *
 * Starts its own Kafka and FerretDB on free ports (or uses KAFKA_BROKERS / MONGO_URL) and the
 * five apps from dist/ on free ports with databases of their own; stops all of it at the end.
 * Writes bench/results/<date>[-N].json; a complete run also rewrites the last run's section of
 * bench/README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import {
  type CommandDef,
  type OptionDef,
  type OptionValues,
  runCommand,
  UsageError,
} from '../tools/cli/options';
import { build } from '../tools/build';
import {
  DB_BACKEND_ENV,
  DB_BACKENDS,
  type DbBackend,
  DEFAULT_DB_BACKEND,
  parseDbBackends,
} from '../tools/runtime/db-backend';
import { ROOT } from '../tools/runtime/paths';
import { kafkaSaslEnv, type SecureKafka } from '../tools/runtime/secure-kafka';
import { type TestStack, startTestStack } from '../tools/runtime/test-stack';
import type { BenchContext, Mode } from './lib/context';
import { type BenchInfra, startBenchInfra } from './lib/infra';
import { loadAverage, machineFacts, versions } from './lib/machine';
import { findPreviousRun, type KeyFigures, keyFigures, type PreviousRun } from './lib/figures';
import {
  BENCH_README,
  formatted,
  resultsFile,
  updateReadme,
  updateReadmeBackends,
} from './lib/report';
import { type FloorResult, runFloor } from './suites/floor';
import { type GatewayResult, runGateway } from './suites/gateway';
import { type LifecycleResult, runLifecycle } from './suites/lifecycle';
import { type PropagationResult, runPropagation } from './suites/propagation';

const SUITES = ['floor', 'gateway', 'propagation', 'lifecycle'] as const;
type Suite = (typeof SUITES)[number];

export interface SuiteRun<T> {
  readonly startedAt: string;
  readonly seconds: number;
  readonly loadAverageBefore: [number, number, number];
  readonly loadAverageAfter: [number, number, number];
  readonly result?: T;
  /** Why the suite did not run, or what failed. */
  readonly skipped?: string;
  readonly error?: string;
}

/** The suites of one FerretDB backend, when a run measures several (`--db-backend a,b`). */
export interface BackendRun {
  readonly backend: DbBackend;
  readonly servers: { kafka: string; mongo: string };
  readonly loadAverage: { before: [number, number, number]; after: [number, number, number] };
  readonly suites: BenchResults['suites'];
}

export interface BenchResults {
  readonly date: string;
  readonly mode: Mode;
  /** Kafka with SASL/SCRAM-SHA-512 and ACLs (`--secure`). */
  readonly secure?: boolean;
  readonly runId: string;
  readonly totalSeconds: number;
  readonly machine: ReturnType<typeof machineFacts>;
  readonly versions: ReturnType<typeof versions>;
  readonly loadAverage: { before: [number, number, number]; after: [number, number, number] };
  readonly servers: { kafka: string; mongo: string };
  readonly appSettings: Record<string, string>;
  readonly suites: {
    floor?: SuiteRun<FloorResult>;
    gateway?: SuiteRun<GatewayResult>;
    propagation?: SuiteRun<PropagationResult>;
    lifecycle?: SuiteRun<LifecycleResult>;
  };
  /**
   * Every backend's run when there were several, in the order they ran; `servers` and
   * `suites` above are the first one's.
   */
  readonly dbBackends?: BackendRun[];
  /** This run's key figures (lib/figures.ts), as the README's tables judge and compare them. */
  readonly figures?: KeyFigures;
  /**
   * The newest complete run before this one (all four suites, open broker, default backend)
   * and its key figures: the comparison the README shows, kept with the run.
   */
  readonly previous?: PreviousRun;
}

const RESULTS_DIR = path.join(__dirname, 'results');
const PROBE_SCRIPT = path.join(__dirname, 'support', 'probe.js');

/** Environment of every app in the benchmark stack (recorded with the results). */
const APP_SETTINGS: Record<string, string> = {
  // The stack's level: 2xx request logs are debug, so nothing is logged per request.
  LOG_LEVEL: 'info',
  // The gateway's per-client limit (1200/min) would answer 429 to a load generator.
  GATEWAY_RATE_LIMIT: '0',
  // The production default (the test stack checks every second): each check runs the
  // readiness group, whose outbox backlog query reads the whole collection on FerretDB.
  EUREKA_STATUS_CHECK_INTERVAL_MS: '10000',
};

/**
 * `--secure`: each service connects to Kafka as its own user. Only Kafka's credentials: the
 * bench weighs SCRAM and the authorizer; the registry password and the admin API key of
 * `npm start -- --secure` would change the HTTP side it compares against (and the admin key
 * would shut the suites out of the sample endpoints).
 */
function kafkaUsersOnly(security: Pick<SecureKafka, 'credentials' | 'passwordFiles'>): {
  appEnv: Record<'accounts' | 'orders' | 'fulfillment', Record<string, string>>;
} {
  return {
    appEnv: {
      accounts: kafkaSaslEnv(security, 'accounts'),
      orders: kafkaSaslEnv(security, 'orders'),
      fulfillment: kafkaSaslEnv(security, 'fulfillment'),
    },
  };
}

function say(line: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function parseHistory(value: string | undefined): number[] {
  if (!value) return [0];
  return value.split(',').map((part) => {
    const count = Number(part.trim());
    if (!Number.isSafeInteger(count) || count < 0 || count > 10_000) {
      throw new UsageError(`--history takes counts of orders 0–10000, not "${part}"`);
    }
    return count;
  });
}

function parseSuites(value: string | undefined): Suite[] {
  if (!value) return [...SUITES];
  return value.split(',').map((name) => {
    const suite = name.trim() as Suite;
    if (!SUITES.includes(suite)) {
      throw new UsageError(`unknown suite "${name}" (suites: ${SUITES.join(', ')})`);
    }
    return suite;
  });
}

async function timed<T>(
  suite: Suite,
  run: () => Promise<T | { skipped: string }>,
): Promise<SuiteRun<T>> {
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const loadAverageBefore = loadAverage();
  say(`${suite}: starting (load average ${loadAverageBefore.join(' ')})`);
  let result: T | undefined;
  let skipped: string | undefined;
  let error: string | undefined;
  try {
    const outcome = await run();
    if (outcome && typeof outcome === 'object' && 'skipped' in outcome) skipped = outcome.skipped;
    else result = outcome;
  } catch (caught) {
    error = (caught as Error).stack ?? String(caught);
    say(`${suite}: FAILED: ${(caught as Error).message}`);
  }
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  if (skipped) say(`${suite}: skipped: ${skipped}`);
  else if (!error) say(`${suite}: done in ${seconds} s`);
  return {
    startedAt,
    seconds,
    loadAverageBefore,
    loadAverageAfter: loadAverage(),
    ...(result !== undefined ? { result } : {}),
    ...(skipped ? { skipped } : {}),
    ...(error ? { error } : {}),
  };
}

const OPTIONS = {
  quick: { type: 'boolean', description: 'short steps (the default; about 8 minutes on 2 cores)' },
  full: { type: 'boolean', description: 'longer steps, 60 s of lifecycle' },
  only: {
    type: 'string',
    value: 'LIST',
    description: `some suites, comma-separated (${SUITES.join(', ')})`,
    default: 'all',
  },
  'no-build': { type: 'boolean', description: 'reuse dist/ as it is' },
  'no-profile': { type: 'boolean', description: 'skip the CPU-profile passes' },
  'no-readme': { type: 'boolean', description: 'write the results file only, not bench/README.md' },
  secure: {
    type: 'boolean',
    description:
      'Kafka with SASL/SCRAM-SHA-512 and the ACLs, each app as its own user (never rewrites bench/README.md)',
  },
  history: {
    type: 'string',
    value: 'LIST',
    description:
      'earlier orders per customer, comma-separated: one lifecycle window for each, on customers of its own holding that many received orders',
    default: '0',
  },
  'db-backend': {
    type: 'string',
    value: 'LIST',
    description: `FerretDB's backend, or several comma-separated (${DB_BACKENDS.join(', ')}): the suites run on each in turn, with servers of their own`,
    env: [DB_BACKEND_ENV],
    default: DEFAULT_DB_BACKEND,
  },
} as const satisfies Record<string, OptionDef>;

export const BENCH_COMMAND: CommandDef<typeof OPTIONS> = {
  usage: ['npm run bench -- [options]'],
  summary:
    'The benchmarks (not tests): floor → gateway → propagation → lifecycle, on its own Kafka and\n' +
    'FerretDB on free ports (or KAFKA_BROKERS / MONGO_URL) and the five apps from dist/. Writes\n' +
    'bench/results/<date>[-N].json; a complete open run also rewrites its section of bench/README.md.',
  options: OPTIONS,
  footer:
    'Exit status: 0 done (a failed suite is recorded in the results); 1 failed; 2 a wrong command line.',
};

async function main(values: OptionValues<typeof OPTIONS>): Promise<void> {
  const secure = values.secure;
  if (values.quick && values.full) throw new UsageError('--quick and --full exclude each other');
  const mode: Mode = values.full ? 'full' : 'quick';
  const suites = parseSuites(values.only);
  const history = parseHistory(values.history);
  const dbBackends = parseDbBackends(
    values['db-backend'] ?? process.env[DB_BACKEND_ENV] ?? DEFAULT_DB_BACKEND,
  );
  if (dbBackends.length > 1 && process.env.MONGO_URL?.trim()) {
    throw new UsageError(
      'several --db-backend values start FerretDBs of their own: unset MONGO_URL',
    );
  }
  const profile = !values['no-profile'];
  // The apps' Nest loggers stay quiet in this process (the messaging lib logs through Nest).
  Logger.overrideLogger(['error', 'warn']);

  const t0 = Date.now();
  const date = new Date().toISOString();
  const runId = Date.now().toString(36);
  const before = loadAverage();
  say(
    `mode ${mode}${secure ? ' (secure Kafka)' : ''}, suites ${suites.join(', ')}, FerretDB on ${dbBackends.join(' then ')}, load average ${before.join(' ')}`,
  );

  const needsApps = suites.some((suite) => suite !== 'floor');
  if (needsApps && !values['no-build']) {
    say('building apps (swc)…');
    build();
  }

  // CPU profiles and raw histogram samples of this run (git-ignored).
  const probeDir = path.join(RESULTS_DIR, 'profiles', runId);
  fs.mkdirSync(probeDir, { recursive: true });
  let infra: BenchInfra | undefined;
  let stack: TestStack | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      await stack?.stop().catch((error: Error) => say(`stopping apps: ${error.message}`));
      await infra?.stop().catch((error: Error) => say(`stopping servers: ${error.message}`));
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: stopping what this run started…`);
      void shutdown().then(() => process.exit(130));
    });
  }

  const backendRuns: BackendRun[] = [];
  // Set below for startTestStack; the next backend must still start a broker of its own.
  const kafkaBrokersFromEnv = process.env.KAFKA_BROKERS;
  for (const dbBackend of dbBackends) {
    const runBefore = loadAverage();
    if (dbBackends.length > 1) {
      say(`FerretDB backend ${dbBackend}: load average ${runBefore.join(' ')}`);
    }
    const results: BenchResults['suites'] = {};
    let servers = { kafka: '', mongo: '' };
    try {
      infra = await startBenchInfra(say, { secure, dbBackend });
      servers = {
        kafka: `${infra.kafkaSource === 'own' ? 'own broker' : 'KAFKA_BROKERS'}${secure ? ' (SASL/SCRAM-SHA-512, ACLs)' : ''} ${infra.kafkaBrokers.join(',')}`,
        mongo:
          infra.mongoSource === 'own'
            ? `own FerretDB (${dbBackend === 'sqlite' ? 'SQLite' : 'PostgreSQL'} backend)`
            : 'MONGO_URL',
      };
      const startedServers = infra.processes;
      const context: BenchContext = {
        mode,
        runId,
        infra,
        probeDir,
        log: say,
        processes: () => [
          ...startedServers,
          ...(stack?.apps.instances ?? []).flatMap((instance) =>
            instance.pid ? [{ name: instance.app, pid: instance.pid }] : [],
          ),
          { name: 'bench', pid: process.pid },
        ],
      };

      if (suites.includes('floor')) results.floor = await timed('floor', () => runFloor(context));

      if (needsApps) {
        // startTestStack reads the broker from the environment, as the integration tests do.
        process.env.KAFKA_BROKERS = infra.kafkaBrokers.join(',');
        say('starting the five apps…');
        stack = await startTestStack({
          dbPrefix: `bench_${runId}`,
          mongoUrl: infra.mongoUrl,
          env: {
            ...APP_SETTINGS,
            NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PROBE_SCRIPT}`.trim(),
            BENCH_PROBE_DIR: probeDir,
          },
          ...(infra.kafkaSecurity ? { secure: kafkaUsersOnly(infra.kafkaSecurity) } : {}),
        });
        say(`apps healthy: ${stack.apps.instances.map((i) => `${i.app} ${i.url}`).join(', ')}`);
        const withStack = { ...context, stack, profile };
        if (suites.includes('gateway')) {
          results.gateway = await timed('gateway', () => runGateway(withStack));
        }
        if (suites.includes('propagation')) {
          results.propagation = await timed('propagation', () => runPropagation(withStack));
        }
        if (suites.includes('lifecycle')) {
          results.lifecycle = await timed('lifecycle', () => runLifecycle(withStack, { history }));
        }
      }
    } finally {
      say('stopping apps and servers…');
      await shutdown();
      // The next backend starts afresh: servers, apps and the shutdown of its own.
      stack = undefined;
      infra = undefined;
      stopping = undefined;
      if (kafkaBrokersFromEnv === undefined) delete process.env.KAFKA_BROKERS;
      else process.env.KAFKA_BROKERS = kafkaBrokersFromEnv;
    }
    backendRuns.push({
      backend: dbBackend,
      servers,
      loadAverage: { before: runBefore, after: loadAverage() },
      suites: results,
    });
  }
  const [first] = backendRuns;

  const file = resultsFile(RESULTS_DIR, date.slice(0, 10));
  const previous = findPreviousRun(path.relative(ROOT, file), ROOT);
  const output: BenchResults = {
    date,
    mode,
    secure,
    runId,
    totalSeconds: Math.round((Date.now() - t0) / 1000),
    machine: machineFacts(),
    versions: versions(),
    loadAverage: { before, after: loadAverage() },
    servers: first.servers,
    appSettings: APP_SETTINGS,
    suites: first.suites,
    ...(backendRuns.length > 1 ? { dbBackends: backendRuns } : {}),
    figures: keyFigures({ suites: first.suites }),
    ...(previous ? { previous } : {}),
  };
  fs.writeFileSync(file, await formatted(JSON.stringify(output), 'json'));
  say(`results: ${path.relative(process.cwd(), file)} (${output.totalSeconds} s in all)`);
  const readme = path.relative(ROOT, BENCH_README);
  if (values['no-readme']) {
    say(`${readme} left alone (--no-readme)`);
  } else if (secure) {
    say(`${readme} left alone: its table is the open broker; --secure results are for comparison`);
  } else if (backendRuns.length > 1) {
    await updateReadmeBackends(output, path.relative(ROOT, file));
    say(`${readme}: the backends section rewritten (the last complete run's section left alone)`);
  } else if (dbBackends[0] !== DEFAULT_DB_BACKEND) {
    say(`${readme} left alone: its table is the default backend (${DEFAULT_DB_BACKEND})`);
  } else if (suites.length === SUITES.length) {
    await updateReadme(output, path.relative(ROOT, file));
    say(`${readme}: the last complete run's section rewritten`);
  } else {
    say(`${readme} left alone: only a complete run (all four suites) rewrites its table`);
  }
}

void runCommand('bench', BENCH_COMMAND, async ({ values }) => {
  try {
    await main(values);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    process.stderr.write(`[bench] error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
});
