/** Kafka topic names of the contract, in one place. */
export const Topics = {
  /** accounts → orders: customer state without cards, keyed by customer id; tombstone on delete. */
  CustomerChange: 'accounts.customer.change',
  /** orders → fulfillment: one fulfillment request per approved order, keyed by order guid. */
  OrderFulfill: 'orders.order.fulfill',
  /** fulfillment → orders: one order status event, keyed by order guid. */
  OrderStatusChange: 'fulfillment.order.change',
} as const;

export type TopicName = keyof typeof Topics;
export type Topic = (typeof Topics)[TopicName];

export const ALL_TOPICS: readonly Topic[] = Object.values(Topics);

export function isTopic(value: string): value is Topic {
  return (ALL_TOPICS as readonly string[]).includes(value);
}

/** Suffix of the dead-letter topic that receives a topic's unprocessable records. */
export const DEAD_LETTER_SUFFIX = '.dlt';

export type DeadLetterTopic<T extends string = Topic> = `${T}${typeof DEAD_LETTER_SUFFIX}`;

export function deadLetterTopic<T extends string>(topic: T): DeadLetterTopic<T> {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Broker-side topic configs (e.g. log compaction). */
  readonly config: Readonly<Record<string, string>>;
}

const PARTITIONS = 3;

/**
 * Every topic the system needs, dead-letter topics included.
 * The customer topic is log-compacted: it keeps the latest state per customer id, so a new
 * consumer can rebuild its replica from the topic; a tombstone (null value) removes a key.
 */
export const TOPIC_SPECS: readonly TopicSpec[] = ALL_TOPICS.flatMap((name): TopicSpec[] => [
  {
    name,
    partitions: PARTITIONS,
    config: name === Topics.CustomerChange ? { 'cleanup.policy': 'compact' } : {},
  },
  { name: deadLetterTopic(name), partitions: PARTITIONS, config: {} },
]);
