import { randomBytes } from 'node:crypto';
import { type Admin, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import mongoose, { type Connection } from 'mongoose';
import { deadLetterTopic, type Topic } from '@storefront/events';
import { decodeHeaders, ReadPositions, eventually } from '@storefront/testing';
import { createTopicsWithLeaders } from '../../src/kafka/topics';

export const brokers = (): string[] =>
  (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim());

export const mongoUrl = (): string => process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/';

/** A topic prefix and database name of one test file, unique per run. */
export function isolation(file: string): { prefix: string; dbName: string } {
  const id = `${file}${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  return { prefix: `t-${id}.`, dbName: `msg_${id}` };
}

export function quietKafka(clientId: string, brokerList: string[] = brokers()): Kafka {
  return new Kafka({ clientId, brokers: brokerList, logLevel: logLevel.NOTHING });
}

/** Creates `<prefix><topic>` and its dead-letter topic, 3 partitions each, like the contract. */
export async function createTopics(prefix: string, topics: readonly Topic[]): Promise<void> {
  const admin = quietKafka('messaging-tests-admin').admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(
      admin,
      topics.flatMap((topic) => [
        { topic: `${prefix}${topic}`, numPartitions: 3, replicationFactor: 1 },
        { topic: `${prefix}${deadLetterTopic(topic)}`, numPartitions: 3, replicationFactor: 1 },
      ]),
    );
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(prefix: string): Promise<void> {
  const admin: Admin = quietKafka('messaging-tests-admin').admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.disconnect();
  }
}

export async function connectDb(dbName: string): Promise<Connection> {
  return mongoose.createConnection(mongoUrl(), { dbName, monitorCommands: true }).asPromise();
}

/** Polls until `probe` returns a value other than undefined/null/false; never a fixed sleep. */
export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

function toReadRecord(partition: number, message: KafkaMessage): ReadRecord {
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    headers: decodeHeaders(message.headers),
  };
}

/**
 * Reads a topic from the beginning with a throwaway group until `count` records arrived (or
 * `count` says enough), then stops. For assertions on what was published or dead-lettered.
 */
export async function readTopic(
  topic: string,
  count: number | ((records: readonly ReadRecord[]) => boolean),
  timeoutMs = 30_000,
  brokerList: string[] = brokers(),
): Promise<ReadRecord[]> {
  const enough =
    typeof count === 'number' ? (records: readonly ReadRecord[]) => records.length >= count : count;
  const consumer = quietKafka('messaging-tests-reader', brokerList).consumer({
    groupId: `reader-${randomBytes(6).toString('hex')}`,
    allowAutoTopicCreation: false,
  });
  const records: ReadRecord[] = [];
  const positions = new ReadPositions();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (positions.firstSeen(partition, message.offset)) {
          records.push(toReadRecord(partition, message));
        }
      },
    });
    await eventually(`enough records on ${topic}`, () => enough(records), timeoutMs);
    return records;
  } finally {
    await consumer.disconnect();
  }
}
