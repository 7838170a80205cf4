import { Logger } from '@nestjs/common';
import type { Model } from 'mongoose';
import { type KafkaConnection, KafkaUnavailableError } from '../kafka/kafka-connection';
import type { MessagingMetrics } from '../messaging.metrics';
import { errorMessage } from '../util/delay';
import { documentLocksEnabled, withDocumentLock } from '../util/document-lock';
import { type OutboxEvent, type OutboxRecord, toOutgoingRecord } from './outbox-record';
import {
  deleteWithOutbox,
  insertWithOutbox,
  type NewAggregate,
  type StateChange,
  republishWithOutbox,
  updateWithOutbox,
} from './outbox-write';
import { readModifyWrite, type ReadModifyWriteOptions } from './read-modify-write';
import {
  DELETE_PENDING_FIELD,
  OUTBOX_FIELD,
  type OutboxDocument,
  VERSION_FIELD,
} from './outbox.schema';

export interface OutboxRelayOptions {
  /** How often the sweeper looks for events a crash or an outage left behind. */
  readonly sweepIntervalMs?: number;
  /**
   * The sweeper leaves events younger than this to the instance that wrote them (it relays
   * them right after its write), so several instances do not all publish the same fresh event.
   */
  readonly sweepMinAgeMs?: number;
  /** Documents per sweeper query. */
  readonly sweepBatchSize?: number;
  /** Readiness is DOWN while the oldest pending event is older than this. */
  readonly backlogMaxAgeMs?: number;
  /** Fault injection for tests: runs after Kafka acknowledged, before the records are removed. */
  readonly afterPublish?: (collection: string, id: unknown) => void | Promise<void>;
}

export interface CollectionBacklog {
  readonly documents: number;
  /** Age of the oldest pending event in ms, 0 when nothing is pending. */
  readonly oldestAgeMs: number;
}

export interface OutboxBacklog extends CollectionBacklog {
  readonly collections: Readonly<Record<string, CollectionBacklog>>;
}

const PENDING = { [`${OUTBOX_FIELD}.0`]: { $exists: true } };
/** Appended in order, so the first record of a document is its oldest. */
const OLDEST_FIRST = { [`${OUTBOX_FIELD}.0.occurredAt`]: 1 } as const;
const SWEEP_CONCURRENCY = 4;

interface PendingDocument {
  _id?: unknown;
  version?: number;
  outbox?: OutboxRecord[];
  deletePending?: boolean;
}

/**
 * One aggregate's relay state: runs are serialized, kicks during a run request one more.
 * `snapshot` is the newest document a write returned, which the next run publishes from
 * instead of reading the document again.
 */
interface Chain {
  done: Promise<void>;
  again: boolean;
  snapshot?: PendingDocument;
}

/** Published records waiting to be removed from one document. */
interface Removal {
  readonly id: unknown;
  readonly records: OutboxRecord[];
  deletePending: boolean;
}

/** Ids of events this process published lately, so a snapshot never sends one twice. */
const PUBLISHED_MEMORY = 10_000;
/** Removals wait this long for company, so many documents' removals share one command. */
const REMOVAL_DELAY_MS = 20;
const REMOVAL_BATCH = 100;

/** The newer of two snapshots of one document (by version). */
function newer(a: PendingDocument | undefined, b: PendingDocument | undefined) {
  if (!a || !b) return a ?? b;
  return (b.version ?? 0) >= (a.version ?? 0) ? b : a;
}

/**
 * The outbox relay of one collection. Every write helper publishes right after the write
 * (fire-and-forget: the caller's response never waits for Kafka) from the document the
 * write returned; failures are left to the sweeper, so an outage delays events but never
 * loses them. Published records are removed in batches: one `update` command for the
 * removals of many documents, sent at most REMOVAL_DELAY_MS after the first of them.
 */
export class CollectionRelay<T extends OutboxDocument> {
  private readonly chains = new Map<string, Chain>();
  private readonly logger: Logger;
  private readonly published = new Set<string>();
  private readonly removals = new Map<string, Removal>();
  private removalTimer: NodeJS.Timeout | undefined;
  private removing: Promise<void> = Promise.resolve();

  constructor(
    readonly model: Model<T>,
    private readonly relay: OutboxRelay,
  ) {
    this.logger = new Logger(`OutboxRelay(${model.collection.collectionName})`);
  }

  get collectionName(): string {
    return this.model.collection.collectionName;
  }

  /** `insertWithOutbox`, then publish. */
  async insert(doc: NewAggregate<T>, events: readonly OutboxEvent[], version = 1): Promise<T> {
    const created = await insertWithOutbox(this.model, doc, events, version);
    void this.kick(created._id, created);
    return created;
  }

