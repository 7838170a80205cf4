/**
 * Reading what a test's app published, back from the broker: a recorder per topic that keeps
 * every record once (a rejoin's replays are told apart by offset) and knows when it has read
 * the topic to its end.
 */
import { randomUUID } from 'node:crypto';
import { EventHeaders } from '@storefront/events';
import type { Admin, Consumer, IHeaders, Kafka } from 'kafkajs';
import { eventually } from './eventually';

/** Kafka header values (buffers) as text. */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [
      name,
      Buffer.isBuffer(value) ? value.toString('utf8') : String(value),
    ]),
  );
}

/**
 * Where a topic reader stands in each partition: the next offset it has yet to see. A rejoin of
 * a reader's throwaway group replays what it had fetched; `firstSeen` tells those replays apart,
 * so a test sees the topic's records (real duplicates have offsets of their own), not its
 * reader's redeliveries.
 */
export class ReadPositions {
  private readonly next = new Map<number, bigint>();

  /** Records the delivery of `offset`; false when it was delivered before. */
  firstSeen(partition: number, offset: string): boolean {
    const at = BigInt(offset);
    if (at < this.nextOf(partition)) return false;
    this.next.set(partition, at + 1n);
    return true;
  }

  nextOf(partition: number): bigint {
    return this.next.get(partition) ?? 0n;
  }
}

export interface RecordedMessage<T = unknown> {
  readonly key: string | null;
  /** Raw value text; null for a tombstone. */
  readonly raw: string | null;
  /** The parsed value; null for a tombstone. */
  readonly payload: T;
  readonly headers: Record<string, string>;
  readonly partition: number;
  readonly offset: string;
}

/** Everything published on one topic, from the beginning, read with its own consumer group. */
export class TopicRecorder<T = unknown> {
  readonly records: RecordedMessage<T>[] = [];
  private readonly positions = new ReadPositions();
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly admin: Admin,
    readonly topic: string,
  ) {
    this.consumer = kafka.consumer({ groupId: `recorder-${randomUUID()}` });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const raw = message.value ? message.value.toString('utf8') : null;
        const record: RecordedMessage<T> = {
          key: message.key?.toString('utf8') ?? null,
          raw,
          payload: (raw === null ? null : JSON.parse(raw)) as T,
          headers: decodeHeaders(message.headers),
          partition,
          offset: message.offset,
        };
        if (this.positions.firstSeen(partition, message.offset)) this.records.push(record);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }

  /** The records of one key, in offset order. */
  forKey(key: string): RecordedMessage<T>[] {
    return this.records
      .filter((record) => record.key === key)
      .sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  /** Waits until `count` records with this key have arrived, and returns them. */
  waitForKey(key: string, count: number): Promise<RecordedMessage<T>[]> {
    return eventually(
      `${count} records with key ${key} on ${this.topic}`,
      () => this.forKey(key).length >= count && this.forKey(key),
    );
  }

  /** Distinct event ids of a key: what an idempotent consumer applies. */
  eventIdsFor(key: string): string[] {
    return [...new Set(this.forKey(key).map((record) => record.headers[EventHeaders.id]))];
  }

  /**
   * Resolves once everything on the topic right now has been read: after it, a missing record
   * was never published (no sleeping and hoping).
   */
  async caughtUp(): Promise<void> {
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    await eventually(`the recorder to read ${this.topic} to its end`, () =>
      offsets.every(
        ({ partition, high, low }) =>
          high === low || this.positions.nextOf(partition) >= BigInt(high),
      ),
    );
  }
}
