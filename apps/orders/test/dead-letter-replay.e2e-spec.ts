/**
 * `npm run dlt` against orders' status consumer, on real Kafka and FerretDB: a status event
 * that failed for a transient cause (its order was missing, then restored) is replayed once the
 * cause is fixed and applied once, however often it is replayed; a poisonous one replayed is
 * dead-lettered again and blocks nothing. The tool runs as `npm run dlt` runs it (its main).
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import {
  DeadLetterReasons,
  deadLetterTopic,
  ORDER_STATUS_CHANGED_TYPE,
  ORDER_STATUS_CHANGED_VERSION,
  type OrderStatusType,
  buildEventHeaders,
  serviceSource,
  Topics,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import request from 'supertest';
import { eventually, type TopicRecorder } from '@storefront/testing';
import { parseCommand } from '../../../tools/cli/options';
import { DLT_COMMAND, main } from '../../../tools/dlt/cli';
import { REPLAY_OF_HEADER } from '../../../tools/dlt/dead-letters';
import { afterConsuming, OrdersHarness } from './support/orders-harness';

jest.setTimeout(120_000);

const CUSTOMER = fixtures.SAMPLE_CUSTOMER_IDS.john;

interface OrderBody {
  guid: string;
  status: OrderStatusType;
  orderStatusEvents: Array<{ orderStatusType: OrderStatusType }>;
}

describe('npm run dlt: list and replay dead letters', () => {
  const world = new OrdersHarness();
  let app: INestApplication;
  let deadLetters: TopicRecorder;

  /** Runs the tool's main with this world's brokers and topic prefix; its status and output. */
  async function dlt(...args: string[]): Promise<{ status: number; out: string }> {
    const lines: string[] = [];
    const parsed = parseCommand(DLT_COMMAND, [
      ...args,
      '--kafka-brokers',
      world.brokers.join(','),
      '--topic-prefix',
      world.prefix,
    ]);
    const status = await main(parsed, (line) => lines.push(line));
    return { status, out: lines.join('\n') };
  }

  async function listed(): Promise<Array<Record<string, unknown>>> {
    const { status, out } = await dlt('list', '--topic', Topics.OrderStatusChange, '--json');
    expect(status).toBe(0);
    return JSON.parse(out) as Array<Record<string, unknown>>;
  }

  const getOrder = async (guid: string): Promise<OrderBody> =>
    (await request(app.getHttpServer()).get(`/customers/${CUSTOMER}/orders/${guid}`).expect(200))
      .body as OrderBody;

  beforeAll(async () => {
    await world.setUp();
    app = await world.startApp();
    deadLetters = await world.record(deadLetterTopic(Topics.OrderStatusChange));
    await world.sendCustomerChanged(fixtures.aCustomerChanged({ id: CUSTOMER }), 1);
    await eventually('the replica of John', () => world.customerOrders.findOne({ _id: CUSTOMER }));
  });

  afterAll(async () => {
    await world.tearDown();
  });

  /** `messaging_aggregates_behind` of a topic, as Prometheus scrapes it from orders. */
  async function aggregatesBehind(topic: string): Promise<number> {
    const { text } = await request(app.getHttpServer()).get('/actuator/prometheus').expect(200);
    const line = text
      .split('\n')
      .find((l) => l.startsWith('messaging_aggregates_behind{') && l.includes(`topic="${topic}"`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  it('replays a status event whose order was missing, once restored: applied once, a second replay refused, a forced one changes nothing', async () => {
    const server = app.getHttpServer();
    const created = await request(server)
      .post(`/customers/${CUSTOMER}/orders`)
      .send({ orderItems: [{ product: fixtures.aProduct(), quantity: 1 }] })
      .expect(201);
    const { guid } = created.body as OrderBody;
    await request(server).post(`/customers/${CUSTOMER}/orders/${guid}/approve`).expect(200);
    await request(server).post(`/customers/${CUSTOMER}/orders/${guid}/fulfill`).expect(200);

    // The cause: the order is gone from orders' database (say, a bad restore); once the relay
    // has published the fulfillment request, so its own write cannot race this one.
    const saved = await eventually('the fulfillment request published', async () => {
      const current = await world.orders.findOne({ _id: guid });
      return (current?.outbox as unknown[] | undefined)?.length === 0 && current;
    });
    await world.orders.deleteOne({ _id: guid });

    const eventId = await world.sendStatusChanged({
      guid,
      orderStatusEvent: { timestamp: Date.now() + 10, orderStatusType: 'PROCESSING', note: null },
    });
    await eventually('the status event dead-lettered', () => deadLetters.forKey(guid).length === 1);
    // orders knows the order is behind fulfillment's newest status for it.
    expect(await aggregatesBehind(Topics.OrderStatusChange)).toBe(1);

    const [letter] = (await listed()).filter((l) => l.key === guid);
    expect(letter).toMatchObject({
      reason: DeadLetterReasons.HandlerFailed,
      attempts: 5,
      eventId,
      originalTopic: Topics.OrderStatusChange,
    });
    expect(letter.error).toMatch(/ORDERS.ORDER_NOT_FOUND|not found/i);
    expect(letter.replayedAt).toBeUndefined();
    const { out: text } = await dlt('list', '--topic', Topics.OrderStatusChange);
    expect(text).toContain(
      `${letter.id as string} · key ${guid} · handler-failed after 5 attempt(s)`,
    );

    // The cause fixed: the order is back.
    await world.orders.insertOne(saved);

    const replay = await dlt(
      'replay',
      '--topic',
      Topics.OrderStatusChange,
      '--id',
      letter.id as string,
    );
    expect(replay).toMatchObject({ status: 0 });
    expect(replay.out).toContain(
      `replayed ${letter.id as string} → ${world.topic(Topics.OrderStatusChange)}`,
    );
    await eventually(
      'the replayed status applied',
      async () => (await getOrder(guid)).status === 'PROCESSING',
    );
    expect(await aggregatesBehind(Topics.OrderStatusChange)).toBe(0);

    // Listed as replayed; a second replay is refused without --force.
    expect((await listed()).find((l) => l.id === letter.id)?.replayedAt).toEqual(
      expect.any(String),
    );
    const again = await dlt(
      'replay',
      '--topic',
      Topics.OrderStatusChange,
      '--id',
      letter.id as string,
    );
    expect(again.status).toBe(1);
    expect(again.out).toMatch(/refused .*already replayed/);

    // Forced: published again, consumed, and still applied once (the event id is recorded).
    await afterConsuming(app, Topics.OrderStatusChange, 1, () =>
      dlt('replay', '--topic', Topics.OrderStatusChange, '--id', letter.id as string, '--force'),
    );
    const after = await getOrder(guid);
    expect(after.orderStatusEvents.filter((e) => e.orderStatusType === 'PROCESSING')).toHaveLength(
      1,
    );
    expect(deadLetters.forKey(guid)).toHaveLength(1);
  });

  it('replays a poisonous record: dead-lettered again, marked as a replay, and the consumer goes on', async () => {
    const key = randomUUID();
    await world.send(
      Topics.OrderStatusChange,
      key,
      { guid: 5, orderStatusEvent: 'nonsense' },
      buildEventHeaders({
        type: ORDER_STATUS_CHANGED_TYPE,
        source: serviceSource('fulfillment'),
        schemaVersion: ORDER_STATUS_CHANGED_VERSION,
        aggregateVersion: 1,
      }),
    );
    await eventually('the poison dead-lettered', () => deadLetters.forKey(key).length === 1);
    const [letter] = (await listed()).filter((l) => l.key === key);
    expect(letter.reason).toBe(DeadLetterReasons.SchemaViolation);

    expect(
      (await dlt('replay', '--topic', Topics.OrderStatusChange, '--id', letter.id as string))
        .status,
    ).toBe(0);
    const [, second] = await eventually(
      'the replay dead-lettered again',
      () => deadLetters.forKey(key).length === 2 && deadLetters.forKey(key),
    );
    expect(second.headers[REPLAY_OF_HEADER]).toBe(letter.id);
    expect(second.headers.dlt_reason).toBe(DeadLetterReasons.SchemaViolation);

    // Nothing blocked: a valid status event after it is applied.
    const server = app.getHttpServer();
    const { guid } = (
      await request(server)
        .post(`/customers/${CUSTOMER}/orders`)
        .send({ orderItems: [{ product: fixtures.aProduct(), quantity: 1 }] })
        .expect(201)
    ).body as OrderBody;
    await request(server).post(`/customers/${CUSTOMER}/orders/${guid}/approve`).expect(200);
    await request(server).post(`/customers/${CUSTOMER}/orders/${guid}/fulfill`).expect(200);
    await world.sendStatusChanged({
      guid,
      orderStatusEvent: { timestamp: Date.now() + 10, orderStatusType: 'PROCESSING', note: null },
    });
    await eventually(
      'the next status applied',
      async () => (await getOrder(guid)).status === 'PROCESSING',
    );
  });

  it('refuses a replay without a choice, an unknown id, and brokers elsewhere without --force', async () => {
    await expect(dlt('replay', '--topic', Topics.OrderStatusChange)).rejects.toThrow(
      /--id ID … or --all/,
    );
    const unknown = await dlt('replay', '--topic', Topics.OrderStatusChange, '--id', 'nope/0/0');
    expect(unknown.status).toBe(1);
    expect(unknown.out).toContain('refused nope/0/0: no such dead letter');
    await expect(
      main(
        parseCommand(DLT_COMMAND, [
          'replay',
          '--topic',
          Topics.OrderStatusChange,
          '--all',
          '--kafka-brokers',
          'kafka.example:9092',
        ]),
      ),
    ).rejects.toThrow(/not on this machine/);
  });
});
