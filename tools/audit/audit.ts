/**
 * The consistency audit: reads every owner and every replica straight from the databases and
 * reports, per relation, what is in sync, what is still in flight and what drifted; with
 * --repair, asks each owner to re-emit the drifted aggregates through its outbox and audits
 * again until the repaired ones are in sync.
 *
 *   npm run audit                         against the local runtime (`npm start`)
 *   npm run audit -- --repair             mend what drifted
 *   npm run audit -- --help               every option
 *
 * Details and the JSON shape: tools/audit/README.md.
 */
import fs from 'node:fs';
import { type Admin, Kafka, logLevel, Partitioners, type SASLOptions } from 'kafkajs';
import { type Document, MongoClient } from 'mongodb';
import { consumerGroupOf, Topics } from '@storefront/events';
// The file, not the barrel: the platform's index loads Nest, mongoose and terminus (1.3 s).
import { MAX_REPUBLISH_BATCH } from '../../libs/platform/src/http/bulk';
import { KAFKA_OPTIONS, kafkaTarget, toolKafkaConfig } from '../cli/kafka-options';
import { DEFAULT_GATEWAY_URL, MONGO_OPTIONS, mongoUrlOf } from '../cli/target-options';
import {
  type CommandDef,
  fromEnvOrFile,
  keyValues,
  type OptionDef,
  parseCommand,
  runCommand,
  UsageError,
} from '../cli/options';
import {
  isProtectedEnvironment,
  nonLoopbackServers,
  redactUrl,
  seconds,
  SERVICES,
  type Service,
  serviceDatabases,
} from '../demo/demo.rules';
import {
  classify,
  compareCustomer,
  compareOrder,
  type Difference,
  examples,
  exampleLine,
  type Finding,
  type FlightEvidence,
  type FulfillmentSide,
  type OrderSide,
  type OwnerCustomer,
  type Relation,
  relationTable,
  type RelationSummary,
  type ReplicaCustomer,
  sentToFulfillment,
  type StatusEntry,
  summarize,
} from './audit.rules';

export const DEFAULT_KAFKA_BROKERS = ['127.0.0.1:9092'];
export const DEFAULT_SETTLE_MS = 5000;
/** Version of the `--json` shape (tools/audit/README.md); bumped on an incompatible change. */
export const AUDIT_FORMAT_VERSION = 1;

const COLLECTIONS = {
  accounts: 'customer.accounts',
  /** orders' customer replicas; each order is a document of `ORDERS_COLLECTION`. */
  orders: 'customer.orders',
  fulfillment: 'fulfillment.requests',
} as const;
const ORDERS_COLLECTION = 'orders';

const PROGRESS_EVERY = 5000;

export type ConsumingService = 'orders' | 'fulfillment';

export interface AuditOptions {
  mongoUrl: string;
  kafkaBrokers: readonly string[];
  /** Used by --repair only: the owners' admin endpoints are reached through it. */
  gatewayUrl: string;
  /** Sent as `X-API-Key` with the repair requests. */
  adminApiKey?: string;
  /** Database of each service; defaults to the service's name. */
  databases?: Partial<Record<Service, string>>;
  /** The services' KAFKA_TOPIC_PREFIX; empty by default. */
  topicPrefix?: string;
  /** Consumer group of each consuming service; defaults to `<prefix><service>`. */
  groups?: Partial<Record<ConsumingService, string>>;
  /** SASL login on the brokers (the tools' --kafka-username / KAFKA_SASL_USERNAME, …). */
  sasl?: SASLOptions;
  /** A difference younger than this (by the owner's last change) is still in flight. */
  settleMs?: number;
  repair?: boolean;
  /** How long --repair waits for the repaired aggregates to be in sync. Default 60 s. */
  repairTimeoutMs?: number;
  /** Audit a target that is not on this machine. */
  force?: boolean;
  /** Progress lines for large collections. */
  progress?: (line: string) => void;
}

export interface LagEntry {
  topic: string;
  group: string;
  partition: number;
  committed: string;
  high: string;
  lag: string;
}

export interface AuditResult {
  formatVersion: number;
  /** True when no finding is drift. */
  ok: boolean;
  startedAt: string;
  durationMs: number;
  settleMs: number;
  target: {
    mongoUrl: string;
    kafkaBrokers: string[];
    databases: Record<Service, string>;
    topicPrefix: string;
    groups: Record<ConsumingService, string>;
  };
  relations: Record<Relation, RelationSummary>;
  /** Every finding, drift first. */
  findings: Finding[];
  /** Consumer group lag per partition, or null when Kafka could not be asked. */
  lag: LagEntry[] | null;
  warnings: string[];
  repair?: RepairReport;
}

