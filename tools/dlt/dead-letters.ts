/**
 * Dead letters, operable: read every record of the dead-letter topics with its `dlt_*`
 * headers, and replay chosen ones to the topic they came from once their cause is fixed.
 *
 * A replay re-publishes the record exactly as the consumer first received it (key, value and
 * its own headers, so the same event id and aggregate version) plus `dlt_replay_of` naming the
 * dead letter, with an idempotent producer and acks=all. The consumers' idempotence (event ids
 * recorded with the effect, version guards) makes a replay of something already applied a
 * no-op. Each replay is recorded on a compacted ledger topic (`<prefix>dlt.replays`, keyed by
 * the dead letter's id) after the record is published: a second replay of the same record is
 * refused unless forced; a crash between the two steps leaves the record replayable again,
 * which the consumers' idempotence makes harmless.
 */
import { type Admin, type IHeaders, Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import {
  DEAD_LETTER_SUFFIX,
  DeadLetterHeaders,
  TOPIC_SPECS,
  deadLetterTopic,
} from '@storefront/events';
import { type KafkaTarget, toolKafkaConfig } from '../cli/kafka-options';

/** Marks a replayed record: the id of the dead letter it came from. */
export const REPLAY_OF_HEADER = 'dlt_replay_of';
export const REPLAYED_AT_HEADER = 'dlt_replayed_at';

export interface DeadLetter {
  /** `<dead-letter topic>/<partition>/<offset>`: stable, what `replay --id` takes. */
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly reason?: string;
  readonly error?: string;
  readonly originalTopic?: string;
  readonly originalPartition?: string;
  readonly originalOffset?: string;
  readonly attempts?: number;
  readonly failedAt?: string;
  readonly consumerGroup?: string;
  /** The original event id (`ce_id`), when the record had one. */
  readonly eventId?: string;
  /** When it was replayed, if the ledger says so. */
  readonly replayedAt?: string;
  /** What a replay would publish. */
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
}

export interface ReplayResult {
  readonly replayed: Array<{ id: string; to: string }>;
  readonly refused: Array<{ id: string; why: string }>;
}

/** Topics as the services name them: the contract's, under the target's prefix. */
export function deadLetterTopics(prefix: string, only?: string): string[] {
  const all = TOPIC_SPECS.map((spec) => spec.name)
    .filter((name) => name.endsWith(DEAD_LETTER_SUFFIX))
    .map((name) => `${prefix}${name}`);
  if (only === undefined) return all;
  // Either the source topic or its dead-letter topic, with or without the prefix.
  const wanted = [
    only,
    `${prefix}${only}`,
    deadLetterTopic(only),
    `${prefix}${deadLetterTopic(only)}`,
  ];
  const match = all.find((topic) => wanted.includes(topic));
  if (!match) throw new Error(`no dead-letter topic for "${only}" (known: ${all.join(', ')})`);
  return [match];
}

/** How long reading one topic to its end may take. */
const READ_TIMEOUT_MS = 60_000;

export function ledgerTopic(prefix: string): string {
  return `${prefix}dlt.replays`;
}

function text(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const one = Array.isArray(value) ? value[value.length - 1] : value;
  return one === undefined ? undefined : one.toString();
}

function headerBuffers(headers: IHeaders | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const one = Array.isArray(value) ? value[value.length - 1] : value;
    if (one !== undefined) out[name] = Buffer.isBuffer(one) ? one : Buffer.from(one);
  }
  return out;
}

/** The headers a replay publishes: the record's own, without the dead-letter ones. */
export function replayHeaders(letter: DeadLetter, now = new Date()): Record<string, Buffer> {
  const dltNames = new Set<string>(Object.values(DeadLetterHeaders));
  const kept = Object.entries(letter.headers).filter(
    ([name]) => !dltNames.has(name) && name !== REPLAY_OF_HEADER && name !== REPLAYED_AT_HEADER,
  );
  return {
    ...Object.fromEntries(kept),
    [REPLAY_OF_HEADER]: Buffer.from(letter.id),
    [REPLAYED_AT_HEADER]: Buffer.from(now.toISOString()),
  };
}

export class DeadLetterStore {
  private readonly kafka: Kafka;
  private readonly admin: Admin;

  constructor(private readonly target: KafkaTarget) {
    this.kafka = new Kafka({
      ...toolKafkaConfig('storefront-dlt', target),
      logLevel: logLevel.NOTHING,
    });
    this.admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
  }

