/**
 * The key figures of a bench run, the targets they are judged by (issue 22) and the previous
 * complete run they are compared with. These machines' speed varies from day to day, so every
 * throughput is also read as a ratio to the same run's database floor.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_DB_BACKEND } from '../../tools/runtime/db-backend';
import type { BenchResults } from '../run';
import type { PropagationStep } from '../suites/propagation';

/** Targets on 2 cores (issue 22, and issue 11's gateway ratios). */
export const TARGETS = {
  /** Highest sustained changes/s ÷ the database floor's updates/s. */
  propagationVsFloor: 0.5,
  propagationP99MsAt200: 100,
  /** CPU time of every process of the run (the load generator aside) per change, ms. */
  propagationCpuMsPerChange: 5,
  lifecycleOrdersPerSecond: 40,
  /** Orders/s ÷ the cap the database floor sets (its updates/s ÷ the writes an order costs). */
  lifecycleVsCap: 0.5,
  /** The slower history window's orders/s ÷ the faster's. */
  historyRatio: 0.8,
  gatewayVsDirect: 0.5,
  gatewayVsNginx: 0.7,
} as const;

/**
 * Single-document writes one order costs, counted from the code: orders inserts the order's
 * document on create, writes it on approve, fulfill and each of the 4 statuses fulfillment
 * reports, and clears the fulfill request from its outbox (8); fulfillment inserts the
 * fulfillment and its guid key, writes it on each of the 4 steps and clears each step's event
 * from its outbox (10). Recorded with each lifecycle result (`settings.writesPerOrder`), since
 * it changes with the code: results without it are from when it was 19 (orders also wrote a
 * guid key and kept every order inside the customer's document).
 */
export const WRITES_PER_ORDER = 18;
export const WRITES_PER_ORDER_BEFORE_2026_12_07 = 19;

/** The floor: FerretDB updates/s in a 1,000-document collection with 8 callers. */
const FLOOR_DOCUMENTS = 1000;

/** The load generator (and the probes' reader): measuring, not the system measured. */
const NOT_THE_SYSTEM = new Set(['bench']);

export interface CpuPerChange {
  /** Every process of the run but the bench's own, ms of CPU per change. */
  readonly total: number;
  readonly byProcess: Readonly<Record<string, number>>;
}

/**
 * CPU milliseconds per change in a propagation step, per process and in all: each process's
 * CPU time over the step's window ÷ the changes accounts committed within the step (the same
 * count as the "DB ms/change" column). Its CPU time is recorded in ms since 2026-12-07
 * (`cpu.ms`); older results give its share of one core, times the window.
 */
export function cpuMsPerChange(
  step: Pick<PropagationStep, 'durationSeconds' | 'achievedPerSecond' | 'cpu'>,
): CpuPerChange | null {
  const changes = step.achievedPerSecond * step.durationSeconds;
  if (!(changes > 0) || !step.cpu) return null;
  const seconds = step.cpu.seconds ?? step.durationSeconds;
  const byProcess: Record<string, number> = {};
  for (const [name, share] of Object.entries(step.cpu.processes)) {
    if (NOT_THE_SYSTEM.has(name)) continue;
    const ms = step.cpu.ms?.[name] ?? (share / 100) * seconds * 1000;
    byProcess[name] = ms / changes;
  }
  const total = Object.values(byProcess).reduce((sum, ms) => sum + ms, 0);
  return { total, byProcess };
}

export interface GatewayFigures {
  readonly requestsPerSecond: number | null;
  readonly vsDirect: number | null;
  readonly vsNginx: number | null;
}

/** What a run is judged and compared by; null where the run did not measure it. */
export interface KeyFigures {
  /** FerretDB updates/s, 1,000 documents, 8 callers: the database floor. */
  readonly floorUpdatesPerSecond: number | null;
  /** Highest sustained changes/s; 0 when no step was sustained. */
  readonly propagationSustainedPerSecond: number | null;
  readonly propagationSustainedVsFloor: number | null;
  readonly propagationP99MsAt200: number | null;
  readonly propagationSustainedAt200: boolean | null;
  /** At the highest sustained rate (the lowest step when none was sustained). */
  readonly propagationCpuRatePerSecond: number | null;
  readonly propagationCpuMsPerChange: number | null;
  readonly lifecycleOrdersPerSecond: number | null;
  /** The database floor's updates/s ÷ the writes one order costs. */
  readonly lifecycleCapOrdersPerSecond: number | null;
  readonly lifecycleVsCap: number | null;
  readonly lifecycleLost: number | null;
  readonly lifecycleDoubled: number | null;
  readonly lifecycleDeadLetters: number | null;
  /** The slower history window's orders/s ÷ the faster's (`--history a,b`). */
  readonly historyRatio: number | null;
  /** Earlier orders per customer in the history windows compared, e.g. [1, 200]. */
  readonly historyEarlierOrders: number[] | null;
  readonly gateway: Readonly<Record<string, GatewayFigures>>;
}

const ratioOf = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || !b ? null : a / b;