export interface RepairReport {
  /** The audit before the repair (its findings are in `before.findings`). */
  before: Pick<AuditResult, 'relations' | 'findings'>;
  requested: { customers: number; requests: number; statuses: number };
  /** Outcomes the owners reported, counted per endpoint and outcome. */
  outcomes: Record<string, Record<string, number>>;
  /** Drifted findings no owner can mend by re-emitting (listed in `before.findings`). */
  notRepairable: number;
  /** How long until the repaired aggregates were in sync (or the timeout). */
  convergedMs: number;
  converged: boolean;
  audits: number;
}

/** Refused before anything is read or sent (exit 2). */
export class AuditRefused extends Error {
  override readonly name = 'AuditRefused';
}

type Log = (line: string) => void;

// ---------------------------------------------------------------- Kafka

interface LagProbe {
  /** Whether the group has not committed the end of the key's partition. */
  covers(topic: string, key: string): boolean;
  entries: LagEntry[] | null;
}

const partitionOf = (() => {
  const partitioner = Partitioners.DefaultPartitioner();
  return (topic: string, partitions: number, key: string): number =>
    partitioner({
      topic,
      partitionMetadata: Array.from({ length: partitions }, (_v, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      })),
      message: { key, value: null },
    });
})();

class KafkaLag {
  private admin: Admin | undefined;
  private committed = new Map<string, Map<number, bigint>>();

  constructor(
    private readonly brokers: readonly string[],
    private readonly sasl: SASLOptions | undefined,
    private readonly watched: ReadonlyArray<{ topic: string; group: string }>,
    private readonly warn: Log,
  ) {}

  /** Committed offsets first: anything committed after this is counted as lag. */
  async start(): Promise<void> {
    try {
      const kafka = new Kafka({
        ...toolKafkaConfig('storefront-audit', {
          brokers: [...this.brokers],
          topicPrefix: '',
          ...(this.sasl ? { sasl: this.sasl } : {}),
        }),
        retry: { retries: 2, initialRetryTime: 200 },
        logLevel: logLevel.NOTHING,
      });
      this.admin = kafka.admin();
      await this.admin.connect();
      for (const { topic, group } of this.watched) {
        const [offsets] = await this.admin.fetchOffsets({ groupId: group, topics: [topic] });
        this.committed.set(
          `${group}/${topic}`,
          new Map((offsets?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)])),
        );
      }
    } catch (error) {
      this.warn(`Kafka: ${(error as Error).message}; lag unknown, only outboxes tell in flight`);
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
    }
  }

  /** Ends second: anything published before now and not committed at `start` is lag. */
  async finish(): Promise<LagProbe> {
    if (!this.admin) return { covers: () => false, entries: null };
    const entries: LagEntry[] = [];
    const lagging = new Map<string, { partitions: number; lagging: Set<number> }>();
    try {
      for (const { topic, group } of this.watched) {
        const ends = await this.admin.fetchTopicOffsets(topic);
        const committed = this.committed.get(`${group}/${topic}`) ?? new Map<number, bigint>();
        const state = { partitions: ends.length, lagging: new Set<number>() };
        for (const end of ends) {
          const high = BigInt(end.high);
          const low = BigInt(end.low);
          const done = committed.get(end.partition) ?? -1n;
          // No commit yet (-1): a new group reads from the start.
          const from = done < 0n ? low : done;
          const lag = high > from ? high - from : 0n;
          if (lag > 0n) state.lagging.add(end.partition);
          entries.push({
            topic,
            group,
            partition: end.partition,
            committed: String(done),
            high: String(high),
            lag: String(lag),
          });
        }
        lagging.set(topic, state);
      }
    } catch (error) {
      this.warn(`Kafka: ${(error as Error).message}; lag unknown, only outboxes tell in flight`);
      return { covers: () => false, entries: null };
    } finally {
      await this.admin.disconnect().catch(() => undefined);
    }
    return {
      entries,
      covers: (topic, key) => {
        const state = lagging.get(topic);
        if (!state || state.partitions === 0) return false;
        return state.lagging.has(partitionOf(topic, state.partitions, key));
      },
    };
  }
}