  /** Every dead letter on these topics, oldest first per partition, with its replay status. */
  async list(topics: readonly string[]): Promise<DeadLetter[]> {
    const replays = await this.replays();
    const letters: DeadLetter[] = [];
    for (const topic of topics) {
      for (const record of await this.readAll(topic)) {
        const headers = headerBuffers(record.headers);
        const id = `${topic}/${record.partition}/${record.offset}`;
        const attempts = text(headers[DeadLetterHeaders.attempts]);
        letters.push({
          id,
          topic,
          partition: record.partition,
          offset: record.offset,
          key: record.key?.toString() ?? null,
          reason: text(headers[DeadLetterHeaders.reason]),
          error: text(headers[DeadLetterHeaders.error]),
          originalTopic: text(headers[DeadLetterHeaders.originalTopic]),
          originalPartition: text(headers[DeadLetterHeaders.originalPartition]),
          originalOffset: text(headers[DeadLetterHeaders.originalOffset]),
          attempts: attempts === undefined ? undefined : Number(attempts),
          failedAt: text(headers[DeadLetterHeaders.failedAt]),
          consumerGroup: text(headers[DeadLetterHeaders.consumerGroup]),
          eventId: text(headers.ce_id),
          replayedAt: replays.get(id),
          value: record.value,
          headers,
        });
      }
    }
    return letters;
  }

  /**
   * Re-publishes the chosen dead letters to their source topics. Refused: an id that is not a
   * dead letter, one already replayed (unless `force`), one without its source topic header.
   */
  async replay(
    letters: readonly DeadLetter[],
    ids: readonly string[] | 'all',
    force: boolean,
  ): Promise<ReplayResult> {
    const byId = new Map(letters.map((letter) => [letter.id, letter]));
    const chosen = ids === 'all' ? letters : ids.map((id) => byId.get(id) ?? id);
    const result: { replayed: ReplayResult['replayed']; refused: ReplayResult['refused'] } = {
      replayed: [],
      refused: [],
    };
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await this.ensureLedger();
      for (const letter of chosen) {
        if (typeof letter === 'string') {
          result.refused.push({
            id: letter,
            why: 'no such dead letter (see `npm run dlt -- list`)',
          });
          continue;
        }
        if (letter.replayedAt && !force) {
          result.refused.push({
            id: letter.id,
            why: `already replayed at ${letter.replayedAt} (--force replays it again)`,
          });
          continue;
        }
        // The header names the contract topic; the services add their prefix to it.
        const to = letter.originalTopic && `${this.target.topicPrefix}${letter.originalTopic}`;
        if (!to) {
          result.refused.push({
            id: letter.id,
            why: `no ${DeadLetterHeaders.originalTopic} header`,
          });
          continue;
        }
        const now = new Date();
        await producer.send({
          topic: to,
          acks: -1,
          messages: [{ key: letter.key, value: letter.value, headers: replayHeaders(letter, now) }],
        });
        await producer.send({
          topic: ledgerTopic(this.target.topicPrefix),
          acks: -1,
          messages: [
            {
              key: letter.id,
              value: JSON.stringify({
                id: letter.id,
                to,
                eventId: letter.eventId,
                replayedAt: now.toISOString(),
              }),
            },
          ],
        });
        result.replayed.push({ id: letter.id, to });
      }
    } finally {
      await producer.disconnect();
    }
    return result;
  }

  /** Dead letter id → last replay time, from the ledger (empty when it does not exist yet). */
  private async replays(): Promise<Map<string, string>> {
    const topic = ledgerTopic(this.target.topicPrefix);
    const existing = await this.admin.listTopics();
    const replays = new Map<string, string>();
    if (!existing.includes(topic)) return replays;
    for (const record of await this.readAll(topic)) {
      const id = record.key?.toString();
      if (!id) continue;
      if (record.value === null) replays.delete(id);
      else
        replays.set(id, (JSON.parse(record.value.toString()) as { replayedAt: string }).replayedAt);
    }
    return replays;
  }

  private async ensureLedger(): Promise<void> {
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: ledgerTopic(this.target.topicPrefix),
          numPartitions: 1,
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    });
  }

  /**
   * Everything on a topic up to its end now, read by a throwaway group that is deleted after:
   * the services' groups and offsets are never touched.
   */
  private async readAll(topic: string): Promise<
    Array<{
      partition: number;
      offset: string;
      key: Buffer | null;
      value: Buffer | null;
      headers?: IHeaders;
    }>
  > {
    const ends = (await this.admin.fetchTopicOffsets(topic)).filter(
      (p) => BigInt(p.high) > BigInt(p.low),
    );
    if (ends.length === 0) return [];
    const remaining = new Map(ends.map((p) => [p.partition, BigInt(p.high) - 1n]));
    const records: Array<{
      partition: number;
      offset: string;
      key: Buffer | null;
      value: Buffer | null;
      headers?: IHeaders;
    }> = [];
    const groupId = `storefront-dlt-reader-${randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const last = remaining.get(partition);
          if (last === undefined || BigInt(message.offset) > last) return;
          records.push({
            partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            headers: message.headers,
          });
          if (BigInt(message.offset) === last) remaining.delete(partition);
          if (remaining.size === 0) done();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        finished,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `reading ${topic}: its end was not reached in ${READ_TIMEOUT_MS / 1000} s`,
                ),
              ),
            READ_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await this.admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return records.sort(
      (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
    );
  }
}
