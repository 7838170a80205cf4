/**
 * The bench's sections of bench/README.md: the last complete run as tables, every figure next
 * to its floor, the target and the previous complete run's, and the FerretDB backends side by
 * side. Rewrites only what lies between the markers (appends the section when they are
 * missing).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { ROOT } from '../../tools/runtime/paths';
import type { BenchResults } from '../run';
import type { CpuUse } from './cpu';
import {
  type CpuPerChange,
  cpuMsPerChange,
  findPreviousRun,
  type KeyFigures,
  keyFigures,
  type PreviousRun,
  TARGETS,
  WRITES_PER_ORDER_BEFORE_2026_12_07,
} from './figures';
import { type DatabaseProfile, describeDatabaseProfile } from './goprofile';
import type { AppProfile } from './probe';
import { ratio } from './stats';
import type { LifecycleWindow } from '../suites/lifecycle';
import type { PropagationStep } from '../suites/propagation';

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';
/** Where the bench writes its sections; the root README only links to it. */
export const BENCH_README = path.join(ROOT, 'bench', 'README.md');

type Triple = { p50Ms: number; p95Ms: number; p99Ms: number };

/** 3 significant figures at most, thousands grouped: 1.23, 12.3, 123, 12,345. */
const num = (value: number | undefined | null): string => {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
};
const times = (value: number | null): string => (value === null ? '–' : `${num(value)}×`);
const pct = (value: number | null): string =>
  value === null ? '–' : `${Math.round(value * 100)} %`;
const int = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US');
const triple = (s: Triple | undefined): string =>
  s ? `${num(s.p50Ms)} / ${num(s.p95Ms)} / ${num(s.p99Ms)}` : '–';

function met(ok: boolean | null): string {
  return ok === null ? 'not measured' : ok ? '**met**' : '**not yet**';
}

/**
 * The busiest processes of a window and what ran beside them: "ferretdb 92 %, accounts 31 %;
 * machine 97 % busy, 4 % of a core outside the run's processes" (other work on the machine, and
 * wrk in the gateway runs).
 */
function cpuCell(cpu: CpuUse | undefined, top = 3): string {
  if (!cpu) return '–';
  const busiest = Object.entries(cpu.processes)
    .filter(([name]) => name !== 'bench')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, share]) => `${name} ${share} %`);
  const ours = Object.values(cpu.processes).reduce((sum, share) => sum + share, 0);
  const others = Math.max(0, Math.round(cpu.machineBusyPercent * cpu.cores - ours));
  return `${busiest.join(', ')}; machine ${cpu.machineBusyPercent} % busy, ${others} % of a core outside the run's processes`;
}

/** `2.05 (find 1, findAndModify 1, update 0.05)`; `–` for results from before it was measured. */
function commandsCell(perChange: PropagationStep['accountsCommandsPerChange'] | undefined): string {
  if (!perChange) return '–';
  const { total, ...byCommand } = perChange;
  const parts = Object.entries(byCommand)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `${name} ${n}`);
  return `${total} (${parts.join(', ')})`;
}

/** "Database commands per order carried: orders 17.7 (find 9.3, …), fulfillment …. " */
function lifecycleCommands(perOrder: LifecycleWindow['databaseCommandsPerOrder']): string {
  if (!perOrder) return '';
  const services = Object.entries(perOrder)
    .filter(([, commands]) => commands.total >= 0.5)
    .map(([service, commands]) => `${service} ${commandsCell(commands)}`);
  return `Database commands per order carried (background work included): ${services.join(', ')}. `;
}

/**
 * The database's CPU time over a window per unit of work done in it, in ms (when it is ours):
 * FerretDB's, and PostgreSQL's beside it on that backend.
 */
function databaseMsPer(cpu: CpuUse | undefined, seconds: number, units: number): number | null {
  const share = cpu?.processes.ferretdb;
  if (share === undefined || units === 0) return null;
  return (((share + (cpu?.processes.postgres ?? 0)) / 100) * seconds * 1000) / units;
}

function topOf(profile: AppProfile): string {
  const packages = profile.byPackage
    .slice(0, 4)
    .map((e) => `${e.name} ${e.percent} %`)
    .join(', ');
  const functions = profile.topFunctions
    .slice(0, 3)
    .map((e) => `\`${e.name}\`${e.location ? ` (${e.location})` : ''} ${e.percent} %`)
    .join(', ');
  return `busy ${profile.busyPercent} % of the time; by package: ${packages}; top functions: ${functions}`;
}

