/**
 * CPU used per process over a window, from /proc (Linux): which of the processes sharing the
 * two cores was busy — including the ones a V8 profile cannot see (Kafka's JVM, FerretDB).
 */
import fs from 'node:fs';
import os from 'node:os';

export interface NamedPid {
  readonly name: string;
  readonly pid: number;
  /** Count its child processes too (nginx's workers). */
  readonly children?: boolean;
}

interface Snapshot {
  readonly at: number;
  readonly perProcess: Map<string, number>;
  readonly machineBusy: number;
  readonly machineTotal: number;
}

/** Clock ticks per second of /proc's utime and stime: 100 on every Linux we run on. */
const TICKS = 100;

function childPids(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function processTicks(pid: number, children = false): number | undefined {
  const own = ownTicks(pid);
  if (own === undefined || !children) return own;
  return childPids(pid).reduce((sum, child) => sum + (ownTicks(child) ?? 0), own);
}

function ownTicks(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted from the state field (3rd).
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function machineTicks(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((sum, v) => sum + v, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export function cpuSnapshot(processes: readonly NamedPid[]): Snapshot {
  const perProcess = new Map<string, number>();
  for (const { name, pid, children } of processes) {
    const ticks = processTicks(pid, children);
    if (ticks !== undefined) perProcess.set(name, ticks);
  }
  const machine = machineTicks();
  return {
    at: performance.now(),
    perProcess,
    machineBusy: machine.busy,
    machineTotal: machine.total,
  };
}

export interface CpuUse {
  /** Share of one core per process over the window, in percent (200 % = both cores). */
  readonly processes: Record<string, number>;
  /** Share of all cores busy, in percent. */
  readonly machineBusyPercent: number;
  readonly cores: number;
  /** The window, in seconds (recorded since 2026-12-07). */
  readonly seconds?: number;
  /**
   * CPU time per process over the window, in ms (10 ms ticks; recorded since 2026-12-07): the
   * shares above are rounded to whole percent, too coarse to divide by a step's changes.
   */
  readonly ms?: Record<string, number>;
}

export function cpuSince(start: Snapshot, processes: readonly NamedPid[]): CpuUse {
  const end = cpuSnapshot(processes);
  const seconds = (end.at - start.at) / 1000;
  const result: Record<string, number> = {};
  const ms: Record<string, number> = {};
  for (const [name, ticks] of end.perProcess) {
    const before = start.perProcess.get(name);
    if (before === undefined) continue;
    result[name] = Math.round(((ticks - before) / TICKS / seconds) * 100);
    ms[name] = ((ticks - before) / TICKS) * 1000;
  }
  const total = end.machineTotal - start.machineTotal;
  return {
    processes: result,
    machineBusyPercent:
      total > 0 ? Math.round(((end.machineBusy - start.machineBusy) / total) * 100) : 0,
    cores: os.cpus().length,
    seconds: Math.round(seconds * 1000) / 1000,
    ms,
  };
}