  /** `updateWithOutbox`, then publish. Null on a version conflict or a missing document. */
  async update(
    id: unknown,
    expectedVersion: number,
    change: StateChange<T>,
    events: readonly OutboxEvent[],
  ): Promise<T | null> {
    const updated = await updateWithOutbox(this.model, id, expectedVersion, change, events);
    if (updated) void this.kick(id, updated);
    return updated;
  }

  /** `republishWithOutbox`, then publish. Null on a version conflict or a missing document. */
  async republish(
    id: unknown,
    expectedVersion: number,
    events: readonly OutboxEvent[],
    newVersion = expectedVersion,
  ): Promise<T | null> {
    const updated = await republishWithOutbox(this.model, id, expectedVersion, events, newVersion);
    if (updated) void this.kick(id, updated);
    return updated;
  }

  /** `deleteWithOutbox`, then publish (the relay deletes the document after its last event). */
  async delete(
    id: unknown,
    expectedVersion: number,
    events: readonly OutboxEvent[],
  ): Promise<T | null> {
    const deleted = await deleteWithOutbox(this.model, id, expectedVersion, events);
    if (deleted) void this.kick(id, deleted);
    return deleted;
  }

  /** A version-checked read-modify-write through this relay (see `readModifyWrite`). */
  readModifyWrite<R, L extends T = T>(options: ReadModifyWriteOptions<T, R, L>): Promise<R> {
    return readModifyWrite(this, options);
  }

  /**
   * Publishes the pending events of one document now, from `snapshot` (the document a write
   * just returned) or else from a fresh read. Never rejects: a failure is logged and the
   * events stay for the sweeper. Runs for one aggregate are serialized in this process, so
   * its events go out in the order they were written; a kick that arrives during a run
   * schedules exactly one more run, from the newest snapshot it was given.
   */
  kick(id: unknown, snapshot?: PendingDocument): Promise<void> {
    if (this.relay.isStopping) return Promise.resolve();
    const key = String(id);
    const running = this.chains.get(key);
    if (running) {
      running.again = true;
      running.snapshot = newer(running.snapshot, snapshot);
      return running.done;
    }
    const chain: Chain = { done: Promise.resolve(), again: false, snapshot };
    chain.done = (async () => {
      try {
        do {
          chain.again = false;
          const doc = chain.snapshot;
          chain.snapshot = undefined;
          await this.relayDocument(id, doc);
        } while (chain.again && !this.relay.isStopping);
      } catch (error) {
        const level = error instanceof KafkaUnavailableError ? 'debug' : 'warn';
        this.logger[level](`relaying ${key} failed, left for the sweeper: ${errorMessage(error)}`);
      } finally {
        this.chains.delete(key);
      }
    })();
    this.chains.set(key, chain);
    return chain.done;
  }

  /** Waits for every relay run in flight and for the removals they queued. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.chains.values()].map((chain) => chain.done));
    await this.flushRemovals();
  }

  /**
   * Relays up to `batchSize` documents whose oldest event is at least `minAgeMs` old, oldest
   * first. Returns how many it found: a full page tells the caller to come back soon.
   */
  async sweep(minAgeMs: number, batchSize: number): Promise<number> {
    const cutoff = new Date(Date.now() - minAgeMs);
    const docs = await this.model.collection
      .find({ [`${OUTBOX_FIELD}.0.occurredAt`]: { $lte: cutoff } })
      .sort(OLDEST_FIRST)
      .limit(batchSize)
      .project<PendingDocument>({
        [VERSION_FIELD]: 1,
        [OUTBOX_FIELD]: 1,
        [DELETE_PENDING_FIELD]: 1,
      })
      .toArray();
    for (let index = 0; index < docs.length; index += SWEEP_CONCURRENCY) {
      if (this.relay.isStopping) break;
      await Promise.all(
        docs.slice(index, index + SWEEP_CONCURRENCY).map((doc) => this.kick(doc._id, doc)),
      );
    }
    return docs.length;
  }

  async backlog(): Promise<CollectionBacklog> {
    const collection = this.model.collection;
    const documents = await collection.countDocuments(PENDING);
    if (documents === 0) return { documents, oldestAgeMs: 0 };
    const [oldest] = await collection
      .find(PENDING)
      .sort(OLDEST_FIRST)
      .limit(1)
      .project<PendingDocument>({ [OUTBOX_FIELD]: 1 })
      .toArray();
    const occurredAt = oldest?.outbox?.[0]?.occurredAt;
    return {
      documents,
      oldestAgeMs: occurredAt ? Math.max(0, Date.now() - new Date(occurredAt).getTime()) : 0,
    };
  }

