/**
 * Test support for the fulfillment integration tests: the shared per-file world running the
 * fulfillment app, a sender of fulfillment requests as orders sends them, and a recorder of
 * the status changes the app publishes, read back from the real broker.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import {
  buildEventHeaders,
  FULFILLMENT_REQUESTED_TYPE,
  FULFILLMENT_REQUESTED_VERSION,
  type FulfillmentRequested,
  type OrderStatusChanged,
  serviceSource,
  Topics,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { consumedCount, ServiceWorld } from '@storefront/service-testing';
import { eventually, type TopicRecorder } from '@storefront/testing';
import { defineFulfillmentApp, type FulfillmentAppOverrides } from '../src/fulfillment.app';

export const ADMIN_KEY = 'fulfillment-test-admin-key';

export class FulfillmentWorld extends ServiceWorld {
  constructor() {
    super('fulfillment');
  }

  /** The app as production builds it, on this world's database and topics. */
  startApp(
    env: Record<string, string> = {},
    overrides: FulfillmentAppOverrides = {},
  ): Promise<INestApplication> {
    return this.start(defineFulfillmentApp(overrides), {
      ...this.appEnv(),
      ADMIN_API_KEY: ADMIN_KEY,
      OUTBOX_SWEEP_INTERVAL_MS: '200',
      ...env,
    });
  }

  /** Sends a fulfillment request the way orders does: keyed by order guid, CloudEvents headers. */
  sendRequest(request: FulfillmentRequested, eventId: string = randomUUID()): Promise<void> {
    return this.send(
      Topics.OrderFulfill,
      request.order.guid,
      request,
      buildEventHeaders({
        id: eventId,
        type: FULFILLMENT_REQUESTED_TYPE,
        source: serviceSource('orders'),
        schemaVersion: FULFILLMENT_REQUESTED_VERSION,
        aggregateVersion: 1,
      }),
    );
  }

  /** Everything published on the status topic, from the beginning. */
  recordStatusChanges(): Promise<TopicRecorder<OrderStatusChanged>> {
    return this.record<OrderStatusChanged>(Topics.OrderStatusChange);
  }
}

/** A fulfillment request with a fresh order guid; John Doe's order by default. */
export function aRequest(overrides: Partial<FulfillmentRequested> = {}): FulfillmentRequested {
  return fixtures.aFulfillmentRequested({
    order: fixtures.anOrder({ guid: randomUUID() }),
    ...overrides,
  });
}

/** Fulfillment requests the app finished handling, by outcome when one is given. */
export function requestsConsumed(app: INestApplication, outcome?: string): Promise<number> {
  return consumedCount(app, Topics.OrderFulfill, outcome);
}

export async function waitForConsumed(app: INestApplication, count: number): Promise<void> {
  await eventually(
    `${count} fulfillment requests to be consumed`,
    async () => (await requestsConsumed(app)) >= count,
    { timeoutMs: 60_000, intervalMs: 50 },
  );
}