// ---------------------------------------------------------------- reading

interface Snapshot {
  owners: Map<string, OwnerCustomer>;
  replicas: Map<string, ReplicaCustomer>;
  orders: Map<string, OrderSide>;
  fulfillments: Map<string, FulfillmentSide>;
}

function statusEntries(value: unknown): StatusEntry[] {
  return Array.isArray(value)
    ? value.map((e: Document) => ({
        timestamp: Number(e.timestamp),
        orderStatusType: String(e.orderStatusType),
        note: (e.note as string | null | undefined) ?? null,
      }))
    : [];
}

async function readAll(
  mongo: MongoClient,
  database: string,
  collection: string,
  projection: Document | undefined,
  each: (doc: Document) => void,
  progress: Log | undefined,
): Promise<number> {
  const coll = mongo.db(database).collection(collection);
  // An estimate is enough for a progress line, and costs no scan.
  const total = progress ? await coll.estimatedDocumentCount() : 0;
  let read = 0;
  const cursor = coll.find({}, { batchSize: 1000, ...(projection ? { projection } : {}) });
  for await (const doc of cursor) {
    each(doc);
    read += 1;
    if (progress && total > PROGRESS_EVERY && read % PROGRESS_EVERY === 0) {
      progress(`reading ${database}.${collection}: ${read}/${total}`);
    }
  }
  return read;
}

async function readSnapshot(
  mongo: MongoClient,
  databases: Record<Service, string>,
  progress: Log | undefined,
): Promise<Snapshot> {
  const snapshot: Snapshot = {
    owners: new Map(),
    replicas: new Map(),
    orders: new Map(),
    fulfillments: new Map(),
  };
  // The three databases are read at once (each its own SQLite file on FerretDB); the
  // offsets are fetched before and after all of them, so concurrency changes nothing there.
  await Promise.all([
    // Cards are never read: they are not part of any replica, and stay in accounts.
    readAll(
      mongo,
      databases.accounts,
      COLLECTIONS.accounts,
      { creditCards: 0 },
      (doc) => {
        const id = String(doc._id);
        snapshot.owners.set(id, {
          id,
          version: Number(doc.version ?? 0),
          deleted: doc.deletedAt !== undefined && doc.deletedAt !== null,
          name: doc.name as OwnerCustomer['name'],
          contact: doc.contact as OwnerCustomer['contact'],
          addresses: doc.addresses as OwnerCustomer['addresses'],
          updatedAt: doc.updatedAt instanceof Date ? doc.updatedAt : null,
          pending: Array.isArray(doc.outbox) && doc.outbox.length > 0,
        });
      },
      progress,
    ),
    readAll(
      mongo,
      databases.orders,
      COLLECTIONS.orders,
      undefined,
      (doc) => {
        const id = String(doc._id);
        snapshot.replicas.set(id, {
          id,
          sourceVersion: doc.sourceVersion as number | undefined,
          deleted: doc.deleted as boolean | undefined,
          name: doc.name as ReplicaCustomer['name'],
          contact: doc.contact as ReplicaCustomer['contact'],
          addresses: doc.addresses as ReplicaCustomer['addresses'],
        });
      },
      progress,
    ),
    readAll(
      mongo,
      databases.orders,
      ORDERS_COLLECTION,
      undefined,
      (order) => {
        const guid = String(order._id);
        const outbox = Array.isArray(order.outbox) ? (order.outbox as Document[]) : [];
        snapshot.orders.set(guid, {
          guid,
          customerId: String(order.customerId),
          status: String(order.status),
          fulfillmentRequested: order.fulfillmentRequested === true,
          orderStatusEvents: statusEntries(order.orderStatusEvents),
          appliedEvents: Array.isArray(order.appliedEventIds) ? order.appliedEventIds.length : 0,
          pending: outbox.some((r) => r.topic === Topics.OrderFulfill),
        });
      },
      progress,
    ),
    readAll(
      mongo,
      databases.fulfillment,
      COLLECTIONS.fulfillment,
      undefined,
      (doc) => {
        const order = (doc.order ?? {}) as Document;
        const guid = String(order.guid);
        snapshot.fulfillments.set(guid, {
          id: String(doc._id),
          guid,
          version: Number(doc.version ?? 0),
          orderStatusEvents: statusEntries(order.orderStatusEvents),
          pending: Array.isArray(doc.outbox) && doc.outbox.length > 0,
        });
      },
      progress,
    ),
  ]);
  return snapshot;
}