/** The figure, or `–` when the run did not measure it. */
const known = <T>(value: T | null | undefined, show: (value: T) => string): string =>
  value === null || value === undefined ? '–' : show(value);

/** Met when every figure it needs was measured and `ok`; not measured otherwise. */
function judged<T>(value: T | null | undefined, ok: (value: T) => boolean): string {
  return met(value === null || value === undefined ? null : ok(value));
}

interface TargetRow {
  readonly target: string;
  readonly cell: (figures: KeyFigures) => string;
  readonly ok: (figures: KeyFigures) => string;
}

/**
 * The targets of issue 22 (and issue 11's gateway ratios), each with this run's figure, the
 * previous complete run's and whether this run meets it.
 */
function targetRows(endpoints: readonly string[]): TargetRow[] {
  const floorShare = (f: KeyFigures) =>
    `${known(f.propagationSustainedPerSecond, (n) => `${int(n)} changes/s`)}, ${pct(f.propagationSustainedVsFloor)} of ${known(f.floorUpdatesPerSecond, int)} updates/s`;
  return [
    {
      target: `propagation: highest sustained rate ≥ ${pct(TARGETS.propagationVsFloor)} of the database floor (FerretDB updates/s, 1,000 documents, 8 callers; ≥ 400/s wherever the floor is ≥ 800/s)`,
      cell: floorShare,
      ok: (f) => judged(f.propagationSustainedVsFloor, (r) => r >= TARGETS.propagationVsFloor),
    },
    {
      target: `propagation: p99 occurred → applied ≤ ${TARGETS.propagationP99MsAt200} ms at 200 changes/s`,
      cell: (f) =>
        known(
          f.propagationP99MsAt200,
          (ms) => `${num(ms)} ms${f.propagationSustainedAt200 === false ? ', not sustained' : ''}`,
        ),
      ok: (f) =>
        judged(
          f.propagationP99MsAt200,
          (ms) => f.propagationSustainedAt200 === true && ms <= TARGETS.propagationP99MsAt200,
        ),
    },
    {
      target: `propagation: CPU per change, all processes, ≤ ${TARGETS.propagationCpuMsPerChange} ms at the highest sustained rate (per process: the propagation table)`,
      cell: (f) =>
        known(
          f.propagationCpuMsPerChange,
          (ms) => `${num(ms)} ms at ${f.propagationCpuRatePerSecond}/s`,
        ),
      ok: (f) =>
        judged(f.propagationCpuMsPerChange, (ms) => ms <= TARGETS.propagationCpuMsPerChange),
    },
    {
      target: `lifecycle: ≥ ${TARGETS.lifecycleOrdersPerSecond} orders/s`,
      cell: (f) => known(f.lifecycleOrdersPerSecond, (n) => `${num(n)} orders/s`),
      ok: (f) => judged(f.lifecycleOrdersPerSecond, (n) => n >= TARGETS.lifecycleOrdersPerSecond),
    },
    {
      target: 'lifecycle: 0 lost, 0 doubled, 0 dead letters',
      cell: (f) =>
        `${known(f.lifecycleLost, int)} lost, ${known(f.lifecycleDoubled, int)} doubled, ${known(f.lifecycleDeadLetters, int)} dead letters`,
      ok: (f) =>
        met(
          f.lifecycleLost === null || f.lifecycleDoubled === null || f.lifecycleDeadLetters === null
            ? null
            : f.lifecycleLost + f.lifecycleDoubled + f.lifecycleDeadLetters === 0,
        ),
    },
    {
      target: `lifecycle: ≥ ${pct(TARGETS.lifecycleVsCap)} of the cap the database floor sets (its updates/s ÷ the writes an order costs)`,
      cell: (f) =>
        `${pct(f.lifecycleVsCap)} of ${known(f.lifecycleCapOrdersPerSecond, (n) => `${num(n)} orders/s`)}`,
      ok: (f) => judged(f.lifecycleVsCap, (r) => r >= TARGETS.lifecycleVsCap),
    },
    {
      target: `history independence: the lifecycle's orders/s with customers holding 1 and 200 earlier orders within 20 % (slower ÷ faster ≥ ${pct(TARGETS.historyRatio)})`,
      cell: (f) =>
        known(
          f.historyRatio,
          (r) => `${pct(r)} (${f.historyEarlierOrders?.map(int).join(' and ')} earlier orders)`,
        ),
      ok: (f) => judged(f.historyRatio, (r) => r >= TARGETS.historyRatio),
    },
    ...endpoints.flatMap((endpoint): TargetRow[] => [
      {
        target: `gateway ≥ ${pct(TARGETS.gatewayVsDirect)} of direct req/s, \`${endpoint}\``,
        cell: (f) => pct(f.gateway[endpoint]?.vsDirect ?? null),
        ok: (f) => judged(f.gateway[endpoint]?.vsDirect, (r) => r >= TARGETS.gatewayVsDirect),
      },
      {
        target: `gateway ≥ ${pct(TARGETS.gatewayVsNginx)} of nginx's req/s, \`${endpoint}\``,
        cell: (f) => pct(f.gateway[endpoint]?.vsNginx ?? null),
        ok: (f) => judged(f.gateway[endpoint]?.vsNginx, (r) => r >= TARGETS.gatewayVsNginx),
      },
    ]),
  ];
}

