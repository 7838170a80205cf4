import { BaseRpcContext } from '@nestjs/microservices';
import type { EventMetadata } from '@storefront/events';

export interface KafkaEventRecord {
  /** Contract topic name (without any test prefix). */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The aggregate id. */
  readonly key: string;
  readonly metadata: EventMetadata;
  readonly isTombstone: boolean;
  /** 1 on the first try, then 2, 3… on retries. */
  readonly attempt: number;
  readonly heartbeat: () => Promise<void>;
}

/**
 * The second argument of every `@EventPattern` handler (`@Ctx()`): where the record came
 * from, its validated CloudEvents metadata, and `heartbeat()` for handlers that run long.
 */
export class KafkaEventContext extends BaseRpcContext<[KafkaEventRecord]> {
  constructor(record: KafkaEventRecord) {
    super([record]);
  }

  private get record(): KafkaEventRecord {
    return this.args[0];
  }

  get topic(): string {
    return this.record.topic;
  }

  get partition(): number {
    return this.record.partition;
  }

  get offset(): string {
    return this.record.offset;
  }

  get key(): string {
    return this.record.key;
  }

  /** Event id, type, source, time, schema and aggregate versions, correlation, trace. */
  get metadata(): EventMetadata {
    return this.record.metadata;
  }

  /** The event id, the idempotency key of append-style events. */
  get eventId(): string {
    return this.record.metadata.id;
  }

  /** The owner's aggregate version after this change, for version-guarded replicas. */
  get aggregateVersion(): number {
    return this.record.metadata.aggregateVersion;
  }

  get occurredAt(): Date {
    return new Date(this.record.metadata.time);
  }

  /** True for a null value: the owner deleted the aggregate (the payload is null). */
  get isTombstone(): boolean {
    return this.record.isTombstone;
  }

  get attempt(): number {
    return this.record.attempt;
  }

  /**
   * Tells the group coordinator this consumer is alive. The server already heartbeats every
   * few seconds while a handler runs; call this only from loops that block the event loop.
   */
  heartbeat(): Promise<void> {
    return this.record.heartbeat();
  }
}
