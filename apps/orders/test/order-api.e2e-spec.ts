import type { INestApplication } from '@nestjs/common';
import { Topics } from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { MessagingMetrics } from '@storefront/messaging';
import request from 'supertest';
import { eventually } from '@storefront/testing';
import { OrdersHarness } from './support/orders-harness';

jest.setTimeout(120_000);

const { aCustomerChanged, SAMPLE_CUSTOMER_IDS, sampleCustomerChanges } = fixtures;
const ID = SAMPLE_CUSTOMER_IDS.mary;
const MARY = sampleCustomerChanges().find((c) => c.id === ID) ?? aCustomerChanged({ id: ID });

const line = (price: number, quantity = 1, overrides: Record<string, unknown> = {}) => ({
  product: {
    guid: 'b5efd4a0-4eb9-4ad0-bc9e-2f5542cbe897',
    title: 'Blue Widget',
    description: 'Brilliant Blue Widget',
    price,
    ...overrides,
  },
  quantity,
});

interface OrderBody {
  guid: string;
  status: string;
  total: number;
  fulfillmentRequested: boolean;
  orderItems: Array<{ product: { price: number } }>;
  orderStatusEvents: Array<{ orderStatusType: string; note: string | null }>;
}

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
}

describe('orders: the order API and the read views', () => {
  const world = new OrdersHarness();
  let app: INestApplication;
  let server: ReturnType<INestApplication['getHttpServer']>;

  const stored = () => world.customerOrders.findOne({ _id: ID });
  const storedOrder = (guid: string) => world.orders.findOne({ _id: guid });
  /** Mary's replica and her order documents, to show a refused request wrote nothing. */
  const everything = async () => ({
    replica: await stored(),
    orders: await world.orders.find({ customerId: ID }).sort({ _id: 1 }).toArray(),
  });
  const create = async (orderItems: unknown[]): Promise<OrderBody> =>
    (await request(server).post(`/customers/${ID}/orders`).send({ orderItems }).expect(201))
      .body as OrderBody;
  /** Without a body unless one is given: the action's note is optional. */
  const act = (guid: string, action: string, body?: object) => {
    const call = request(server).post(`/customers/${ID}/orders/${guid}/${action}`);
    return body === undefined ? call : call.send(body);
  };

  beforeAll(async () => {
    await world.setUp();
    app = await world.startApp();
    server = app.getHttpServer();
  });

  afterAll(async () => {
    await world.tearDown();
  });

  it('says so when sample orders are asked for before any customer arrived', async () => {
    const response = await request(server)
      .post('/customers/sample/orders')
      .set('x-api-key', world.adminKey)
      .expect(404);
    expect((response.body as ErrorBody).code).toBe('ORDERS.NO_CUSTOMERS');
  });

  it('answers 404 for an order of an unknown customer', async () => {
    const response = await request(server)
      .post('/customers/nobody/orders')
      .send({ orderItems: [line(1.99)] })
      .expect(404);
    expect(response.body).toMatchObject({ code: 'ORDERS.CUSTOMER_NOT_FOUND' });
  });

  it('creates an order with an exact total and stores prices as decimal strings', async () => {
    await world.sendCustomerChanged(MARY, 1);
    await eventually('the replica of Mary', stored);

    const order = await create([line(0.1), line(0.2), line(11.99, 3)]);
    expect(order).toMatchObject({ status: 'CREATED', fulfillmentRequested: false, total: 36.27 });
    expect(order.orderItems.map((i) => i.product.price)).toEqual([0.1, 0.2, 11.99]);
    expect(order.orderStatusEvents).toEqual([
      { timestamp: expect.any(Number) as number, orderStatusType: 'CREATED', note: null },
    ]);
    const doc = await storedOrder(order.guid);
    const prices = (doc?.orderItems as Array<{ product: { price: unknown } }> | undefined)?.map(
      (i) => i.product.price,
    );
    expect(prices).toEqual(['0.10', '0.20', '11.99']);
    await request(server).get(`/customers/${ID}/orders/${order.guid}`).expect(200, order);
  });

  it.each([
    ['no items', {}, 'orderItems'],
    ['an empty item list', { orderItems: [] }, 'orderItems'],
    ['a price with three decimals', { orderItems: [line(1.999)] }, 'price'],
    ['a negative price', { orderItems: [line(-1)] }, 'price'],
    ['a price as text', { orderItems: [line('1.99' as unknown as number)] }, 'price'],
    ['a quantity of zero', { orderItems: [line(1.99, 0)] }, 'quantity'],
    ['a fractional quantity', { orderItems: [line(1.99, 1.5)] }, 'quantity'],
    ['a missing title', { orderItems: [line(1.99, 1, { title: undefined })] }, 'title'],
    ['an unknown field', { orderItems: [line(1.99)], status: 'APPROVED' }, 'status'],
    ['a product that is not an object', { orderItems: [{ product: 'x', quantity: 1 }] }, 'product'],
  ])('refuses %s with a 400 naming the field, and writes nothing', async (_name, body, field) => {
    const before = await everything();
    const response = await request(server).post(`/customers/${ID}/orders`).send(body).expect(400);
    expect((response.body as ErrorBody).message).toContain(field);
    expect(await everything()).toEqual(before);
  });

  it('walks the lifecycle and answers 409 on an illegal step, publishing nothing', async () => {
    const order = await create([line(1.99, 2)]);
    const before = await storedOrder(order.guid);

    const illegal = await act(order.guid, 'cancel').expect(409);
    expect(illegal.body).toMatchObject({
      code: 'ORDERS.ILLEGAL_TRANSITION',
      message: expect.stringContaining('Cannot cancel an order that is CREATED') as string,
    });
    await act(order.guid, 'fulfill').expect(409);
    expect((await storedOrder(order.guid))?.version).toBe(before?.version);

    await act(order.guid, 'approve', { note: 'Card checked' }).expect(200);
    await act(order.guid, 'approve').expect(409);
    await act(order.guid, 'reject').expect(409);
    const cancelled = (await act(order.guid, 'cancel', { note: 'Changed my mind' }).expect(200))
      .body as OrderBody;
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.orderStatusEvents.map((e) => [e.orderStatusType, e.note])).toEqual([
      ['CREATED', null],
      ['APPROVED', 'Card checked'],
      ['CANCELLED', 'Changed my mind'],
    ]);
    await act(order.guid, 'approve').expect(409);

    const rejected = await create([line(5.99)]);
    await act(rejected.guid, 'reject', { note: 'Primary credit card expired' }).expect(200);
    await act(rejected.guid, 'approve').expect(409);

    const published = await app.get(MessagingMetrics).published.get();
    expect(published.values.filter((v) => v.labels.topic === Topics.OrderFulfill)).toEqual([]);
    expect(await world.orders.countDocuments({ 'outbox.0': { $exists: true } })).toBe(0);
  });

  it.each([
    [
      'an unknown action',
      `/customers/${ID}/orders/5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f/ship`,
      400,
      'action',
    ],
    ['a guid that is not a UUID', `/customers/${ID}/orders/order-1/approve`, 400, 'guid'],
    [
      'an unknown order',
      `/customers/${ID}/orders/5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f/approve`,
      404,
      'ORDERS.ORDER_NOT_FOUND',
    ],
  ])('answers %s with a clear error', async (_name, path, status, text) => {
    const response = await request(server).post(path).send({}).expect(status);
    expect(JSON.stringify(response.body)).toContain(text);
  });

  it('refuses a note that is not text', async () => {
    const order = await create([line(1)]);
    const response = await act(order.guid, 'approve', { note: 42 }).expect(400);
    expect((response.body as ErrorBody).message).toContain('note');
  });

  it("adds the original's five sample orders, appended to the existing ones", async () => {
    const before = await world.orders.countDocuments({ customerId: ID });
    const response = await request(server)
      .get('/customers/sample/orders')
      .set('x-api-key', world.adminKey)
      .set('Accept', 'application/json')
      .expect(200);
    expect(response.body).toEqual({
      message: 'Sample orders added to customer orders',
      customers: 1,
      orders: 5,
    });
    const orders = (
      (await request(server).get(`/customers/${ID}/orders`).expect(200)).body as OrderBody[]
    ).slice(before);
    expect(orders.map((o) => o.status)).toEqual([
      'REJECTED',
      'RECEIVED',
      'CANCELLED',
      'RETURNED',
      'APPROVED',
    ]);
    expect(orders.map((o) => o.orderStatusEvents.length)).toEqual([2, 6, 5, 7, 2]);
    // Each is a document of its own, keyed by its guid, so a status event reaches it by _id.
    const docs = await world.orders.find({ _id: { $in: orders.map((o) => o.guid) } }).toArray();
    expect(docs.map((doc) => doc.customerId)).toEqual(orders.map(() => ID));
  });

  it('serves the summary and the paged, read-only /customerOrderses collection', async () => {
    await world.sendCustomerChanged(aCustomerChanged({ id: SAMPLE_CUSTOMER_IDS.john }), 1);
    await eventually('the replica of John', () =>
      world.customerOrders.findOne({ _id: SAMPLE_CUSTOMER_IDS.john }),
    );

    const summary = (await request(server).get('/customers/summary').expect(200)).body as {
      customers: Array<{ id: string; orders: unknown[] }>;
    };
    expect(summary.customers.map((c) => c.id)).toEqual([SAMPLE_CUSTOMER_IDS.john, ID]);

    const page = await request(server)
      .get('/customerOrderses?page=1&size=1&sort=name.lastName,desc')
      .expect(200);
    expect(page.body).toMatchObject({
      _embedded: { customerOrderses: [{ name: { lastName: 'Doe' } }] },
      page: { size: 1, totalElements: 2, totalPages: 2, number: 1 },
      _links: { self: { href: expect.stringContaining('page=1') as string } },
    });
    const item = (page.body as { _embedded: { customerOrderses: Array<Record<string, unknown>> } })
      ._embedded.customerOrderses[0];
    expect(item).not.toHaveProperty('id');
    expect(item).not.toHaveProperty('outbox');
    expect(item).not.toHaveProperty('version');
    expect(item?._links).toEqual({
      self: { href: `/customerOrderses/${SAMPLE_CUSTOMER_IDS.john}` },
      customerOrders: { href: `/customerOrderses/${SAMPLE_CUSTOMER_IDS.john}` },
    });

    // Behind the gateway, links carry the prefix it stripped.
    const prefixed = await request(server)
      .get('/customerOrderses?page=0&size=1')
      .set('x-forwarded-prefix', '/orders')
      .expect(200);
    expect((prefixed.body as { _links: { self: { href: string } } })._links.self.href).toBe(
      '/orders/customerOrderses?page=0&size=1',
    );
    const prefixedItem = await request(server)
      .get(`/customerOrderses/${ID}`)
      .set('x-forwarded-prefix', '/orders')
      .expect(200);
    expect((prefixedItem.body as { _links: { self: { href: string } } })._links.self.href).toBe(
      `/orders/customerOrderses/${ID}`,
    );

    await request(server).get(`/customerOrderses/${ID}`).expect(200);
    await request(server).get('/customerOrderses?sort=creditCards').expect(400);
    await request(server).get('/customerOrderses?size=0').expect(400);
    for (const call of [
      request(server).post('/customerOrderses').send({}),
      request(server).put(`/customerOrderses/${ID}`).send({}),
      request(server).patch(`/customerOrderses/${ID}`).send({}),
      request(server).delete(`/customerOrderses/${ID}`),
    ]) {
      const response = await call.expect(405);
      expect((response.body as ErrorBody).code).toBe('ORDERS.READ_ONLY');
    }
  });

  it('documents the API', async () => {
    const docs = (await request(server).get('/v3/api-docs').expect(200)).body as {
      info: { title: string };
      paths: Record<string, unknown>;
    };
    expect(docs.info.title).toBe('Storefront Demo - Orders API');
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/customers/sample/orders',
        '/customers/sample/fulfill',
        '/customers/summary',
        '/customers/{id}/orders',
        '/customers/{id}/orders/{guid}',
        '/customers/{id}/orders/{guid}/{action}',
        '/customerOrderses',
      ]),
    );
    await request(server).get('/actuator/health').expect(200);
  });
});
