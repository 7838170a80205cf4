import { Controller, type INestApplication, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Producer } from 'kafkajs';
import { type Connection, type Model, Schema } from 'mongoose';
import {
  type CustomerChanged,
  DeadLetterHeaders,
  deadLetterTopic,
  Topics,
} from '@storefront/events';
import { DomainError } from '@storefront/platform';
import { eventually } from '@storefront/testing';
import {
  KafkaEventContext,
  MessagingMetrics,
  removeReplicaIfNewer,
  upsertReplicaIfNewer,
} from '../src';
import { customerHeaders, customerName, customerRecord } from './support/event-records';
import {
  connectDb,
  createTopics,
  deleteTopics,
  isolation,
  quietKafka,
  readTopic,
} from './support/kit';
import { fastConsumer, startTestApp } from './support/test-app';

interface Replica {
  _id: string;
  firstName: string;
  sourceVersion: number;
  deleted: boolean;
}

interface Handled {
  key: string;
  offset: string;
  version: number;
  attempt: number;
  outcome: string;
}

const MAX_ATTEMPTS = 3;
const GROUP = 'consumer-spec';

/** What the handler does is chosen by the customer's first name. */
@Controller()
class CustomerHandlers {
  constructor(
    @Inject('REPLICAS') private readonly replicas: Model<Replica>,
    @Inject('HANDLED') private readonly handled: Handled[],
  ) {}

  @EventPattern(Topics.CustomerChange)
  async onCustomerChanged(
    @Payload() payload: CustomerChanged | null,
    @Ctx() ctx: KafkaEventContext,
  ): Promise<string> {
    const firstName = payload?.name.firstName;
    if (firstName === 'AlwaysFails') throw new Error('database unavailable');
    if (firstName === 'Permanent') throw new DomainError('TEST.ILLEGAL_TRANSITION', 'cannot apply');
    if (firstName === 'Flaky' && ctx.attempt < MAX_ATTEMPTS) throw new Error('flaky');
    const outcome =
      payload === null
        ? await removeReplicaIfNewer(this.replicas, ctx.key, ctx.aggregateVersion)
        : await upsertReplicaIfNewer(this.replicas, ctx.key, ctx.aggregateVersion, {
            firstName: payload.name.firstName,
          });
    this.handled.push({
      key: ctx.key,
      offset: ctx.offset,
      version: ctx.aggregateVersion,
      attempt: ctx.attempt,
      outcome,
    });
    return outcome;
  }
}

