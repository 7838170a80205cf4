/**
 * The demo's refresh, as the original's refresh.py but without sleeps or manual steps: drops
 * the three databases, deletes and recreates the topics, runs the seven sample steps through
 * the gateway waiting after each until its effect has reached every service, then prints one
 * document per database and a verdict.
 *
 *   npm run refresh                       against the local runtime (`npm start`)
 *   npm run refresh -- --help             every option
 */
import fs from 'node:fs';
import type { SASLOptions } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { TOPIC_SPECS } from '@storefront/events';
import {
  endStateProblems,
  isProtectedEnvironment,
  maskCards,
  nonLoopbackServers,
  redactUrl,
  SAMPLE_STEPS,
  type SampleStep,
  seconds,
  SERVICES,
  serviceDatabases,
  type Service,
  type Snapshot,
  type StepKey,
  stepProgress,
  SUMMARY_PATHS,
  viewsFor,
} from './demo.rules';
import {
  DEFAULT_KAFKA_BROKERS as DEFAULT_TOOL_KAFKA_BROKERS,
  KAFKA_OPTIONS,
  kafkaTarget,
} from '../cli/kafka-options';
import { DEFAULT_GATEWAY_URL, MONGO_OPTIONS, mongoUrlOf } from '../cli/target-options';
import {
  type CommandDef,
  fromEnvOrFile,
  keyValues,
  type OptionDef,
  type OptionValues,
  parseCommand,
  runCommand,
  UsageError,
} from '../cli/options';
import { KafkaReset } from './kafka-reset';
import { dropDatabase, findCustomerOrders, findOne, indexNames } from './mongo-reset';

export const DEFAULT_KAFKA_BROKERS = [DEFAULT_TOOL_KAFKA_BROKERS];

/** Collection of each service's aggregate (the original's names). */
export const COLLECTIONS: Readonly<Record<Service, string>> = {
  accounts: 'customer.accounts',
  orders: 'customer.orders',
  fulfillment: 'fulfillment.requests',
};

export interface RefreshOptions {
  gatewayUrl: string;
  mongoUrl: string;
  kafkaBrokers: readonly string[];
  /** SASL login on the brokers (the Swarm stack's); none by default, as `npm start` runs Kafka. */
  kafkaSasl?: SASLOptions;
  /** Sent as `X-API-Key` (the stack locks the sample endpoints with it). */
  adminApiKey?: string;
  /** Database of each service; defaults to the service's name. */
  databases?: Partial<Record<Service, string>>;
  /** The services' KAFKA_TOPIC_PREFIX; empty by default. */
  topicPrefix?: string;
  /** Refresh a target that is not clearly a development one. */
  force?: boolean;
  /** How long one step may take to propagate. Default 60 s. */
  stepTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Runs after a step's request was answered, before its effect is awaited (tests). */
  afterRequest?: (step: StepKey) => Promise<void> | void;
}

export interface StepResult {
  step: number;
  key: StepKey;
  path: string;
  status: number;
  response: string;
  attempts: number;
  /** From sending the request to its answer. */
  requestMs: number;
  /** From sending the request until every service showed its effect. */
  convergedMs: number;
  converged: boolean;
  detail: string;
}

export interface RefreshResult {
  ok: boolean;
  verdict: string;
  problems: string[];
  totalMs: number;
  resetMs: number;
  flowMs: number;
  steps: StepResult[];
  /** One document per database, card numbers masked. */
  documents: Partial<Record<Service, unknown>>;
}

/** The target is not one to wipe without --force, or cannot be reached. */
export class RefreshRefused extends Error {
  override readonly name = 'RefreshRefused';
}

type Log = (line: string) => void;

interface HttpAnswer {
  status: number;
  text: string;
  json: unknown;
  ms: number;
}

const RETRYABLE = new Set([502, 503]);

