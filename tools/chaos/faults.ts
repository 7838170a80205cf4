/**
 * Carries out a fault schedule (chaos.rules.ts planFaults) against the running system: SIGKILL
 * of an app instance and its restart, SIGSTOP of a consumer for longer than its session
 * timeout and then SIGCONT, SIGKILL and restart of a Kafka broker or of the database server.
 * Each fault is timed from the signal until what it broke is ready again.
 */
import type { RestartableServer } from '../../bench/lib/infra';
import type { SupervisedApp } from '../runtime/apps';
import { waitUntil } from '../runtime/wait';
import { type FaultKind, type PlannedFault, pickTarget } from './chaos.rules';
import type { RegistryWatch } from './registry-watch';

export interface FaultRecord {
  readonly kind: FaultKind;
  /** e.g. `orders#2`, `kafka-chaos-1`. */
  readonly target: string;
  /** Planned and actual start, seconds after the workload started. */
  readonly plannedAtS: number;
  readonly startedAtS: number;
  /** From the signal until the target (and, after a server fault, every app) was ready again. */
  readonly healMs: number | null;
  /** Instances the registry listed as not UP (or not at all) while the fault lasted. */
  readonly registryMarked?: number;
  readonly error?: string;
  /** The highest 1-minute load average seen from the signal until healed (the results only). */
  readonly load1Max?: number;
  /** Not injected: the fault before it healed too late for it to start before `lastStartMs`. */
  readonly skipped?: boolean;
}

export interface FaultWindow {
  readonly kind: FaultKind;
  readonly from: number;
  readonly to: number;
}

export interface AppTarget {
  /** `<app>#<n>`: stable across runs, whatever port the instance got. */
  readonly label: string;
  readonly instance: SupervisedApp;
}

export interface FaultTargets {
  readonly apps: readonly AppTarget[];
  /** What the registry says of the apps that register (all but the registry itself). */
  readonly registry: RegistryWatch;
  readonly brokers: readonly RestartableServer[];
  readonly database: RestartableServer;
}

export const portOf = (app: AppTarget): number => Number(new URL(app.instance.url).port);

/** The instances that register with the registry: every app but the registry itself. */
export const registered = (apps: readonly AppTarget[]): AppTarget[] =>
  apps.filter((app) => app.instance.app !== 'registry');

/**
 * Every app instance answers readiness 200 (after a server fault they reconnect by themselves).
 * On a timeout the error names the instances still unready and what their readiness said.
 */
export async function allReady(apps: readonly AppTarget[], timeoutMs: number): Promise<void> {
  let unready: string[] = [];
  await waitUntil(
    async () => {
      const answers = await Promise.all(
        apps.map((app) =>
          fetch(`${app.instance.url}/actuator/health/readiness`, {
            signal: AbortSignal.timeout(2000),
          }).then(
            async (response) =>
              response.ok ? '' : `${app.label} ${response.status} ${await response.text()}`,
            (error: Error) => `${app.label} ${error.message}`,
          ),
        ),
      );
      unready = answers.filter(Boolean);
      return unready.length === 0;
    },
    {
      what: 'every app instance to be ready',
      timeoutMs,
      intervalMs: 250,
      detail: () => unready.map((line) => line.slice(0, 400)).join('\n'),
    },
  );
}

export class FaultInjector {
  readonly records: FaultRecord[] = [];
  readonly windows: FaultWindow[] = [];
  /** Targets being broken or healed now: a planned fault on one of them takes another. */
  private readonly busy = new Set<string>();
  private readonly stopped = new Set<number>();
  /** The non-kill faults run one after the other, never two at once. */
  private exclusive: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private cancelled = false;
  private lastStartAt = Infinity;

  constructor(
    private readonly targets: FaultTargets,
    private readonly options: {
      /** How long a stopped consumer stays stopped (longer than its session timeout). */
      readonly stopMs: number;
      readonly healTimeoutMs: number;
      readonly log: (line: string) => void;
    },
  ) {}

  /**
   * Schedules every fault relative to `t0`; resolves once each has run and healed. A fault that
   * waited for the one before it past `lastStartMs` (after `t0`) is skipped: the run stays
   * bounded in time.
   */
  async run(plan: readonly PlannedFault[], t0: number, lastStartMs: number): Promise<void> {
    this.lastStartAt = t0 + lastStartMs;
    await Promise.all(
      plan.map(
        (fault) =>
          new Promise<void>((resolve) => {
            this.timers.push(
              setTimeout(
                () => {
                  if (this.cancelled) return resolve();
                  const task =
                    fault.kind === 'app-kill'
                      ? this.inject(fault, t0)
                      : (this.exclusive = this.exclusive.then(() => this.inject(fault, t0)));
                  this.running.add(task);
                  void task.finally(() => {
                    this.running.delete(task);
                    resolve();
                  });
                },
                Math.max(0, t0 + fault.atMs - Date.now()),
              ),
            );
          }),
      ),
    );
  }

