/**
 * Where FerretDB spends its CPU: a Go CPU profile taken from the `-debug-addr` our FerretDB
 * build serves (infra/ferretdb), read with `go tool pprof` (Go is on every machine that builds
 * FerretDB). Shares are of the profiled CPU time, callees included ("cum"), so they overlap:
 * a find's share contains the decoding of the documents it reads.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface CpuShare {
  readonly name: string;
  /** Share of the CPU time profiled, callees included, in percent. */
  readonly percent: number;
}

export interface DatabaseProfile {
  /** The profile, relative to the repository (git-ignored; `go tool pprof -http` opens it). */
  readonly file: string;
  readonly durationMs: number;
  /** CPU time profiled, as a share of one core over the profile's duration. */
  readonly busyPercent: number;
  /** Each command's handler (find, findAndModify, update…), largest first. */
  readonly byCommand: CpuShare[];
  /** Work that runs under every command, and the garbage collector beside them. */
  readonly inside: CpuShare[];
}

/** Functions whose time, callees included, says what the commands spend it on. */
const INSIDE: ReadonlyArray<readonly [string, RegExp]> = [
  ['decoding stored documents (sjson.Unmarshal)', /\/handler\/sjson\.Unmarshal$/],
  ['encoding documents to store (sjson.Marshal)', /\/handler\/sjson\.Marshal$/],
  ['SQLite statements (sqlite3_step)', /^modernc\.org\/sqlite\/lib\.Xsqlite3_step$/],
  ['SQLite statement preparation', /^modernc\.org\/sqlite\/lib\.Xsqlite3_prepare_v2/],
  ['PostgreSQL client (pgx)', /^github\.com\/jackc\/pgx\/v5\.\(\*Conn\)\.(Query|Exec)$/],
  ['garbage collection', /^runtime\.gcBgMarkWorker$/],
];

const COMMAND = /internal\/handler\.\(\*Handler\)\.Msg(\w+)$/;

/** Asks the server for a CPU profile of the next `seconds` and writes it to `file`. */
export async function takeDatabaseProfile(
  url: string,
  seconds: number,
  file: string,
): Promise<void> {
  const response = await fetch(`${url}/debug/pprof/profile?seconds=${seconds}`, {
    signal: AbortSignal.timeout((seconds + 30) * 1000),
  });
  if (!response.ok) throw new Error(`FerretDB's CPU profile: HTTP ${response.status}`);
  fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()));
}

/** Parses `go tool pprof -top -cum` output into the summary (pure, for the unit test). */
export function parsePprofTop(text: string, file: string): DatabaseProfile {
  const header = /Duration: ([\d.]+)s, Total samples = ([\d.]+)(ms|s)/.exec(text);
  if (!header) throw new Error('no Duration / Total samples line in the pprof output');
  const durationMs = Number(header[1]) * 1000;
  const totalMs = Number(header[2]) * (header[3] === 's' ? 1000 : 1);
  const rows: Array<{ name: string; cumMs: number }> = [];
  for (const line of text.split('\n')) {
    // flat flat% sum% cum cum% name; times in s or ms.
    const row = /^\s*\S+\s+\S+%\s+\S+%\s+([\d.]+)(ms|s)\s+\S+%\s+(.+?)(?: \(inline\))?\s*$/.exec(
      line,
    );
    if (row) rows.push({ name: row[3], cumMs: Number(row[1]) * (row[2] === 's' ? 1000 : 1) });
  }
  const share = (ms: number): number => Math.round((ms / Math.max(totalMs, 1)) * 1000) / 10;
  const byCommand = rows
    .map((row) => ({ command: COMMAND.exec(row.name)?.[1], cumMs: row.cumMs }))
    .filter((row): row is { command: string; cumMs: number } => row.command !== undefined)
    .map((row) => ({
      name: row.command.charAt(0).toLowerCase() + row.command.slice(1),
      percent: share(row.cumMs),
    }))
    .sort((a, b) => b.percent - a.percent);
  const inside = INSIDE.map(([name, pattern]) => ({
    name,
    percent: share(Math.max(0, ...rows.filter((r) => pattern.test(r.name)).map((r) => r.cumMs))),
  })).filter((entry) => entry.percent > 0);
  return {
    file,
    durationMs,
    busyPercent: Math.round((totalMs / Math.max(durationMs, 1)) * 100),
    byCommand,
    inside,
  };
}

/** Summarizes a profile file with `go tool pprof`; undefined (and why) when Go cannot. */
export function summarizeDatabaseProfile(
  file: string,
): { profile: DatabaseProfile } | { error: string } {
  try {
    const text = execFileSync(
      'go',
      ['tool', 'pprof', '-top', '-cum', '-nodecount=100000', '-nodefraction=0', file],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 },
    );
    return {
      profile: parsePprofTop(text, path.relative(path.resolve(__dirname, '..', '..'), file)),
    };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] };
  }
}

/** "busy 50 % of a core; by command: find 28 %, …; inside them: decoding … 23 %, …" */
export function describeDatabaseProfile(profile: DatabaseProfile): string {
  const list = (entries: readonly CpuShare[], count: number): string =>
    entries
      .slice(0, count)
      .map((entry) => `${entry.name} ${entry.percent} %`)
      .join(', ');
  return `busy ${profile.busyPercent} % of a core; by command: ${list(profile.byCommand, 5)}; inside them: ${list(profile.inside, INSIDE.length)}`;
}