// ---------------------------------------------------------------- comparing

function findingsOf(
  snapshot: Snapshot,
  lag: LagProbe,
  topic: (name: string) => string,
  startedAt: number,
  settleMs: number,
): { customers: Finding[]; orders: Finding[]; checked: Record<Relation, number> } {
  const customers: Finding[] = [];
  const orders: Finding[] = [];
  const add = (
    into: Finding[],
    relation: Relation,
    id: string,
    difference: Difference,
    evidence: FlightEvidence,
    extra: Partial<Finding>,
  ): void => {
    const verdict = classify(evidence, startedAt, settleMs);
    into.push({
      relation,
      kind: difference.kind,
      id,
      state: verdict.state,
      ...(verdict.state === 'in-flight' ? { reason: verdict.reason } : {}),
      detail: difference.detail,
      repair: difference.repair,
      ...extra,
    });
  };

  const customerIds = new Set([...snapshot.owners.keys(), ...snapshot.replicas.keys()]);
  for (const id of customerIds) {
    const owner = snapshot.owners.get(id);
    const replica = snapshot.replicas.get(id);
    const difference = compareCustomer(owner, replica);
    if (!difference) continue;
    add(
      customers,
      'customers',
      id,
      difference,
      {
        pending: owner?.pending ?? false,
        lagging: lag.covers(topic(Topics.CustomerChange), id),
        changedAt: owner?.updatedAt?.getTime(),
      },
      {
        ...(owner ? { ownerVersion: owner.version } : {}),
        ...(replica?.sourceVersion !== undefined && replica.sourceVersion !== null
          ? { replicaVersion: replica.sourceVersion }
          : {}),
      },
    );
  }

  const guids = new Set([...snapshot.orders.keys(), ...snapshot.fulfillments.keys()]);
  let checkedOrders = 0;
  for (const guid of guids) {
    const order = snapshot.orders.get(guid);
    const fulfillment = snapshot.fulfillments.get(guid);
    // Orders never sent and without a fulfillment are not part of this relation.
    const difference = compareOrder(order, fulfillment);
    if (fulfillment || (order && sentToFulfillment(order))) checkedOrders += 1;
    if (!difference) continue;
    const evidence: FlightEvidence =
      difference.kind === 'fulfillment-missing'
        ? {
            pending: order?.pending ?? false,
            lagging: lag.covers(topic(Topics.OrderFulfill), guid),
          }
        : difference.kind === 'fulfillment-orphan'
          ? { pending: false, lagging: false }
          : {
              pending: fulfillment?.pending ?? false,
              lagging: lag.covers(topic(Topics.OrderStatusChange), guid),
              changedAt: fulfillment?.orderStatusEvents.at(-1)?.timestamp,
            };
    add(orders, 'orders', guid, difference, evidence, {
      ...(fulfillment ? { ownerVersion: fulfillment.version } : {}),
      ...(order ? { customerId: order.customerId } : {}),
    });
  }
  return { customers, orders, checked: { customers: customerIds.size, orders: checkedOrders } };
}

// ---------------------------------------------------------------- the audit

class Audit {
  readonly databases: Record<Service, string>;
  readonly prefix: string;
  readonly groups: Record<ConsumingService, string>;
  readonly settleMs: number;

  constructor(
    private readonly options: AuditOptions,
    private readonly log: Log,
  ) {
    this.databases = serviceDatabases(options.databases);
    this.prefix = options.topicPrefix ?? '';
    this.groups = {
      orders: options.groups?.orders ?? consumerGroupOf('orders', this.prefix),
      fulfillment: options.groups?.fulfillment ?? consumerGroupOf('fulfillment', this.prefix),
    };
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  }

  private topic = (name: string): string => `${this.prefix}${name}`;

  checkTarget(): void {
    const { gatewayUrl, mongoUrl, kafkaBrokers, force, repair } = this.options;
    const remote = nonLoopbackServers({
      // The gateway matters only when the audit writes through it.
      gatewayUrl: repair ? gatewayUrl : 'http://127.0.0.1',
      mongoUrl,
      kafkaBrokers: [...kafkaBrokers],
    });
    if (remote.length > 0 && !force) {
      throw new AuditRefused(
        `refusing to audit: ${remote.join(', ')} ${remote.length > 1 ? 'are' : 'is'} not on this machine. ` +
          'Pass --force to audit it anyway.',
      );
    }
  }

