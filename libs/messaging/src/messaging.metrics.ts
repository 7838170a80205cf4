import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AggregatesBehind } from './consumer/aggregates-behind';

/** How a consumed record ended; handlers may return one of the apply outcomes to refine it. */
export type ConsumeOutcome =
  'processed' | 'applied' | 'stale' | 'duplicate' | 'not-found' | 'dead-lettered';

const AGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The messaging metrics, registered on the app's registry (the platform `Metrics.registry`)
 * so /actuator/prometheus exposes them next to the HTTP ones.
 */
export class MessagingMetrics {
  readonly published: Counter<'topic'>;
  readonly publishFailures: Counter<'topic'>;
  readonly consumed: Counter<'topic' | 'outcome'>;
  readonly retried: Counter<'topic'>;
  readonly deadLettered: Counter<'topic' | 'reason'>;
  /** now − occurredAt when a consumer finished an event: the end-to-end propagation delay. */
  readonly eventAge: Histogram<'topic'>;
  /** Kafka ack − occurredAt: how long an event waited in the outbox. */
  readonly publishDelay: Histogram<'topic'>;
  readonly outboxBacklog: Gauge<'collection'>;
  readonly outboxOldestAge: Gauge<'collection'>;
  /** Records of a partition this consumer has not handled yet, as of its last fetch. */
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** Aggregates whose newest event seen on a topic is not applied (see `AggregatesBehind`). */
  readonly aggregatesBehind: Gauge<'topic'>;
  readonly behind = new AggregatesBehind();

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.published = new Counter({
      name: 'messaging_published_total',
      help: 'Events published to Kafka and acknowledged (acks=all)',
      labelNames: ['topic'],
      registers,
    });
    this.publishFailures = new Counter({
      name: 'messaging_publish_failures_total',
      help: 'Outbox relay attempts that failed; the events stay pending for the sweeper',
      labelNames: ['topic'],
      registers,
    });
    this.consumed = new Counter({
      name: 'messaging_consumed_total',
      help: 'Records consumed, by outcome',
      labelNames: ['topic', 'outcome'],
      registers,
    });
    this.retried = new Counter({
      name: 'messaging_retried_total',
      help: 'Handler attempts that failed with a transient error and were retried',
      labelNames: ['topic'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'messaging_dead_lettered_total',
      help: 'Records moved to the dead-letter topic, by reason',
      labelNames: ['topic', 'reason'],
      registers,
    });
    this.eventAge = new Histogram({
      name: 'messaging_event_age_seconds',
      help: 'Age of an event (now - occurredAt) when its handler finished',
      labelNames: ['topic'],
      buckets: AGE_BUCKETS,
      registers,
    });
    this.publishDelay = new Histogram({
      name: 'messaging_publish_delay_seconds',
      help: 'Delay between the database write of an event and its Kafka acknowledgement',
      labelNames: ['topic'],
      buckets: AGE_BUCKETS,
      registers,
    });
    this.outboxBacklog = new Gauge({
      name: 'messaging_outbox_backlog_documents',
      help: 'Documents holding events not yet published',
      labelNames: ['collection'],
      registers,
    });
    this.outboxOldestAge = new Gauge({
      name: 'messaging_outbox_oldest_pending_seconds',
      help: 'Age of the oldest event not yet published (0 when none)',
      labelNames: ['collection'],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'messaging_consumer_lag_records',
      help:
        "Records of an assigned partition not yet handled (the partition's end at the last " +
        'fetch minus the next offset): how far a replica is behind its owner in events',
      labelNames: ['topic', 'partition'],
      registers,
    });
    const behind = this.behind;
    this.aggregatesBehind = new Gauge({
      name: 'messaging_aggregates_behind',
      help:
        "Aggregates whose owner's newest version seen on the topic is not applied here (its " +
        'event failed or was dead-lettered), until a later event of the aggregate is handled',
      labelNames: ['topic'],
      registers,
      collect() {
        this.reset();
        for (const [topic, count] of behind.counts()) this.set({ topic }, count);
      },
    });
  }
}
