import { Controller, type INestApplication, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Producer } from 'kafkajs';
import { type Connection, type Model, Schema } from 'mongoose';
import { type CustomerChanged, Topics } from '@storefront/events';
import { eventually } from '@storefront/testing';
import { KafkaEventContext, KafkaEventServer, upsertReplicaIfNewer } from '../src';
import { customerName, customerRecord } from './support/event-records';
import { connectDb, createTopics, deleteTopics, isolation, quietKafka } from './support/kit';
import { fastConsumer, startTestApp } from './support/test-app';

interface Replica {
  _id: string;
  lastVersion: string;
  sourceVersion: number;
  deleted: boolean;
}

interface Applied {
  consumer: string;
  partition: number;
  key: string;
  version: number;
  outcome: string;
}

const KEYS = Array.from({ length: 12 }, (_, index) => `customer-${index}`);
const VERSIONS = 36;
const GROUP = 'ordering-spec';

@Controller()
class ReplicaHandlers {
  constructor(
    @Inject('NAME') private readonly name: string,
    @Inject('REPLICAS') private readonly replicas: Model<Replica>,
    @Inject('APPLIED') private readonly applied: Applied[],
  ) {}

  @EventPattern(Topics.CustomerChange)
  async onCustomerChanged(
    @Payload() payload: CustomerChanged,
    @Ctx() ctx: KafkaEventContext,
  ): Promise<string> {
    // A little work per record, so the stream is still flowing when the group rebalances.
    await new Promise((resolve) => setTimeout(resolve, 3));
    const outcome = await upsertReplicaIfNewer(this.replicas, ctx.key, ctx.aggregateVersion, {
      lastVersion: payload.name.firstName,
    });
    this.applied.push({
      consumer: this.name,
      partition: ctx.partition,
      key: ctx.key,
      version: ctx.aggregateVersion,
      outcome,
    });
    return outcome;
  }
}

describe('per-key order with 3 partitions and 2 consumers across a rebalance', () => {
  const { prefix, dbName } = isolation('ordering');
  const topic = `${prefix}${Topics.CustomerChange}`;
  const applied: Applied[] = [];
  const servers = new Map<string, KafkaEventServer>();
  const apps: INestApplication[] = [];
  let db: Connection;
  let replicas: Model<Replica>;
  let producer: Producer;

  async function startConsumer(name: string): Promise<void> {
    const { app, server } = await startTestApp({
      name,
      prefix,
      controllers: [ReplicaHandlers],
      providers: [
        { provide: 'NAME', useValue: name },
        { provide: 'REPLICAS', useValue: replicas },
        { provide: 'APPLIED', useValue: applied },
      ],
      consumer: { ...fastConsumer, groupId: GROUP, healthName: name },
    });
    apps.push(app);
    servers.set(name, server!);
  }

  const partitionsOf = (name: string) =>
    Object.values(servers.get(name)?.assignedPartitions ?? {}).flat().length;

  async function produceVersions(from: number, to: number): Promise<void> {
    for (let version = from; version <= to; version += 1) {
      await producer.send({
        topic,
        acks: -1,
        messages: KEYS.map((key) => customerRecord(key, version, customerName(`v${version}`))),
      });
    }
  }

  beforeAll(async () => {
    await createTopics(prefix, [Topics.CustomerChange]);
    db = await connectDb(dbName);
    replicas = db.model<Replica>(
      'Replica',
      new Schema<Replica>({
        _id: String,
        lastVersion: String,
        sourceVersion: Number,
        deleted: Boolean,
      }),
    );
    producer = quietKafka('ordering-spec-producer').producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    for (const app of apps) await app.close();
    await db?.dropDatabase();
    await db?.close();
    await deleteTopics(prefix);
  });

  it('applies every version of every key once and in order, while partitions move', async () => {
    await startConsumer('A');
    await eventually('A owning the three partitions', () => partitionsOf('A') === 3);
    await produceVersions(1, 12);
    await eventually(
      'A applying',
      () => applied.filter((entry) => entry.consumer === 'A').length >= 24,
    );

    await startConsumer('B');
    // Produced while the group rebalances.
    await produceVersions(13, 24);
    await eventually(
      'the partitions shared by A and B',
      () => partitionsOf('B') > 0 && partitionsOf('A') + partitionsOf('B') === 3,
    );
    await produceVersions(25, VERSIONS);

    await eventually(
      `every replica at version ${VERSIONS}`,
      async () => (await replicas.countDocuments({ sourceVersion: VERSIONS })) === KEYS.length,
      60_000,
    );

    for (const key of KEYS) {
      const history = applied.filter((entry) => entry.key === key);
      // Exactly 1..N applied, in this order: a version handled before an older one would
      // have made the older one stale, leaving a gap.
      const appliedVersions = history.filter((e) => e.outcome === 'applied').map((e) => e.version);
      expect({ key, appliedVersions }).toEqual({
        key,
        appliedVersions: Array.from({ length: VERSIONS }, (_, index) => index + 1),
      });
      // Anything else is a redelivery (after the rebalance) of a version already applied.
      history.forEach((entry, index) => {
        if (entry.outcome === 'stale') {
          const before = history.slice(0, index).filter((e) => e.outcome === 'applied');
          expect(before.map((e) => e.version)).toContain(entry.version);
        }
      });
    }
    await expect(replicas.find().lean()).resolves.toHaveLength(KEYS.length);
    await expect(replicas.findById(KEYS[0]).lean()).resolves.toMatchObject({
      lastVersion: `v${VERSIONS}`,
    });

    // The rebalance really moved work: a partition was handled by A and then by B.
    const owners = new Map<number, Set<string>>();
    for (const entry of applied) {
      owners.set(entry.partition, (owners.get(entry.partition) ?? new Set()).add(entry.consumer));
    }
    expect([...owners.values()].some((names) => names.size === 2)).toBe(true);
  });
});