function previousNote(previous: PreviousRun | undefined): string {
  return previous ? `[\`${path.basename(previous.file)}\`](${previous.file})` : 'none found';
}

export function targetsTable(now: KeyFigures, previous: PreviousRun | undefined): string[] {
  const endpoints = Object.keys(now.gateway);
  return [
    `**Where we stand** against the targets on 2 cores (issue 22; the gateway's from issue 11), next to the previous complete run (${previousNote(previous)}):`,
    '',
    '| target | this run | previous run | this run meets it |',
    '| --- | --- | --- | --- |',
    ...targetRows(endpoints).map(
      (row) =>
        `| ${row.target} | ${row.cell(now)} | ${previous ? row.cell(previous.figures) : '–'} | ${row.ok(now)} |`,
    ),
  ];
}

/**
 * Each throughput next to the previous run's, and as a ratio to the same run's floor: these
 * machines' speed varies from day to day, a ratio less so.
 */
function throughputTable(
  now: KeyFigures,
  previous: PreviousRun | undefined,
  endpoints: readonly { endpoint: string; direct?: { requestsPerSecond: number } }[],
): string[] {
  const before = previous?.figures;
  const rows: [string, (f: KeyFigures) => string, (f: KeyFigures) => string][] = [
    [
      'database floor: FerretDB updates/s, 1,000 documents, 8 callers',
      (f) => known(f.floorUpdatesPerSecond, int),
      () => '',
    ],
    [
      'propagation: highest sustained changes/s',
      (f) => known(f.propagationSustainedPerSecond, int),
      (f) => `${pct(f.propagationSustainedVsFloor)} of the floor`,
    ],
    [
      'lifecycle: orders/s',
      (f) => known(f.lifecycleOrdersPerSecond, num),
      (f) =>
        `${pct(f.lifecycleVsCap)} of the floor's cap (${known(f.lifecycleCapOrdersPerSecond, num)})`,
    ],
    ['history independence: slower ÷ faster window', (f) => pct(f.historyRatio), () => ''],
    ...endpoints.map(
      ({ endpoint }): [string, (f: KeyFigures) => string, (f: KeyFigures) => string] => [
        `gateway: req/s through the gateway, \`${endpoint}\``,
        (f) => known(f.gateway[endpoint]?.requestsPerSecond, int),
        (f) => `${pct(f.gateway[endpoint]?.vsDirect ?? null)} of direct`,
      ],
    ),
  ];
  return [
    `**Throughput**, next to the previous complete run's (${previousNote(previous)}) and as a ratio to the same run's floor — the database's updates/s for propagation, the cap it sets for the lifecycle (updates/s ÷ writes per order), direct requests for the gateway:`,
    '',
    "| | this run | ÷ this run's floor | previous run | ÷ its floor |",
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      ([label, value, vsFloor]) =>
        `| ${label} | ${value(now)} | ${vsFloor(now)} | ${before ? value(before) : '–'} | ${before ? vsFloor(before) : '–'} |`,
    ),
  ];
}

