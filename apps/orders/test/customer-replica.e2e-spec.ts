import type { INestApplication } from '@nestjs/common';
import { Topics } from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import request from 'supertest';
import { eventually } from '@storefront/testing';
import { afterConsuming, OrdersHarness } from './support/orders-harness';

jest.setTimeout(120_000);

const { aCustomerChanged, aContact, aName, SAMPLE_CUSTOMER_IDS } = fixtures;

const anOrder = {
  orderItems: [
    {
      product: {
        guid: 'b5efd4a0-4eb9-4ad0-bc9e-2f5542cbe897',
        title: 'Blue Widget',
        description: 'Brilliant Blue Widget',
        price: 1.99,
      },
      quantity: 3,
    },
  ],
};

interface SummaryCustomer {
  id: string;
  sourceVersion: number;
  contact: { email: string };
  name: { firstName: string };
  orders: Array<{
    guid: string;
    status: string;
    orderStatusEvents: Array<{ note: string | null }>;
  }>;
}

describe('orders: the customer replica (accounts.customer.change)', () => {
  const world = new OrdersHarness();
  let app: INestApplication;

  const summary = async (): Promise<SummaryCustomer[]> => {
    const response = await request(app.getHttpServer()).get('/customers/summary').expect(200);
    return (response.body as { customers: SummaryCustomer[] }).customers;
  };
  const customer = async (id: string): Promise<SummaryCustomer | undefined> =>
    (await summary()).find((c) => c.id === id);
  const replica = (id: string) => world.customerOrders.findOne({ _id: id });

  beforeAll(async () => {
    await world.setUp();
    app = await world.startApp();
  });

  afterAll(async () => {
    await world.tearDown();
  });

  it('creates the replica, and a later change keeps the orders placed meanwhile', async () => {
    const id = SAMPLE_CUSTOMER_IDS.john;
    await world.sendCustomerChanged(aCustomerChanged({ id }), 1);
    await eventually('the replica of John', () => customer(id));

    const created = await request(app.getHttpServer())
      .post(`/customers/${id}/orders`)
      .send(anOrder)
      .expect(201);
    const guid = (created.body as { guid: string }).guid;

    const email = 'john.new@internet.com';
    await world.sendCustomerChanged(aCustomerChanged({ id, contact: aContact({ email }) }), 2);
    const updated = await eventually('the replica at version 2', async () => {
      const c = await customer(id);
      return c?.sourceVersion === 2 ? c : undefined;
    });
    expect(updated.contact.email).toBe(email);
    expect(updated.orders.map((o) => o.guid)).toEqual([guid]);
  });

  it('ignores duplicate and out-of-order customer events: the newest state stays', async () => {
    const id = SAMPLE_CUSTOMER_IDS.mary;
    const named = (firstName: string) => aCustomerChanged({ id, name: aName({ firstName }) });
    await afterConsuming(app, Topics.CustomerChange, 4, async () => {
      await world.sendCustomerChanged(named('v1'), 1);
      await world.sendCustomerChanged(named('v3'), 3);
      await world.sendCustomerChanged(named('v2'), 2); // older than what the replica holds
      await world.sendCustomerChanged(named('v3-duplicate'), 3); // same version again
    });

    const doc = await replica(id);
    expect(doc).toMatchObject({ sourceVersion: 3, name: { firstName: 'v3' } });
  });

  it('marks a deleted customer, closes its open orders and keeps it deleted', async () => {
    const id = SAMPLE_CUSTOMER_IDS.susan;
    await world.sendCustomerChanged(aCustomerChanged({ id }), 1);
    await eventually('the replica of Susan', () => customer(id));
    const server = app.getHttpServer();
    const order = async () =>
      (
        (await request(server).post(`/customers/${id}/orders`).send(anOrder).expect(201)).body as {
          guid: string;
        }
      ).guid;
    const created = await order();
    const approved = await order();
    await request(server).post(`/customers/${id}/orders/${approved}/approve`).expect(200);

    await world.sendCustomerDeleted(id, 2);
    await eventually('Susan gone from the summary', async () => !(await customer(id)));
    // Late and older than the tombstone: the customer stays deleted.
    await afterConsuming(app, Topics.CustomerChange, 1, () =>
      world.sendCustomerChanged(aCustomerChanged({ id }), 1),
    );

    const doc = await replica(id);
    expect(doc).toMatchObject({ deleted: true, sourceVersion: 2 });
    const orders = await world.orders.find({ customerId: id }).sort({ placed: 1 }).toArray();
    const statuses = (orders as unknown as SummaryCustomer['orders']).map((o) => [
      o.guid,
      o.status,
      o.orderStatusEvents[o.orderStatusEvents.length - 1]?.note,
    ]);
    expect(statuses).toEqual([
      [created, 'REJECTED', 'Customer account deleted'],
      [approved, 'CANCELLED', 'Customer account deleted'],
    ]);
    await request(server).get(`/customers/${id}/orders`).expect(404);
    await request(server).post(`/customers/${id}/orders`).send(anOrder).expect(404);
    await request(server).get(`/customerOrderses/${id}`).expect(404);
  });
});
