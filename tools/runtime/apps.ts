/**
 * Runs the five apps as supervised child processes: start in dependency order, wait for
 * health, restart a crashed app with backoff (like the stack's restart policy), stop in
 * reverse order. Also starts extra instances of a service on other ports for load-balancing
 * and failover tests.
 */
import path from 'node:path';
import { ROOT } from './paths';
import { ensurePortFree, logFileFor, type ManagedProcess, spawnManaged } from './procs';
import { waitUntil } from './wait';

export const APP_PORTS = {
  registry: 8761,
  gateway: 8080,
  accounts: 8085,
  orders: 8090,
  fulfillment: 8095,
} as const;

export type AppName = keyof typeof APP_PORTS;

/** Registry first (everyone registers there), then the gateway, then the services. */
export const APP_ORDER: readonly AppName[] = [
  'registry',
  'gateway',
  'accounts',
  'orders',
  'fulfillment',
];

export function isAppName(value: string): value is AppName {
  return Object.hasOwn(APP_PORTS, value);
}

export interface AppSpec {
  app: AppName;
  port?: number;
  /** Extra environment for this instance only. */
  env?: Record<string, string>;
}

export interface RuntimeEnv {
  kafkaBrokers: string[];
  mongoUrl: string;
  /** Environment shared by every app (log level, API keys, registry URL overrides…). */
  env?: Record<string, string>;
  /**
   * The `--secure` run: each app's own credentials (a service's Kafka SASL user and password
   * file, see secure-kafka.ts `kafkaSaslEnv`). Registry credentials (REGISTRY_PASSWORD for the
   * registry, EUREKA_USERNAME / EUREKA_PASSWORD for its clients) belong here too.
   */
  secure?: { appEnv: Partial<Record<AppName, Record<string, string>>> };
}

const HEALTH_TIMEOUT_MS = 90_000;
const MAX_BACKOFF_MS = 30_000;
/** An instance that stayed up this long is considered recovered: its backoff starts over. */
const STABLE_AFTER_MS = 60_000;

function entryPoint(app: AppName): string {
  return path.join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
}