/** `31.4 (accounts 9, ferretdb 7.6, …)`: CPU ms per change in all and per process, busiest first. */
function cpuPerChangeCell(cpu: CpuPerChange | null): string {
  if (!cpu) return '–';
  const parts = Object.entries(cpu.byProcess)
    .sort(([, a], [, b]) => b - a)
    .map(([name, ms]) => `${name} ${num(ms)}`);
  return `${num(cpu.total)} (${parts.join(', ')})`;
}

export function renderSection(
  results: BenchResults,
  resultsFile: string,
  previous?: PreviousRun,
): string {
  const { floor, gateway, propagation, lifecycle } = results.suites;
  const f = floor?.result;
  const g = gateway?.result;
  const p = propagation?.result;
  const l = lifecycle?.result;
  /** The floor at the same rate, or at the nearest measured rate above it (the lowest is 50/s). */
  const kafkaAt = (rate: number) => {
    const trips = [...(f?.kafka.roundTrips ?? [])].sort(
      (a, b) => a.ratePerSecond - b.ratePerSecond,
    );
    return trips.find((r) => r.ratePerSecond >= rate) ?? trips.at(-1);
  };
  const lines: string[] = [START, '', '## Last complete run', ''];
  lines.push(
    'Written by `npm run bench` from its last complete run (all four suites, open broker, default backend): ' +
      `${results.date.slice(0, 10)}, \`--${results.mode}\`, ${Math.round(results.totalSeconds / 60)} min, ` +
      `${results.machine.cpus} × ${results.machine.cpuModel}, ${Math.round(results.machine.totalMemoryMiB / 1024)} GiB, ` +
      `Node ${results.versions.node}, Kafka ${results.versions.kafka}, FerretDB ${results.versions.ferretdb}` +
      `${results.versions.git ? ` at ${results.versions.git.commit}${results.versions.git.dirty ? ' with local changes' : ''}` : ''}. ` +
      `Load average (1 / 5 / 15 min) before the run ${results.loadAverage.before.join(' / ')} — other work ` +
      `shares the machine while it is above about 0.5 — and ${results.loadAverage.after.join(' / ')} after it, ` +
      `the run's own load. Every figure is in [\`${resultsFile}\`](${resultsFile}).`,
    '',
  );
  const failed = Object.entries(results.suites).filter(([, run]) => run?.error || run?.skipped);
  for (const [name, run] of failed) {
    lines.push(
      `> ${name}: ${run?.skipped ? `skipped: ${run.skipped}` : `failed: ${run?.error?.split('\n')[0]}`}`,
      '',
    );
  }

  const now = keyFigures(results);
  lines.push(
    ...targetsTable(now, previous),
    '',
    ...throughputTable(now, previous, results.suites.gateway?.result?.endpoints ?? []),
    '',
  );

  if (p) {
    lines.push(
      `**Propagation**: a customer change committed in accounts → applied in the orders replica, ${p.settings.customers} customers. ` +
        "(a) the event's occurred-at → applied, every change; (b) the PATCH's answer → readable " +
        "through orders' API, a polled sample. Milliseconds, p50 / p95 / p99. Floor: the raw Kafka " +
        'produce → consume round trip at the same rate (or the nearest measured rate above it). CPU: share of one core over the step; ' +
        "DB ms/change: FerretDB's CPU time over the step ÷ the changes committed in it (polling reads and background work included); " +
        "CPU ms/change: the same for every process of the run (the bench's own, the load generator, aside), in all and per process, busiest first.",
      '',
      '| changes/s | (a) occurred → applied | (b) answered → readable | accounts PATCH | occurred → Kafka ack | Kafka floor | (a) p99 ÷ floor p99 | sustained | CPU | DB ms/change | CPU ms/change: total (per process) | accounts DB commands/change |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const step of p.steps) {
      const floor = kafkaAt(step.ratePerSecond);
      const floorTrip = floor?.roundTrip;
      const floorNote =
        floor && floor.ratePerSecond !== step.ratePerSecond ? ` (at ${floor.ratePerSecond}/s)` : '';
      lines.push(
        `| ${step.ratePerSecond} | ${triple(step.occurredToApplied)} | ${triple(step.returnToReadable)} | ${triple(step.patchLatency)} | ${triple(step.occurredToPublished)} | ${triple(floorTrip)}${floorNote} | ${times(ratio(step.occurredToApplied.p99Ms, floorTrip?.p99Ms))} | ${step.sustained ? 'yes' : `no: ${int(step.achievedPerSecond)}/s committed`} | ${cpuCell(step.cpu)} | ${num(databaseMsPer(step.cpu, step.durationSeconds, step.achievedPerSecond * step.durationSeconds))} | ${cpuPerChangeCell(cpuMsPerChange(step))} | ${commandsCell(step.accountsCommandsPerChange)} |`,
      );
    }
    lines.push(
      '',
      `Highest sustained rate: **${p.highestSustainedPerSecond === null ? `below ${Math.min(...p.steps.map((s) => s.ratePerSecond))}` : p.highestSustainedPerSecond} changes/s**` +
        (p.lowestUnsustainedPerSecond ? ` (${p.lowestUnsustainedPerSecond}/s was not)` : '') +
        `. A step is sustained when accounts commits ≥ 95 % of the scheduled changes, the median of (a) over the step's last third is not both twice and 250 ms above its first third's, and every change is applied within 5 s of the step's end.`,
      '',
    );
  }

  if (l) {
    const check = l.check;
    const deadLetters =
      (l.messaging['orders.messaging_dead_lettered_total'] ?? 0) +
      (l.messaging['fulfillment.messaging_dead_lettered_total'] ?? 0);
    lines.push(
      `**Order lifecycle**: **${l.window.ordersPerSecond} orders/s** carried create → approve → fulfill → process → ship → in-transit → receive over ${l.window.seconds} s, ` +
        `${l.settings.concurrency} orders walked at a time. One walk (8 calls and 2 Kafka hops) p50 ${num(l.window.orderLatency.p50Ms)} ms, p99 ${num(l.window.orderLatency.p99Ms)} ms; ` +
        `fulfill → fulfillment has the request p50 ${num(l.window.fulfillRequestDelay.p50Ms)} ms; a status event → applied in orders p50 ${num(l.window.statusEventAge.p50Ms)} ms, p99 ${num(l.window.statusEventAge.p99Ms)} ms. ` +
        `CPU: ${cpuCell(l.window.cpu, 4)}; FerretDB's CPU time per order carried: ${num(databaseMsPer(l.window.cpu, l.window.seconds, l.window.completedInWindow))} ms. ` +
        lifecycleCommands(l.window.databaseCommandsPerOrder) +
        `Checked at the end, all ${int(check.orders)} orders: ${int(check.exact)} exact histories, **${check.lost} lost, ${check.doubled} doubled**, ${check.otherwiseWrong} otherwise wrong, ${deadLetters} dead letters.`,
      '',
    );
    const runs = l.histories ?? [];
    if (runs.length > 1) {
      const [first] = runs;
      lines.push(
        `**History independence**: the lifecycle again on customers that already held earlier orders (received, written into orders' database before the walks), ${l.settings.windowSeconds} s each: ` +
          runs
            .map(
              (run) =>
                `${int(run.earlierOrders)} earlier order${run.earlierOrders === 1 ? '' : 's'} per customer → **${run.window.ordersPerSecond} orders/s** (walk p50 ${num(run.window.orderLatency.p50Ms)} ms)`,
            )
            .join('; ') +
          `. Ratio to the first: ${runs
            .slice(1)
            .map((run) => pct(ratio(run.window.ordersPerSecond, first.window.ordersPerSecond)))
            .join(', ')} (target: the slower window within 20 % of the faster).`,
        '',
      );
    }
    if (now.lifecycleCapOrdersPerSecond !== null) {
      lines.push(
        `Floor: an order costs about ${l.settings.writesPerOrder ?? WRITES_PER_ORDER_BEFORE_2026_12_07} single-document writes (counted from the code, most after a read), and FerretDB does ${int(now.floorUpdatesPerSecond ?? undefined)} updates/s in a 1,000-document collection with 8 callers, so the database alone caps the lifecycle near ${int(now.lifecycleCapOrdersPerSecond)} orders/s; the run reached ${pct(now.lifecycleVsCap)} of that.`,
        '',
      );
    }
  }

  if (g) {
    lines.push(
      `**Gateway**: the same accounts instance directly, through the gateway and through nginx (${g.nginx}); wrk with ${g.wrk.threads} thread and ${g.wrk.connections} connections, ${g.wrk.seconds} s each after ${g.wrk.warmUpSeconds} s of warm-up. Requests/s (p50 / p99 ms).`,
      '',
      '| endpoint | direct | gateway | nginx | gateway ÷ direct | gateway ÷ nginx | CPU through the gateway |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const e of g.endpoints) {
      const cell = (r?: { requestsPerSecond: number; p50Ms: number; p99Ms: number }) =>
        r ? `${int(r.requestsPerSecond)} (${num(r.p50Ms)} / ${num(r.p99Ms)})` : '–';
      lines.push(
        `| \`${e.endpoint}\` | ${cell(e.direct)} | ${cell(e.gateway)} | ${cell(e.nginx)} | ${pct(e.gatewayVsDirect)} | ${pct(e.gatewayVsNginx)} | ${cpuCell(e.cpu.gateway)} |`,
      );
    }
    lines.push('');
  }

  if (f) {
    lines.push(
      "**The floor**: the messaging lib's own producer (idempotent, acks=all, one request in flight) → a consumer run like ours, on the same broker, contract-sized records; FerretDB single-document operations with the mongodb driver.",
      '',
      '| | p50 / p95 / p99 ms | throughput |',
      '| --- | --- | --- |',
    );
    for (const trip of f.kafka.roundTrips) {
      lines.push(
        `| Kafka produce → consume at ${trip.ratePerSecond}/s | ${triple(trip.roundTrip)} | |`,
      );
    }
    for (const t of f.kafka.throughput) {
      lines.push(
        `| Kafka, ${t.recordsPerSend} record${t.recordsPerSend > 1 ? 's' : ''} per send, ${t.concurrentSenders} senders | | ${int(t.producedPerSecond)} produced/s, ${int(t.consumedPerSecond)} consumed/s |`,
      );
    }
    lines.push(`| FerretDB insert, one at a time | ${triple(f.database.insert)} | |`);
    for (const size of f.database.sizes) {
      const docs = `${int(size.documents)} documents`;
      lines.push(
        `| FerretDB find by _id, ${docs} | ${triple(size.findById)} | |`,
        `| FerretDB find by _id and one more condition, ${docs} | ${triple(size.findByIdAndCondition)} | |`,
        `| FerretDB update by _id, ${docs} | ${triple(size.updateById)} | |`,
        `| FerretDB updates, ${docs}, ${size.concurrentUpdates.concurrency} callers | ${triple(size.concurrentUpdates.latency)} | ${int(size.concurrentUpdates.writesPerSecond)} updates/s |`,
      );
    }
    lines.push('');
  }

  const profiles = [
    ...(p?.profiles ?? []).map((profile) => ({
      where: `propagation at ${p?.profileRatePerSecond}/s`,
      profile,
    })),
    ...(l?.profiles ?? []).map((profile) => ({ where: 'lifecycle', profile })),
    ...(g?.profiles ?? []).map((profile) => ({ where: 'gateway under wrk', profile })),
  ];
  if (profiles.length > 0) {
    lines.push(
      '**Where the CPU goes** in the apps (V8 CPU profiles, self time, taken in separate passes so the profiler stays out of the figures above; the `.cpuprofile` files open in Chrome DevTools):',
      '',
    );
    for (const { where, profile } of profiles) {
      lines.push(`- ${profile.app}, ${where}: ${topOf(profile)}`);
    }
    lines.push('');
  }
  const databaseProfiles = [
    { where: `propagation at ${p?.profileRatePerSecond}/s`, profile: p?.databaseProfile },
    { where: 'lifecycle', profile: l?.databaseProfile },
  ].filter((entry): entry is { where: string; profile: DatabaseProfile } => !!entry.profile);
  if (databaseProfiles.length > 0) {
    lines.push(
      '**Where FerretDB spends its CPU** in the same passes (Go CPU profiles from its `-debug-addr`, time including callees, so the shares overlap; `go tool pprof -http` opens the `.pprof` files):',
      '',
    );
    for (const { where, profile } of databaseProfiles) {
      lines.push(`- ${where}: ${describeDatabaseProfile(profile)}`);
    }
    lines.push('');
  }
  lines.push(END);
  return lines.join('\n');
}

