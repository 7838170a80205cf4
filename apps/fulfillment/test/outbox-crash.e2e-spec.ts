import type { INestApplication } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import { EventHeaders, type OrderStatusChanged } from '@storefront/events';
import type { Model } from 'mongoose';
import request from 'supertest';
import type { TopicRecorder } from '@storefront/testing';
import { FulfillmentService } from '../src/fulfillment.service';
import { Fulfillment } from '../src/schemas/fulfillment.schema';
import { ADMIN_KEY, aRequest, FulfillmentWorld } from './support';
import { eventually } from '@storefront/testing';

jest.setTimeout(120_000);

/** Nothing listens there: the app writes, but its relay can never publish. */
const UNREACHABLE_BROKER = '127.0.0.1:1';

/**
 * A status change is written together with its event; a crash anywhere around the publish
 * must still deliver it, and at most with the same event id twice (once in effect).
 */
describe('fulfillment outbox across crashes (real Kafka and FerretDB)', () => {
  const world = new FulfillmentWorld();
  let recorder: TopicRecorder<OrderStatusChanged>;

  const modelOf = (app: INestApplication) =>
    app.get<Model<Fulfillment>>(getModelToken(Fulfillment.name));

  async function outboxEmpty(app: INestApplication, guid: string): Promise<void> {
    await eventually(
      `the outbox of ${guid} to be relayed`,
      async () =>
        (await modelOf(app).findOne({ 'order.guid': guid }).lean<Fulfillment>().exec())?.outbox
          .length === 0,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  beforeAll(async () => {
    await world.setUp();
    recorder = await world.recordStatusChanges();
  });

  afterAll(async () => {
    await world.tearDown();
  });

  it('delivers a status change written just before a crash, exactly once', async () => {
    const req = aRequest();
    const guid = req.order.guid;
    const crashed = await world.startApp({ KAFKA_BROKERS: UNREACHABLE_BROKER });
    await crashed.get(FulfillmentService).accept(req);

    await request(crashed.getHttpServer())
      .post(`/fulfillments/${guid}/process`)
      .set('x-api-key', ADMIN_KEY)
      .expect(200);
    const written = await modelOf(crashed).findOne({ 'order.guid': guid }).lean<Fulfillment>();
    expect(written).toMatchObject({ status: 'PROCESSING', version: 2 });
    expect(written?.outbox).toHaveLength(1);
    const pendingId = written?.outbox[0].id;
    // The process dies with the event still in the document.
    await world.stopApp(crashed);

    const restarted = await world.startApp();
    await outboxEmpty(restarted, guid);
    await recorder.caughtUp();

    const records = recorder.forKey(guid);
    expect(records).toHaveLength(1);
    expect(records[0].headers[EventHeaders.id]).toBe(pendingId);
    expect(records[0].headers[EventHeaders.aggregateVersion]).toBe('2');
    expect(records[0].payload).toEqual({
      guid,
      orderStatusEvent: {
        timestamp: written?.order.orderStatusEvents[2].timestamp,
        orderStatusType: 'PROCESSING',
        note: null,
      },
    });
    await world.stopApp(restarted);
  });

  it('re-publishes an event acknowledged just before a crash under the same event id', async () => {
    const req = aRequest();
    const guid = req.order.guid;
    let crashes = 0;
    const app = await world.startApp(
      {},
      {
        outbox: {
          // Kafka has acknowledged, the records are not removed yet: the worst moment.
          afterPublish: () => {
            if (crashes === 0) {
              crashes += 1;
              throw new Error('simulated crash after the publish');
            }
          },
        },
      },
    );
    await app.get(FulfillmentService).accept(req);

    await request(app.getHttpServer())
      .post(`/fulfillments/${guid}/ship`)
      .set('x-api-key', ADMIN_KEY)
      .expect(409);
    await request(app.getHttpServer())
      .post(`/fulfillments/${guid}/process`)
      .set('x-api-key', ADMIN_KEY)
      .expect(200);
    await outboxEmpty(app, guid);
    await recorder.caughtUp();

    expect(crashes).toBe(1);
    const records = recorder.forKey(guid);
    expect(records.length).toBeGreaterThanOrEqual(2);
    // Every copy is the same event: a consumer that deduplicates on ce_id applies it once.
    expect(recorder.eventIdsFor(guid)).toHaveLength(1);
    expect(new Set(records.map((r) => JSON.stringify(r.payload))).size).toBe(1);
    expect(records[0].payload.orderStatusEvent.orderStatusType).toBe('PROCESSING');
  });
});
