import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import {
  DeadLetterHeaders,
  DeadLetterReasons,
  deadLetterTopic,
  fixtures,
  type OrderStatusType,
  Topics,
} from '@storefront/events';
import request from 'supertest';
import { eventually, type RecordedMessage } from '../../../tools/testing/service-world';
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
    const doc = await world.customerOrders.findOne({ _id: CUSTOMER });
    const stored = (doc?.orders as Array<{ guid: string; appliedEventIds: string[] }>).find(
      (o) => o.guid === order.guid,
    );
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

  it('keys a new order to its customer', async () => {
    const order = await approvedOrder();
    expect(await world.orderKeys.findOne({ _id: order.guid })).toEqual({
      _id: order.guid,
      customerId: CUSTOMER,
    });
  });

  it('still finds an order whose key is missing or wrong, and mends the key', async () => {
    const unkeyed = await approvedOrder();
    const misKeyed = await approvedOrder();
    await world.orderKeys.deleteOne({ _id: unkeyed.guid });
    await world.orderKeys.updateOne({ _id: misKeyed.guid }, { $set: { customerId: 'nobody' } });
    await afterConsuming(app, Topics.OrderStatusChange, 2, async () => {
      await world.sendStatusChanged(status(unkeyed.guid, 'PROCESSING', Date.now() + 10));
      await world.sendStatusChanged(status(misKeyed.guid, 'PROCESSING', Date.now() + 10));
    });

    for (const order of [unkeyed, misKeyed]) {
      expect((await getOrder(order.guid)).status).toBe('PROCESSING');
      expect(await world.orderKeys.findOne({ _id: order.guid })).toEqual({
        _id: order.guid,
        customerId: CUSTOMER,
      });
    }
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
