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

/** The services that publish or consume events; each is also its Kafka principal. */
export const EVENT_SERVICES = ['accounts', 'orders', 'fulfillment'] as const;

export type EventService = (typeof EVENT_SERVICES)[number];

export function isEventService(value: string): value is EventService {
  return (EVENT_SERVICES as readonly string[]).includes(value);
}

/**
 * Who writes and who reads each contract topic (the table in the root README). A consumer
 * also writes the dead-letter topic of every topic it consumes. The Kafka ACLs and the topics
 * each service verifies at start-up both follow from this.
 */
export const TOPIC_OWNERSHIP: Readonly<
  Record<EventService, { readonly produces: readonly Topic[]; readonly consumes: readonly Topic[] }>
> = {
  accounts: { produces: [Topics.CustomerChange], consumes: [] },
  orders: {
    produces: [Topics.OrderFulfill],
    consumes: [Topics.CustomerChange, Topics.OrderStatusChange],
  },
  fulfillment: { produces: [Topics.OrderStatusChange], consumes: [Topics.OrderFulfill] },
};

/**
 * The topics a service touches: those it produces, those it consumes and their dead-letter
 * topics. A service checks only these at start-up, since its ACLs hide the others from it.
 */
export function topicSpecsOf(service: EventService): TopicSpec[] {
  const { produces, consumes } = TOPIC_OWNERSHIP[service];
  const names = new Set<string>([...produces, ...consumes, ...consumes.map(deadLetterTopic)]);
  return TOPIC_SPECS.filter((spec) => names.has(spec.name));
}
