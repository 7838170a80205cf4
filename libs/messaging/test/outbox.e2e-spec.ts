import type { CommandStartedEvent } from 'mongodb';
import { Controller, type INestApplication, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { HealthIndicatorService } from '@nestjs/terminus';
import { type Connection, type Model, Schema } from 'mongoose';
import { type CustomerChanged, Topics } from '@storefront/events';
import { eventually } from '@storefront/testing';
import {
  type CollectionRelay,
  insertWithOutbox,
  KafkaConnection,
  KafkaEventContext,
  MessagingMetrics,
  OutboxHealthIndicator,
  OutboxRelay,
} from '../src';
import { type Account, accountEvent, accountModel } from './support/account.model';
import { applyOnce } from './support/apply-once';
import { runTsChild } from './support/child-process';
import { brokers, connectDb, createTopics, deleteTopics, isolation } from './support/kit';
import { fastConsumer, startTestApp } from './support/test-app';

interface Ledger {
  _id: string;
  lastName: string | null;
  applied: number;
  appliedEventIds: string[];
}

interface Seen {
  key: string;
  eventId: string;
  version: number;
  tombstone: boolean;
  outcome: string;
}

/** The consuming side: applies each event to a ledger document at most once per event id. */
@Controller()
class LedgerHandlers {
  constructor(
    @Inject('LEDGER') private readonly ledger: Model<Ledger>,
    @Inject('SEEN') private readonly seen: Seen[],
  ) {}

  @EventPattern(Topics.CustomerChange)
  async onCustomerChanged(
    @Payload() payload: CustomerChanged | null,
    @Ctx() ctx: KafkaEventContext,
  ): Promise<string> {
    await this.ledger
      .updateOne(
        { _id: ctx.key },
        { $setOnInsert: { applied: 0, appliedEventIds: [] } },
        { upsert: true },
      )
      .exec();
    const outcome = await applyOnce(this.ledger, { _id: ctx.key }, ctx.eventId, {
      $inc: { applied: 1 },
      $set: { lastName: payload?.name.lastName ?? null },
    });
    this.seen.push({
      key: ctx.key,
      eventId: ctx.eventId,
      version: ctx.aggregateVersion,
      tombstone: ctx.isTombstone,
      outcome,
    });
    return outcome;
  }
}

describe('outbox and relay (real Kafka and FerretDB)', () => {
  const { prefix, dbName } = isolation('outbox');
  const seen: Seen[] = [];
  const seenFor = (key: string) => seen.filter((entry) => entry.key === key);
  let db: Connection;
  let accounts: Model<Account>;
  let ledger: Model<Ledger>;
  let consumerApp: INestApplication;
  let connection: KafkaConnection;
  let relay: OutboxRelay;
  let outboxHealth: OutboxHealthIndicator;
  let outbox: CollectionRelay<Account>;

  const pending = async (id: string) => (await accounts.findById(id).lean())?.outbox.length;

  beforeAll(async () => {
    await createTopics(prefix, [Topics.CustomerChange]);
    db = await connectDb(dbName);
    accounts = accountModel(db);
    ledger = db.model<Ledger>(
      'Ledger',
      new Schema<Ledger>({
        _id: String,
        lastName: String,
        applied: Number,
        appliedEventIds: [String],
      }),
    );
    ({ app: consumerApp } = await startTestApp({
      name: 'outbox-spec',
      prefix,
      controllers: [LedgerHandlers],
      providers: [
        { provide: 'LEDGER', useValue: ledger },
        { provide: 'SEEN', useValue: seen },
      ],
      consumer: { ...fastConsumer, groupId: 'outbox-spec' },
    }));
    connection = new KafkaConnection({
      clientId: 'outbox-spec',
      brokers: brokers(),
      topicPrefix: prefix,
    });
    connection.start();
    await connection.whenConnected();
    // Not started: no background sweeper, so each test decides when a sweep happens.
    relay = new OutboxRelay(
      connection,
      { sweepMinAgeMs: 0, backlogMaxAgeMs: 1000 },
      new MessagingMetrics(),
    );
    outbox = relay.watch(accounts);
    outboxHealth = new OutboxHealthIndicator(relay, new HealthIndicatorService());
  });

  afterAll(async () => {
    await relay?.stop();
    await connection?.close();
    await consumerApp?.close();
    await db?.dropDatabase();
    await db?.close();
    await deleteTopics(prefix);
  });

  it('publishes right after each write, in version order, and empties the outbox', async () => {
    const id = 'ordered';
    const created = await outbox.insert({ _id: id, lastName: 'v1' }, [accountEvent(id, 'v1')]);
    expect(created.version).toBe(1);
    // Back-to-back writes: their relay runs overlap and must still publish in order.
    for (let version = 1; version <= 5; version += 1) {
      const lastName = `v${version + 1}`;
      const updated = await outbox.update(id, version, { set: { lastName } }, [
        accountEvent(id, lastName),
      ]);
      expect(updated?.version).toBe(version + 1);
    }
    const mine = await eventually('six events', () => seenFor(id).length >= 6 && seenFor(id));
    expect(mine.map((entry) => entry.version)).toEqual([1, 2, 3, 4, 5, 6]);
    await eventually('an empty outbox', async () => (await pending(id)) === 0);
    await expect(ledger.findById(id).lean()).resolves.toMatchObject({ lastName: 'v6', applied: 6 });

    const published = await relay.metrics!.published.get();
    expect(
      published.values.find((v) => v.labels.topic === Topics.CustomerChange)?.value,
    ).toBeGreaterThanOrEqual(6);
  });

  it('writes nothing, not even an event, when the expected version is stale', async () => {
    const id = 'conflict';
    await outbox.insert({ _id: id, lastName: 'first' }, [accountEvent(id, 'first')]);
    await eventually('the creation event published', async () => (await pending(id)) === 0);
    const stale = await outbox.update(id, 0, { set: { lastName: 'lost' } }, [
      accountEvent(id, 'lost'),
    ]);
    expect(stale).toBeNull();
    await expect(accounts.findById(id).lean()).resolves.toMatchObject({
      lastName: 'first',
      version: 1,
      outbox: [],
    });
  });

  it('lets exactly one of two concurrent writes with the same expected version win', async () => {
    const id = 'race';
    await outbox.insert({ _id: id, lastName: 'start' }, [accountEvent(id, 'start')]);
    // No lock in this process (MONGO_DOCUMENT_LOCKS is off): the database's atomic
    // version-guarded update alone decides (a stock FerretDB 1.24 would let both win).
    const results = await Promise.all(
      ['left', 'right'].map((lastName) =>
        outbox.update(id, 1, { set: { lastName } }, [accountEvent(id, lastName)]),
      ),
    );
    const winners = results.filter((result) => result !== null);
    expect(winners).toHaveLength(1);
    await eventually('creation and the winning change', () => seenFor(id).length === 2);
    await expect(accounts.findById(id).lean()).resolves.toMatchObject({
      version: 2,
      lastName: winners[0].lastName,
    });
  });

  it('re-emits the current state at the current version, or above it, without changing the state', async () => {
    const id = 'republished';
    await outbox.insert({ _id: id, lastName: 'kept' }, [accountEvent(id, 'kept')]);
    await eventually('the creation event published', async () => (await pending(id)) === 0);

    const again = await outbox.republish(id, 1, [accountEvent(id, 'kept')]);
    expect(again).toMatchObject({ lastName: 'kept', version: 1 });
    const above = await outbox.republish(id, 1, [accountEvent(id, 'kept')], 4);
    expect(above).toMatchObject({ lastName: 'kept', version: 4 });
    await expect(outbox.republish(id, 1, [accountEvent(id, 'kept')])).resolves.toBeNull();
    await expect(outbox.republish(id, 4, [accountEvent(id, 'kept')], 3)).rejects.toThrow(
      RangeError,
    );

    const mine = await eventually('three events', () => seenFor(id).length >= 3 && seenFor(id));
    expect(mine.map((entry) => entry.version)).toEqual([1, 1, 4]);
    await eventually('an empty outbox', async () => (await pending(id)) === 0);
  });

  it('sweeps what nobody relayed, and reports the backlog until then', async () => {
    const id = 'left-behind';
    const record = accountEvent(id, 'old');
    record.occurredAt = new Date(Date.now() - 120_000);
    // The plain helper does not relay: as if the writer crashed right after the insert.
    await insertWithOutbox(accounts, { _id: id, lastName: 'old' }, [record]);

    await expect(outboxHealth.isHealthy('outbox')).resolves.toMatchObject({
      outbox: { status: 'down', pendingDocuments: 1 },
    });
    await relay.sweepOnce();
    await eventually('the swept event consumed', () => seenFor(id).length === 1);
    await eventually('an empty outbox', async () => (await pending(id)) === 0);
    await expect(outboxHealth.isHealthy('outbox')).resolves.toMatchObject({
      outbox: { status: 'up', pendingDocuments: 0 },
    });
  });

  it('sweeps a collection in one read, and counts it only after a full page', async () => {
    /** The commands on the watched collection while `work` runs, by name. */
    const commandsDuring = async (work: () => Promise<unknown>): Promise<string[]> => {
      const names: string[] = [];
      const watch = (event: CommandStartedEvent): void => {
        if (event.command[event.commandName] === accounts.collection.name) {
          names.push(event.commandName);
        }
      };
      db.getClient().on('commandStarted', watch);
      try {
        await work();
      } finally {
        db.getClient().off('commandStarted', watch);
      }
      return names.sort();
    };
    const leftBehind = async (ids: string[]) => {
      for (const id of ids) {
        const record = accountEvent(id, 'left');
        record.occurredAt = new Date(Date.now() - 120_000);
        await insertWithOutbox(accounts, { _id: id, lastName: 'left' }, [record]);
      }
    };

    // Nothing pending: a sweeper's tick is one find, no count, and it records the backlog.
    const metrics = new MessagingMetrics();
    const ticking = new OutboxRelay(connection, { sweepIntervalMs: 60_000 }, metrics);
    ticking.watch(accounts);
    const tick = await commandsDuring(async () => {
      ticking.start();
      await eventually(
        'the first tick to record the backlog',
        async () => (await metrics.outboxBacklog.get()).values.length > 0,
      );
    });
    await ticking.stop();
    expect(tick).toEqual(['find']);
    expect((await metrics.outboxBacklog.get()).values).toEqual([
      expect.objectContaining({ labels: { collection: accounts.collection.name }, value: 0 }),
    ]);

    // A page that is not full: relayed from the one read, and still no count.
    await leftBehind(['page-1', 'page-2']);
    expect(await commandsDuring(() => relay.sweepOnce())).not.toContain('aggregate');
    await eventually('both swept events consumed', () =>
      ['page-1', 'page-2'].every((id) => seenFor(id).length === 1),
    );

    // A full page (here 3 documents with pages of 3): the backlog is counted.
    const paged = new OutboxRelay(connection, { sweepMinAgeMs: 0, sweepBatchSize: 3 });
    paged.watch(accounts);
    await leftBehind(['full-1', 'full-2', 'full-3']);
    const commands = await commandsDuring(() => paged.sweepOnce());
    expect(commands.filter((name) => name === 'aggregate')).toHaveLength(1);
    await paged.stop();
    await eventually('the full page consumed', () =>
      ['full-1', 'full-2', 'full-3'].every((id) => seenFor(id).length === 1),
    );
    await eventually('empty outboxes', async () =>
      (await Promise.all(['page-1', 'page-2', 'full-1', 'full-2', 'full-3'].map(pending))).every(
        (length) => length === 0,
      ),
    );
  });

  it('delivers an event whose writer was SIGKILLed, and applies it once although a second crash publishes it twice', async () => {
    const id = 'crash';
    await accounts.create({ _id: id, lastName: 'before', version: 1, outbox: [] });

    // 1. Killed right after the write: the event exists only in the document.
    const writer = await runTsChild('crash-child.ts', ['write', dbName, prefix, id, 'after']);
    expect({ signal: writer.signal, output: writer.output }).toEqual({
      signal: 'SIGKILL',
      output: 'wrote version 2\n',
    });
    const [event] = (await accounts.findById(id).lean().orFail()).outbox;
    expect(event).toMatchObject({ aggregateVersion: 2, key: id });

    // 2. A restarted process publishes it, and is killed before it can remove it.
    const publisher = await runTsChild('crash-child.ts', ['publish', dbName, prefix, id]);
    expect(publisher.signal).toBe('SIGKILL');
    expect(publisher.output).toContain('published, dying before the removal');
    await eventually('the event consumed once', () => seenFor(id).length === 1);
    expect(await pending(id)).toBe(1);

    // 3. The next start-up sweep publishes it again and removes it.
    const restarted = new OutboxRelay(connection, { sweepMinAgeMs: 0 });
    restarted.watch(accounts);
    restarted.start();
    try {
      await eventually('the start-up sweep', async () => (await pending(id)) === 0);
      await eventually('the second delivery consumed', () => seenFor(id).length === 2);
    } finally {
      await restarted.stop();
    }

    expect(seenFor(id).map(({ eventId, outcome }) => ({ eventId, outcome }))).toEqual([
      { eventId: event.id, outcome: 'applied' },
      { eventId: event.id, outcome: 'duplicate' },
    ]);
    await expect(ledger.findById(id).lean()).resolves.toMatchObject({
      lastName: 'after',
      applied: 1,
      appliedEventIds: [event.id],
    });
  });
});