  /** No more faults; a stopped process is continued (a stopped one could not be stopped). */
  async cancel(): Promise<void> {
    this.cancelled = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.continueStopped();
    await Promise.allSettled([...this.running]);
    this.continueStopped();
  }

  continueStopped(): void {
    for (const pid of this.stopped) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already.
      }
    }
    this.stopped.clear();
  }

  private async inject(fault: PlannedFault, t0: number): Promise<void> {
    if (this.cancelled) return;
    const startedAt = Date.now();
    if (startedAt > this.lastStartAt) {
      this.records.push({
        kind: fault.kind,
        target: '(skipped)',
        plannedAtS: fault.atMs / 1000,
        startedAtS: Math.round((startedAt - t0) / 100) / 10,
        healMs: null,
        skipped: true,
      });
      this.options.log(`fault ${fault.kind} planned at ${fault.atMs / 1000} s: skipped, too late`);
      return;
    }
    let target = '(none available)';
    let error: string | undefined;
    let healedAt: number | undefined;
    try {
      const attempt = await this.perform(fault, (label) => (target = label));
      target = attempt.target;
      healedAt = attempt.healedAt;
    } catch (caught) {
      error = (caught as Error).message;
    }
    const until = healedAt ?? Date.now();
    const registryMarked = registered(this.targets.apps).filter((app) => {
      const at = this.targets.registry.markedAt(portOf(app), startedAt);
      return at !== undefined && at <= until;
    }).length;
    const record: FaultRecord = {
      kind: fault.kind,
      target,
      plannedAtS: fault.atMs / 1000,
      startedAtS: Math.round((startedAt - t0) / 100) / 10,
      healMs: healedAt === undefined ? null : healedAt - startedAt,
      registryMarked,
      ...(error ? { error } : {}),
    };
    this.records.push(record);
    this.windows.push({ kind: fault.kind, from: startedAt, to: healedAt ?? Date.now() });
    this.options.log(
      `fault ${fault.kind} ${target} at ${record.startedAtS} s: ${error ? `FAILED: ${error}` : `healed in ${record.healMs} ms`}`,
    );
  }

  private async perform(
    fault: PlannedFault,
    chose: (label: string) => void,
  ): Promise<{ target: string; healedAt?: number }> {
    const { healTimeoutMs } = this.options;
    if (fault.kind === 'app-kill' || fault.kind === 'app-stop') {
      const candidates = this.targets.apps.filter(
        (app) =>
          !this.busy.has(app.label) &&
          app.instance.pid !== undefined &&
          (fault.kind === 'app-kill' || ['orders', 'fulfillment'].includes(app.instance.app)),
      );
      const chosen = pickTarget(fault.pick, candidates);
      if (!chosen) return { target: '(every candidate busy)' };
      chose(chosen.label);
      return this.holding(chosen.label, async () => {
        const { instance } = chosen;
        if (fault.kind === 'app-kill') {
          await instance.stop({ kill: true });
          // restart() gives up on health after 90 s; on a loaded machine the instance, still
          // running, gets the rest of the heal timeout.
          await instance.restart().catch(() => instance.waitHealthy(healTimeoutMs));
          return Date.now();
        }
        const pid = instance.pid!;
        this.stopped.add(pid);
        process.kill(pid, 'SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, this.options.stopMs));
        process.kill(pid, 'SIGCONT');
        this.stopped.delete(pid);
        await instance.waitHealthy(healTimeoutMs);
        return Date.now();
      });
    }
    const servers = fault.kind === 'broker-kill' ? this.targets.brokers : [this.targets.database];
    const server = pickTarget(fault.pick, servers)!;
    chose(server.name);
    return this.holding(server.name, async () => {
      await server.kill();
      await server.restart();
      await allReady(this.targets.apps, healTimeoutMs);
      return Date.now();
    });
  }

  private async holding(
    label: string,
    run: () => Promise<number>,
  ): Promise<{ target: string; healedAt: number }> {
    this.busy.add(label);
    try {
      return { target: label, healedAt: await run() };
    } finally {
      this.busy.delete(label);
    }
  }
}