describe('KafkaEventServer (real Kafka and FerretDB)', () => {
  const { prefix, dbName } = isolation('consumer');
  const topic = `${prefix}${Topics.CustomerChange}`;
  const handled: Handled[] = [];
  let db: Connection;
  let replicas: Model<Replica>;
  let app: INestApplication;
  let producer: Producer;

  beforeAll(async () => {
    await createTopics(prefix, [Topics.CustomerChange]);
    db = await connectDb(dbName);
    replicas = db.model<Replica>(
      'Replica',
      new Schema<Replica>({
        _id: String,
        firstName: String,
        sourceVersion: Number,
        deleted: Boolean,
      }),
    );
    ({ app } = await startTestApp({
      name: 'consumer-spec',
      prefix,
      controllers: [CustomerHandlers],
      providers: [
        { provide: 'REPLICAS', useValue: replicas },
        { provide: 'HANDLED', useValue: handled },
      ],
      consumer: {
        ...fastConsumer,
        groupId: GROUP,
        maxAttempts: MAX_ATTEMPTS,
        permanentErrorCodes: ['TEST.ILLEGAL_TRANSITION'],
      },
    }));
    producer = quietKafka('consumer-spec-producer').producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await app?.close();
    await db?.dropDatabase();
    await db?.close();
    await deleteTopics(prefix);
  });

  it('dead-letters bad records with their error headers and goes on with the partition', async () => {
    const key = 'customer-dlt';
    const good = customerRecord(key, 1, customerName('Good'));
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key, value: 'not json {', headers: customerHeaders(1) },
        {
          key,
          value: JSON.stringify({ id: key, name: 'not an object' }),
          headers: customerHeaders(1),
        },
        { key, value: good.value, headers: { ce_id: 'not-a-uuid' } },
        customerRecord(key, 1, customerName('AlwaysFails')),
        customerRecord(key, 1, customerName('Permanent')),
        customerRecord(key, 1, customerName('Flaky')),
        customerRecord(key, 2, customerName('Good')),
      ],
    });

    const dead = await readTopic(`${prefix}${deadLetterTopic(Topics.CustomerChange)}`, 5);
    const byReason = Object.fromEntries(
      dead.map((record) => [
        `${record.headers[DeadLetterHeaders.reason]}:${record.headers[DeadLetterHeaders.attempts]}`,
        record,
      ]),
    );
    expect(Object.keys(byReason).sort()).toEqual([
      'handler-failed:1',
      `handler-failed:${MAX_ATTEMPTS}`,
      'invalid-headers:0',
      'not-json:0',
      'schema-violation:0',
    ]);
    const notJson = byReason['not-json:0'];
    expect(notJson).toMatchObject({ key, value: 'not json {' });
    expect(notJson.headers).toMatchObject({
      [DeadLetterHeaders.originalTopic]: Topics.CustomerChange,
      [DeadLetterHeaders.consumerGroup]: GROUP,
      // The original CloudEvents headers travel along, so the record can be replayed as is.
      ce_id: expect.any(String),
    });
    // All records share a key, hence a partition, and were written in this order.
    const offsets = [
      'not-json:0',
      'schema-violation:0',
      'invalid-headers:0',
      `handler-failed:${MAX_ATTEMPTS}`,
      'handler-failed:1',
    ].map((reason) => Number(byReason[reason].headers[DeadLetterHeaders.originalOffset]));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    const partitions = new Set(
      dead.map((record) => record.headers[DeadLetterHeaders.originalPartition]),
    );
    expect(partitions.size).toBe(1);
    expect(byReason['schema-violation:0'].headers[DeadLetterHeaders.error]).toMatch(/name/);
    expect(byReason[`handler-failed:${MAX_ATTEMPTS}`].headers[DeadLetterHeaders.error]).toBe(
      'database unavailable',
    );
    expect(byReason['handler-failed:1'].headers[DeadLetterHeaders.error]).toBe(
      'TEST.ILLEGAL_TRANSITION: cannot apply',
    );

    // Later records on the same partition were handled: the flaky one on its last attempt.
    const mine = await eventually(
      'the two good records',
      () =>
        handled.filter((entry) => entry.key === key).length === 2 &&
        handled.filter((entry) => entry.key === key),
    );
    expect(mine.map(({ version, attempt, outcome }) => ({ version, attempt, outcome }))).toEqual([
      { version: 1, attempt: MAX_ATTEMPTS, outcome: 'applied' },
      { version: 2, attempt: 1, outcome: 'applied' },
    ]);
    await expect(replicas.findById(key).lean()).resolves.toMatchObject({
      firstName: 'Good',
      sourceVersion: 2,
    });

    // Dead-lettered and handled offsets alike were committed: nothing is read again.
    const lastOffset = Number(mine[1].offset);
    const partition = Number([...partitions][0]);
    const admin = quietKafka('consumer-spec-admin').admin();
    await admin.connect();
    try {
      const committed = await eventually('the committed offset past the last record', async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: GROUP, topics: [topic] });
        const entry = offsets.partitions.find((p) => p.partition === partition);
        return Number(entry?.offset) === lastOffset + 1 && entry;
      });
      expect(Number(committed.offset)).toBe(lastOffset + 1);
    } finally {
      await admin.disconnect();
    }

    const metrics = app.get(MessagingMetrics);
    const dlt = await metrics.deadLettered.get();
    const count = (reason: string) =>
      dlt.values.find((v) => v.labels.reason === reason && v.labels.topic === Topics.CustomerChange)
        ?.value;
    expect(count('handler-failed')).toBe(2);
    expect(count('not-json')).toBe(1);
    const retried = await metrics.retried.get();
    // AlwaysFails and Flaky each failed MAX_ATTEMPTS - 1 times before their last attempt.
    expect(retried.values[0]?.value).toBe(2 * (MAX_ATTEMPTS - 1));
  });

  it('applies each version once: duplicates and older-after-newer change nothing', async () => {
    const key = 'customer-versions';
    await producer.send({
      topic,
      acks: -1,
      messages: [
        customerRecord(key, 1, customerName('One')),
        customerRecord(key, 2, customerName('Two')),
        customerRecord(key, 2, customerName('Two again')),
        customerRecord(key, 1, customerName('One late')),
        customerRecord(key, 3, customerName('Three')),
        customerRecord(key, 3, customerName('Three again')),
        customerRecord(key, 2, customerName('Two late')),
      ],
    });
    const mine = await eventually(
      'seven handled records',
      () =>
        handled.filter((entry) => entry.key === key).length === 7 &&
        handled.filter((entry) => entry.key === key),
    );
    expect(mine.map(({ version, outcome }) => `${version}:${outcome}`)).toEqual([
      '1:applied',
      '2:applied',
      '2:stale',
      '1:stale',
      '3:applied',
      '3:stale',
      '2:stale',
    ]);
    await expect(replicas.findById(key).lean()).resolves.toMatchObject({
      firstName: 'Three',
      sourceVersion: 3,
      deleted: false,
    });
  });

  it('applies a tombstone as a version-guarded delete that a late event cannot undo', async () => {
    const key = 'customer-deleted';
    await producer.send({
      topic,
      acks: -1,
      messages: [
        customerRecord(key, 1, customerName('Alive')),
        { key, value: null, headers: customerHeaders(2) },
        customerRecord(key, 1, customerName('Alive again')),
      ],
    });
    const mine = await eventually(
      'three handled records',
      () =>
        handled.filter((entry) => entry.key === key).length === 3 &&
        handled.filter((entry) => entry.key === key),
    );
    expect(mine.map(({ outcome }) => outcome)).toEqual(['applied', 'applied', 'stale']);
    await expect(replicas.findById(key).lean()).resolves.toMatchObject({
      sourceVersion: 2,
      deleted: true,
      firstName: 'Alive',
    });
  });
});
