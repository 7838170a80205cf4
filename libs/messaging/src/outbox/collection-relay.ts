import { Logger } from '@nestjs/common';
import type { Model } from 'mongoose';
import { type KafkaConnection, KafkaUnavailableError } from '../kafka/kafka-connection';
import type { MessagingMetrics } from '../messaging.metrics';
import { errorMessage } from '../util/delay';
import { type OutboxEvent, type OutboxRecord, toOutgoingRecord } from './outbox-record';
import {
  insertWithOutbox,
  type NewAggregate,
  type StateChange,
  republishWithOutbox,
  updateWithOutbox,
} from './outbox-write';
import { PublishedRemovals } from './published-removals';
import { readModifyWrite, type ReadModifyWriteOptions } from './read-modify-write';
import { OUTBOX_FIELD, type OutboxDocument, VERSION_FIELD } from './outbox.schema';

export interface CollectionBacklog {
  readonly documents: number;
  /** Age of the oldest pending event in ms, 0 when nothing is pending. */
  readonly oldestAgeMs: number;
}

/** What a collection's relay needs of the app's relay (`OutboxRelay`). */
export interface RelayHost {
  readonly isStopping: boolean;
  readonly connection: KafkaConnection;
  readonly metrics?: MessagingMetrics;
  readonly options: {
    /** Fault injection for tests: runs after Kafka acknowledged, before the records are removed. */
    readonly afterPublish?: (collection: string, id: unknown) => void | Promise<void>;
  };
}

/**
 * A document with events to publish: its outbox a non-empty array. Top-level operators only:
 * our FerretDB build has SQLite check them on the stored JSON (patch 0006), where a dotted
 * path (`outbox.0`) makes FerretDB decode and filter every document of the collection in Go,
 * which took seconds a sweep once a collection held some ten thousand documents.
 */
const PENDING = { [OUTBOX_FIELD]: { $type: 'array', $not: { $size: 0 } } };
/** Appended in order, so the first record of a document is its oldest. */
const OLDEST_FIRST = { [`${OUTBOX_FIELD}.0.occurredAt`]: 1 } as const;
const SWEEP_CONCURRENCY = 4;

interface PendingDocument {
  _id?: unknown;
  version?: number;
  outbox?: OutboxRecord[];
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

/** Ids of events this process published lately, so a snapshot never sends one twice. */
const PUBLISHED_MEMORY = 10_000;

/** When a pending document's oldest event occurred, in ms (its first record: appended in order). */
function oldestEventAt(doc: PendingDocument): number {
  const occurredAt = doc.outbox?.[0]?.occurredAt;
  return occurredAt ? new Date(occurredAt).getTime() : Date.now();
}

/** The backlog that pending documents, oldest first, make. */
function backlogOf(pending: readonly PendingDocument[]): CollectionBacklog {
  if (pending.length === 0) return { documents: 0, oldestAgeMs: 0 };
  return {
    documents: pending.length,
    oldestAgeMs: Math.max(0, Date.now() - oldestEventAt(pending[0])),
  };
}

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
  private readonly removals: PublishedRemovals;

  constructor(
    readonly model: Model<T>,
    private readonly relay: RelayHost,
  ) {
    this.logger = new Logger(`OutboxRelay(${model.collection.collectionName})`);
    this.removals = new PublishedRemovals(model as unknown as Model<never>, this.logger);
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
    await this.removals.flush();
  }

  /**
   * One sweep of this collection, in one read of it: the oldest pending documents (up to
   * `batchSize`), of which those whose oldest event is at least `minAgeMs` old are relayed
   * (younger ones are their writer's to relay). Returns whether the page was full (more may
   * be pending: come back soon) and the backlog once relayed: the page's documents still
   * holding an event this process has not published. Only after a full page is the
   * collection counted, a second scan: on FerretDB every pending-documents query reads every
   * document of the collection, so a sweep that also counted cost three scans every tick.
   */
  async sweep(
    minAgeMs: number,
    batchSize: number,
  ): Promise<{ full: boolean; backlog: CollectionBacklog }> {
    const cutoff = Date.now() - minAgeMs;
    const docs = await this.model.collection
      .find(PENDING)
      .sort(OLDEST_FIRST)
      .limit(batchSize)
      .project<PendingDocument>({ [VERSION_FIELD]: 1, [OUTBOX_FIELD]: 1 })
      .toArray();
    const due = docs.filter((doc) => oldestEventAt(doc) <= cutoff);
    for (let index = 0; index < due.length; index += SWEEP_CONCURRENCY) {
      if (this.relay.isStopping) break;
      await Promise.all(
        due.slice(index, index + SWEEP_CONCURRENCY).map((doc) => this.kick(doc._id, doc)),
      );
    }
    const full = docs.length >= batchSize;
    if (full) return { full, backlog: await this.backlog() };
    const pending = docs.filter((doc) =>
      (doc.outbox ?? []).some((record) => !this.published.has(record.id)),
    );
    return { full, backlog: backlogOf(pending) };
  }

  async backlog(): Promise<CollectionBacklog> {
    const collection = this.model.collection;
    const documents = await collection.countDocuments(PENDING);
    if (documents === 0) return { documents, oldestAgeMs: 0 };
    const oldest = await collection
      .find(PENDING)
      .sort(OLDEST_FIRST)
      .limit(1)
      .project<PendingDocument>({ [OUTBOX_FIELD]: 1 })
      .toArray();
    return { documents, oldestAgeMs: backlogOf(oldest).oldestAgeMs };
  }

  private async relayDocument(id: unknown, snapshot?: PendingDocument): Promise<void> {
    // Raw (lean) records: `$pullAll` must receive the stored sub-documents exactly as stored
    // (a conditional `$pull` is unreliable on FerretDB 1.x).
    const doc =
      snapshot ??
      (await this.model.collection.findOne<PendingDocument>({ _id: id } as never, {
        projection: { [OUTBOX_FIELD]: 1 },
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
    if (records.length > 0) this.removals.queue(id, records);
  }

  private remember(eventId: string): void {
    this.published.add(eventId);
    if (this.published.size > PUBLISHED_MEMORY) {
      this.published.delete(this.published.values().next().value as string);
    }
  }
}
