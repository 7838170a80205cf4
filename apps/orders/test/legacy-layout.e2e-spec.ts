import type { INestApplication } from '@nestjs/common';
import { serviceSource, Topics } from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { createOutboxRecord, stampVersion } from '@storefront/messaging';
import request from 'supertest';
import { eventually, type RecordedMessage } from '@storefront/testing';
import { OrdersHarness } from './support/orders-harness';

jest.setTimeout(120_000);

const { aCustomerChanged, SAMPLE_CUSTOMER_IDS } = fixtures;
const ID = SAMPLE_CUSTOMER_IDS.john;
const T0 = 1_700_000_000_000;
const GUIDS = [
  '0b8f2d3a-1c4e-4f5a-8b6c-7d8e9f0a1b2c',
  '9a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d',
  '1c2d3e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f',
];
const LINE = { product: { ...fixtures.aProduct(), price: '11.99' }, quantity: 2 };
const entry = (orderStatusType: string, offset: number, note: string | null = null) => ({
  timestamp: T0 + offset,
  orderStatusType,
  note,
});

/** A customer.orders document as versions before the order documents wrote it. */
function legacyDocument() {
  const customer = aCustomerChanged({ id: ID });
  const pending = stampVersion(
    [
      createOutboxRecord(
        Topics.OrderFulfill,
        fixtures.aFulfillmentRequested({ order: { ...fixtures.anOrder(), guid: GUIDS[1] } }),
        { source: serviceSource('orders') },
      ),
    ],
    7,
  );
  return {
    _id: ID,
    name: customer.name,
    contact: customer.contact,
    addresses: customer.addresses,
    sourceVersion: 3,
    deleted: false,
    orders: [
      {
        guid: GUIDS[0],
        orderStatusEvents: [entry('CREATED', 0)],
        orderItems: [LINE],
        status: 'CREATED',
        fulfillmentRequested: false,
        appliedEventIds: [],
      },
      {
        guid: GUIDS[1],
        orderStatusEvents: [entry('CREATED', 10), entry('APPROVED', 20, 'ok')],
        orderItems: [LINE],
        status: 'APPROVED',
        fulfillmentRequested: true,
        appliedEventIds: [],
      },
      {
        guid: GUIDS[2],
        orderStatusEvents: [entry('CREATED', 30), entry('REJECTED', 40)],
        orderItems: [LINE, LINE],
        status: 'REJECTED',
        fulfillmentRequested: false,
        appliedEventIds: ['e-1'],
      },
    ],
    version: 7,
    outbox: pending,
  };
}

describe('orders: a database of the old layout (orders embedded in customer.orders)', () => {
  const world = new OrdersHarness();
  let app: INestApplication;
  let requests: RecordedMessage[];

  beforeAll(async () => {
    await world.setUp();
    requests = (await world.record(Topics.OrderFulfill)).records;
    await world.customerOrders.insertOne(legacyDocument());
  });

  afterAll(async () => {
    await world.tearDown();
  });

  it('is moved at start-up to one document per order, and reads as it did', async () => {
    app = await world.startApp();
    const legacy = legacyDocument();
    // What /customerOrderses/{id} answered for this document before: the same bytes.
    const expected = {
      name: legacy.name,
      contact: legacy.contact,
      addresses: legacy.addresses,
      orders: legacy.orders.map((order) => ({
        guid: order.guid,
        orderStatusEvents: order.orderStatusEvents,
        orderItems: order.orderItems.map((line) => ({
          product: { ...line.product, price: 11.99 },
          quantity: line.quantity,
        })),
        status: order.status,
        fulfillmentRequested: order.fulfillmentRequested,
        total: 23.98 * order.orderItems.length,
      })),
      sourceVersion: 3,
      _links: {
        self: { href: `/customerOrderses/${ID}` },
        customerOrders: { href: `/customerOrderses/${ID}` },
      },
    };
    const { text } = await request(app.getHttpServer()).get(`/customerOrderses/${ID}`).expect(200);
    expect(text).toBe(JSON.stringify(expected));

    const replica = await world.customerOrders.findOne({ _id: ID });
    expect(replica).not.toHaveProperty('orders');
    expect(replica).not.toHaveProperty('outbox');
    expect(replica).not.toHaveProperty('version');
    expect(replica?.orderIds).toEqual(GUIDS);
    const docs = await world.orders.find({ customerId: ID }).sort({ placed: 1 }).toArray();
    expect(docs.map((doc) => [doc._id, doc.placed, doc.version])).toEqual(
      GUIDS.map((guid, index) => [guid, index, 7]),
    );
    expect(docs[2]?.appliedEventIds).toEqual(['e-1']);

    // The request the old document still held is published from the order's outbox, once.
    await eventually('the pending request published', () =>
      requests.some((r) => r.key === GUIDS[1]),
    );
    await eventually(
      'an empty outbox',
      async () => (await world.orders.countDocuments({ 'outbox.0': { $exists: true } })) === 0,
    );
  });

  it('moves nothing on the next start, and the moved orders carry on', async () => {
    await world.stopApp(app);
    const before = await world.orders.find({}).sort({ _id: 1 }).toArray();
    app = await world.startApp();
    expect(await world.orders.find({}).sort({ _id: 1 }).toArray()).toEqual(before);

    const server = app.getHttpServer();
    await request(server).post(`/customers/${ID}/orders/${GUIDS[0]}/approve`).expect(200);
    const created = await request(server)
      .post(`/customers/${ID}/orders`)
      .send({ orderItems: [{ product: fixtures.aProduct(), quantity: 1 }] })
      .expect(201);
    const listed = (await request(server).get(`/customers/${ID}/orders`).expect(200))
      .body as Array<{
      guid: string;
      status: string;
    }>;
    expect(listed.map((o) => [o.guid, o.status])).toEqual([
      [GUIDS[0], 'APPROVED'],
      [GUIDS[1], 'APPROVED'],
      [GUIDS[2], 'REJECTED'],
      [(created.body as { guid: string }).guid, 'CREATED'],
    ]);
    expect((await world.customerOrders.findOne({ _id: ID }))?.orderIds).toEqual(
      listed.map((o) => o.guid),
    );
    // The order's version goes on from the customer document's, never back.
    expect((await world.orders.findOne({ _id: GUIDS[0] }))?.version).toBe(8);
    expect(requests.filter((r) => r.key === GUIDS[1])).toHaveLength(1);
  });
});