export const BACKENDS_START = '<!-- bench-backends:start -->';
export const BACKENDS_END = '<!-- bench-backends:end -->';

const BACKEND_NAMES: Record<string, string> = { sqlite: 'SQLite', postgresql: 'PostgreSQL' };

/** The "FerretDB backends" section: one run's suites on each backend, side by side. */
export function renderBackendsSection(results: BenchResults, resultsFile: string): string {
  const runs = results.dbBackends ?? [];
  const header = `| | ${runs.map((r) => BACKEND_NAMES[r.backend] ?? r.backend).join(' | ')} |`;
  const rule = `| --- |${runs.map(() => ' --- |').join('')}`;
  const row = (label: string, cell: (run: (typeof runs)[number]) => string): string =>
    `| ${label} | ${runs.map(cell).join(' | ')} |`;
  const floorOf = (run: (typeof runs)[number]) => run.suites.floor?.result?.database;
  const lifeOf = (run: (typeof runs)[number]) => run.suites.lifecycle?.result;
  const lines: string[] = [BACKENDS_START, '', '## FerretDB backends, side by side', ''];
  lines.push(
    `\`npm run bench -- --only ${Object.keys(results.suites).join(',')} --db-backend ${runs.map((r) => r.backend).join(',')}\`: ` +
      `the same suites on each backend in turn, each with a Kafka, a FerretDB (and a PostgreSQL) of its own. ` +
      `Run ${results.date.slice(0, 10)}, \`--${results.mode}\`, ${results.machine.cpus} × ${results.machine.cpuModel}` +
      `${results.versions.git ? `, at ${results.versions.git.commit}${results.versions.git.dirty ? ' with local changes' : ''}` : ''}; ` +
      `every figure is in [\`${resultsFile}\`](${resultsFile}). Which backend is the default, and why: [ADR 0003](docs/adr/0003-ferretdb-id-lookup-patches.md).`,
    '',
    header,
    rule,
  );
  lines.push(
    row(
      'load average (1 / 5 / 15 min) before → after',
      (r) => `${r.loadAverage.before.join(' / ')} → ${r.loadAverage.after.join(' / ')}`,
    ),
  );
  lines.push(
    row('floor: insert, one at a time, p50 / p95 / p99 ms', (r) => triple(floorOf(r)?.insert)),
  );
  const sizes = floorOf(runs[0])?.sizes ?? [];
  sizes.forEach((size, i) => {
    const docs = `${int(size.documents)} documents`;
    lines.push(
      row(`floor: find by _id and one more condition, ${docs}, ms`, (r) =>
        triple(floorOf(r)?.sizes[i]?.findByIdAndCondition),
      ),
      row(`floor: update by _id, ${docs}, ms`, (r) => triple(floorOf(r)?.sizes[i]?.updateById)),
      row(
        `floor: **updates/s**, ${docs}, ${size.concurrentUpdates.concurrency} callers`,
        (r) => `**${int(floorOf(r)?.sizes[i]?.concurrentUpdates.writesPerSecond)}**`,
      ),
      row(`floor: database CPU per update, ${docs}, 8 callers, ms`, (r) =>
        num(floorOf(r)?.sizes[i]?.concurrentUpdates.databaseMsPerUpdate),
      ),
    );
  });
  lines.push(
    row('lifecycle: **orders/s**', (r) => `**${num(lifeOf(r)?.window.ordersPerSecond)}**`),
    row('lifecycle: one walk, p50 / p99 ms', (r) => {
      const l = lifeOf(r);
      return l ? `${num(l.window.orderLatency.p50Ms)} / ${num(l.window.orderLatency.p99Ms)}` : '–';
    }),
    row('lifecycle: database CPU per order, ms', (r) => {
      const l = lifeOf(r);
      return l
        ? num(databaseMsPer(l.window.cpu, l.window.seconds, l.window.completedInWindow))
        : '–';
    }),
    row('lifecycle: CPU', (r) => cpuCell(lifeOf(r)?.window.cpu, 4)),
    row('lifecycle: orders checked; lost, doubled, otherwise wrong', (r) => {
      const c = lifeOf(r)?.check;
      return c ? `${int(c.orders)}; ${c.lost}, ${c.doubled}, ${c.otherwiseWrong}` : '–';
    }),
  );
  for (const run of runs) {
    for (const [name, suite] of Object.entries(run.suites)) {
      if (suite?.error || suite?.skipped) {
        lines.push(
          '',
          `> ${run.backend}, ${name}: ${suite.skipped ? `skipped: ${suite.skipped}` : `failed: ${suite.error?.split('\n')[0]}`}`,
        );
      }
    }
  }
  lines.push('', BACKENDS_END);
  return lines.join('\n');
}

