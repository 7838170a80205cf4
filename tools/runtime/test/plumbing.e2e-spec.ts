/**
 * Proves the integration plumbing is real: the broker and database that global setup
 * provides accept what the services will do to them. No mocks.
 */
import { randomUUID } from 'node:crypto';

import { type Admin, type Consumer, Kafka, Partitioners, logLevel } from 'kafkajs';
import mongoose, { type Connection, Schema } from 'mongoose';

import { eventually } from '@storefront/testing';
import { ensureTopics } from '../kafka';

function requiredEnv(name: 'KAFKA_BROKERS' | 'MONGO_URL'): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: run through the jest "integration" project, whose global setup provides it`,
    );
  return value;
}

const runId = randomUUID().slice(0, 8);

// Group joins and topic creation on a 2-core machine take seconds, not milliseconds; the
// waits inside the tests carry their own, shorter, deadlines with a clear message.
jest.setTimeout(90_000);

describe('Kafka plumbing', () => {
  const brokers = requiredEnv('KAFKA_BROKERS').split(',');
  const kafka = new Kafka({ clientId: `plumbing-${runId}`, brokers, logLevel: logLevel.NOTHING });
  const topic = `plumbing.${runId}`;
  const groupId = `plumbing-group-${runId}`;
  let admin: Admin;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(brokers, [{ name: topic, partitions: 3, config: {} }]);
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  /**
   * Idempotent, as the services' producer is: on a loaded machine a produce request can time
   * out after the broker appended it, and a plain producer's retry appends the batch again.
   * That put one partition's records in the log twice (distinct offsets), which the delivery
   * checks below then blamed on the consumer.
   */
  async function produce(values: readonly string[]): Promise<void> {
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: values.map((value) => ({ key: value, value })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  /** A group member's deliveries, how many times it joined the group, and its failed commits. */
  interface Member {
    consumer: Consumer;
    received: string[];
    joins: number;
    failedCommits: number;
  }

  /** Runs a group member that commits each offset only after the message was recorded. */
  async function startMember(): Promise<Member> {
    // A short fetch wait lets disconnect() return quickly instead of after a 5 s long-poll.
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
    });
    const member: Member = { consumer, received: [], joins: 0, failedCommits: 0 };
    consumers.push(consumer);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      member.joins += 1;
    });
    await consumer.connect();
    // fromBeginning only applies without a committed offset: the second member must ignore it.
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        member.received.push(message.value?.toString() ?? '');
        try {
          await consumer.commitOffsets([
            { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
          ]);
        } catch (error) {
          // The record is redelivered, as it must be when its commit did not land.
          member.failedCommits += 1;
          throw error;
        }
      },
    });
    return member;
  }

  /**
   * Delivery is at least once: a rebalance (on a loaded machine a missed heartbeat makes even a
   * lone member rejoin) replays what the old generation had fetched, and a failed commit
   * replays its record. So every record must arrive, and one may arrive twice only after a
   * rejoin or a failed commit; a CI run once saw five replays under load.
   */
  function expectDelivered(member: Member, expected: readonly string[]): void {
    expect([...new Set(member.received)].sort()).toEqual([...expected].sort());
    if (member.joins <= 1 && member.failedCommits === 0)
      expect(member.received).toHaveLength(expected.length);
  }

  async function disconnect({ consumer }: Member): Promise<void> {
    await consumer.disconnect();
    consumers.splice(consumers.indexOf(consumer), 1);
  }

  it('creates the topic with 3 partitions on the real broker', async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0]?.partitions).toHaveLength(3);
  });

  it('commits consumed offsets for the group, and a new member resumes after them', async () => {
    const first = Array.from({ length: 9 }, (_, i) => `first-${i}`);
    await produce(first);
    // Each record is in the log once, so a duplicate below is the consumer's.
    const produced = await admin.fetchTopicOffsets(topic);
    expect(produced.reduce((sum, p) => sum + Number(p.high), 0)).toBe(first.length);

    const firstMember = await startMember();
    await eventually(
      'the first batch to be consumed',
      () => first.every((v) => firstMember.received.includes(v)),
      60_000,
    );
    await disconnect(firstMember);
    expectDelivered(firstMember, first);

    // The broker, not the client, now holds the group's position: one past each partition's last record.
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedByPartition = new Map(committed?.partitions.map((p) => [p.partition, p.offset]));
    for (const end of ends) expect(committedByPartition.get(end.partition)).toBe(end.high);
    expect(ends.reduce((sum, p) => sum + Number(p.high), 0)).toBe(first.length);

    const second = Array.from({ length: 6 }, (_, i) => `second-${i}`);
    await produce(second);
    const secondMember = await startMember();
    // Per partition the old records precede the new ones, so a replay from the beginning
    // would have delivered them before the last new record arrives.
    await eventually(
      'the second batch to be consumed',
      () => second.every((v) => secondMember.received.includes(v)),
      60_000,
    );
    await disconnect(secondMember);
    expectDelivered(secondMember, second);
  });
});

interface CartItem {
  sku: string;
  qty: number;
}

interface Cart {
  owner: string;
  items: CartItem[];
  tags: string[];
  version: number;
}

const cartSchema = new Schema<Cart>({
  owner: { type: String, required: true, unique: true },
  items: [
    { _id: false, sku: { type: String, required: true }, qty: { type: Number, required: true } },
  ],
  tags: [String],
  version: { type: Number, required: true, default: 1 },
});

describe('MongoDB plumbing (FerretDB, or the server MONGO_URL names)', () => {
  const dbName = `plumbing_${runId}`;
  let connection: Connection;
  let isFerretDb: boolean;
  let Carts: mongoose.Model<Cart>;

  beforeAll(async () => {
    connection = await mongoose
      .createConnection(requiredEnv('MONGO_URL'), { dbName, autoIndex: false })
      .asPromise();
    const buildInfo = await connection.db!.admin().command({ buildInfo: 1 });
    isFerretDb = 'ferretdbVersion' in buildInfo;
    Carts = connection.model<Cart>('Cart', cartSchema);
    await Carts.createIndexes();
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('inserts and reads back a document', async () => {
    await Carts.create({ owner: 'ada', items: [{ sku: 'a', qty: 1 }], tags: ['new'] });
    const found = await Carts.findOne({ owner: 'ada' }).lean();
    expect(found).toMatchObject({
      owner: 'ada',
      items: [{ sku: 'a', qty: 1 }],
      tags: ['new'],
      version: 1,
    });
  });

  it('$push appends, $pull removes exact values, $pullAll removes listed values', async () => {
    const { _id } = await Carts.create({ owner: 'bob', items: [], tags: ['x', 'y', 'z', 'y'] });

    await Carts.updateOne(
      { _id },
      {
        $push: {
          items: {
            $each: [
              { sku: 'a', qty: 1 },
              { sku: 'b', qty: 0 },
            ],
          },
        },
      },
    );
    await Carts.updateOne({ _id }, { $pull: { tags: 'y' } });
    await Carts.updateOne({ _id }, { $pull: { items: { sku: 'a', qty: 1 } } });
    await Carts.updateOne({ _id }, { $pullAll: { tags: ['x', 'nope'] } });

    const cart = await Carts.findById(_id).lean();
    expect(cart?.items).toEqual([{ sku: 'b', qty: 0 }]);
    expect(cart?.tags).toEqual(['z']);
  });

  it('conditional $pull: removes matches on MongoDB, is a silent no-op on FerretDB 1.24 (FerretDB#826)', async () => {
    const items = [
      { sku: 'a', qty: 0 },
      { sku: 'b', qty: 2 },
    ];
    const { _id } = await Carts.create({ owner: 'cy', items });

    // Both a condition and a partial sub-document are queries in MongoDB's $pull; FerretDB
    // compares whole elements for equality, so neither matches and nothing is reported.
    const byCondition = await Carts.updateOne({ _id }, { $pull: { items: { qty: { $lte: 0 } } } });
    const byPartial = await Carts.updateOne({ _id }, { $pull: { items: { sku: 'b' } } });

    const cart = await Carts.findById(_id).lean();
    if (isFerretDb) {
      expect([byCondition.modifiedCount, byPartial.modifiedCount]).toEqual([0, 0]);
      expect(cart?.items).toEqual(items);
    } else {
      expect([byCondition.modifiedCount, byPartial.modifiedCount]).toEqual([1, 1]);
      expect(cart?.items).toEqual([]);
    }
  });

  it('a version-guarded update matches once; the stale version then matches nothing', async () => {
    const { _id } = await Carts.create({ owner: 'dee', items: [{ sku: 'a', qty: 1 }] });
    const guarded = (version: number, items: CartItem[]) =>
      Carts.updateOne({ _id, version }, { $set: { items }, $inc: { version: 1 } });

    const winner = await guarded(1, [{ sku: 'a', qty: 2 }]);
    const loser = await guarded(1, [{ sku: 'a', qty: 99 }]);

    expect([winner.matchedCount, winner.modifiedCount]).toEqual([1, 1]);
    expect([loser.matchedCount, loser.modifiedCount]).toEqual([0, 0]);
    expect(await Carts.findById(_id).lean()).toMatchObject({
      version: 2,
      items: [{ sku: 'a', qty: 2 }],
    });
  });

  it('a unique index rejects a duplicate with error code 11000', async () => {
    await Carts.create({ owner: 'eve' });
    await expect(Carts.create({ owner: 'eve' })).rejects.toMatchObject({ code: 11000 });
    expect(await Carts.countDocuments({ owner: 'eve' })).toBe(1);
  });
});
