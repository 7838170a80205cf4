/**
 * Poison at volume: malformed and schema-failing records sent to every contract topic during
 * the run, each marked with a `chaos_poison` header (the consumers keep a record's own headers
 * when they dead-letter it), so the end of the run can tell them from real dead letters.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import {
  ALL_TOPICS,
  buildEventHeaders,
  CUSTOMER_CHANGED_TYPE,
  CUSTOMER_CHANGED_VERSION,
  DeadLetterHeaders,
  FULFILLMENT_REQUESTED_TYPE,
  FULFILLMENT_REQUESTED_VERSION,
  ORDER_STATUS_CHANGED_TYPE,
  ORDER_STATUS_CHANGED_VERSION,
  serviceSource,
  type Topic,
  Topics,
} from '@storefront/events';
import { DeadLetterStore, deadLetterTopics } from '../dlt/dead-letters';

export const POISON_HEADER = 'chaos_poison';
const BATCH = 10;

const METADATA: Record<Topic, Parameters<typeof buildEventHeaders>[0]> = {
  [Topics.CustomerChange]: {
    type: CUSTOMER_CHANGED_TYPE,
    source: serviceSource('accounts'),
    schemaVersion: CUSTOMER_CHANGED_VERSION,
    aggregateVersion: 1,
  },
  [Topics.OrderFulfill]: {
    type: FULFILLMENT_REQUESTED_TYPE,
    source: serviceSource('orders'),
    schemaVersion: FULFILLMENT_REQUESTED_VERSION,
    aggregateVersion: 1,
  },
  [Topics.OrderStatusChange]: {
    type: ORDER_STATUS_CHANGED_TYPE,
    source: serviceSource('fulfillment'),
    schemaVersion: ORDER_STATUS_CHANGED_VERSION,
    aggregateVersion: 1,
  },
};

/** Three shapes in turn: not JSON, JSON that breaks the schema, valid JSON without metadata. */
function poisonRecord(topic: Topic, id: string, n: number) {
  const marker = { [POISON_HEADER]: id };
  switch (n % 3) {
    case 0:
      return {
        key: id,
        value: '{"not json',
        headers: { ...buildEventHeaders(METADATA[topic]), ...marker },
      };
    case 1:
      return {
        key: id,
        value: JSON.stringify({ chaos: 'poison', n }),
        headers: { ...buildEventHeaders(METADATA[topic]), ...marker },
      };
    default:
      return { key: id, value: JSON.stringify({ chaos: 'poison', n }), headers: marker };
  }
}

export interface PoisonReport {
  readonly perTopic: number;
  /** Records the broker acknowledged, per topic. */
  readonly sent: Record<string, number>;
  /** Acknowledged poison found on a dead-letter topic with its `dlt_reason` and `dlt_error`. */
  readonly deadLettered: number;
  /** Acknowledged poison not (or not properly) dead-lettered. */
  readonly missing: number;
  readonly reasons: Record<string, number>;
}

export class PoisonSender {
  private readonly producer: Producer;
  readonly sent = new Map<string, Topic>();
  private stopped = false;
  private task: Promise<void> | undefined;

  constructor(brokers: readonly string[]) {
    const kafka = new Kafka({
      clientId: 'storefront-chaos-poison',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 300 },
    });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }

  /** Sends `perTopic` records to each topic, in batches spread evenly over `spanMs`. */
  start(perTopic: number, spanMs: number, log: (line: string) => void): void {
    this.task = (async () => {
      await this.producer.connect();
      const batches = Math.ceil(perTopic / BATCH);
      const pause = spanMs / Math.max(1, batches);
      let n = 0;
      for (let b = 0; b < batches && !this.stopped; b += 1) {
        const t0 = Date.now();
        for (const topic of ALL_TOPICS) {
          const records = Array.from({ length: Math.min(BATCH, perTopic - b * BATCH) }, () => {
            n += 1;
            return poisonRecord(topic, `chaos-poison-${n}`, n);
          });
          // A failed send (the broker is down) is sent again until acknowledged or stopped.
          for (let failures = 0; !this.stopped; failures += 1) {
            try {
              await this.producer.send({ topic, messages: records, acks: -1 });
              for (const record of records) this.sent.set(record.key, topic);
              break;
            } catch (error) {
              if (failures === 0) {
                log(`poison: send to ${topic} failed (${(error as Error).message}); sending again`);
              }
              await new Promise((resolve) => setTimeout(resolve, 1000));
            }
          }
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, pause - (Date.now() - t0))));
      }
    })();
  }

  /** Waits for the sending to finish (or stops it when `abort`). */
  async stop(abort = false): Promise<void> {
    if (abort) this.stopped = true;
    await this.task?.catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }
}

export interface DeadLetterCheck {
  readonly poison: PoisonReport;
  /** Dead letters that are not the injected poison: each one is a message the system failed. */
  readonly unexpected: Array<{
    topic: string;
    reason?: string;
    error?: string;
    key: string | null;
  }>;
}

/** Reads every dead-letter topic and sorts the letters into injected poison and the rest. */
export async function checkDeadLetters(
  brokers: readonly string[],
  sent: ReadonlyMap<string, Topic>,
  perTopic: number,
): Promise<DeadLetterCheck> {
  const store = new DeadLetterStore({ brokers: [...brokers], topicPrefix: '' });
  await store.connect();
  try {
    const letters = await store.list(deadLetterTopics(''));
    const found = new Set<string>();
    const reasons: Record<string, number> = {};
    const unexpected: DeadLetterCheck['unexpected'] = [];
    for (const letter of letters) {
      const poison = letter.headers[POISON_HEADER]?.toString();
      if (poison === undefined) {
        unexpected.push({
          topic: letter.topic,
          reason: letter.reason,
          error: letter.error?.slice(0, 300),
          key: letter.key,
        });
        continue;
      }
      const headersOk =
        letter.headers[DeadLetterHeaders.reason] !== undefined &&
        letter.headers[DeadLetterHeaders.error] !== undefined;
      if (headersOk && sent.has(poison)) found.add(poison);
      reasons[letter.reason ?? 'none'] = (reasons[letter.reason ?? 'none'] ?? 0) + 1;
    }
    const sentPerTopic: Record<string, number> = {};
    for (const topic of sent.values()) sentPerTopic[topic] = (sentPerTopic[topic] ?? 0) + 1;
    return {
      poison: {
        perTopic,
        sent: sentPerTopic,
        deadLettered: found.size,
        missing: sent.size - found.size,
        reasons,
      },
      unexpected,
    };
  } finally {
    await store.disconnect();
  }
}
