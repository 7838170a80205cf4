import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import {
  EventHeaders,
  ORDER_STATUS_CHANGED_TYPE,
  type OrderStatusChanged,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import type { CommandStartedEvent } from 'mongodb';
import { type Model, Types } from 'mongoose';
import request from 'supertest';
import type { TopicRecorder } from '@storefront/testing';
import { SHIPPING_METHODS } from '../src/fulfillment.rules';
import { Fulfillment } from '../src/schemas/fulfillment.schema';
import { FULFILLMENT_KEYS_COLLECTION } from '../src/schemas/fulfillment-key.schema';
import { FulfillmentService } from '../src/fulfillment.service';
import {
  ADMIN_KEY,
  aRequest,
  FulfillmentWorld,
  requestsConsumed,
  waitForConsumed,
} from './support';
import { eventually } from '@storefront/testing';

jest.setTimeout(120_000);

describe('fulfillment service (real Kafka and FerretDB)', () => {
  const world = new FulfillmentWorld();
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let model: Model<Fulfillment>;
  let recorder: TopicRecorder<OrderStatusChanged>;
  let sent = 0;

  /** Sends requests and waits until the app has handled every one sent so far. */
  async function deliver(
    ...requests: Parameters<FulfillmentWorld['sendRequest']>[]
  ): Promise<void> {
    for (const args of requests) await world.sendRequest(...args);
    sent += requests.length;
    await waitForConsumed(app, sent);
  }

  async function stored(guid: string): Promise<Fulfillment | null> {
    return model.findOne({ 'order.guid': guid }).lean<Fulfillment>().exec();
  }

  async function idOf(guid: string): Promise<unknown> {
    return (await model.findOne({ 'order.guid': guid }, { _id: 1 }).lean<{ _id: unknown }>().exec())
      ?._id;
  }

  const keyCollection = () =>
    world.db.collection<{ _id: string; fulfillmentId: unknown }>(FULFILLMENT_KEYS_COLLECTION);

  /** The order's key names the fulfillment stored for it. */
  async function expectKeyed(guid: string): Promise<void> {
    expect(await keyCollection().findOne({ _id: guid })).toEqual({
      _id: guid,
      fulfillmentId: await idOf(guid),
    });
  }

  /** Once a document has no pending events and the recorder read the topic to its end. */
  async function publishedFor(guid: string) {
    await eventually(
      `the outbox of ${guid} to be relayed`,
      async () => (await stored(guid))?.outbox.length === 0,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    await recorder.caughtUp();
    return recorder.forKey(guid);
  }

  const step = (id: string, name: string) =>
    http.post(`/fulfillments/${id}/${name}`).set('x-api-key', ADMIN_KEY);

  beforeAll(async () => {
    await world.setUp();
    recorder = await world.recordStatusChanges();
    app = await world.startApp({ SAMPLE_SEED: '42' });
    http = request(app.getHttpServer());
    model = app.get<Model<Fulfillment>>(getModelToken(Fulfillment.name));
  });

  afterAll(async () => {
    await world.tearDown();
  });

  describe('consuming orders.order.fulfill', () => {
    it('stores one fulfillment with the full history, in the original JSON shape', async () => {
      const req = aRequest();
      await deliver([req]);

      const { body } = await http.get(`/fulfillments/${req.order.guid}`).expect(200);
      const self = expect.stringMatching(/^\/fulfillments\/[0-9a-f]{24}$/);
      expect(body).toEqual({
        timestamp: fixtures.SAMPLE_FULFILLMENT_REQUESTED_AT,
        name: req.name,
        contact: req.contact,
        address: req.address,
        order: {
          guid: req.order.guid,
          orderStatusEvents: req.order.orderStatusEvents,
          orderItems: req.order.orderItems,
        },
        status: 'APPROVED',
        shippingMethod: null,
        _links: { self: { href: self }, fulfillment: { href: self } },
      });
      // The document id in the link addresses the same fulfillment.
      await http.get(body._links.self.href).expect(200, body);
      const { body: summary } = await http.get('/fulfillments/summary').expect(200);
      const listed: Array<{ id: string; order: { guid: string } }> = summary.fulfillments;
      const inSummary = listed.find((f) => f.order.guid === req.order.guid);
      expect(body._links.self.href).toBe(`/fulfillments/${inSummary?.id}`);
    });

    it('keeps one document for a redelivered and a re-sent request', async () => {
      const req = aRequest();
      const eventId = randomUUID();
      const duplicatesBefore = await requestsConsumed(app, 'duplicate');
      // A redelivery (same event id) and a re-send by orders (new event id).
      await deliver([req, eventId], [req, eventId], [req]);

      expect(await model.countDocuments({ 'order.guid': req.order.guid })).toBe(1);
      expect((await requestsConsumed(app, 'duplicate')) - duplicatesBefore).toBe(2);
    });

    it('never resets a fulfillment that has moved on when the request comes again', async () => {
      const req = aRequest();
      await deliver([req]);
      await step(req.order.guid, 'process').expect(200);

      await deliver([req]);

      const doc = await stored(req.order.guid);
      expect(doc?.status).toBe('PROCESSING');
      expect(doc?.version).toBe(2);
      expect(doc?.order.orderStatusEvents.map((e) => e.orderStatusType)).toEqual([
        'CREATED',
        'APPROVED',
        'PROCESSING',
      ]);
    });

    it('keys the fulfillment to its order guid', async () => {
      const req = aRequest();
      await deliver([req]);

      await expectKeyed(req.order.guid);
    });

    it('keys at start-up a fulfillment stored without a key, then serves it by its guid and ignores its re-sent request', async () => {
      const req = aRequest();
      await deliver([req]);
      // As if stored by a version that wrote keys after the fulfillment, before it wrote one.
      await keyCollection().deleteOne({ _id: req.order.guid });

      // What every start runs before the app serves or consumes.
      await app.get(FulfillmentService).onModuleInit();
      await expectKeyed(req.order.guid);
      await http.get(`/fulfillments/${req.order.guid}`).expect(200);

      const duplicatesBefore = await requestsConsumed(app, 'duplicate');
      await deliver([req]);
      expect((await requestsConsumed(app, 'duplicate')) - duplicatesBefore).toBe(1);
      expect(await model.countDocuments({ 'order.guid': req.order.guid })).toBe(1);
    });

    it('keys a fulfillment that an older version stored without a key, when its request comes again', async () => {
      const req = aRequest();
      await deliver([req]);
      // An older instance, still running beside this one, stored it after the backfill ran.
      await keyCollection().deleteOne({ _id: req.order.guid });

      await deliver([req]);
      expect(await model.countDocuments({ 'order.guid': req.order.guid })).toBe(1);
      await expectKeyed(req.order.guid);
      await step(req.order.guid, 'process').expect(200);
    });

    it('stores the fulfillment under the id of a key claimed by a writer that died before storing it', async () => {
      const req = aRequest();
      const claimed = new Types.ObjectId();
      await keyCollection().insertOne({ _id: req.order.guid, fulfillmentId: claimed });
      await http.get(`/fulfillments/${req.order.guid}`).expect(404);
      await step(req.order.guid, 'process').expect(404);

      await deliver([req]);
      expect(await idOf(req.order.guid)).toEqual(claimed);
      const { body } = await http.get(`/fulfillments/${req.order.guid}`).expect(200);
      expect(body._links.self.href).toBe(`/fulfillments/${claimed.toHexString()}`);
    });

    it('answers a guid without a key with 404 from the key alone, never searching the fulfillments', async () => {
      const client = model.db.getClient();
      const searches: unknown[] = [];
      const watch = (event: CommandStartedEvent): void => {
        if (event.commandName === 'find' && event.command.find === model.collection.name) {
          const filter = event.command.filter as Record<string, unknown> | undefined;
          if (!filter || !('_id' in filter)) searches.push(filter);
        }
      };
      client.on('commandStarted', watch);
      try {
        const guid = randomUUID();
        await http.get(`/fulfillments/${guid}`).expect(404);
        await step(guid, 'process').expect(404);
        await http.post(`/fulfillments/${guid}/republish`).set('x-api-key', ADMIN_KEY).expect(404);
      } finally {
        client.off('commandStarted', watch);
      }
      expect(searches).toEqual([]);
    });

    it('stores one fulfillment when the same request is handled by many writers at once', async () => {
      const req = aRequest();
      const service = app.get(FulfillmentService);
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => service.accept(req)));

      expect(outcomes.filter((outcome) => outcome === 'applied')).toHaveLength(1);
      expect(await model.countDocuments({ 'order.guid': req.order.guid })).toBe(1);
      expect((await keyCollection().findOne({ _id: req.order.guid }))?.fulfillmentId).toEqual(
        await idOf(req.order.guid),
      );
    });

    it('answers readers polling by guid while the request is being stored: 404, then 200, never 500', async () => {
      const statuses = new Set<number>();
      for (let round = 0; round < 6; round += 1) {
        const req = aRequest();
        let found = false;
        // Before the request is delivered a reader gets 404 (awaited here, so the 404 is seen
        // whatever the scheduling of the racing readers below).
        statuses.add((await http.get(`/fulfillments/${req.order.guid}`)).status);
        // Readers racing the consumer's two writes: the key claimed, then the fulfillment.
        const pollers = Array.from({ length: 6 }, async () => {
          while (!found) {
            const { status } = await http.get(`/fulfillments/${req.order.guid}`);
            statuses.add(status);
            if (status !== 404) found = true;
          }
        });
        await deliver([req]);
        await Promise.all(pollers);
      }
      expect([...statuses].sort()).toEqual([200, 404]);
    });

    it('dead-letters a request for an order that is not APPROVED, without storing it', async () => {
      const req = aRequest();
      req.order.orderStatusEvents = [fixtures.anOrderStatusEvent({ orderStatusType: 'CREATED' })];
      const deadBefore = await requestsConsumed(app, 'dead-lettered');
      await deliver([req]);

      expect((await requestsConsumed(app, 'dead-lettered')) - deadBefore).toBe(1);
      expect(await stored(req.order.guid)).toBeNull();
    });
  });

  describe('per-fulfillment transitions', () => {
    it('publishes exactly one status change per step, keyed by order guid, in order', async () => {
      const req = aRequest();
      await deliver([req]);
      const guid = req.order.guid;

      const processed = await step(guid, 'process').expect(200);
      expect(processed.body).toMatchObject({ status: 'PROCESSING', shippingMethod: null });
      const shipped = await step(guid, 'ship').expect(200);
      await step(guid, 'in-transit').expect(200);
      const received = await step(guid, 'receive').expect(200);

      const method: string = shipped.body.shippingMethod;
      expect(SHIPPING_METHODS).toContain(method);
      expect(received.body.shippingMethod).toBe(method);
      const history: Array<{ orderStatusType: string }> = received.body.order.orderStatusEvents;
      expect(history.map((e) => e.orderStatusType)).toEqual([
        'CREATED',
        'APPROVED',
        'PROCESSING',
        'SHIPPED',
        'IN_TRANSIT',
        'RECEIVED',
      ]);

      const records = await publishedFor(guid);
      expect(records.map((r) => r.payload.orderStatusEvent.orderStatusType)).toEqual([
        'PROCESSING',
        'SHIPPED',
        'IN_TRANSIT',
        'RECEIVED',
      ]);
      expect(records.map((r) => r.headers[EventHeaders.aggregateVersion])).toEqual([
        '2',
        '3',
        '4',
        '5',
      ]);
      const shippedEvent = records[1];
      expect(shippedEvent.payload).toEqual({
        guid,
        orderStatusEvent: {
          timestamp: shipped.body.order.orderStatusEvents[3].timestamp,
          orderStatusType: 'SHIPPED',
          note: `Shipped via ${method}`,
        },
      });
      expect(shippedEvent.headers).toMatchObject({
        [EventHeaders.type]: ORDER_STATUS_CHANGED_TYPE,
        [EventHeaders.source]: '/storefront/fulfillment',
        [EventHeaders.schemaVersion]: '1',
        [EventHeaders.contentType]: 'application/json',
      });
      expect(records[0].payload.orderStatusEvent.note).toBeNull();
      expect(new Set(records.map((r) => r.headers[EventHeaders.id])).size).toBe(4);
    });

    it.each(['process', 'in-transit', 'receive'])(
      'answers an illegal %s from PROCESSING with 409 and publishes nothing',
      async (illegal) => {
        const req = aRequest();
        await deliver([req]);
        const guid = req.order.guid;
        await step(guid, 'process').expect(200);
        const before = await publishedFor(guid);

        const { body } = await step(guid, illegal).expect(409);

        expect(body).toMatchObject({ statusCode: 409, code: 'FULFILLMENT.ILLEGAL_TRANSITION' });
        const doc = await stored(guid);
        expect(doc).toMatchObject({ status: 'PROCESSING', version: 2, outbox: [] });
        expect(await publishedFor(guid)).toHaveLength(before.length);
      },
    );

    it('moves a fulfillment only once when two callers race for the same step', async () => {
      const req = aRequest();
      await deliver([req]);
      const guid = req.order.guid;

      const responses = await Promise.all([step(guid, 'process'), step(guid, 'process')]);

      expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(await publishedFor(guid)).toHaveLength(1);
    });

    it.each([
      ['an unknown order guid', randomUUID()],
      ['an unknown document id', '0123456789abcdef01234567'],
      ['something that is neither', 'not-an-id'],
    ])('answers 404 FULFILLMENT.NOT_FOUND for %s', async (_what, id) => {
      const { body } = await step(id, 'process').expect(404);
      expect(body.code).toBe('FULFILLMENT.NOT_FOUND');
      await http.get(`/fulfillments/${id}`).expect(404);
    });

    it('answers 400 naming the field for an unknown step', async () => {
      const { body } = await step(randomUUID(), 'teleport').expect(400);
      expect(body).toMatchObject({ code: 'REQUEST.VALIDATION_FAILED' });
      expect(body.errors[0].field).toBe('step');
    });

    it('needs the admin key', async () => {
      const { body } = await http.post(`/fulfillments/${randomUUID()}/process`).expect(401);
      expect(body.code).toBe('COMMON.UNAUTHORIZED');
    });
  });

  describe("the original's sample steps", () => {
    const sample = (name: string, method: 'get' | 'post' = 'get') =>
      http[method](`/fulfillments/sample/${name}`).set('x-api-key', ADMIN_KEY);

    it('moves every fulfillment of the previous status, one event each, with the original texts', async () => {
      const requests = [aRequest(), aRequest(), aRequest()];
      await deliver(...requests.map((r): [typeof r] => [r]));
      const guids = requests.map((r) => r.order.guid);

      const steps: Array<[string, 'get' | 'post', string, string]> = [
        ['process', 'get', 'Processing', 'PROCESSING'],
        ['ship', 'post', 'Shipped', 'SHIPPED'],
        ['in-transit', 'get', 'In Transit', 'IN_TRANSIT'],
        ['receive', 'post', 'Received', 'RECEIVED'],
      ];
      for (const [name, method, label, status] of steps) {
        const response = await sample(name, method).expect(200);
        expect(response.text).toBe(`Order status changed to '${label}'`);
        expect(response.headers['content-type']).toMatch(/^text\/plain/);
        for (const guid of guids) expect((await stored(guid))?.status).toBe(status);
      }

      for (const guid of guids) {
        const records = await publishedFor(guid);
        expect(records.map((r) => r.payload.orderStatusEvent.orderStatusType)).toEqual([
          'PROCESSING',
          'SHIPPED',
          'IN_TRANSIT',
          'RECEIVED',
        ]);
      }
    });

    it('never moves a fulfillment twice when sample calls run concurrently', async () => {
      const requests = [aRequest(), aRequest(), aRequest(), aRequest()];
      await deliver(...requests.map((r): [typeof r] => [r]));

      await Promise.all([sample('process'), sample('process', 'post'), sample('process')]);

      for (const { order } of requests) {
        const records = await publishedFor(order.guid);
        expect(records.map((r) => r.payload.orderStatusEvent.orderStatusType)).toEqual([
          'PROCESSING',
        ]);
        expect((await stored(order.guid))?.version).toBe(2);
      }
    });

    it('is locked by the admin key', async () => {
      await http.get('/fulfillments/sample/process').expect(401);
      await http
        .get('/fulfillments/sample/process')
        .set('x-api-key', 'wrong-key-wrong-key')
        .expect(401);
    });
  });

  describe('read endpoints', () => {
    beforeAll(async () => {
      await deliver([aRequest()], [aRequest()], [aRequest()]);
    });

    it('lists every fulfillment in the summary', async () => {
      const { body } = await http.get('/fulfillments/summary').expect(200);
      expect(Object.keys(body)).toEqual(['fulfillments']);
      expect(body.fulfillments.length).toBe(await model.countDocuments());
      expect(body.fulfillments[0]).toHaveProperty('id');
      expect(body.fulfillments[0]).not.toHaveProperty('outbox');
      expect(body.fulfillments[0]).not.toHaveProperty('version');
    });

    it('pages the collection in the Spring Data REST shape, ids only in links', async () => {
      const total = await model.countDocuments();
      const response = await http
        .get('/fulfillments?page=1&size=2&sort=timestamp,desc')
        .set('x-forwarded-prefix', '/fulfillment')
        .expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/hal\+json/);
      const body = response.body;
      expect(body.page).toEqual({
        size: 2,
        totalElements: total,
        totalPages: Math.ceil(total / 2),
        number: 1,
      });
      const [item] = body._embedded.fulfillments;
      expect(item).not.toHaveProperty('id');
      // Links as the client sees them through the gateway.
      expect(item._links.self.href).toMatch(/^\/fulfillment\/fulfillments\/[0-9a-f]{24}$/);
      const href: string = item._links.self.href;
      await http.get(href.replace(/^\/fulfillment/, '')).expect(200);
      expect(body._links.prev.href).toBe(
        '/fulfillment/fulfillments?page=0&size=2&sort=timestamp%2Cdesc',
      );
    });

    it('sorts on nested fields and refuses unknown ones', async () => {
      await http.get('/fulfillments?sort=name.lastName,asc').expect(200);
      const { body } = await http.get('/fulfillments?sort=outbox').expect(400);
      expect(body).toMatchObject({
        code: 'REQUEST.VALIDATION_FAILED',
        errors: [{ field: 'sort' }],
      });
    });

    it('is read-only', async () => {
      const { body } = await http.post('/fulfillments').send({}).expect(405);
      expect(body.code).toBe('FULFILLMENT.READ_ONLY');
      await http.delete(`/fulfillments/${randomUUID()}`).expect(405);
    });

    it('documents the API and reports health', async () => {
      const { body: docs } = await http.get('/v3/api-docs').expect(200);
      expect(Object.keys(docs.paths)).toEqual(
        expect.arrayContaining([
          '/fulfillments/summary',
          '/fulfillments/sample/{step}',
          '/fulfillments',
          '/fulfillments/{id}',
          '/fulfillments/{id}/{step}',
        ]),
      );
      const { body: health } = await http.get('/actuator/health');
      expect(health.components).toMatchObject({
        mongo: { status: 'UP' },
        kafka: { status: 'UP' },
        outbox: { status: 'UP' },
        kafkaConsumer: { status: 'UP' },
      });
    });
  });
});