export function keyFigures(results: Pick<BenchResults, 'suites'>): KeyFigures {
  const f = results.suites.floor?.result;
  const p = results.suites.propagation?.result;
  const l = results.suites.lifecycle?.result;
  const g = results.suites.gateway?.result;

  const sizes = f?.database?.sizes ?? [];
  const floorSize = sizes.find((s) => s.documents === FLOOR_DOCUMENTS) ?? sizes.at(-1);
  const floor = floorSize?.concurrentUpdates?.writesPerSecond ?? null;

  const sustained = p ? (p.highestSustainedPerSecond ?? 0) : null;
  const at200 = p?.steps.find((s) => s.ratePerSecond === 200);
  const byRate = [...(p?.steps ?? [])].sort((a, b) => a.ratePerSecond - b.ratePerSecond);
  const cpuStep = sustained
    ? byRate.find((s) => s.ratePerSecond === sustained)
    : (byRate.find((s) => s.ratePerSecond >= 50) ?? byRate[0]);
  const cpu = cpuStep ? cpuMsPerChange(cpuStep) : null;

  const writes = l?.settings?.writesPerOrder ?? WRITES_PER_ORDER_BEFORE_2026_12_07;
  const cap = l && floor !== null ? floor / writes : null;
  const messaging = l?.messaging ?? {};

  const histories = [...(l?.histories ?? [])].sort((a, b) => a.earlierOrders - b.earlierOrders);
  const rates = histories.map((h) => h.window.ordersPerSecond);
  const historyRatio =
    histories.length > 1 ? ratioOf(Math.min(...rates), Math.max(...rates)) : null;

  const gateway: Record<string, GatewayFigures> = {};
  for (const e of g?.endpoints ?? []) {
    gateway[e.endpoint] = {
      requestsPerSecond: e.gateway?.requestsPerSecond ?? null,
      vsDirect: e.gatewayVsDirect ?? null,
      vsNginx: e.gatewayVsNginx ?? null,
    };
  }

  return {
    floorUpdatesPerSecond: floor,
    propagationSustainedPerSecond: sustained,
    propagationSustainedVsFloor: ratioOf(sustained, floor),
    propagationP99MsAt200: at200?.occurredToApplied.p99Ms ?? null,
    propagationSustainedAt200: at200 ? at200.sustained : null,
    propagationCpuRatePerSecond: cpu && cpuStep ? cpuStep.ratePerSecond : null,
    propagationCpuMsPerChange: cpu?.total ?? null,
    lifecycleOrdersPerSecond: l?.window.ordersPerSecond ?? null,
    lifecycleCapOrdersPerSecond: cap,
    lifecycleVsCap: ratioOf(l?.window.ordersPerSecond, cap),
    lifecycleLost: l?.check.lost ?? null,
    lifecycleDoubled: l?.check.doubled ?? null,
    lifecycleDeadLetters: l
      ? (messaging['orders.messaging_dead_lettered_total'] ?? 0) +
        (messaging['fulfillment.messaging_dead_lettered_total'] ?? 0)
      : null,
    historyRatio,
    historyEarlierOrders: histories.length > 1 ? histories.map((h) => h.earlierOrders) : null,
    gateway,
  };
}

/** What the results file records of the run it is compared with. */
export interface PreviousRun {
  /** From the repository root: `bench/results/<date>[-N].json`. */
  readonly file: string;
  readonly figures: KeyFigures;
}

const SUITES = ['floor', 'gateway', 'propagation', 'lifecycle'] as const;
const RUN_NAME = /^(\d{4}-\d{2}-\d{2})(?:-(\d+))?\.json$/;

/**
 * Where a results file's name stands among the runs: by day, then by its `-N` (none is 1), so
 * 2026-12-07-5 < 2026-12-07-10 < 2026-12-08. Null for other files of the folder (`chaos-*`,
 * `audit.json`, `messaging.json`).
 */
export function runOrder(name: string): [string, number] | null {
  const match = RUN_NAME.exec(path.basename(name));
  return match ? [match[1], match[2] ? Number(match[2]) : 1] : null;
}

function before(a: [string, number], b: [string, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/** The backend of a run's own FerretDB, from what it recorded; null for MONGO_URL. */
function backendOf(results: Pick<BenchResults, 'servers' | 'dbBackends'>): string | null {
  if (results.dbBackends && results.dbBackends.length > 1) return null;
  const match = /own FerretDB \((\w+) backend\)/.exec(results.servers?.mongo ?? '');
  return match ? match[1].toLowerCase() : null;
}

/**
 * A run the README's table can stand for, and be compared with: all four suites measured, the
 * open broker (not `--secure`), one FerretDB of its own on the default backend.
 */
export function isCompleteRun(
  results: Pick<BenchResults, 'suites' | 'secure' | 'servers' | 'dbBackends'>,
  defaultBackend: string = DEFAULT_DB_BACKEND,
): boolean {
  return (
    SUITES.every((suite) => results.suites?.[suite]?.result !== undefined) &&
    results.secure !== true &&
    backendOf(results) === defaultBackend
  );
}

/**
 * The newest complete run older than `current` among `names` (results files of one folder),
 * by name order; `read` gives a file's results (it may throw for an unreadable one, skipped).
 */
export function previousCompleteRun(
  current: string,
  names: readonly string[],
  read: (name: string) => BenchResults,
): { name: string; results: BenchResults } | undefined {
  const mine = runOrder(current);
  if (!mine) return undefined;
  const older = names
    .map((name) => ({ name, order: runOrder(name) }))
    .filter((e): e is { name: string; order: [string, number] } => e.order !== null)
    .filter((e) => before(e.order, mine))
    .sort((a, b) => (before(a.order, b.order) ? 1 : -1));
  for (const { name } of older) {
    let results: BenchResults;
    try {
      results = read(name);
    } catch {
      continue;
    }
    if (isCompleteRun(results)) return { name, results };
  }
  return undefined;
}

/** The previous complete run of a results file in its folder, as the file records it. */
export function findPreviousRun(resultsFile: string, root: string): PreviousRun | undefined {
  const dir = path.dirname(path.resolve(root, resultsFile));
  const found = previousCompleteRun(
    path.basename(resultsFile),
    fs.readdirSync(dir),
    (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as BenchResults,
  );
  if (!found) return undefined;
  return {
    file: path.relative(root, path.join(dir, found.name)).split(path.sep).join('/'),
    figures: keyFigures(found.results),
  };
}
