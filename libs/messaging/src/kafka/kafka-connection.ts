import { Logger } from '@nestjs/common';
import {
  type Admin,
  type Consumer,
  type ConsumerConfig,
  Kafka,
  logLevel,
  type Message,
  Partitioners,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { TOPIC_SPECS, type TopicSpec } from '@storefront/events';
import { type BackoffOptions, backoffDelay } from '../util/backoff';
import { CancellableDelay, errorMessage } from '../util/delay';
import { kafkaLogCreator } from './kafka-logging';
import { authorizationProblem, ensureTopics } from './topics';

/** A record to publish, in our own terms so the Kafka client stays swappable. */
export interface OutgoingRecord {
  /** Contract topic name; the connection adds the configured prefix. */
  readonly topic: string;
  /** The aggregate id; null only when dead-lettering a record that arrived without a key. */
  readonly key: string | null;
  /** Null publishes a tombstone. */
  readonly value: string | Buffer | null;
  readonly headers: Readonly<Record<string, string | Buffer | (string | Buffer)[]>>;
}

/** The SASL mechanisms a service may use (the broker's users are SCRAM-SHA-512). */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;

export interface KafkaSaslCredentials {
  readonly mechanism: (typeof KAFKA_SASL_MECHANISMS)[number];
  readonly username: string;
  /** Passed to the client only; never logged. */
  readonly password: string;
}

export interface KafkaConnectionOptions {
  /** Kafka client id: the app name. */
  readonly clientId: string;
  readonly brokers: readonly string[];
  /**
   * Prepended to every contract topic name, e.g. `t42.` makes `accounts.customer.change`
   * `t42.accounts.customer.change`. Tests use it to isolate their topics; empty in production.
   */
  readonly topicPrefix?: string;
  /** Backoff between connection attempts while the broker is unreachable. */
  readonly reconnect?: BackoffOptions;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /**
   * How many times a send is retried before it fails (kafkajs' idempotent default is
   * unbounded, which would hang a relay for the length of a broker outage).
   */
  readonly sendRetries?: number;
  /**
   * Topics (contract names) to create if missing and verify on every connect, before the
   * connection counts as up; defaults to every contract topic and its dead-letter topic.
   * The broker never auto-creates topics, and `depends_on` orders nothing in a Swarm stack.
   */
  readonly topics?: readonly TopicSpec[];
  /** SASL credentials (the service's principal); unset, the connection is unauthenticated. */
  readonly sasl?: KafkaSaslCredentials;
}

export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
}

/** Our credentials in kafkajs' terms (its type wants one literal mechanism per variant). */
function saslOptions({ mechanism, username, password }: KafkaSaslCredentials): SASLOptions {
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
  }
}

const DEFAULT_RECONNECT: BackoffOptions = { baseMs: 500, maxMs: 15_000 };

/**
 * One per app: the kafkajs client, the idempotent producer and the connection loop. kafkajs
 * is used only inside libs/messaging; everything else talks to this class.
 */
export class KafkaConnection {
  readonly kafka: Kafka;
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  private producer: Producer;
  private readonly newProducer: () => Producer;
  private readonly logger = new Logger(KafkaConnection.name);
  private readonly reconnect: BackoffOptions;
  private readonly retryDelay = new CancellableDelay();
  private state: 'idle' | 'connecting' | 'connected' | 'closed' = 'idle';
  private connectedWaiters: Array<() => void> = [];
  private healthAdmin: Admin | undefined;
  private readonly topics: readonly TopicSpec[];
  /** Who the broker sees, for log lines: the SASL user or `anonymous`. */
  readonly principal: string;
  /** The last refusal logged, so a retry loop against a refusing broker logs it only once. */
  private lastRefusal: string | undefined;

