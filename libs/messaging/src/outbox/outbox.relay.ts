import { Logger } from '@nestjs/common';
import type { Model } from 'mongoose';
import type { KafkaConnection } from '../kafka/kafka-connection';
import type { MessagingMetrics } from '../messaging.metrics';
import { errorMessage } from '../util/delay';
import { type CollectionBacklog, CollectionRelay, type RelayHost } from './collection-relay';
import { OUTBOX_FIELD, type OutboxDocument, VERSION_FIELD } from './outbox.schema';

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

export interface OutboxBacklog extends CollectionBacklog {
  readonly collections: Readonly<Record<string, CollectionBacklog>>;
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
export class OutboxRelay implements RelayHost {
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
   * of pending documents, i.e. whether another pass should follow soon. A pass over every
   * collection records the backlog it found, which readiness reads (recentBacklog).
   */
  async sweepOnce(minAgeMs = this.options.sweepMinAgeMs): Promise<boolean> {
    let more = false;
    const entries: Array<readonly [string, CollectionBacklog]> = [];
    for (const relay of this.relays.values()) {
      if (this.stopping) break;
      try {
        const { full, backlog } = await relay.sweep(minAgeMs, this.options.sweepBatchSize);
        more ||= full;
        entries.push([relay.collectionName, backlog]);
      } catch (error) {
        this.logger.warn(`sweeping ${relay.collectionName} failed: ${errorMessage(error)}`);
      }
    }
    if (entries.length === this.relays.size) this.record(entries);
    return more;
  }

  /**
   * The backlog as the sweeper last measured it, when that is recent, else measured now. What
   * readiness checks use: counting pending documents is a scan of every watched collection,
   * which the sweeper does anyway. Recent is within two sweep intervals, or, while a sweep is
   * running (draining a backlog after an outage can take a while), within the backlog's own
   * age limit: a second scan beside the sweeper's, on a loaded database, answered readiness
   * too late and took instances out of service while they were catching up.
   */
  async recentBacklog(): Promise<OutboxBacklog> {
    const last = this.lastBacklog;
    const age = last ? Date.now() - last.at : Infinity;
    const limit = this.sweeping ? this.options.backlogMaxAgeMs : 2 * this.options.sweepIntervalMs;
    if (!last || age > limit) return this.backlog();
    // What was pending then is that much older now, if it is still pending.
    const { backlog } = last;
    return backlog.documents > 0 ? { ...backlog, oldestAgeMs: backlog.oldestAgeMs + age } : backlog;
  }

  /** The backlog measured now (a count of every watched collection), and recorded. */
  async backlog(): Promise<OutboxBacklog> {
    const entries = await Promise.all(
      [...this.relays.values()].map(
        async (relay) => [relay.collectionName, await relay.backlog()] as const,
      ),
    );
    return this.record(entries);
  }

  /** Sets the backlog metrics and keeps the backlog for readiness. */
  private record(entries: ReadonlyArray<readonly [string, CollectionBacklog]>): OutboxBacklog {
    for (const [collection, backlog] of entries) {
      this.metrics?.outboxBacklog.set({ collection }, backlog.documents);
      this.metrics?.outboxOldestAge.set({ collection }, backlog.oldestAgeMs / 1000);
    }
    const backlog = {
      documents: entries.reduce((sum, [, entry]) => sum + entry.documents, 0),
      oldestAgeMs: Math.max(0, ...entries.map(([, entry]) => entry.oldestAgeMs)),
      collections: Object.fromEntries(entries),
    };
    this.lastBacklog = { backlog, at: Date.now() };
    return backlog;
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
          // Without a producer every relay would fail; the next tick tries again, and the
          // backlog is counted instead.
          if (this.connection.isConnected) more = await this.sweepOnce();
          else await this.backlog().catch(() => undefined);
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