  async once(mongo: MongoClient): Promise<AuditResult> {
    const startedAt = Date.now();
    const warnings: string[] = [];
    const kafka = new KafkaLag(
      this.options.kafkaBrokers,
      this.options.sasl,
      [
        { topic: this.topic(Topics.CustomerChange), group: this.groups.orders },
        { topic: this.topic(Topics.OrderStatusChange), group: this.groups.orders },
        { topic: this.topic(Topics.OrderFulfill), group: this.groups.fulfillment },
      ],
      (line) => warnings.push(line),
    );
    // Committed offsets, then the databases, then the topics' ends: an event applied while
    // the databases were read was committed after the first and published before the last
    // (or still sat in the owner's outbox), so it shows as lag, never as drift.
    await kafka.start();
    const snapshot = await readSnapshot(mongo, this.databases, this.options.progress);
    const lag = await kafka.finish();
    const { customers, orders, checked } = findingsOf(
      snapshot,
      lag,
      this.topic,
      startedAt,
      this.settleMs,
    );
    const relations = {
      customers: summarize(checked.customers, customers),
      orders: summarize(checked.orders, orders),
    };
    const findings = [...customers, ...orders].sort(
      (a, b) => Number(b.state === 'drift') - Number(a.state === 'drift'),
    );
    return {
      formatVersion: AUDIT_FORMAT_VERSION,
      ok: relations.customers.drift + relations.orders.drift === 0,
      startedAt: new Date(startedAt).toISOString(),
      durationMs: Date.now() - startedAt,
      settleMs: this.settleMs,
      target: {
        mongoUrl: redactUrl(this.options.mongoUrl),
        kafkaBrokers: [...this.options.kafkaBrokers],
        databases: this.databases,
        topicPrefix: this.prefix,
        groups: this.groups,
      },
      relations,
      findings,
      lag: lag.entries,
      warnings,
    };
  }

  // ------------------------------------------------------------ repair

  private async post(path: string, body: unknown): Promise<Document> {
    const url = `${this.options.gatewayUrl.replace(/\/+$/, '')}${path}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.options.adminApiKey) headers['x-api-key'] = this.options.adminApiKey;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new AuditRefused(`repair: ${url} did not answer: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (response.status !== 200) {
      throw new AuditRefused(
        `repair: POST ${path} answered ${response.status}: ${text.slice(0, 300)}` +
          (response.status === 401
            ? ' (pass the admin key: --admin-key-file or ADMIN_API_KEY)'
            : ''),
      );
    }
    return JSON.parse(text) as Document;
  }

  private async checkEnvironment(): Promise<void> {
    if (this.options.force) return;
    for (const service of SERVICES) {
      const url = `${this.options.gatewayUrl.replace(/\/+$/, '')}/${service}/actuator/info`;
      const info = await fetch(url, { signal: AbortSignal.timeout(5000) })
        .then((r) => r.json() as Promise<{ app?: { environment?: string } }>)
        .catch(() => undefined);
      if (isProtectedEnvironment(info?.app?.environment)) {
        throw new AuditRefused(
          `refusing to repair: ${service} reports the environment "${info?.app?.environment}". Pass --force if you mean it.`,
        );
      }
    }
  }

