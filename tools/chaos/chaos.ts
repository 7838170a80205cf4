/**
 * `npm run chaos` — a mixed workload through the gateway while a seeded schedule of faults
 * kills and stops app instances, the Kafka broker(s) and the database server; then waits for
 * convergence and judges: nothing lost, nothing doubled, no dead letter but the injected
 * poison, no drift.
 *
 *   npm run chaos -- --quick               about 3 minutes, a few faults of each kind (CI)
 *   npm run chaos -- --full                10 minutes: 100 app kills, 10 broker, 10 database
 *   npm run chaos -- --seed 42             the same schedule again
 *   npm run chaos -- --kafka-brokers 3     a 3-node KRaft cluster; one node is killed at a time
 *   npm run chaos -- --help                every option
 *
 * Starts its own Kafka and FerretDB on free ports (never KAFKA_BROKERS / MONGO_URL: it kills
 * them) and the five apps from dist/, orders and fulfillment twice. Writes
 * bench/results/chaos-<date>[-N].json; a --full run also rewrites tools/chaos/README.md's last run.
 * Exit status 0 clean, 1 loss, doubling, drift or an error, 2 a wrong command line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startBenchInfra, type BenchInfra } from '../../bench/lib/infra';
import { formatted, resultsFile } from '../../bench/lib/report';
import { build } from '../build';
import { type CommandDef, type OptionDef, runCommand, UsageError } from '../cli/options';
import { ROOT } from '../runtime/paths';
import { startTestStack, type TestStack } from '../runtime/test-stack';
import { waitUntil } from '../runtime/wait';
import {
  contractBreaches,
  faultAt,
  FAULT_KINDS,
  type FaultKind,
  planFaults,
  seededRandom,
} from './chaos.rules';
import {
  allReady,
  type AppTarget,
  FaultInjector,
  type FaultRecord,
  portOf,
  registered,
} from './faults';
import { checkDeadLetters, PoisonSender, type PoisonReport } from './poison';
import { MachineWatch, type MachineReport } from './machine-watch';
import { RegistryWatch } from './registry-watch';
import { updateReadme } from './report';
import { audit, checkStores, type StoreCheck } from './verdict';
import { type ClientContract, Workload, type WorkloadCounts } from './workload';

export type Mode = 'quick' | 'full';

export interface ChaosSettings {
  readonly mode: Mode;
  readonly seed: number;
  readonly durationS: number;
  readonly rate: number;
  readonly kafkaNodes: number;
  readonly counts: Record<FaultKind, number>;
  readonly poisonPerTopic: number;
  /** How long a stopped consumer stays stopped: longer than its 15 s session timeout. */
  readonly stopS: number;
  readonly convergeTimeoutS: number;
}

const MODES: Record<Mode, Omit<ChaosSettings, 'mode' | 'seed' | 'kafkaNodes'>> = {
  quick: {
    durationS: 180,
    rate: 4,
    counts: { 'app-kill': 4, 'app-stop': 1, 'broker-kill': 2, 'db-kill': 2 },
    poisonPerTopic: 100,
    stopS: 20,
    convergeTimeoutS: 180,
  },
  full: {
    durationS: 600,
    rate: 5,
    counts: { 'app-kill': 100, 'app-stop': 5, 'broker-kill': 10, 'db-kill': 10 },
    poisonPerTopic: 1000,
    stopS: 20,
    convergeTimeoutS: 300,
  },
};

/** Faults start after this and stop this long before the workload does. */
const LEAD_MS = 15_000;
const TAIL_MS = 25_000;
const ORDER_CUSTOMERS = 12;
const MAX_IN_FLIGHT = 48;
/**
 * After convergence, how long the registry may take to list every instance UP again: a few
 * heartbeats and status updates, generously (a ready instance reports UP with its next one).
 */
const REGISTRY_UP_TIMEOUT_MS = 90_000;
/** How long a fault may take to heal before the run records it as not healed. */
const HEAL_TIMEOUT_MS = 180_000;

/** Environment of every app (recorded with the results). */
const APP_SETTINGS: Record<string, string> = {
  // The gateway's per-client limit would answer 429 to the load generator.
  GATEWAY_RATE_LIMIT: '0',
  // A killed instance leaves the registry within seconds, not the 90 s production lease.
  EUREKA_LEASE_DURATION_SECONDS: '5',
  LEASE_EVICTION_INTERVAL_MS: '1000',
};

type ErrorCounts = Record<string, number> & { total: number };

