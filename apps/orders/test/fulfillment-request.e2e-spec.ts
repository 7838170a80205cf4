import type { INestApplication } from '@nestjs/common';
import {
  EventHeaders,
  FULFILLMENT_REQUESTED_TYPE,
  serviceSource,
  Topics,
  validatePayload,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { MessagingMetrics } from '@storefront/messaging';
import request from 'supertest';
import { eventually, type RecordedMessage } from '@storefront/testing';
import { OrdersHarness } from './support/orders-harness';

jest.setTimeout(180_000);

const { aCustomerChanged, aBillingAddress, SAMPLE_CUSTOMER_IDS } = fixtures;

interface StoredOrder {
  guid: string;
  status: string;
  fulfillmentRequested: boolean;
}

async function publishedCount(app: INestApplication): Promise<number> {
  const metric = await app.get(MessagingMetrics).published.get();
  return metric.values
    .filter((v) => v.labels.topic === Topics.OrderFulfill)
    .reduce((sum, v) => sum + v.value, 0);
}

describe('orders: fulfillment requests (orders.order.fulfill)', () => {
  const world = new OrdersHarness();
  let app: INestApplication;
  let requests: RecordedMessage[];

  /** A customer's order documents, in the order they were placed. */
  const storedOrders = async (customerId: string): Promise<StoredOrder[]> =>
    (await world.orders
      .find({ customerId })
      .sort({ placed: 1 })
      .toArray()) as unknown as StoredOrder[];
  const pendingOutbox = async (): Promise<number> =>
    world.orders.countDocuments({ 'outbox.0': { $exists: true } });

  beforeAll(async () => {
    await world.setUp();
    requests = (await world.record(Topics.OrderFulfill)).records;
    app = await world.startApp();
  });

  afterAll(async () => {
    await world.tearDown();
  });

  it("answers 404 with the original's message when there is nothing to send", async () => {
    const response = await request(app.getHttpServer())
      .get('/customers/sample/fulfill')
      .set('x-api-key', world.adminKey)
      .expect(404);
    expect(response.body).toMatchObject({
      statusCode: 404,
      code: 'ORDERS.NO_APPROVED_ORDERS',
      message: "No 'Approved' orders found",
    });
  });

  it('sends every APPROVED order once, keyed by order guid, in the contract shape', async () => {
    const server = app.getHttpServer();
    const ids = [SAMPLE_CUSTOMER_IDS.john, SAMPLE_CUSTOMER_IDS.mary];
    for (const id of ids) await world.sendCustomerChanged(aCustomerChanged({ id }), 1);
    await eventually('both replicas', async () =>
      (await world.customerOrders.countDocuments({ _id: { $in: ids } })) === 2 ? true : undefined,
    );

    await request(server).get('/customers/sample/orders').expect(401);
    await request(server)
      .get('/customers/sample/orders')
      .set('x-api-key', world.adminKey)
      .expect('Content-Type', /text\/plain/)
      .expect(200, 'Sample orders added to customer orders');

    const approved = new Map<string, string>();
    for (const id of ids) {
      const orders = await storedOrders(id);
      expect(orders.map((o) => o.status)).toEqual([
        'REJECTED',
        'RECEIVED',
        'CANCELLED',
        'RETURNED',
        'APPROVED',
      ]);
      approved.set(orders[4]?.guid ?? '', id);
    }

    await request(server)
      .get('/customers/sample/fulfill')
      .set('x-api-key', world.adminKey)
      .expect('Content-Type', /text\/plain/)
      .expect(200, "All 'Approved' orders sent for fulfillment");

    const sent = await eventually('two fulfillment requests', () =>
      requests.length >= 2 ? requests : undefined,
    );
    expect(new Set(sent.map((r) => r.key))).toEqual(new Set(approved.keys()));
    for (const record of sent) {
      const validation = validatePayload(Topics.OrderFulfill, record.payload, 'produce');
      expect(validation.ok).toBe(true);
      expect(record.headers[EventHeaders.type]).toBe(FULFILLMENT_REQUESTED_TYPE);
      expect(record.headers[EventHeaders.source]).toBe(serviceSource('orders'));
      const payload = record.payload as {
        address: { type: string };
        order: { guid: string; orderStatusEvents: Array<{ orderStatusType: string }> };
      };
      expect(payload.address.type).toBe('SHIPPING');
      expect(payload.order.orderStatusEvents.map((e) => e.orderStatusType)).toEqual([
        'CREATED',
        'APPROVED',
      ]);
    }
    for (const id of ids) expect((await storedOrders(id))[4]?.fulfillmentRequested).toBe(true);

    // A second call sends nothing: the orders are marked in the same write as their event.
    await request(server)
      .post('/customers/sample/fulfill')
      .set('x-api-key', world.adminKey)
      .expect(404);
    await eventually('an empty outbox', async () =>
      (await pendingOutbox()) === 0 ? true : undefined,
    );
    expect(await publishedCount(app)).toBe(2);
  });

  it('skips a customer without a SHIPPING address with the reason, and sends it nothing', async () => {
    const server = app.getHttpServer();
    const id = SAMPLE_CUSTOMER_IDS.susan;
    await world.sendCustomerChanged(aCustomerChanged({ id, addresses: [aBillingAddress()] }), 1);
    await eventually('the replica of Susan', () => world.customerOrders.findOne({ _id: id }));
    const created = await request(server)
      .post(`/customers/${id}/orders`)
      .send({ orderItems: [{ product: fixtures.aProduct(), quantity: 2 }] })
      .expect(201);
    const { guid } = created.body as StoredOrder;
    await request(server).post(`/customers/${id}/orders/${guid}/approve`).expect(200);

    const response = await request(server)
      .post('/customers/sample/fulfill')
      .set('x-api-key', world.adminKey)
      .set('Accept', 'application/json')
      .expect(422);
    expect(response.body).toMatchObject({ code: 'ORDERS.NOT_FULFILLABLE' });
    expect((response.body as { message: string }).message).toContain(
      `order ${guid} of customer ${id}: the customer has no SHIPPING address`,
    );
    await request(server).post(`/customers/${id}/orders/${guid}/fulfill`).expect(422);
    expect((await storedOrders(id))[0]?.fulfillmentRequested).toBe(false);
    expect(await pendingOutbox()).toBe(0);
    expect(await publishedCount(app)).toBe(2);
    // Cancelled, it no longer waits for fulfillment.
    await request(server).post(`/customers/${id}/orders/${guid}/cancel`).expect(200);
  });

  it('still sends once when the app dies between marking the order and publishing', async () => {
    const id = SAMPLE_CUSTOMER_IDS.john;
    const server = app.getHttpServer();
    const created = await request(server)
      .post(`/customers/${id}/orders`)
      .send({ orderItems: [{ product: fixtures.aProduct(), quantity: 1 }] })
      .expect(201);
    const { guid } = created.body as StoredOrder;
    await request(server).post(`/customers/${id}/orders/${guid}/approve`).expect(200);
    await world.stopApp(app);

    // An instance that cannot reach Kafka: the write (flag + outbox record) succeeds, the
    // publish cannot happen; then it goes away, as a crash would leave it.
    const cutOff = await world.startApp({ KAFKA_BROKERS: '127.0.0.1:1' });
    const response = await request(cutOff.getHttpServer())
      .get('/customers/sample/fulfill')
      .set('x-api-key', world.adminKey)
      .set('Accept', 'application/json')
      .expect(200);
    expect(response.body).toMatchObject({ sent: [{ customerId: id, guid }] });
    await world.stopApp(cutOff);
    expect(await pendingOutbox()).toBe(1);
    expect(requests.some((r) => r.key === guid)).toBe(false);

    // The next instance's sweeper publishes what was left; calling again sends nothing.
    app = await world.startApp();
    await eventually('the request left in the outbox', () => requests.some((r) => r.key === guid));
    await request(app.getHttpServer())
      .get('/customers/sample/fulfill')
      .set('x-api-key', world.adminKey)
      .expect(404);
    await eventually('an empty outbox', async () =>
      (await pendingOutbox()) === 0 ? true : undefined,
    );
    expect(requests.filter((r) => r.key === guid)).toHaveLength(1);
  });
});
