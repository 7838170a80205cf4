/**
 * One isolated orders world per test file (the shared per-file world: its own database and
 * topic prefix, so other test files' events never reach it), running the orders app, with
 * senders for the events accounts and fulfillment would send.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import {
  buildEventHeaders,
  type CustomerChanged,
  CUSTOMER_CHANGED_TYPE,
  CUSTOMER_CHANGED_VERSION,
  CUSTOMER_DELETED_TYPE,
  type OrderStatusChanged,
  ORDER_STATUS_CHANGED_TYPE,
  ORDER_STATUS_CHANGED_VERSION,
  serviceSource,
  Topics,
  type Topic,
} from '@storefront/events';
import { consumedCount, ServiceWorld } from '@storefront/service-testing';
import { eventually } from '@storefront/testing';
import { ordersApp } from '../../src/orders.app';

export class OrdersHarness extends ServiceWorld {
  readonly adminKey = 'orders-admin-key-for-tests';

  constructor() {
    super('orders');
  }

  /** Builds and initializes an orders app on this world (not listening: supertest drives it). */
  startApp(env: Record<string, string> = {}): Promise<INestApplication> {
    return this.start(ordersApp, {
      ...this.appEnv(),
      PORT: '0',
      SAMPLE_SEED: '42',
      ADMIN_API_KEY: this.adminKey,
      OUTBOX_SWEEP_INTERVAL_MS: '300',
      ...env,
    });
  }

  /** The customer replicas (the original's collection name). */
  get customerOrders() {
    return this.db.collection<{ _id: string } & Record<string, unknown>>('customer.orders');
  }

  /** One document per order, keyed by its guid. */
  get orders() {
    return this.db.collection<{ _id: string; customerId: string } & Record<string, unknown>>(
      'orders',
    );
  }

  /** What accounts publishes when a customer is saved. */
  async sendCustomerChanged(customer: CustomerChanged, version: number): Promise<string> {
    const id = randomUUID();
    await this.send(
      Topics.CustomerChange,
      customer.id,
      customer,
      buildEventHeaders({
        id,
        type: CUSTOMER_CHANGED_TYPE,
        source: serviceSource('accounts'),
        schemaVersion: CUSTOMER_CHANGED_VERSION,
        aggregateVersion: version,
      }),
    );
    return id;
  }

  /** What accounts publishes when a customer is deleted: a tombstone. */
  async sendCustomerDeleted(customerId: string, version: number): Promise<void> {
    await this.send(
      Topics.CustomerChange,
      customerId,
      null,
      buildEventHeaders({
        type: CUSTOMER_DELETED_TYPE,
        source: serviceSource('accounts'),
        schemaVersion: CUSTOMER_CHANGED_VERSION,
        aggregateVersion: version,
      }),
    );
  }

  /** What fulfillment publishes on a status change; returns the event id. */
  async sendStatusChanged(event: OrderStatusChanged, eventId = randomUUID()): Promise<string> {
    await this.send(
      Topics.OrderStatusChange,
      event.guid,
      event,
      buildEventHeaders({
        id: eventId,
        type: ORDER_STATUS_CHANGED_TYPE,
        source: serviceSource('fulfillment'),
        schemaVersion: ORDER_STATUS_CHANGED_VERSION,
        aggregateVersion: 1,
      }),
    );
    return eventId;
  }
}

/**
 * Runs `send`, then waits until the consumer has finished `count` more records of `topic`:
 * the way to assert that something did NOT change, without sleeping.
 */
export async function afterConsuming(
  app: INestApplication,
  topic: Topic,
  count: number,
  send: () => Promise<unknown>,
): Promise<void> {
  const before = await consumedCount(app, topic);
  await send();
  await eventually(
    `${count} more ${topic} record(s) consumed`,
    async () => (await consumedCount(app, topic)) >= before + count,
  );
}
