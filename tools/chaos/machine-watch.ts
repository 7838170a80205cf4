/**
 * How busy the machine was during the run: the 1-minute load average and the CPU seconds each
 * process of the run used, sampled every five seconds. A fault that heals slowly can then be
 * told apart from a machine that had no CPU left to heal it with, and the process that took
 * the CPU is named.
 */
import fs from 'node:fs';
import os from 'node:os';

const SAMPLE_MS = 5000;
/** Linux reports utime and stime in clock ticks; 100 per second on every common kernel. */
const TICKS_PER_S = 100;

export interface WatchedProcess {
  readonly label: string;
  readonly pid: number | undefined;
}

export interface MachineReport {
  readonly cores: number;
  readonly load1: { readonly p50: number; readonly max: number };
  /** CPU seconds by process label over the run (restarted processes add up). */
  readonly cpuSeconds: Record<string, number>;
  readonly samples: ReadonlyArray<{ readonly atS: number; readonly load1: number }>;
}

/** utime + stime of a live process, in seconds; undefined once it is gone. */
function cpuOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

export class MachineWatch {
  private readonly samples: Array<{ at: number; load1: number }> = [];
  private readonly cpu = new Map<string, number>();
  /** The last CPU reading of each pid, so a restarted process starts from its own zero. */
  private readonly lastByPid = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly processes: () => readonly WatchedProcess[]) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** The highest load seen between two instants (ms since the epoch). */
  loadMax(from: number, to: number): number | undefined {
    const seen = this.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.load1);
    return seen.length ? Math.max(...seen) : undefined;
  }

  report(t0: number): MachineReport {
    const loads = this.samples.map((s) => s.load1).sort((a, b) => a - b);
    const round = (n: number): number => Math.round(n * 100) / 100;
    return {
      cores: os.cpus().length,
      load1: {
        p50: round(loads[Math.floor(loads.length / 2)] ?? 0),
        max: round(loads.at(-1) ?? 0),
      },
      cpuSeconds: Object.fromEntries(
        [...this.cpu].sort(([, a], [, b]) => b - a).map(([label, s]) => [label, round(s)]),
      ),
      samples: this.samples.map((s) => ({ atS: round((s.at - t0) / 1000), load1: s.load1 })),
    };
  }

  private sample(): void {
    this.samples.push({ at: Date.now(), load1: os.loadavg()[0] });
    for (const { label, pid } of this.processes()) {
      if (pid === undefined) continue;
      const now = cpuOf(pid);
      if (now === undefined) continue;
      const before = this.lastByPid.get(pid) ?? 0;
      this.lastByPid.set(pid, now);
      this.cpu.set(label, (this.cpu.get(label) ?? 0) + Math.max(0, now - before));
    }
  }
}