  async repair(mongo: MongoClient, before: AuditResult): Promise<AuditResult> {
    const t0 = Date.now();
    const drifted = before.findings.filter((f) => f.state === 'drift');
    const customers = drifted
      .filter((f) => f.repair === 'republish-customer')
      .map((f) => ({
        id: f.id,
        ...(f.replicaVersion !== undefined ? { replicaVersion: f.replicaVersion } : {}),
      }));
    const requests = drifted.filter((f) => f.repair === 'republish-request').map((f) => f.id);
    const statuses = [
      ...new Set(drifted.filter((f) => f.repair === 'republish-statuses').map((f) => f.id)),
    ];
    const outcomes: Record<string, Record<string, number>> = {};
    const count = (endpoint: string, items: unknown, field: string) => {
      const bucket = (outcomes[endpoint] ??= {});
      for (const item of Array.isArray(items) ? (items as Document[]) : []) {
        const outcome = String(item[field]);
        bucket[outcome] = (bucket[outcome] ?? 0) + 1;
      }
    };
    if (customers.length + requests.length + statuses.length > 0) await this.checkEnvironment();
    // In batches the endpoints take (MAX_REPUBLISH_BATCH ids each).
    const inBatches = async (
      endpoint: string,
      path: string,
      field: string,
      ids: readonly unknown[],
    ): Promise<void> => {
      for (let i = 0; i < ids.length; i += MAX_REPUBLISH_BATCH) {
        const answer = await this.post(path, { [field]: ids.slice(i, i + MAX_REPUBLISH_BATCH) });
        count(endpoint, answer[field], 'outcome');
      }
    };
    await inBatches('accounts', '/accounts/customers/republish', 'customers', customers);
    await inBatches('orders', '/orders/customers/fulfill/republish', 'orders', requests);
    await inBatches('fulfillment', '/fulfillment/fulfillments/republish', 'fulfillments', statuses);
    const repaired = new Set([...customers.map((c) => c.id), ...requests, ...statuses]);
    this.log(
      `repair: asked accounts to re-emit ${customers.length} customer(s), orders ${requests.length} ` +
        `fulfillment request(s), fulfillment the statuses of ${statuses.length} order(s)`,
    );
    const deadline = t0 + (this.options.repairTimeoutMs ?? 60_000);
    let audits = 0;
    let after: AuditResult;
    let converged = false;
    for (;;) {
      after = await this.once(mongo);
      audits += 1;
      const open = after.findings.filter((f) => repaired.has(f.id) && f.repair !== 'none');
      converged = open.length === 0;
      if (converged || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return {
      ...after,
      repair: {
        before: { relations: before.relations, findings: before.findings },
        requested: {
          customers: customers.length,
          requests: requests.length,
          statuses: statuses.length,
        },
        outcomes,
        notRepairable: drifted.filter((f) => f.repair === 'none').length,
        convergedMs: Date.now() - t0,
        converged,
        audits,
      },
    };
  }

  async run(): Promise<AuditResult> {
    this.checkTarget();
    const mongo = new MongoClient(this.options.mongoUrl, { serverSelectionTimeoutMS: 5000 });
    try {
      await mongo.connect();
    } catch (error) {
      throw new AuditRefused(
        `MongoDB at ${redactUrl(this.options.mongoUrl)}: ${(error as Error).message}`,
      );
    }
    try {
      const first = await this.once(mongo);
      if (!this.options.repair || first.ok) return first;
      this.print(first);
      return await this.repair(mongo, first);
    } finally {
      await mongo.close();
    }
  }

  print(result: AuditResult): void {
    printResult(result, this.log);
  }
}

/** The printed report: a table per relation, then up to 20 examples. */
export function printResult(result: AuditResult, log: Log): void {
  const { databases, topicPrefix, groups } = result.target;
  log(
    `audit of ${databases.accounts} → ${databases.orders} → ${databases.fulfillment}` +
      `${topicPrefix ? `, topic prefix ${topicPrefix}` : ''}, groups ${groups.orders}/${groups.fulfillment}; ` +
      `settle window ${seconds(result.settleMs)}; ${seconds(result.durationMs)}`,
  );
  for (const warning of result.warnings) log(`warning: ${warning}`);
  for (const relation of ['customers', 'orders'] as const) {
    for (const line of relationTable(relation, result.relations[relation])) log(line);
  }
  const shown = examples(result.findings);
  if (shown.length > 0) {
    log(`examples (${shown.length} of ${result.findings.length}):`);
    for (const finding of shown) log(exampleLine(finding));
  }
  if (result.repair) {
    const r = result.repair;
    log(
      `repair: ${r.converged ? 'the repaired aggregates are in sync' : 'NOT all repaired aggregates are in sync'} ` +
        `after ${seconds(r.convergedMs)} (${r.audits} audit(s)); ${r.notRepairable} drifted finding(s) not repairable by re-emission`,
    );
  }
  const drift = result.relations.customers.drift + result.relations.orders.drift;
  const inFlight = result.relations.customers.inFlight + result.relations.orders.inFlight;
  log(drift === 0 ? `OK: no drift (${inFlight} in flight)` : `DRIFT: ${drift} finding(s)`);
}

/** Runs the audit (and the repair); throws `AuditRefused` when it must not run. */
export async function runAudit(
  options: AuditOptions,
  log: Log = (line) => process.stdout.write(`${line}\n`),
): Promise<AuditResult> {
  return new Audit(options, log).run();
}

// ---------------------------------------------------------------- command line

const OPTIONS = {
  ...MONGO_OPTIONS,
  ...KAFKA_OPTIONS,
  group: {
    type: 'string',
    multiple: true,
    value: 'S=NAME',
    description: 'consumer group of S (orders, fulfillment); default <prefix>S',
  },
  settle: {
    type: 'string',
    value: 'SEC',
    description: 'differences younger than this are in flight',
    default: String(DEFAULT_SETTLE_MS / 1000),
  },
  repair: {
    type: 'boolean',
    description: 'ask the owners to re-emit what drifted, then audit again',
  },
  'repair-timeout': {
    type: 'string',
    value: 'SEC',
    description: 'how long --repair waits for the repaired aggregates',
    default: '60',
  },
  gateway: {
    type: 'string',
    value: 'URL',
    description: 'gateway the repair requests go through',
    env: ['GATEWAY_URL'],
    default: DEFAULT_GATEWAY_URL,
  },
  'admin-key-file': {
    type: 'string',
    value: 'FILE',
    description: 'admin API key for --repair',
    env: ['ADMIN_API_KEY', 'ADMIN_API_KEY_FILE'],
  },
  force: {
    type: 'boolean',
    description: 'also audit (and repair) a target that is not on this machine',
  },
  json: { type: 'boolean', description: 'print the whole result as JSON (tools/audit/README.md)' },
} as const satisfies Record<string, OptionDef>;

export const AUDIT_COMMAND: CommandDef<typeof OPTIONS> = {
  usage: ['npm run audit -- [options]'],
  summary: [
    "Reads accounts' customers, orders' customer replicas and orders, and fulfillment's",
    'fulfillments straight from the databases and reports per relation what is in sync, in',
    "flight (the owner's outbox still holds the event, the consumer group's lag covers it, or",
    'the owner changed it within the settle window) and drifted. With --repair the owners',
    're-emit the drifted aggregates through their outboxes (admin endpoints, through the',
    'gateway) and the audit runs again until they are in sync. Read-only without --repair.',
  ].join('\n'),
  options: OPTIONS,
  footer: 'Exit status: 0 no drift, 1 drift, 2 refused or bad usage.',
};

function milliseconds(value: string | undefined, fallback: number, flag: string): number {
  const n = Number(value ?? fallback);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} takes seconds (got "${value}")`);
  return n * 1000;
}

/** The options of a command line; throws UsageError when it is wrong. */
export function parseCommandLine(argv: readonly string[]): AuditOptions & { json: boolean } {
  const { values } = parseCommand(AUDIT_COMMAND, argv);
  const kafka = kafkaTarget(values);
  const keyFile = values['admin-key-file'];
  return {
    mongoUrl: mongoUrlOf(values),
    kafkaBrokers: kafka.brokers,
    ...(kafka.sasl ? { sasl: kafka.sasl } : {}),
    topicPrefix: kafka.topicPrefix,
    gatewayUrl: values.gateway ?? process.env.GATEWAY_URL ?? DEFAULT_GATEWAY_URL,
    adminApiKey: keyFile ? fs.readFileSync(keyFile, 'utf8').trim() : fromEnvOrFile('ADMIN_API_KEY'),
    databases: keyValues(values.database, SERVICES, '--database'),
    groups: keyValues(values.group, ['orders', 'fulfillment'] as const, '--group'),
    settleMs: milliseconds(values.settle, DEFAULT_SETTLE_MS / 1000, '--settle'),
    repair: values.repair,
    repairTimeoutMs: milliseconds(values['repair-timeout'], 60, '--repair-timeout'),
    force: values.force,
    json: values.json,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseCommandLine(argv);
  // With --json, stdout carries the JSON document alone; the human lines go to stderr.
  const log: Log = options.json
    ? (line) => process.stderr.write(`${line}\n`)
    : (line) => process.stdout.write(`${line}\n`);
  options.progress = (line) => process.stderr.write(`${line}\n`);
  try {
    const result = await runAudit(options, log);
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else printResult(result, log);
    return result.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof AuditRefused)) throw error;
    process.stderr.write(`audit: ${error.message}\n`);
    return 2;
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  void runCommand('audit', AUDIT_COMMAND, () => main(argv), argv);
}