export interface ChaosResults {
  readonly date: string;
  readonly mode: Mode;
  readonly seed: number;
  readonly settings: ChaosSettings;
  readonly totalSeconds: number;
  readonly appSettings: Record<string, string>;
  readonly schedule: Array<{ atS: number; kind: FaultKind }>;
  readonly faults: {
    readonly records: FaultRecord[];
    readonly byKind: Record<
      string,
      {
        count: number;
        failed: number;
        skipped: number;
        healP50Ms: number | null;
        healMaxMs: number | null;
        /** Faults during which the registry listed an instance as not UP (or not at all). */
        registryMarked: number;
      }
    >;
  };
  /** Client-visible failures (5xx, or status 0: no answer) while each kind of fault was active. */
  readonly clientErrors: Record<string, ErrorCounts>;
  /** The first few of them per kind: status, method and path. */
  readonly clientErrorExamples: Record<string, string[]>;
  /** What faults did to clients that they must never do (hangs, 500s, error bodies not JSON). */
  readonly clientContract: ClientContract;
  readonly workload: WorkloadCounts;
  readonly stores: StoreCheck;
  readonly audit: { ok: boolean; drift: number; findings: number; examples: string[] };
  readonly poison: PoisonReport;
  readonly unexpectedDeadLetters: number;
  readonly unexpectedDeadLetterExamples: unknown[];
  readonly convergence: {
    readonly converged: boolean;
    /** From the last fault healed until every check passed. */
    readonly afterLastFaultMs: number | null;
    readonly afterWorkloadMs: number | null;
  };
  /** How long after convergence the registry listed every instance UP again (null: never). */
  readonly registry?: { readonly upAfterConvergedMs: number | null; readonly notUp: string[] };
  /** Load average and CPU seconds by process over the run: what a slow heal had to work with. */
  readonly machine?: MachineReport;
  /** Sum of the consumer groups' lag over every partition at the end. */
  readonly lagAtEnd: number | null;
  readonly verdict: {
    readonly ok: boolean;
    readonly lost: number;
    readonly doubled: number;
    readonly drift: number;
    readonly reasons: string[];
  };
}

const OPTIONS = {
  quick: { type: 'boolean', description: 'about 3 minutes, a few faults of each kind (default)' },
  full: { type: 'boolean', description: '10 minutes: 100 app kills, 10 broker, 10 database kills' },
  seed: {
    type: 'string',
    value: 'N',
    description: 'seed of the fault schedule',
    default: 'random',
  },
  'kafka-brokers': {
    type: 'string',
    value: 'N',
    description: 'Kafka nodes of its own: 1, or 3 for a KRaft cluster',
    default: '1',
  },
  duration: {
    type: 'string',
    value: 'SEC',
    description: "the workload's length (the mode's fault counts, fitted in)",
  },
  rate: { type: 'string', value: 'N', description: 'operations per second (mode default)' },
  poison: { type: 'string', value: 'N', description: 'poison records per topic (mode default)' },
  out: {
    type: 'string',
    value: 'FILE',
    description: 'results file (default bench/results/chaos-<date>[-N].json)',
  },
  'no-build': { type: 'boolean', description: 'reuse dist/ as it is' },
  'no-readme': { type: 'boolean', description: 'never rewrite tools/chaos/README.md' },
} as const satisfies Record<string, OptionDef>;

export const CHAOS_COMMAND: CommandDef<typeof OPTIONS> = {
  usage: ['npm run chaos -- [options]'],
  summary:
    'A mixed workload through the gateway under a seeded schedule of faults (killed and stopped\n' +
    'app instances, killed broker and database), on its own Kafka and FerretDB on free ports;\n' +
    'then convergence and the verdict: nothing lost or doubled, no stray dead letter, no drift.',
  options: OPTIONS,
  footer: 'Exit status: 0 clean; 1 loss, doubling, drift or an error; 2 a wrong command line.',
};

function say(line: string): void {
  process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} takes a positive integer`);
  return n;
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Labels `<app>#<n>` in start order: the schedule names targets by them. */
function appTargets(stack: TestStack): AppTarget[] {
  const seen = new Map<string, number>();
  return stack.apps.instances.map((instance) => {
    const n = (seen.get(instance.app) ?? 0) + 1;
    seen.set(instance.app, n);
    return { label: `${instance.app}#${n}`, instance };
  });
}