/** Rewrites the backends section (after the bench section, or at the end when new). */
export async function updateReadmeBackends(
  results: BenchResults,
  resultsFile: string,
  file = BENCH_README,
): Promise<void> {
  const section = (
    await formatted(rebaseLinks(renderBackendsSection(results, resultsFile), file), 'markdown')
  ).trimEnd();
  const readme = fs.readFileSync(file, 'utf8');
  const start = markerAt(readme, BACKENDS_START);
  const end = markerAt(readme, BACKENDS_END);
  const benchEnd = markerAt(readme, END);
  const next =
    start !== -1 && end > start
      ? `${readme.slice(0, start)}${section}${readme.slice(end + BACKENDS_END.length)}`
      : benchEnd !== -1
        ? `${readme.slice(0, benchEnd + END.length)}\n\n${section}${readme.slice(benchEnd + END.length)}`
        : `${readme.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}

/** `<dir>/<name>.json`, or `<name>-2.json`, `-3`… when a run of the same day has it already. */
export function resultsFile(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (let n = 1; ; n += 1) {
    const file = path.join(dir, `${name}${n === 1 ? '' : `-${n}`}.json`);
    if (!fs.existsSync(file)) return file;
  }
}

export async function formatted(text: string, parser: 'markdown' | 'json'): Promise<string> {
  const config = (await prettier.resolveConfig(BENCH_README)) ?? {};
  return prettier.format(text, { ...config, parser });
}

/**
 * Rewrites the last complete run's section; the run is compared with the previous complete run
 * its results file records, or, for a file from before it recorded one, the one found beside it.
 */
export async function updateReadme(
  results: BenchResults,
  resultsFile: string,
  file = BENCH_README,
): Promise<void> {
  const previous = results.previous ?? findPreviousRun(resultsFile, ROOT);
  await replaceReadmeSection(renderSection(results, resultsFile, previous), START, END, file);
}

/** Where `marker` stands on a line of its own (the prose may name it in backticks), or -1. */
export function markerAt(text: string, marker: string): number {
  const line = new RegExp(`^${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(text);
  return line ? line.index : -1;
}

/**
 * The sections are rendered with links from the repository root (`bench/results/….json`);
 * written into `file`, each relative link must start from that file's folder instead.
 */
export function rebaseLinks(markdown: string, file: string): string {
  const folder = path.dirname(file);
  return markdown.replace(
    /\]\(([^)\s#]+)(#[^)\s]*)?\)/g,
    (link, target: string, anchor: string | undefined) =>
      /^[a-z][a-z\d+.-]*:/i.test(target) || target.startsWith('/')
        ? link
        : `](${path.relative(folder, path.join(ROOT, target)).split(path.sep).join('/')}${anchor ?? ''})`,
  );
}

/**
 * Puts `section` (markdown, from its `startMarker` to its `endMarker` line, links from the
 * repository root) in the markdown `file` in place of what lies between the markers, or appends
 * it when they are missing.
 */
export async function replaceReadmeSection(
  section: string,
  startMarker: string,
  endMarker: string,
  file: string,
): Promise<void> {
  const text = (await formatted(rebaseLinks(section, file), 'markdown')).trimEnd();
  const readme = fs.readFileSync(file, 'utf8');
  const start = markerAt(readme, startMarker);
  const end = markerAt(readme, endMarker);
  const next =
    start !== -1 && end > start
      ? `${readme.slice(0, start)}${text}${readme.slice(end + endMarker.length)}`
      : `${readme.trimEnd()}\n\n${text}\n`;
  fs.writeFileSync(file, next);
}

/** `npx tsx bench/lib/report.ts bench/results/<file>.json` rewrites bench/README.md's section from a results file. */
if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/lib/report.ts bench/results/<file>.json\n');
    process.exit(2);
  }
  const results = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults;
  const relative = path.relative(ROOT, path.resolve(file));
  void (results.dbBackends ? updateReadmeBackends : updateReadme)(results, relative);
}
