/**
 * What the registry said about each instance during the run: it is polled every half second,
 * and each instance's status (or its absence) is kept with the time it was seen, so a fault
 * can be judged on what clients of the registry saw — the target marked (not UP, or gone) —
 * and not only on the instance's own readiness.
 */
const POLL_MS = 500;

interface Sample {
  readonly at: number;
  /** Status by instance port; an instance the registry does not list is absent. */
  readonly statuses: ReadonlyMap<number, string>;
}

interface AppsJson {
  applications?: {
    application?: Array<{ instance?: Array<{ port?: { $?: number | string }; status?: string }> }>;
  };
}

export class RegistryWatch {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly registryUrl: string) {}

  start(): void {
    const poll = async (): Promise<void> => {
      const sample = await this.read();
      if (sample) this.samples.push(sample);
      if (this.timer !== undefined) this.timer = setTimeout(() => void poll(), POLL_MS);
    };
    this.timer = setTimeout(() => void poll(), 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** When the registry first listed the instance on `port` as anything but UP, after `from`. */
  markedAt(port: number, from: number): number | undefined {
    return this.samples.find((s) => s.at >= from && s.statuses.get(port) !== 'UP')?.at;
  }

  /** The ports of `ports` the latest answer of the registry did not list as UP (all, if none yet). */
  notUp(ports: readonly number[]): number[] {
    const last = this.samples.at(-1);
    return ports.filter((port) => last?.statuses.get(port) !== 'UP');
  }

  private async read(): Promise<Sample | undefined> {
    try {
      const response = await fetch(`${this.registryUrl}/eureka/apps`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(2000),
      });
      if (!response.ok) return undefined;
      const body = (await response.json()) as AppsJson;
      const statuses = new Map<number, string>();
      for (const app of body.applications?.application ?? [])
        for (const instance of app.instance ?? [])
          statuses.set(Number(instance.port?.$), instance.status ?? 'UNKNOWN');
      return { at: Date.now(), statuses };
    } catch {
      // The registry itself may be the fault's target.
      return undefined;
    }
  }
}