export async function runChaos(settings: ChaosSettings): Promise<ChaosResults> {
  const t0 = Date.now();
  const date = new Date().toISOString();
  const runId = Date.now().toString(36);
  const durationMs = settings.durationS * 1000;
  const plan = planFaults(settings.seed, {
    durationMs,
    leadMs: Math.min(LEAD_MS, durationMs / 6),
    tailMs: Math.min(TAIL_MS, durationMs / 6),
    counts: settings.counts,
  });
  say(
    `mode ${settings.mode}, seed ${settings.seed}, ${settings.durationS} s at ${settings.rate} op/s, ${settings.kafkaNodes} broker(s); schedule:`,
  );
  for (const fault of plan)
    say(`  t+${(fault.atMs / 1000).toFixed(1)} s ${fault.kind} (pick ${fault.pick.toFixed(3)})`);

  let infra: BenchInfra | undefined;
  let stack: TestStack | undefined;
  let injector: FaultInjector | undefined;
  let poison: PoisonSender | undefined;
  let workload: Workload | undefined;
  let registry: RegistryWatch | undefined;
  let machine: MachineWatch | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      await injector?.cancel().catch(() => undefined);
      registry?.stop();
      machine?.stop();
      await poison?.stop(true).catch(() => undefined);
      workload?.close();
      await stack?.stop().catch((error: Error) => say(`stopping apps: ${error.message}`));
      await infra?.stop().catch((error: Error) => say(`stopping servers: ${error.message}`));
    })();
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`${signal}: stopping what this run started…`);
    void shutdown().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    infra = await startBenchInfra(say, {
      own: true,
      kafkaNodes: settings.kafkaNodes,
      profile: 'chaos',
    });
    process.env.KAFKA_BROKERS = infra.kafkaBrokers.join(',');
    process.env.MONGO_URL = infra.mongoUrl;
    say('starting the apps (orders and fulfillment twice)…');
    stack = await startTestStack({
      dbPrefix: `chaos_${runId}`,
      env: APP_SETTINGS,
      instances: { orders: 2, fulfillment: 2 },
    });
    const apps = appTargets(stack);
    await allReady(apps, 120_000);
    say(`apps ready: ${apps.map((a) => `${a.label} ${a.instance.url}`).join(', ')}`);
    const brokers = infra.servers.filter((s) => s.kind === 'kafka');
    const database = infra.servers.find((s) => s.kind === 'mongo')!;

    const random = seededRandom(settings.seed ^ 0x5eed);
    workload = new Workload(stack.gatewayUrl, random, say);
    await workload.seed(ORDER_CUSTOMERS);
    registry = new RegistryWatch(stack.registryUrl);
    registry.start();
    machine = new MachineWatch(() => [
      { label: 'chaos (workload, poison, checks)', pid: process.pid },
      ...apps.map((app) => ({ label: app.label, pid: app.instance.pid })),
      ...infra!.servers.map((server) => ({ label: server.name, pid: server.pid })),
    ]);
    machine.start();
    injector = new FaultInjector(
      { apps, brokers, database, registry },
      { stopMs: settings.stopS * 1000, healTimeoutMs: HEAL_TIMEOUT_MS, log: say },
    );
    poison = new PoisonSender(infra.kafkaBrokers);

    say('workload and faults: starting');
    const start = Date.now();
    workload.start(settings.rate, MAX_IN_FLIGHT);
    poison.start(settings.poisonPerTopic, Math.max(1000, durationMs - TAIL_MS), say);
    const faults = injector.run(plan, start, durationMs * 1.25);
    // The workload runs its length and on until the last fault has healed: a fault waits for
    // the one before it to heal, and may start as late as a quarter past the planned end.
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    await faults;
    say('workload: stopping (waiting for the operations in flight)');
    await workload.stop();
    await poison.stop();
    const workloadStoppedAt = Date.now();
    const lastHealedAt = Math.max(start, ...injector.windows.map((w) => w.to));
    say(
      `workload done: ${workload.counts.ok}/${workload.counts.calls} calls 2xx, ${workload.orders.length} orders`,
    );

    // Convergence: every check passes, and nothing is in flight any more.
    const databases = stack.databases;
    let stores: StoreCheck | undefined;
    let auditResult: Awaited<ReturnType<typeof audit>> | undefined;
    let letters: Awaited<ReturnType<typeof checkDeadLetters>> | undefined;
    let convergedAt: number | undefined;
    let lastSaid = 0;
    await waitUntil(
      async () => {
        stores = await checkStores(infra!.mongoUrl, databases, workload!);
        const storesClean =
          stores.examples.length === 0 && stores.orders.exact === stores.orders.checked;
        auditResult = await audit(
          infra!.mongoUrl,
          infra!.kafkaBrokers,
          stack!.gatewayUrl,
          databases,
        );
        const lag = (auditResult.lag ?? []).reduce((sum, entry) => sum + Number(entry.lag), 0);
        const waiting = [
          storesClean ? '' : `stores: ${stores.examples[0] ?? 'histories not exact'}`,
          auditResult.findings.length ? `audit: ${auditResult.findings.length} finding(s)` : '',
          auditResult.lag === null ? 'lag unknown' : lag > 0 ? `lag ${lag}` : '',
        ].filter(Boolean);
        if (waiting.length === 0) {
          letters = await checkDeadLetters(
            infra!.kafkaBrokers,
            poison!.sent,
            settings.poisonPerTopic,
          );
          if (letters.poison.missing > 0)
            waiting.push(`${letters.poison.missing} poison not dead-lettered`);
        }
        if (waiting.length > 0) {
          if (Date.now() - lastSaid > 10_000) {
            lastSaid = Date.now();
            say(`converging: ${waiting.join('; ')}`);
          }
          return false;
        }
        convergedAt = Date.now();
        return true;
      },
      { what: 'convergence', timeoutMs: settings.convergeTimeoutS * 1000, intervalMs: 3000 },
    ).catch(() => say(`not converged after ${settings.convergeTimeoutS} s: judging as it is`));
    // The registry brings every instance back: each listed UP again once the system converged.
    const registeredApps = registered(apps);
    const stillNotUp = (): string[] => {
      const ports = registry!.notUp(registeredApps.map(portOf));
      return registeredApps.filter((app) => ports.includes(portOf(app))).map((app) => app.label);
    };
    const registryFrom = Date.now();
    const registryUp = await waitUntil(() => stillNotUp().length === 0, {
      what: 'the registry to list every instance UP',
      timeoutMs: REGISTRY_UP_TIMEOUT_MS,
      intervalMs: 500,
    }).then(
      () => true,
      () => false,
    );
    const registryUpAfterMs = registryUp ? Date.now() - registryFrom : null;
    // Read once: the watch polls on, and the verdict and the results must name the same ones.
    const registryNotUp = stillNotUp();
    if (registryUpAfterMs === null)
      say(`the registry still lists ${registryNotUp.join(', ')} as not UP`);
    if (!stores || !auditResult) throw new Error('the stores could not be read');
    letters ??= await checkDeadLetters(infra.kafkaBrokers, poison.sent, settings.poisonPerTopic);
    const lagAtEnd =
      auditResult.lag === null
        ? null
        : auditResult.lag.reduce((sum, entry) => sum + Number(entry.lag), 0);

    machine.stop();
    const records = injector.records.map((record) => ({
      ...record,
      load1Max: machine!.loadMax(
        start + record.startedAtS * 1000,
        start + record.startedAtS * 1000 + (record.healMs ?? HEAL_TIMEOUT_MS),
      ),
    }));
    const byKind: ChaosResults['faults']['byKind'] = {};
    for (const kind of FAULT_KINDS) {
      const mine = injector.records.filter((r) => r.kind === kind && !r.skipped);
      const heals = mine.flatMap((r) => (r.healMs === null ? [] : [r.healMs]));
      byKind[kind] = {
        count: mine.length,
        failed: mine.filter((r) => r.error).length,
        skipped: injector.records.filter((r) => r.kind === kind && r.skipped).length,
        healP50Ms: percentile(heals, 0.5),
        healMaxMs: heals.length ? Math.max(...heals) : null,
        registryMarked: mine.filter((r) => (r.registryMarked ?? 0) > 0).length,
      };
    }
    const clientErrors: Record<string, ErrorCounts> = {};
    const clientErrorExamples: Record<string, string[]> = {};
    for (const failure of workload.failures) {
      const kind = faultAt(failure.at, injector.windows);
      const counts = (clientErrors[kind] ??= { total: 0 } as ErrorCounts);
      const key = failure.status === 0 ? 'no answer' : String(failure.status);
      counts[key] = (counts[key] ?? 0) + 1;
      counts.total += 1;
      const examples = (clientErrorExamples[kind] ??= []);
      if (examples.length < 5) examples.push(`${failure.status} ${failure.what}`);
    }
    const drift = auditResult.relations.customers.drift + auditResult.relations.orders.drift;
    const lost = stores.customers.lost + stores.orders.lost + stores.fulfillments.lost;
    const doubled = stores.orders.doubled + stores.fulfillments.doubled;
    const reasons = [
      lost ? `${lost} lost` : '',
      doubled ? `${doubled} doubled` : '',
      stores.orders.wrong ? `${stores.orders.wrong} histories out of order` : '',
      drift ? `${drift} drift` : '',
      letters.unexpected.length ? `${letters.unexpected.length} dead letters not injected` : '',
      letters.poison.missing ? `${letters.poison.missing} poison records not dead-lettered` : '',
      convergedAt === undefined ? 'not converged' : '',
      injector.records.some((r) => r.error) ? 'a fault did not heal' : '',
      registryUpAfterMs === null
        ? `the registry did not list ${registryNotUp.join(', ')} UP again within ${REGISTRY_UP_TIMEOUT_MS / 1000} s`
        : '',
      ...contractBreaches(workload.contract),
    ].filter(Boolean);
    const results: ChaosResults = {
      date,
      mode: settings.mode,
      seed: settings.seed,
      settings,
      totalSeconds: Math.round((Date.now() - t0) / 1000),
      appSettings: APP_SETTINGS,
      schedule: plan.map((f) => ({ atS: f.atMs / 1000, kind: f.kind })),
      faults: { records, byKind },
      clientErrors,
      clientErrorExamples,
      workload: workload.counts,
      clientContract: workload.contract,
      stores,
      audit: {
        ok: auditResult.ok,
        drift,
        findings: auditResult.findings.length,
        examples: auditResult.findings
          .slice(0, 10)
          .map((f) => `${f.state} ${f.relation}/${f.kind} ${f.id}`),
      },
      poison: letters.poison,
      unexpectedDeadLetters: letters.unexpected.length,
      unexpectedDeadLetterExamples: letters.unexpected.slice(0, 10),
      convergence: {
        converged: convergedAt !== undefined,
        afterLastFaultMs:
          convergedAt === undefined ? null : Math.max(0, convergedAt - lastHealedAt),
        afterWorkloadMs: convergedAt === undefined ? null : convergedAt - workloadStoppedAt,
      },
      lagAtEnd,
      registry: { upAfterConvergedMs: registryUpAfterMs, notUp: registryNotUp },
      machine: machine.report(start),
      verdict: { ok: reasons.length === 0, lost, doubled, drift, reasons },
    };
    return results;
  } finally {
    say('stopping apps and servers…');
    await shutdown();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

async function main(values: {
  quick: boolean;
  full: boolean;
  seed: string | undefined;
  'kafka-brokers': string | undefined;
  duration: string | undefined;
  rate: string | undefined;
  poison: string | undefined;
  out: string | undefined;
  'no-build': boolean;
  'no-readme': boolean;
}): Promise<number> {
  if (values.quick && values.full) throw new UsageError('--quick and --full exclude each other');
  const mode: Mode = values.full ? 'full' : 'quick';
  const base = MODES[mode];
  const kafkaNodes = positiveInt('kafka-brokers', values['kafka-brokers'], 1);
  if (kafkaNodes !== 1 && kafkaNodes !== 3) throw new UsageError('--kafka-brokers takes 1 or 3');
  const seed =
    values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0)
    throw new UsageError('--seed takes a non-negative integer');
  const settings: ChaosSettings = {
    ...base,
    mode,
    seed,
    kafkaNodes,
    durationS: positiveInt('duration', values.duration, base.durationS),
    rate: positiveInt('rate', values.rate, base.rate),
    poisonPerTopic: positiveInt('poison', values.poison, base.poisonPerTopic),
  };
  if (!values['no-build']) {
    say('building apps (swc)…');
    build();
  }
  const results = await runChaos(settings);
  const file = values.out
    ? path.resolve(values.out)
    : resultsFile(path.join(ROOT, 'bench', 'results'), `chaos-${results.date.slice(0, 10)}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await formatted(JSON.stringify(results), 'json'));
  const v = results.verdict;
  say(
    `verdict: ${v.ok ? 'CLEAN' : `FAILED (${v.reasons.join('; ')})`}; lost ${v.lost}, doubled ${v.doubled}, drift ${v.drift}; ` +
      `converged ${results.convergence.afterLastFaultMs ?? '–'} ms after the last fault; results: ${path.relative(process.cwd(), file)} (${results.totalSeconds} s in all)`,
  );
  for (const line of results.stores.examples) say(`  ${line}`);
  const fullDefault = mode === 'full' && values.duration === undefined;
  if (values['no-readme'] || !fullDefault)
    say('tools/chaos/README.md left alone (only a --full run rewrites its section)');
  else {
    await updateReadme(results, path.relative(ROOT, file));
    say('tools/chaos/README.md: last full run rewritten');
  }
  return v.ok ? 0 : 1;
}

if (require.main === module) {
  void runCommand('chaos', CHAOS_COMMAND, async ({ values }) => {
    try {
      return await main(values);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      process.stderr.write(`[chaos] error: ${(error as Error).stack ?? String(error)}\n`);
      return 1;
    }
  });
}
