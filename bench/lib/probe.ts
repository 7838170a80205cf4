/**
 * Reading what bench/support/probe.js writes inside the app processes: raw messaging
 * histogram samples and CPU profiles.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AppName } from '../../tools/runtime/apps';
import type { TestStack } from '../../tools/runtime/test-stack';
import { waitUntil } from '../../tools/runtime/wait';
import { type ProfileSummary, summarizeProfileFile } from './cpuprofile';
import { type DatabaseProfile, summarizeDatabaseProfile, takeDatabaseProfile } from './goprofile';
import { round } from './stats';

export type ProbeMetric = 'messaging_event_age_seconds' | 'messaging_publish_delay_seconds';

export interface ProbeSample {
  /** When the app observed it (epoch ms). */
  readonly at: number;
  readonly ms: number;
}

/**
 * Samples of `metric` for `topic` that `app` observed in [fromMs, toMs]. The probe flushes
 * every 200 ms, so callers wait a moment past `toMs` before reading.
 */
export function readSamples(
  probeDir: string,
  app: AppName,
  metric: ProbeMetric,
  topic: string,
  fromMs: number,
  toMs: number,
): ProbeSample[] {
  const samples: ProbeSample[] = [];
  for (const file of fs.readdirSync(probeDir)) {
    if (!file.startsWith(`${app}-`) || !file.endsWith('.samples')) continue;
    for (const line of fs.readFileSync(path.join(probeDir, file), 'utf8').split('\n')) {
      const [at, name, sampleTopic, ms] = line.split(' ');
      if (name !== metric || sampleTopic !== topic) continue;
      const when = Number(at);
      if (when >= fromMs && when <= toMs) samples.push({ at: when, ms: Number(ms) });
    }
  }
  return samples;
}

export interface AppProfile extends ProfileSummary {
  readonly app: AppName;
  /** The .cpuprofile, relative to the repository (git-ignored; open it in Chrome DevTools). */
  readonly file: string;
}

function appPid(stack: TestStack, app: AppName): number {
  const instance = stack.apps.instances.find((candidate) => candidate.app === app);
  if (!instance?.pid) throw new Error(`${app} is not running`);
  return instance.pid;
}

/** FerretDB's side of a profile pass: its profile URL and how long the pass's work lasts. */
export interface DatabaseProfileRequest {
  /** `BenchInfra.databaseProfileUrl`; none (MONGO_URL's server) profiles no database. */
  readonly url: string | undefined;
  readonly seconds: number;
  readonly log: (line: string) => void;
}

/**
 * Profiles the given apps while `work` runs: SIGWINCH starts the probe's in-process V8
 * profiler, the second SIGWINCH writes the profile, which is then summarized. With `database`,
 * FerretDB is profiled over the same time (a Go CPU profile of `seconds`).
 */
export async function profileWhile<T>(
  stack: TestStack,
  probeDir: string,
  apps: readonly AppName[],
  work: () => Promise<T>,
  database?: DatabaseProfileRequest,
): Promise<{ result: T; profiles: AppProfile[]; databaseProfile?: DatabaseProfile }> {
  const pids = apps.map((app) => ({ app, pid: appPid(stack, app) }));
  const existing = new Set(fs.readdirSync(probeDir));
  const databaseFile = path.join(probeDir, `ferretdb-${Date.now()}.pprof`);
  const databaseTaken = database?.url
    ? takeDatabaseProfile(database.url, database.seconds, databaseFile).then(
        () => true,
        (error: Error) => {
          database.log(`FerretDB's CPU profile failed: ${error.message}`);
          return false;
        },
      )
    : Promise.resolve(false);
  for (const { pid } of pids) process.kill(pid, 'SIGWINCH');
  let result: T;
  try {
    result = await work();
  } finally {
    for (const { pid } of pids) process.kill(pid, 'SIGWINCH');
  }
  let databaseProfile: DatabaseProfile | undefined;
  if (await databaseTaken) {
    const summary = summarizeDatabaseProfile(databaseFile);
    if ('profile' in summary) databaseProfile = summary.profile;
    else database?.log(`FerretDB's CPU profile could not be read: ${summary.error}`);
  }
  const profiles: AppProfile[] = [];
  for (const { app, pid } of pids) {
    const file = await waitUntil(
      () =>
        fs
          .readdirSync(probeDir)
          .find(
            (name) =>
              name.startsWith(`${app}-${pid}-`) &&
              name.endsWith('.cpuprofile') &&
              !existing.has(name),
          ),
      { what: `the CPU profile of ${app}`, timeoutMs: 30_000, intervalMs: 100 },
    );
    const full = path.join(probeDir, file);
    profiles.push({
      app,
      file: path.relative(path.resolve(__dirname, '..', '..'), full),
      ...summarizeProfileFile(full, 12),
    });
  }
  return { result, profiles, ...(databaseProfile ? { databaseProfile } : {}) };
}

/** One sample of an app's `/actuator/prometheus`: a metric name, its label text, its value. */
interface PrometheusSample {
  readonly name: string;
  readonly labels: string;
  readonly value: number;
}

/** Every sample an app's Prometheus endpoint shows, read once. */
async function scrapeSamples(url: string): Promise<PrometheusSample[]> {
  const text = await fetch(`${url}/actuator/prometheus`).then((r) => r.text());
  return [...text.matchAll(/^(\w+)(?:\{([^}]*)\})? ([\d.e+-]+)$/gm)].map((match) => ({
    name: match[1],
    labels: match[2] ?? '',
    value: Number(match[3]),
  }));
}

/** Sums values under a key each sample gives, skipping the samples that give none. */
function sumBy(
  samples: readonly PrometheusSample[],
  keyOf: (sample: PrometheusSample) => string | undefined,
): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const sample of samples) {
    const key = keyOf(sample);
    if (key !== undefined) totals[key] = (totals[key] ?? 0) + sample.value;
  }
  return totals;
}

/** Totals of these Prometheus counters (summed over their labels) from an app. */
export async function scrapeCounters(
  url: string,
  names: readonly string[],
): Promise<Record<string, number>> {
  return sumBy(await scrapeSamples(url), (sample) =>
    names.includes(sample.name) ? sample.name : undefined,
  );
}

/** An app's `mongodb_commands_total` by command (find, findAndModify, update…). */
export async function scrapeDatabaseCommands(url: string): Promise<Record<string, number>> {
  return sumBy(await scrapeSamples(url), (sample) =>
    sample.name === 'mongodb_commands_total'
      ? /(?:^|,)command="([^"]+)"/.exec(sample.labels)?.[1]
      : undefined,
  );
}

/** What each counter grew by, for the counters that grew. */
export function diffCounts(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, n]) => [name, n - (before[name] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
}

/** Commands per unit of work (a change, an order), by command, with their total. */
export function commandsPer(
  sent: Record<string, number>,
  units: number,
): Record<string, number> & { total: number } {
  const per = (n: number): number => round(n / Math.max(1, units), 2);
  return {
    ...Object.fromEntries(Object.entries(sent).map(([name, n]) => [name, per(n)])),
    total: per(Object.values(sent).reduce((sum, n) => sum + n, 0)),
  };
}