  private async relayDocument(id: unknown, snapshot?: PendingDocument): Promise<void> {
    // Raw (lean) records: `$pullAll` must receive the stored sub-documents exactly as stored
    // (a conditional `$pull` is unreliable on FerretDB 1.x).
    const doc =
      snapshot ??
      (await this.model.collection.findOne<PendingDocument>({ _id: id } as never, {
        projection: { [OUTBOX_FIELD]: 1, [DELETE_PENDING_FIELD]: 1 },
      }));
    if (!doc) return;
    const records = doc.outbox ?? [];
    // Records this process already published (a snapshot taken before their removal).
    const unsent = records.filter((record) => !this.published.has(record.id));
    if (unsent.length > 0) {
      try {
        await this.relay.connection.send(unsent.map(toOutgoingRecord));
      } catch (error) {
        for (const record of unsent)
          this.relay.metrics?.publishFailures.inc({ topic: record.topic });
        throw error;
      }
      const ackedAt = Date.now();
      for (const record of unsent) {
        this.relay.metrics?.published.inc({ topic: record.topic });
        this.relay.metrics?.publishDelay.observe(
          { topic: record.topic },
          (ackedAt - new Date(record.occurredAt).getTime()) / 1000,
        );
      }
      // A fault injected here stands for a crash: nothing after it happens, and the records
      // stay for the sweeper, which publishes them again as a restarted process would.
      await this.relay.options.afterPublish?.(this.collectionName, id);
      for (const record of unsent) this.remember(record.id);
    }
    if (records.length > 0 || doc.deletePending) {
      this.queueRemoval(id, records, doc.deletePending === true);
    }
  }

  private remember(eventId: string): void {
    this.published.add(eventId);
    if (this.published.size > PUBLISHED_MEMORY) {
      this.published.delete(this.published.values().next().value as string);
    }
  }

  /** Queues the removal of published records (and the delete of a deletePending document). */
  private queueRemoval(
    id: unknown,
    records: readonly OutboxRecord[],
    deletePending: boolean,
  ): void {
    const key = String(id);
    const queued = this.removals.get(key);
    if (queued) {
      const known = new Set(queued.records.map((record) => record.id));
      queued.records.push(...records.filter((record) => !known.has(record.id)));
      queued.deletePending ||= deletePending;
    } else {
      this.removals.set(key, { id, records: [...records], deletePending });
    }
    if (this.removals.size >= REMOVAL_BATCH) void this.flushRemovals();
    else this.removalTimer ??= setTimeout(() => void this.flushRemovals(), REMOVAL_DELAY_MS);
  }

  /**
   * Removes the queued records with one bulk `update` (a `$pullAll` of the exact records per
   * document: events appended meanwhile stay), then deletes the deletePending documents left
   * without events. A failure leaves the records in place: the sweeper publishes them again
   * (consumers deduplicate on the event id) and removes them then. Flushes run one at a time.
   */
  private flushRemovals(): Promise<void> {
    if (this.removalTimer) clearTimeout(this.removalTimer);
    this.removalTimer = undefined;
    if (this.removals.size === 0) return this.removing;
    const batch = [...this.removals.values()];
    this.removals.clear();
    this.removing = this.removing.then(() => this.remove(batch));
    return this.removing;
  }

  private async remove(batch: readonly Removal[]): Promise<void> {
    const pulls = batch
      .filter((removal) => removal.records.length > 0)
      .map((removal) => ({
        updateOne: {
          filter: { _id: removal.id },
          update: { $pullAll: { [OUTBOX_FIELD]: removal.records } },
        },
      }));
    // Conditional, single-document: deletes only if no event was appended in between.
    const deletes = batch
      .filter((removal) => removal.deletePending)
      .map((removal) => ({
        deleteOne: {
          filter: {
            _id: removal.id,
            [DELETE_PENDING_FIELD]: true,
            [`${OUTBOX_FIELD}.0`]: { $exists: false },
          },
        },
      }));
    try {
      for (const operations of [pulls, deletes]) {
        if (operations.length === 0) continue;
        if (documentLocksEnabled()) {
          // A stock FerretDB: each removal under its document's lock, one command each.
          for (const operation of operations) {
            const { filter } = 'updateOne' in operation ? operation.updateOne : operation.deleteOne;
            await withDocumentLock(this.model, filter._id, () =>
              this.model.collection.bulkWrite([operation as never]),
            );
          }
        } else {
          await this.model.collection.bulkWrite(operations as never[], { ordered: false });
        }
      }
    } catch (error) {
      this.logger.warn(
        `removing published events of ${batch.length} documents failed, left for the sweeper: ${errorMessage(error)}`,
      );
    }
  }
}

const DEFAULTS = {
  sweepIntervalMs: 5000,
  sweepMinAgeMs: 1000,
  sweepBatchSize: 100,
  backlogMaxAgeMs: 60_000,
} as const;