  constructor(options: KafkaConnectionOptions) {
    this.clientId = options.clientId;
    this.brokers = [...options.brokers];
    this.topicPrefix = options.topicPrefix ?? '';
    this.reconnect = options.reconnect ?? DEFAULT_RECONNECT;
    this.principal = options.sasl ? `User:${options.sasl.username}` : 'anonymous';
    this.topics = (options.topics ?? TOPIC_SPECS).map((spec) => ({
      ...spec,
      name: this.physicalTopic(spec.name),
    }));
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      // Short per attempt: while the broker is down, connectLoop (and the consumer's own
      // loop) keep retrying with their backoff and one clear log line per attempt, and a
      // shutdown never waits long for an attempt in progress.
      retry: { retries: 3, initialRetryTime: 250, maxRetryTime: 2000 },
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(() => this.state !== 'connected'),
      ...(options.sasl ? { sasl: saslOptions(options.sasl) } : {}),
    });
    this.newProducer = () =>
      this.kafka.producer({
        // Java-compatible murmur2: the same key lands on the same partition as with Java clients.
        createPartitioner: Partitioners.DefaultPartitioner,
        // Idempotent with one request in flight: retries cannot duplicate or reorder records
        // within a partition, which is what per-aggregate ordering relies on.
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { retries: options.sendRetries ?? 8, initialRetryTime: 300, maxRetryTime: 5000 },
      });
    this.producer = this.newProducer();
  }

  /** Starts connecting in the background; the app keeps starting while the broker is down. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'connecting';
    void this.connectLoop();
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  /** Where the producer's connection loop is: `connected` once it can send. */
  get connectionState(): 'idle' | 'connecting' | 'connected' | 'closed' {
    return this.state;
  }

  /** Resolves once the producer is connected (tests and scripts; apps never wait for it). */
  whenConnected(): Promise<void> {
    if (this.state === 'connected') return Promise.resolve();
    this.start();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  physicalTopic(topic: string): string {
    return `${this.topicPrefix}${topic}`;
  }

  /** The contract topic of a physical topic name, or undefined when it lacks our prefix. */
  contractTopic(physical: string): string | undefined {
    return physical.startsWith(this.topicPrefix)
      ? physical.slice(this.topicPrefix.length)
      : undefined;
  }

  /**
   * Publishes records in one request per broker and waits for acks=all. Records of one key go
   * to one partition and keep their order. Throws `KafkaUnavailableError` at once while not
   * connected, so callers (the relay) leave the work to the sweeper instead of piling up.
   */
  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.state !== 'connected') {
      throw new KafkaUnavailableError(`Kafka producer not connected (${this.brokers.join(',')})`);
    }
    const byTopic = new Map<string, Message[]>();
    for (const record of records) {
      const topic = this.physicalTopic(record.topic);
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: record.key, value: record.value, headers: record.headers });
      byTopic.set(topic, messages);
    }
    const producer = this.producer;
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      if (producer === this.producer && this.state === 'connected') this.renewProducer(error);
      throw error;
    }
  }

  /**
   * After a failed send the producer is replaced by a new one (a new producer id). kafkajs
   * takes a failed request's records back out of the partition's sequence, yet the broker may
   * have appended them (a request that timed out, a connection cut after the write): the next
   * batch, whatever its records, would then carry the same sequence numbers, and the broker
   * would acknowledge it as a duplicate without writing it — a record lost while its sender was
   * told it was written (chaos found a dead letter lost that way). A new producer id starts a
   * clean sequence; a failed batch sent again may then be written twice, which consumers
   * absorb (they apply each event once), where the old producer could have dropped it.
   */
  private renewProducer(cause: unknown): void {
    const old = this.producer;
    this.producer = this.newProducer();
    this.state = 'connecting';
    this.logger.warn(
      `a send to Kafka failed (${errorMessage(cause)}); connecting a new producer before the next send`,
    );
    void old.disconnect().catch(() => undefined);
    void this.connectLoop();
  }

  /** A kafkajs consumer sharing this client's brokers and logging. */
  createConsumer(config: ConsumerConfig): Consumer {
    return this.kafka.consumer(config);
  }

  /**
   * How many brokers the cluster reports in answer to a metadata request: the Kafka health
   * indicator's probe. Its admin client is kept between calls and dropped after a failure.
   */
  async clusterBrokerCount(): Promise<number> {
    try {
      this.healthAdmin ??= this.kafka.admin({ retry: { retries: 0 } });
      await this.healthAdmin.connect();
      const cluster = await this.healthAdmin.describeCluster();
      return cluster.brokers.length;
    } catch (error) {
      const admin = this.healthAdmin;
      this.healthAdmin = undefined;
      await admin?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Disconnects the producer; call after every consumer and relay has stopped. Does not wait
   * for a connection attempt in progress (against a broker that is down it could take many
   * seconds): the loop sees the closed state and disconnects whatever it gets.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.retryDelay.cancel();
    await this.healthAdmin?.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch((error: unknown) => {
      this.logger.warn(`Kafka producer disconnect failed: ${errorMessage(error)}`);
    });
  }

  private async ensureTopics(): Promise<void> {
    if (this.topics.length === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const difference of await ensureTopics(admin, this.topics)) {
        this.logger.warn(`${difference} (left as it is)`);
      }
    } finally {
      await admin.disconnect();
    }
  }

  private async connectLoop(): Promise<void> {
    const brokers = this.brokers.join(',');
    for (let attempt = 1; this.state === 'connecting'; attempt += 1) {
      try {
        await this.producer.connect();
        await this.ensureTopics();
        // close() may have run while connect() was in flight.
        if (this.state !== 'connecting') {
          await this.producer.disconnect().catch(() => undefined);
          return;
        }
        this.state = 'connected';
        this.logger.log(
          `Kafka producer connected to ${brokers}${attempt > 1 ? ` after ${attempt} attempts` : ''}`,
        );
        for (const resolve of this.connectedWaiters.splice(0)) resolve();
        return;
      } catch (error) {
        if (this.state !== 'connecting') return;
        const wait = backoffDelay(attempt, this.reconnect);
        const refusal = authorizationProblem(error);
        if (refusal === undefined) {
          this.lastRefusal = undefined;
          this.logger.warn(
            `Kafka at ${brokers} is not reachable (${errorMessage(error)}); retrying in ${wait} ms (attempt ${attempt})`,
          );
        } else if (refusal !== this.lastRefusal) {
          // Retrying cannot fix credentials or ACLs soon: say it once, clearly, then keep
          // retrying quietly (an operator may fix the ACLs or create the topics meanwhile).
          this.lastRefusal = refusal;
          this.logger.error(
            `Kafka at ${brokers} refused ${this.principal}: ${refusal}; check KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD and the ACLs; retrying quietly with backoff`,
          );
        } else {
          this.logger.debug(
            `Kafka still refuses ${this.principal}: ${refusal} (attempt ${attempt})`,
          );
        }
        await this.retryDelay.wait(wait);
      }
    }
  }
}
