import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import {
  DeadLetterHeaders,
  DeadLetterReasons,
  deadLetterTopic,
  type OrderStatusType,
  Topics,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { BSON } from 'mongodb';
import request from 'supertest';
import { eventually, type RecordedMessage } from '@storefront/testing';
import { afterConsuming, OrdersHarness } from './support/orders-harness';

jest.setTimeout(120_000);

const CUSTOMER = fixtures.SAMPLE_CUSTOMER_IDS.john;

interface OrderBody {
  guid: string;
  status: OrderStatusType;
  fulfillmentRequested: boolean;
  orderStatusEvents: Array<{
    timestamp: number;
    orderStatusType: OrderStatusType;
    note: string | null;
  }>;
}

describe('orders: status events from fulfillment (fulfillment.order.change)', () => {
  const world = new OrdersHarness();
  let app: INestApplication;
  let deadLetters: RecordedMessage[];

  const getOrder = async (guid: string): Promise<OrderBody> =>
    (await request(app.getHttpServer()).get(`/customers/${CUSTOMER}/orders/${guid}`).expect(200))
      .body as OrderBody;

  /** A new order for John, approved and sent to fulfillment; returns it. */
  const approvedOrder = async (): Promise<OrderBody> => {
    const server = app.getHttpServer();
    const created = await request(server)
      .post(`/customers/${CUSTOMER}/orders`)
      .send({ orderItems: [{ product: fixtures.aProduct(), quantity: 1 }] })
      .expect(201);
    const { guid } = created.body as OrderBody;
    await request(server).post(`/customers/${CUSTOMER}/orders/${guid}/approve`).expect(200);
    return (await request(server).post(`/customers/${CUSTOMER}/orders/${guid}/fulfill`).expect(200))
      .body as OrderBody;
  };

  const status = (
    guid: string,
    orderStatusType: OrderStatusType,
    timestamp: number,
    note: string | null = null,
  ) => ({ guid, orderStatusEvent: { timestamp, orderStatusType, note } });

  beforeAll(async () => {
    await world.setUp();
    app = await world.startApp();
    deadLetters = (await world.record(deadLetterTopic(Topics.OrderStatusChange))).records;
    await world.sendCustomerChanged(fixtures.aCustomerChanged({ id: CUSTOMER }), 1);
    await eventually('the replica of John', () => world.customerOrders.findOne({ _id: CUSTOMER }));
  });

  afterAll(async () => {
    await world.tearDown();
  });

  it('appends a status once when the same event arrives twice', async () => {
    const order = await approvedOrder();
    const eventId = randomUUID();
    const processing = status(order.guid, 'PROCESSING', Date.now() + 10);
    await afterConsuming(app, Topics.OrderStatusChange, 2, async () => {
      await world.sendStatusChanged(processing, eventId);
      await world.sendStatusChanged(processing, eventId);
    });

    const after = await getOrder(order.guid);
    expect(after.status).toBe('PROCESSING');
    expect(after.orderStatusEvents.map((e) => e.orderStatusType)).toEqual([
      'CREATED',
      'APPROVED',
      'PROCESSING',
    ]);
    const stored = await world.orders.findOne({ _id: order.guid });
    expect(stored?.appliedEventIds).toEqual([eventId]);
  });

  it('keeps the history in time order when a status arrives late', async () => {
    const order = await approvedOrder();
    const t = Date.now() + 10;
    await afterConsuming(app, Topics.OrderStatusChange, 2, async () => {
      await world.sendStatusChanged(status(order.guid, 'CANCELLED', t + 200, 'Out of stock'));
      await world.sendStatusChanged(status(order.guid, 'PROCESSING', t + 100));
    });

    const after = await getOrder(order.guid);
    expect(after.orderStatusEvents.map((e) => e.orderStatusType)).toEqual([
      'CREATED',
      'APPROVED',
      'PROCESSING',
      'CANCELLED',
    ]);
    expect(after.status).toBe('CANCELLED');
  });

  it('dead-letters an illegal transition with the reason and leaves the order as it was', async () => {
    const order = await approvedOrder();
    const eventId = await world.sendStatusChanged(status(order.guid, 'RECEIVED', Date.now() + 10));

    const dead = await eventually('the illegal status on the dead-letter topic', () =>
      deadLetters.find((r) => r.headers.ce_id === eventId),
    );
    expect(dead.key).toBe(order.guid);
    expect(dead.headers[DeadLetterHeaders.reason]).toBe(DeadLetterReasons.HandlerFailed);
    expect(dead.headers[DeadLetterHeaders.error]).toContain('ORDERS.ILLEGAL_TRANSITION');
    expect(dead.headers[DeadLetterHeaders.error]).toContain('APPROVED → RECEIVED is not allowed');
    // Permanent: dead-lettered after the first attempt, never retried.
    expect(dead.headers[DeadLetterHeaders.attempts]).toBe('1');

    const after = await getOrder(order.guid);
    expect(after.status).toBe('APPROVED');
    expect(after.orderStatusEvents).toEqual(order.orderStatusEvents);
  });

  it('keeps each order in a document of its own, keyed by its guid', async () => {
    const order = await approvedOrder();
    expect(await world.orders.findOne({ _id: order.guid })).toMatchObject({
      _id: order.guid,
      guid: order.guid,
      customerId: CUSTOMER,
      status: 'APPROVED',
      fulfillmentRequested: true,
    });
  });

  /** `mongodb_commands_total{command}` of the app, as Prometheus scrapes it. */
  async function commands(command: string): Promise<number> {
    const { text } = await request(app.getHttpServer()).get('/actuator/prometheus').expect(200);
    const line = text
      .split('\n')
      .find((l) => l.startsWith('mongodb_commands_total{') && l.includes(`command="${command}"`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  it('writes one small document per status, however many orders the customer has', async () => {
    const server = app.getHttpServer();
    for (let i = 0; i < 200; i += 1) {
      await request(server)
        .post(`/customers/${CUSTOMER}/orders`)
        .send({ orderItems: [{ product: fixtures.aProduct(), quantity: 1 }] })
        .expect(201);
    }
    const order = await approvedOrder();
    const others = { customerId: CUSTOMER, _id: { $ne: order.guid } };
    const before = await world.orders.find(others).sort({ _id: 1 }).toArray();
    expect(before.length).toBeGreaterThanOrEqual(200);
    const replica = await world.customerOrders.findOne({ _id: CUSTOMER });
    const writes = await commands('findAndModify');

    await afterConsuming(app, Topics.OrderStatusChange, 1, () =>
      world.sendStatusChanged(status(order.guid, 'PROCESSING', Date.now() + 10)),
    );

    expect((await getOrder(order.guid)).status).toBe('PROCESSING');
    // One version-guarded write of the order's own document, a few hundred bytes …
    expect((await commands('findAndModify')) - writes).toBe(1);
    const written = await world.orders.findOne({ _id: order.guid });
    expect(BSON.calculateObjectSize(written!)).toBeLessThan(2048);
    // … and nothing else: the customer's other orders and its replica are as they were.
    expect(await world.orders.find(others).sort({ _id: 1 }).toArray()).toEqual(before);
    expect(await world.customerOrders.findOne({ _id: CUSTOMER })).toEqual(replica);
  });

  it('retries a status for an unknown order, then dead-letters it as ORDERS.ORDER_NOT_FOUND', async () => {
    const guid = randomUUID();
    const eventId = await world.sendStatusChanged(status(guid, 'PROCESSING', Date.now()));

    const dead = await eventually('the unknown order on the dead-letter topic', () =>
      deadLetters.find((r) => r.headers.ce_id === eventId),
    );
    expect(dead.headers[DeadLetterHeaders.error]).toContain('ORDERS.ORDER_NOT_FOUND');
    expect(Number(dead.headers[DeadLetterHeaders.attempts])).toBeGreaterThan(1);
  });
});