/**
 * The app's outbox relay: `watch(model)` gives the per-collection relay a service writes
 * through; a sweeper periodically (and once at start-up) publishes whatever a crash or an
 * outage left behind, oldest first.
 */
export class OutboxRelay {
  readonly options: Required<Omit<OutboxRelayOptions, 'afterPublish'>> &
    Pick<OutboxRelayOptions, 'afterPublish'>;
  private readonly relays = new Map<string, CollectionRelay<OutboxDocument>>();
  private readonly logger = new Logger(OutboxRelay.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopping = false;
  private started = false;
  private lastBacklog: { readonly backlog: OutboxBacklog; readonly at: number } | undefined;

  constructor(
    readonly connection: KafkaConnection,
    options: OutboxRelayOptions = {},
    readonly metrics?: MessagingMetrics,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** The relay of a model's collection; the same instance for the same collection. */
  watch<T extends OutboxDocument>(model: Model<T>): CollectionRelay<T> {
    for (const path of [VERSION_FIELD, OUTBOX_FIELD]) {
      if (!model.schema.path(path)) {
        throw new Error(`${model.modelName} schema lacks the "${path}" path (see outboxField)`);
      }
    }
    const name = model.collection.collectionName;
    const existing = this.relays.get(name);
    if (existing) return existing as unknown as CollectionRelay<T>;
    const relay = new CollectionRelay(model, this);
    this.relays.set(name, relay as unknown as CollectionRelay<OutboxDocument>);
    // A collection watched after start-up still gets its first sweep right away.
    if (this.started && !this.stopping) this.scheduleSweep(0);
    return relay;
  }

  /** Starts the sweeper: one sweep now, then every `sweepIntervalMs`. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.scheduleSweep(0);
    // The start-up sweep is the one that finds a crashed predecessor's events; if the broker
    // was not up yet, run it again the moment the producer connects.
    void this.connection.whenConnected().then(() => this.scheduleSweep(0));
  }

  /**
   * One pass over every watched collection. Returns whether some collection had a full page
   * of pending documents, i.e. whether another pass should follow soon.
   */
  async sweepOnce(minAgeMs = this.options.sweepMinAgeMs): Promise<boolean> {
    let more = false;
    for (const relay of this.relays.values()) {
      if (this.stopping) break;
      try {
        const found = await relay.sweep(minAgeMs, this.options.sweepBatchSize);
        more ||= found >= this.options.sweepBatchSize;
      } catch (error) {
        this.logger.warn(`sweeping ${relay.collectionName} failed: ${errorMessage(error)}`);
      }
    }
    return more;
  }

  /**
   * The backlog as the sweeper last measured it, when that is recent (within two sweep
   * intervals), else measured now. What readiness checks use: counting pending documents is a
   * scan of every watched collection, which the sweeper does anyway.
   */
  async recentBacklog(): Promise<OutboxBacklog> {
    const last = this.lastBacklog;
    if (last && Date.now() - last.at <= 2 * this.options.sweepIntervalMs) return last.backlog;
    return this.backlog();
  }

  async backlog(): Promise<OutboxBacklog> {
    const entries = await Promise.all(
      [...this.relays.values()].map(
        async (relay) => [relay.collectionName, await relay.backlog()] as const,
      ),
    );
    for (const [collection, backlog] of entries) {
      this.metrics?.outboxBacklog.set({ collection }, backlog.documents);
      this.metrics?.outboxOldestAge.set({ collection }, backlog.oldestAgeMs / 1000);
    }
    return {
      documents: entries.reduce((sum, [, backlog]) => sum + backlog.documents, 0),
      oldestAgeMs: Math.max(0, ...entries.map(([, backlog]) => backlog.oldestAgeMs)),
      collections: Object.fromEntries(entries),
    };
  }

  /** Stops the sweeper and waits for relay runs in flight; later kicks are left for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping;
    await Promise.all([...this.relays.values()].map((relay) => relay.drain()));
  }

  private scheduleSweep(delayMs: number): void {
    if (this.stopping) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.sweeping) return this.scheduleSweep(this.options.sweepIntervalMs);
      this.sweeping = (async () => {
        let more = false;
        try {
          // Without a producer every relay would fail; the next tick tries again.
          if (this.connection.isConnected) more = await this.sweepOnce();
          const backlog = await this.backlog().catch(() => undefined);
          if (backlog) this.lastBacklog = { backlog, at: Date.now() };
        } finally {
          this.sweeping = undefined;
          // A full page: the backlog is draining after an outage, keep going without the pause.
          this.scheduleSweep(
            more ? Math.min(1000, this.options.sweepIntervalMs) : this.options.sweepIntervalMs,
          );
        }
      })();
    }, delayMs);
    // The sweeper alone must not keep a process (a script, a test) alive.
    this.timer.unref();
  }
}