async function delay(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

type Log = (line: string) => void;

/** One app instance kept alive by restarting it with exponential backoff. */
export class SupervisedApp {
  readonly name: string;
  readonly url: string;
  private process: ManagedProcess | undefined;
  private stopping = false;
  private restarts = 0;

  constructor(
    readonly app: AppName,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly log: Log,
  ) {
    this.name = port === APP_PORTS[app] ? app : `${app}-${port}`;
    this.url = `http://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get restartCount(): number {
    return this.restarts;
  }

  async start(): Promise<void> {
    await ensurePortFree(this.port, this.name);
    await this.spawn();
    await this.waitHealthy();
  }

  private async spawn(): Promise<void> {
    const child = await spawnManaged(
      this.name,
      process.execPath,
      ['--enable-source-maps', entryPoint(this.app)],
      {
        cwd: ROOT,
        env: { ...process.env, ...this.env, PORT: String(this.port) },
        logFile: logFileFor(this.name),
      },
    );
    this.process = child;
    const startedAt = Date.now();
    void child.exited.then((code) => {
      if (this.stopping || this.process !== child) return;
      // Ctrl-C reaches the whole process group: the runtime is stopping, this is no crash.
      if (child.exitSignal === 'SIGINT') return;
      if (Date.now() - startedAt > STABLE_AFTER_MS) this.restarts = 0;
      this.restarts += 1;
      const backoff = Math.min(1000 * 2 ** (this.restarts - 1), MAX_BACKOFF_MS);
      this.log(
        `${this.name} exited (code ${code ?? 'signal'}); restart #${this.restarts} in ${backoff} ms — see .runtime/logs/${this.name}.log`,
      );
      setTimeout(() => {
        if (this.stopping) return;
        this.spawn().catch((error: Error) =>
          this.log(`${this.name} could not be restarted: ${error.message}`),
        );
      }, backoff).unref();
    });
  }

  /** Polls /actuator/health until it answers 200; fails early if the process keeps dying. */
  async waitHealthy(timeoutMs = HEALTH_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.restarts >= 3) {
        throw new Error(
          `${this.name} keeps crashing at start-up: see .runtime/logs/${this.name}.log`,
        );
      }
      try {
        const response = await fetch(`${this.url}/actuator/health`, {
          signal: AbortSignal.timeout(2000),
        });
        if (response.ok) return;
        last = `HTTP ${response.status} ${await response.text()}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await delay(250);
    }
    throw new Error(
      `${this.name} not healthy after ${timeoutMs / 1000} s (${last}): see .runtime/logs/${this.name}.log`,
    );
  }

  /** Stops without restarting. `signal: 'SIGKILL'` simulates a crash for tests. */
  async stop(options: { kill?: boolean } = {}): Promise<void> {
    this.stopping = true;
    const child = this.process;
    if (!child) return;
    if (options.kill) {
      process.kill(child.pid, 'SIGKILL');
      await child.exited;
      return;
    }
    await child.stop(15_000);
  }

  /** Kills the process as a crash would; the supervisor restarts it. */
  crash(): void {
    if (this.process) process.kill(this.process.pid, 'SIGKILL');
  }

  /** Starts it again after stop(). */
  async restart(): Promise<void> {
    this.stopping = false;
    this.restarts = 0;
    await this.start();
  }
}

export class RunningApps {
  constructor(
    readonly instances: SupervisedApp[],
    private readonly log: Log,
  ) {}

  get(app: AppName, port: number = APP_PORTS[app]): SupervisedApp {
    const found = this.instances.find((instance) => instance.app === app && instance.port === port);
    if (!found) throw new Error(`no ${app} instance on port ${port}`);
    return found;
  }

  async add(spec: AppSpec, runtime: RuntimeEnv): Promise<SupervisedApp> {
    const instance = new SupervisedApp(
      spec.app,
      spec.port ?? APP_PORTS[spec.app],
      appEnv(runtime, spec),
      this.log,
    );
    this.instances.push(instance);
    await instance.start();
    return instance;
  }

  /** Stops every instance, services first and the registry last. */
  async stop(): Promise<void> {
    for (const instance of [...this.instances].reverse()) {
      await instance
        .stop()
        .catch((error: Error) => this.log(`stopping ${instance.name}: ${error.message}`));
    }
  }
}

function appEnv(runtime: RuntimeEnv, spec: AppSpec): Record<string, string> {
  return {
    KAFKA_BROKERS: runtime.kafkaBrokers.join(','),
    MONGO_URL: runtime.mongoUrl,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    // Test workers run with discovery off by default; supervised apps are meant to register.
    EUREKA_ENABLED: 'true',
    ...runtime.env,
    ...runtime.secure?.appEnv[spec.app],
    ...spec.env,
  };
}

/**
 * Starts the given instances one after the other in APP_ORDER, each healthy before the next.
 * If one fails, the ones already started are stopped before the error propagates.
 */
export async function startApps(
  specs: AppSpec[],
  runtime: RuntimeEnv,
  log: Log = () => {},
): Promise<RunningApps> {
  const ordered = [...specs].sort((a, b) => APP_ORDER.indexOf(a.app) - APP_ORDER.indexOf(b.app));
  const running = new RunningApps([], log);
  try {
    for (const spec of ordered) {
      const instance = await running.add(spec, runtime);
      log(`${instance.name} healthy on ${instance.url}`);
    }
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

/** "All healthy" also means the gateway already routes to every service that was started. */
export async function waitForGatewayRoutes(apps: RunningApps): Promise<void> {
  const gateway = apps.instances.find((instance) => instance.app === 'gateway');
  if (!gateway) return;
  const expected = new Set(
    apps.instances
      .filter((instance) => !['gateway', 'registry'].includes(instance.app))
      .map((i) => i.app.toUpperCase()),
  );
  await waitUntil(
    async () => {
      const response = await fetch(`${gateway.url}/actuator/routes`).catch(() => undefined);
      if (!response?.ok) return false;
      const routes = (await response.json()) as Array<{ serviceId: string; instances: unknown[] }>;
      return [...expected].every((id) =>
        routes.some((route) => route.serviceId === id && route.instances.length > 0),
      );
    },
    { what: 'the gateway to route to every service', timeoutMs: 60_000, intervalMs: 250 },
  );
}