async function delay(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

function oneLine(text: string, max = 110): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

class Refresh {
  private readonly databases: Record<Service, string>;
  private readonly prefix: string;
  private readonly stepTimeoutMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly options: RefreshOptions,
    private readonly log: Log,
  ) {
    this.databases = serviceDatabases(options.databases);
    this.prefix = options.topicPrefix ?? '';
    this.stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
    this.pollMs = options.pollIntervalMs ?? 100;
  }

  private url(path: string): string {
    return `${this.options.gatewayUrl.replace(/\/+$/, '')}${path}`;
  }

  private async http(method: 'GET' | 'POST', path: string, timeoutMs = 10_000) {
    const t0 = Date.now();
    const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9' };
    if (this.options.adminApiKey) headers['x-api-key'] = this.options.adminApiKey;
    const response = await fetch(this.url(path), {
      method,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json, ms: Date.now() - t0 } satisfies HttpAnswer;
  }

  private async tryGet(path: string): Promise<HttpAnswer | undefined> {
    try {
      return await this.http('GET', path, 5000);
    } catch {
      return undefined;
    }
  }

  // ------------------------------------------------------------ safety and readiness

  private async checkTarget(): Promise<void> {
    const { gatewayUrl, mongoUrl, kafkaBrokers, force } = this.options;
    this.log(
      `target: gateway ${gatewayUrl}, MongoDB ${redactUrl(mongoUrl)}, Kafka ${kafkaBrokers.join(',')}` +
        `${this.prefix ? `, topic prefix ${this.prefix}` : ''}; databases ${SERVICES.map((s) => this.databases[s]).join(', ')}`,
    );
    const remote = nonLoopbackServers({ gatewayUrl, mongoUrl, kafkaBrokers });
    if (remote.length > 0 && !force) {
      throw new RefreshRefused(
        `refusing to refresh: ${remote.join(', ')} ${remote.length > 1 ? 'are' : 'is'} not on this machine, ` +
          'and a refresh drops databases and deletes topics. Pass --force if it is a development environment.',
      );
    }
    const gateway = await this.tryGet('/actuator/health');
    if (gateway?.status !== 200) {
      throw new RefreshRefused(
        `the gateway at ${gatewayUrl} does not answer /actuator/health` +
          `${gateway ? ` (HTTP ${gateway.status})` : ''}: start the runtime first (npm start)`,
      );
    }
    for (const path of ['/actuator/info', ...SERVICES.map((s) => `/${s}/actuator/info`)]) {
      const info = await this.tryGet(path);
      const environment = (info?.json as { app?: { environment?: string } } | undefined)?.app
        ?.environment;
      if (isProtectedEnvironment(environment) && !force) {
        throw new RefreshRefused(
          `refusing to refresh: ${path} reports the environment "${environment}". Pass --force if you mean it.`,
        );
      }
    }
  }

  /** Waits until every service answers its readiness probe through the gateway. */
  private async waitReady(what: string): Promise<number> {
    const t0 = Date.now();
    const deadline = t0 + this.stepTimeoutMs;
    let notReady: string[] = [];
    for (;;) {
      notReady = [];
      for (const service of SERVICES) {
        const answer = await this.tryGet(`/${service}/actuator/health/readiness`);
        if (answer?.status !== 200) {
          notReady.push(`${service} (${answer ? `HTTP ${answer.status}` : 'no answer'})`);
        }
      }
      if (notReady.length === 0) return Date.now() - t0;
      if (Date.now() > deadline) {
        throw new RefreshRefused(
          `${what}: not ready through the gateway after ${seconds(this.stepTimeoutMs)}: ${notReady.join(', ')}`,
        );
      }
      await delay(250);
    }
  }

  // ------------------------------------------------------------ reset

  private async reset(mongo: MongoClient): Promise<Map<Service, string[]>> {
    const specs = TOPIC_SPECS.map((spec) => ({ ...spec, name: `${this.prefix}${spec.name}` }));
    const names = specs.map((s) => s.name);
    const kafka = new KafkaReset(this.options.kafkaBrokers, this.options.kafkaSasl);
    await kafka.connect();
    const indexesAfterReset = new Map<Service, string[]>();
    try {
      const groups = await kafka.consumerGroupsOf(names);

      // Topics first: once they are gone no event in flight can write into the fresh databases.
      let t0 = Date.now();
      const deleted = await kafka.deleteTopics(names);
      for (const topic of deleted) this.log(`Kafka topic deleted: ${topic}`);
      this.log(`${deleted.length} topics deleted in ${Date.now() - t0} ms`);

      for (const service of SERVICES) {
        const database = this.databases[service];
        const reset = await dropDatabase(mongo, database);
        indexesAfterReset.set(service, await indexNames(mongo, database));
        this.log(
          `MongoDB dropped: ${database}` +
            (reset.existed
              ? `; indexes created again: ${reset.restoredIndexes.join(', ') || 'none'}`
              : ' (did not exist)'),
        );
      }

      t0 = Date.now();
      await kafka.createTopics(specs);
      this.log(
        `${specs.length} topics created (${specs.map((s) => s.partitions).join('/')} partitions) in ${Date.now() - t0} ms`,
      );

      const resyncs = await Promise.all(
        [...groups].map(([groupId, subscribed]) => kafka.resyncGroup(groupId, subscribed, names)),
      );
      for (const r of resyncs) {
        this.log(
          r.members === 0
            ? `consumer group ${r.groupId}: no members; it starts the new topics from the beginning`
            : `consumer group ${r.groupId}: ${r.members} member(s) rejoined and start ${r.topics.join(', ')} from the beginning (${r.ms} ms)`,
        );
      }
      if (groups.size === 0) {
        this.log('no consumer group reads these topics (are orders and fulfillment running?)');
      }
    } finally {
      await kafka.disconnect().catch(() => undefined);
    }
    const ms = await this.waitReady('after the reset');
    this.log(`accounts, orders and fulfillment ready through the gateway (${ms} ms)`);
    return indexesAfterReset;
  }

  // ------------------------------------------------------------ the seven steps

  private async snapshot(services: readonly Service[]): Promise<Snapshot> {
    const snapshot: Snapshot = {};
    await Promise.all(
      services.map(async (service) => {
        const answer = await this.tryGet(SUMMARY_PATHS[service]);
        if (answer?.status !== 200 || answer.json === undefined) return;
        const body = answer.json as Record<string, unknown>;
        if (service === 'accounts') snapshot.customers = body.customers as Snapshot['customers'];
        if (service === 'orders') {
          snapshot.customerOrders = body.customers as Snapshot['customerOrders'];
        }
        if (service === 'fulfillment') {
          snapshot.fulfillments = body.fulfillments as Snapshot['fulfillments'];
        }
      }),
    );
    return snapshot;
  }

  /**
   * Sends a step as its POST form (never retried by the gateway). 502/503 mean the service
   * was not reached or had no instance (e.g. while it restarts): retried until the step's
   * deadline. Only the sample orders step adds something on every call, so it is not sent
   * again once orders shows orders.
   */
  private async send(step: SampleStep, deadline: number) {
    const t0 = Date.now();
    let attempts = 0;
    let last = '';
    for (;;) {
      if (attempts > 0 && step.key === 'orders') {
        const { customerOrders = [] } = await this.snapshot(['orders']);
        if (customerOrders.some((c) => c.orders.length > 0)) {
          return { status: 0, text: `(already applied: ${last})`, attempts, ms: Date.now() - t0 };
        }
      }
      attempts += 1;
      try {
        const answer = await this.http('POST', step.path, 30_000);
        if (!RETRYABLE.has(answer.status)) {
          return { status: answer.status, text: answer.text, attempts, ms: Date.now() - t0 };
        }
        last = `HTTP ${answer.status} ${oneLine(answer.text, 80)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline) {
        return { status: 0, text: `not sent: ${last}`, attempts, ms: Date.now() - t0 };
      }
      await delay(500);
    }
  }

  private async runStep(step: SampleStep, index: number): Promise<StepResult> {
    const t0 = Date.now();
    const deadline = t0 + this.stepTimeoutMs;
    const sent = await this.send(step, deadline);
    const base = {
      step: index + 1,
      key: step.key,
      path: step.path,
      status: sent.status,
      response: oneLine(sent.text),
      attempts: sent.attempts,
      requestMs: sent.ms,
    };
    const accepted = (sent.status >= 200 && sent.status < 300) || sent.status === 504;
    const alreadyApplied = sent.status === 0 && sent.text.startsWith('(already applied');
    if (!accepted && !alreadyApplied) {
      return { ...base, convergedMs: Date.now() - t0, converged: false, detail: 'not accepted' };
    }
    await this.options.afterRequest?.(step.key);
    for (;;) {
      const progress = stepProgress(step.key, await this.snapshot(viewsFor(step.key)));
      const elapsed = Date.now() - t0;
      if (progress.done || Date.now() > deadline) {
        return { ...base, convergedMs: elapsed, converged: progress.done, detail: progress.detail };
      }
      await delay(this.pollMs);
    }
  }

  private describeStep(r: StepResult): string {
    const status = r.status === 0 ? '—' : String(r.status);
    const tries = r.attempts > 1 ? ` after ${r.attempts} attempts` : '';
    const outcome = r.converged
      ? `converged in ${r.convergedMs} ms`
      : `NOT converged after ${r.convergedMs} ms`;
    return (
      `step ${r.step}/7 POST ${r.path} → ${status} ${r.response} (${r.requestMs} ms${tries}) · ` +
      `${outcome}: ${r.detail}`
    );
  }

  // ------------------------------------------------------------ the whole run

  async run(): Promise<RefreshResult> {
    const t0 = Date.now();
    await this.checkTarget();
    await this.waitReady('before the reset');
    const mongo = new MongoClient(this.options.mongoUrl, { serverSelectionTimeoutMS: 5000 });
    await mongo.connect();
    try {
      const indexesAfterReset = await this.reset(mongo);
      const resetMs = Date.now() - t0;

      const t1 = Date.now();
      const steps: StepResult[] = [];
      for (const [i, step] of SAMPLE_STEPS.entries()) {
        const result = await this.runStep(step, i);
        steps.push(result);
        this.log(this.describeStep(result));
        if (!result.converged) break;
      }
      const flowMs = Date.now() - t1;

      const problems: string[] = [];
      const failed = steps.find((s) => !s.converged);
      if (failed) {
        problems.push(`step ${failed.step} (${failed.path}) did not converge: ${failed.detail}`);
      } else {
        problems.push(...endStateProblems(await this.snapshot(SERVICES)));
      }
      for (const service of SERVICES) {
        const after = await indexNames(mongo, this.databases[service]);
        const lost = (indexesAfterReset.get(service) ?? []).filter((i) => !after.includes(i));
        if (lost.length > 0) problems.push(`${service} lost indexes: ${lost.join(', ')}`);
      }

      const documents: Partial<Record<Service, unknown>> = {};
      for (const service of SERVICES) {
        const database = this.databases[service];
        const document = maskCards(
          service === 'orders'
            ? await findCustomerOrders(mongo, database)
            : await findOne(mongo, database, COLLECTIONS[service]),
        );
        documents[service] = document;
        const where =
          service === 'orders'
            ? `${database}.${COLLECTIONS.orders} (with its ${database}.orders documents)`
            : `${database}.${COLLECTIONS[service]}`;
        this.log(`${where}: ${JSON.stringify(document, null, 2)}`);
      }

      const totalMs = Date.now() - t0;
      const verdict =
        problems.length === 0
          ? `PASS: ${this.summaryLine(steps)}; flow ${seconds(flowMs)}, refresh ${seconds(totalMs)}`
          : `FAIL: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`;
      for (const problem of problems.slice(1)) this.log(`problem: ${problem}`);
      this.log(verdict);
      return {
        ok: problems.length === 0,
        verdict,
        problems,
        totalMs,
        resetMs,
        flowMs,
        steps,
        documents,
      };
    } finally {
      await mongo.close();
    }
  }

  private summaryLine(steps: readonly StepResult[]): string {
    const slowest = steps.reduce((a, b) => (b.convergedMs > a.convergedMs ? b : a));
    return (
      '3 customers, 3 × 5 orders, order #5 CREATED → … → RECEIVED, 3 fulfillments RECEIVED; ' +
      `slowest step ${slowest.step} (${slowest.convergedMs} ms)`
    );
  }
}

/** Runs the refresh; throws `RefreshRefused` before touching anything when it must not run. */
export async function runRefresh(
  options: RefreshOptions,
  log: Log = (line) => process.stdout.write(`${line}\n`),
): Promise<RefreshResult> {
  return new Refresh(options, log).run();
}

// ---------------------------------------------------------------- command line

const REFRESH_OPTIONS = {
  gateway: {
    type: 'string',
    value: 'URL',
    description: 'gateway base URL',
    env: ['GATEWAY_URL'],
    default: DEFAULT_GATEWAY_URL,
  },
  ...MONGO_OPTIONS,
  ...KAFKA_OPTIONS,
  'admin-key-file': {
    type: 'string',
    value: 'FILE',
    description: 'file holding the admin API key',
    env: ['ADMIN_API_KEY', 'ADMIN_API_KEY_FILE'],
  },
  'step-timeout': {
    type: 'string',
    value: 'SEC',
    description: 'how long one step may take to propagate',
    default: '60',
  },
  force: { type: 'boolean', description: 'also refresh a target that is not on this machine' },
  json: { type: 'boolean', description: 'print the result as JSON at the end' },
} as const satisfies Record<string, OptionDef>;

export const REFRESH_COMMAND: CommandDef<typeof REFRESH_OPTIONS> = {
  usage: ['npm run refresh -- [options]'],
  summary: [
    'Drops the databases accounts, orders and fulfillment, deletes and recreates the Kafka topics',
    '(dead-letter topics included), runs the seven sample steps through the gateway, waiting after',
    'each until it has propagated, then prints one document per database and a verdict. On the',
    'Swarm stack it logs in to Kafka as the super user, admin: it deletes and creates topics and joins',
    "the services' groups.",
  ].join('\n'),
  options: REFRESH_OPTIONS,
  footer: "Exit status: 0 when the end state is the original's, 1 when not, 2 when refused.",
};

/** The refresh's options from its parsed command line and the environment. */
export function refreshOptions(
  values: OptionValues<typeof REFRESH_OPTIONS>,
): RefreshOptions & { json: boolean } {
  const stepTimeout = Number(values['step-timeout'] ?? 60);
  if (!Number.isFinite(stepTimeout) || stepTimeout <= 0) {
    throw new UsageError(`--step-timeout takes seconds (got "${values['step-timeout']}")`);
  }
  const keyFile = values['admin-key-file'];
  // The tools' shared Kafka options (brokers, SASL login, topic prefix; tools/cli).
  const kafka = kafkaTarget(values);
  return {
    gatewayUrl: values.gateway ?? process.env.GATEWAY_URL ?? DEFAULT_GATEWAY_URL,
    mongoUrl: mongoUrlOf(values),
    kafkaBrokers: kafka.brokers,
    kafkaSasl: kafka.sasl,
    adminApiKey: keyFile ? fs.readFileSync(keyFile, 'utf8').trim() : fromEnvOrFile('ADMIN_API_KEY'),
    topicPrefix: kafka.topicPrefix,
    databases: keyValues(values.database, SERVICES, '--database'),
    force: values.force,
    stepTimeoutMs: stepTimeout * 1000,
    json: values.json,
  };
}

/** The command line as the refresh reads it (tests); throws UsageError when it is wrong. */
export function parseCommandLine(argv: string[]): RefreshOptions & { json: boolean } {
  return refreshOptions(parseCommand(REFRESH_COMMAND, argv).values);
}

if (require.main === module) {
  void runCommand('refresh', REFRESH_COMMAND, async ({ values }) => {
    const options = refreshOptions(values);
    try {
      const result = await runRefresh(options);
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.ok ? 0 : 1;
    } catch (error) {
      process.stderr.write(`refresh: ${(error as Error).message}\n`);
      return error instanceof RefreshRefused ? 2 : 1;
    }
  });
}
