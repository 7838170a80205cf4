import type { INestApplication } from '@nestjs/common';
import {
  CUSTOMER_CHANGED_TYPE,
  CUSTOMER_CHANGED_VERSION,
  CUSTOMER_DELETED_TYPE,
  EventHeaders,
  readEventHeaders,
  serviceSource,
  validatePayload,
  Topics,
} from '@storefront/events';
import { ObjectId } from 'mongodb';
import request from 'supertest';
import type { RecordedMessage, TopicRecorder } from '@storefront/testing';
import { CardCipher } from '../src/card.cipher';
import { getConnectionToken } from '@nestjs/mongoose';
import type { CommandStartedEvent } from 'mongodb';
import type { Connection } from 'mongoose';
import { AccountsWorld, CARD_KEY } from './support';
import { eventually } from '@storefront/testing';

interface CustomerBody {
  name: Record<string, unknown>;
  contact: Record<string, unknown>;
  addresses: Array<Record<string, unknown>>;
  creditCards: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

function aCustomerBody(overrides: Partial<CustomerBody> = {}): CustomerBody {
  return {
    name: { title: 'Dr.', firstName: 'Ada', middleName: 'K.', lastName: 'Lovelace', suffix: null },
    contact: { primaryPhone: '555-000-1111', secondaryPhone: null, email: 'ada@example.com' },
    addresses: [
      {
        type: 'SHIPPING',
        description: 'Home',
        address1: '1 Analytical Way',
        city: 'London',
        state: 'LN',
        postalCode: 'N1 9GU',
      },
    ],
    creditCards: [
      {
        type: 'PRIMARY',
        description: 'VISA',
        number: '4111-1111-1111-1234',
        expiration: '12/29',
        nameOnCard: 'Ada Lovelace',
      },
    ],
    ...overrides,
  };
}

/** The parts of a customer response the assertions read. */
interface CustomerResponse {
  id: string;
  name: { lastName: string };
  creditCards: Array<{ number: string }>;
  _links: { self: { href: string } };
}

const CARD_DIGITS = /4111|1111-1234|41111111/;

function expectChangeEvent(event: RecordedMessage, id: string, version: number): void {
  expect(event.key).toBe(id);
  expect(event.headers).toMatchObject({
    [EventHeaders.type]: CUSTOMER_CHANGED_TYPE,
    [EventHeaders.source]: serviceSource('accounts'),
    [EventHeaders.specVersion]: '1.0',
    [EventHeaders.schemaVersion]: String(CUSTOMER_CHANGED_VERSION),
    [EventHeaders.aggregateVersion]: String(version),
    [EventHeaders.contentType]: 'application/json',
  });
  expect(readEventHeaders(event.headers)).toMatchObject({ ok: true });
  expect(validatePayload(Topics.CustomerChange, event.payload)).toMatchObject({ ok: true });
  expect(Object.keys(event.payload as object)).toEqual(['id', 'name', 'contact', 'addresses']);
  expect(event.raw).not.toMatch(/creditCards|nameOnCard|expiration/);
}

describe('accounts customers (real Kafka and FerretDB)', () => {
  const world = new AccountsWorld();
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let events: TopicRecorder;

  beforeAll(async () => {
    await world.setUp();
    events = await world.recordCustomerEvents();
    app = await world.startApp();
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await world.tearDown();
  });

  async function create(body: CustomerBody = aCustomerBody()): Promise<{
    id: string;
    body: Record<string, unknown>;
  }> {
    const response = await http.post('/customers').send(body).expect(201);
    return { id: response.body.id as string, body: response.body };
  }

  describe('create', () => {
    it('stores the customer, masks the card and publishes one change event without cards', async () => {
      const response = await http
        .post('/customers')
        .set('x-correlation-id', 'create-1')
        .send(aCustomerBody())
        .expect(201);
      const id = response.body.id as string;
      expect(response.headers['content-type']).toMatch(/^application\/hal\+json/);
      expect(response.headers.location).toBe(`/customers/${id}`);
      expect(response.headers.etag).toBe('"1"');
      expect(response.body).toMatchObject({
        id,
        version: 1,
        name: { firstName: 'Ada', middleName: 'K.', suffix: null },
        contact: { secondaryPhone: null },
        addresses: [{ type: 'SHIPPING', address2: null }],
        creditCards: [{ type: 'PRIMARY', number: '************1234', expiration: '12/29' }],
        _links: { self: { href: `/customers/${id}` }, customer: { href: `/customers/${id}` } },
      });
      expect(JSON.stringify(response.body)).not.toMatch(CARD_DIGITS);

      const [event] = await events.waitForKey(id, 1);
      expectChangeEvent(event, id, 1);
      expect(event.headers[EventHeaders.correlationId]).toBe('create-1');
      expect(event.payload).toEqual({
        id,
        name: {
          title: 'Dr.',
          firstName: 'Ada',
          middleName: 'K.',
          lastName: 'Lovelace',
          suffix: null,
        },
        contact: { primaryPhone: '555-000-1111', secondaryPhone: null, email: 'ada@example.com' },
        addresses: [
          {
            type: 'SHIPPING',
            description: 'Home',
            address1: '1 Analytical Way',
            address2: null,
            city: 'London',
            state: 'LN',
            postalCode: 'N1 9GU',
          },
        ],
      });
    });

    it('stores card numbers sealed with the configured key, and optional fields left out', async () => {
      const { id } = await create();
      const stored = await world.customers.findOne({ _id: new ObjectId(id) });
      const number = stored?.creditCards[0].number as string;
      expect(number).toMatch(/^enc:v1:1234:/);
      expect(number).not.toMatch(CARD_DIGITS);
      expect(new CardCipher(CARD_KEY).open(number)).toBe('4111-1111-1111-1234');
      expect(stored?.name).not.toHaveProperty('suffix');
      expect(stored?.contact).not.toHaveProperty('secondaryPhone');
      expect(stored?.version).toBe(1);
    });
  });

  describe('read', () => {
    it('returns one customer with its ETag, cards masked', async () => {
      const { id } = await create();
      const response = await http.get(`/customers/${id}`).expect(200);
      expect(response.headers.etag).toBe('"1"');
      expect(response.body.creditCards[0].number).toBe('************1234');
      expect(JSON.stringify(response.body)).not.toMatch(CARD_DIGITS);
    });

    it.each([
      ['an unknown ObjectId', new ObjectId().toHexString()],
      ['an id that is no ObjectId', 'not-an-id'],
    ])('answers %s with 404 on every item method', async (_case, id) => {
      for (const call of [
        () => http.get(`/customers/${id}`),
        () => http.put(`/customers/${id}`).send(aCustomerBody()),
        () => http.patch(`/customers/${id}`).send({ name: { firstName: 'X' } }),
        () => http.delete(`/customers/${id}`),
      ]) {
        const response = await call().expect(404);
        expect(response.body).toMatchObject({ statusCode: 404, code: 'ACCOUNTS.NOT_FOUND' });
      }
    });

    it('lists customers in the Spring Data REST HAL shape, paged and sorted', async () => {
      for (const lastName of ['Aardvark', 'Zebra']) {
        await create(aCustomerBody({ name: { title: 'Mx.', firstName: 'Sort', lastName } }));
      }
      const response = await http
        .get('/customers?page=0&size=2&sort=name.lastName,desc')
        .expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/hal\+json/);
      const total = await world.customers.countDocuments({ deletedAt: { $exists: false } });
      expect(response.body.page).toEqual({
        size: 2,
        totalElements: total,
        totalPages: Math.ceil(total / 2),
        number: 0,
      });
      const page = response.body._embedded.customers as CustomerResponse[];
      expect(page).toHaveLength(2);
      expect(page[0].name.lastName).toBe('Zebra');
      expect(page[0]._links.self.href).toBe(`/customers/${page[0].id}`);
      expect(response.body._links.next.href).toBe(
        '/customers?page=1&size=2&sort=name.lastName%2Cdesc',
      );
      expect(JSON.stringify(response.body)).not.toMatch(CARD_DIGITS);
    });

    it.each(['asc', 'desc'])('sorts by id, %s', async (direction) => {
      for (let made = 0; made < 3; made += 1) await create(aCustomerBody());
      const response = await http.get(`/customers?size=200&sort=id,${direction}`).expect(200);
      const ids = (response.body._embedded.customers as CustomerResponse[]).map(({ id }) => id);
      const sorted = [...ids].sort();
      expect(ids).toEqual(direction === 'asc' ? sorted : sorted.reverse());
    });

    it('answers a page past the end with an empty page, not an error', async () => {
      const response = await http.get('/customers?page=2147483647&size=200').expect(200);
      expect(response.body._embedded.customers).toEqual([]);
    });

    it('refuses a page number beyond a Java int with a 400 naming page', async () => {
      const response = await http.get('/customers?page=100000000000000000000').expect(400);
      expect(response.body).toMatchObject({
        code: 'REQUEST.VALIDATION_FAILED',
        errors: [{ field: 'page' }],
      });
    });

    it('links through the gateway prefix it was called with', async () => {
      const response = await http.get('/customers').set('x-forwarded-prefix', '/accounts');
      expect(response.body._links.self.href).toMatch(/^\/accounts\/customers\?/);
    });

    it('refuses an unknown sort field with a 400', async () => {
      const response = await http.get('/customers?sort=creditCards.number').expect(400);
      expect(response.body).toMatchObject({
        code: 'REQUEST.VALIDATION_FAILED',
        errors: [{ field: 'sort' }],
      });
    });

    it('shows the summary in the original plain shape, cards masked', async () => {
      const { id } = await create();
      const response = await http.get('/customers/summary').expect(200);
      const customers = response.body.customers as CustomerResponse[];
      const mine = customers.find((customer) => customer.id === id);
      expect(Object.keys(mine!)).toEqual(['id', 'name', 'contact', 'addresses', 'creditCards']);
      expect(mine!.creditCards[0].number).toBe('************1234');
      expect(JSON.stringify(response.body)).not.toMatch(CARD_DIGITS);
    });
  });

  describe('replace and update', () => {
    it('replaces with If-Match, bumps the version and publishes the new state', async () => {
      const { id } = await create();
      const body = aCustomerBody({
        name: { title: 'Countess', firstName: 'Augusta', lastName: 'King' },
      });
      const response = await http
        .put(`/customers/${id}`)
        .set('If-Match', '"1"')
        .send(body)
        .expect(200);
      expect(response.headers.etag).toBe('"2"');
      expect(response.body).toMatchObject({
        version: 2,
        name: { firstName: 'Augusta', middleName: null },
      });
      const [, event] = await events.waitForKey(id, 2);
      expectChangeEvent(event, id, 2);
      expect(event.payload).toMatchObject({ name: { firstName: 'Augusta', middleName: null } });
    });

    it('merges a PATCH, clears a field with null, keeps the cards, and publishes', async () => {
      const { id } = await create();
      const response = await http
        .patch(`/customers/${id}`)
        .send({ version: 1, name: { middleName: null }, contact: { email: 'ada@lovelace.org' } })
        .expect(200);
      expect(response.body).toMatchObject({
        version: 2,
        name: { firstName: 'Ada', middleName: null, lastName: 'Lovelace' },
        contact: { email: 'ada@lovelace.org', primaryPhone: '555-000-1111' },
        creditCards: [{ number: '************1234' }],
      });
      const [, event] = await events.waitForKey(id, 2);
      expectChangeEvent(event, id, 2);
      expect(event.payload).toMatchObject({ contact: { email: 'ada@lovelace.org' } });
      const stored = await world.customers.findOne({ _id: new ObjectId(id) });
      expect(stored?.name).not.toHaveProperty('middleName');
    });

    it('keeps a stored card when the client sends back the masked number it read', async () => {
      const { id } = await create();
      const before = await world.customers.findOne({ _id: new ObjectId(id) });
      const read = await http.get(`/customers/${id}`).expect(200);
      const { id: _id, version, createdAt: _c, updatedAt: _u, _links, ...resource } = read.body;
      const cards = [
        ...resource.creditCards,
        {
          type: 'ALTERNATE',
          description: 'Amex',
          number: '3782 822463 10005',
          expiration: '1/30',
          nameOnCard: 'A. Lovelace',
        },
      ];
      const response = await http
        .put(`/customers/${id}`)
        .set('If-Match', String(read.headers.etag))
        .send({ ...resource, creditCards: cards })
        .expect(200);
      expect(version).toBe(1);
      const numbers = (response.body as CustomerResponse).creditCards.map((card) => card.number);
      expect(numbers).toEqual(['************1234', '************0005']);
      const after = await world.customers.findOne({ _id: new ObjectId(id) });
      expect(after?.creditCards[0].number).toBe(before?.creditCards[0].number);
      expect(new CardCipher(CARD_KEY).open(after?.creditCards[1].number as string)).toBe(
        '3782 822463 10005',
      );
    });

    it.each([
      ['a stale If-Match on PUT', 'put', { 'If-Match': '"1"' }, {}],
      ['a stale body version on PUT', 'put', {}, { version: 1 }],
      ['a stale If-Match on PATCH', 'patch', { 'If-Match': 'W/"1"' }, {}],
      ['a stale body version on PATCH', 'patch', {}, { version: 1 }],
      ['a stale If-Match on DELETE', 'delete', { 'If-Match': '"1"' }, undefined],
    ] as const)(
      'refuses %s with 409, writing and publishing nothing',
      async (_case, method, headers, extra) => {
        const { id } = await create();
        await http
          .patch(`/customers/${id}`)
          .send({ name: { firstName: 'Second' } })
          .expect(200);
        await events.waitForKey(id, 2);
        let call = http[method](`/customers/${id}`).set(headers as Record<string, string>);
        if (extra !== undefined) {
          call = call.send(
            method === 'put'
              ? { ...aCustomerBody(), ...extra }
              : { name: { firstName: 'Stale' }, ...extra },
          );
        }
        const response = await call.expect(409);
        expect(response.body).toMatchObject({ statusCode: 409, code: 'ACCOUNTS.VERSION_CONFLICT' });
        const stored = await world.customers.findOne({ _id: new ObjectId(id) });
        expect(stored).toMatchObject({ version: 2, name: { firstName: 'Second' } });
        expect(stored?.deletedAt).toBeUndefined();
        await events.caughtUp();
        expect(events.forKey(id)).toHaveLength(2);
      },
    );
  });

  describe('delete', () => {
    it('removes the personal data, publishes a tombstone and answers 404 afterwards', async () => {
      const { id } = await create();
      await http.delete(`/customers/${id}`).set('If-Match', '"1"').expect(204);
      const [, tombstone] = await events.waitForKey(id, 2);
      expect(tombstone.raw).toBeNull();
      expect(tombstone.headers).toMatchObject({
        [EventHeaders.type]: CUSTOMER_DELETED_TYPE,
        [EventHeaders.aggregateVersion]: '2',
        [EventHeaders.source]: serviceSource('accounts'),
      });
      expect(readEventHeaders(tombstone.headers)).toMatchObject({ ok: true });
      await http.get(`/customers/${id}`).expect(404);
      await http.delete(`/customers/${id}`).expect(404);
      const summary = await http.get('/customers/summary').expect(200);
      const ids = (summary.body as { customers: CustomerResponse[] }).customers.map((c) => c.id);
      expect(ids).not.toContain(id);
      // The relay removes published records in batches, shortly after the publish.
      const marker = await eventually(
        'the tombstone removed from the outbox',
        async () => {
          const doc = await world.customers.findOne({ _id: new ObjectId(id) });
          return (doc?.outbox as unknown[] | undefined)?.length === 0 && doc;
        },
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(marker).not.toHaveProperty('name');
      expect(marker).not.toHaveProperty('creditCards');
      expect(marker).toMatchObject({ version: 2, outbox: [] });
    });
  });

  describe('the write path', () => {
    it('a PATCH costs two database commands on its request path and one removal after', async () => {
      const { id } = await create();
      const outboxEmpty = () =>
        eventually(
          `the outbox of ${id} emptied`,
          async () =>
            ((await world.customers.findOne({ _id: new ObjectId(id) }))?.outbox as unknown[])
              .length === 0,
          { timeoutMs: 10_000, intervalMs: 50 },
        );
      await outboxEmpty();
      // Every command the app sends that names this customer (the sweeper's batch queries
      // name none), from the driver's command monitoring.
      const sent: string[] = [];
      const client = app.get<Connection>(getConnectionToken()).getClient();
      const listener = (event: CommandStartedEvent) => {
        // ObjectIds serialize as their hex string.
        if (JSON.stringify(event.command).includes(id)) sent.push(event.commandName);
      };
      client.on('commandStarted', listener);
      try {
        await http
          .patch(`/customers/${id}`)
          .send({ contact: { email: 'counted@example.com' } })
          .expect(200);
        // The read and the version-checked write that carries the event.
        expect([...sent]).toEqual(['find', 'findAndModify']);
        await events.waitForKey(id, 2);
        await outboxEmpty();
        // The relay published from the written document (no second find) and removed the
        // record with one update command, which under load carries other documents' too.
        expect(sent).toEqual(['find', 'findAndModify', 'update']);
      } finally {
        client.off('commandStarted', listener);
      }
    });
  });

  describe('operations', () => {
    it('reports health with the database, Kafka and the outbox', async () => {
      const response = await http.get('/actuator/health').expect(200);
      expect(response.body).toMatchObject({
        status: 'UP',
        components: {
          mongo: { status: 'UP' },
          kafka: { status: 'UP' },
          outbox: { status: 'UP' },
        },
      });
    });

    it('serves info and Prometheus metrics', async () => {
      await http.get('/actuator/info').expect(200);
      const metrics = await http.get('/actuator/prometheus').expect(200);
      expect(metrics.text).toContain('http_server_requests_seconds');
    });

    it('documents every endpoint with examples in OpenAPI, and serves Swagger UI', async () => {
      const docs = await http.get('/v3/api-docs').expect(200);
      expect(Object.keys(docs.body.paths)).toEqual(
        expect.arrayContaining([
          '/customers',
          '/customers/{id}',
          '/customers/sample',
          '/customers/summary',
        ]),
      );
      expect(Object.keys(docs.body.paths['/customers/{id}'])).toEqual(
        expect.arrayContaining(['get', 'put', 'patch', 'delete']),
      );
      const card = docs.body.components.schemas.CreditCardDto;
      expect(card.properties.number.example).toBe('1234-6789-0000-0000');
      expect(card.properties.type.enum).toEqual(['PRIMARY', 'ALTERNATE']);
      const ui = await http.get('/swagger-ui.html').redirects(1).expect(200);
      expect(ui.text).toContain('swagger');
    });
  });

  describe('bad input', () => {
    const missingName = aCustomerBody();
    delete (missingName as Partial<CustomerBody>).name;

    it.each<[string, 'post' | 'put' | 'patch', unknown, string]>([
      ['a missing required object', 'post', missingName, 'name'],
      [
        'a missing required field',
        'post',
        aCustomerBody({ contact: { primaryPhone: '1' } }),
        'contact.email',
      ],
      [
        'an empty required field',
        'put',
        aCustomerBody({ name: { title: 'Mr.', firstName: '', lastName: 'X' } }),
        'name.firstName',
      ],
      ['an unknown top-level field', 'post', { ...aCustomerBody(), id: 'x' }, 'id'],
      [
        'an unknown nested field',
        'put',
        aCustomerBody({ contact: { primaryPhone: '1', email: 'e', fax: '2' } }),
        'contact.fax',
      ],
      [
        'a bad address type',
        'post',
        aCustomerBody({ addresses: [{ ...aCustomerBody().addresses[0], type: 'HOME' }] }),
        'addresses.0.type',
      ],
      [
        'a bad card type',
        'put',
        aCustomerBody({ creditCards: [{ ...aCustomerBody().creditCards[0], type: 'GOLD' }] }),
        'creditCards.0.type',
      ],
      [
        'a bad card number',
        'post',
        aCustomerBody({ creditCards: [{ ...aCustomerBody().creditCards[0], number: '12ab' }] }),
        'creditCards.0.number',
      ],
      [
        'a bad expiration',
        'post',
        aCustomerBody({
          creditCards: [{ ...aCustomerBody().creditCards[0], expiration: '13/2020' }],
        }),
        'creditCards.0.expiration',
      ],
      ['a non-array list', 'put', aCustomerBody({ addresses: 'none' as never }), 'addresses'],
      ['a null required field in a patch', 'patch', { name: { lastName: null } }, 'name.lastName'],
      ['a null object in a patch', 'patch', { contact: null }, 'contact'],
      ['an unknown field in a patch', 'patch', { nickname: 'Ada' }, 'nickname'],
      ['a string version', 'patch', { version: '1' }, 'version'],
    ])(
      'refuses %s with a 400 naming the field, writing and publishing nothing',
      async (_case, method, body, field) => {
        const { id } = await create();
        await events.waitForKey(id, 1);
        const countBefore = await world.customers.countDocuments();
        const path = method === 'post' ? '/customers' : `/customers/${id}`;
        const response = await http[method](path)
          .send(body as object)
          .expect(400);
        expect(response.body).toMatchObject({ statusCode: 400, code: 'REQUEST.VALIDATION_FAILED' });
        expect(response.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field })]),
        );
        expect(await world.customers.countDocuments()).toBe(countBefore);
        expect(await world.customers.findOne({ _id: new ObjectId(id) })).toMatchObject({
          version: 1,
        });
        await events.caughtUp();
        expect(events.forKey(id)).toHaveLength(1);
      },
    );

    it.each<[string, 'put' | 'patch', Record<string, string>, unknown, string, string]>([
      [
        'malformed JSON',
        'patch',
        { 'content-type': 'application/json' },
        '{"name": ',
        'REQUEST.MALFORMED_JSON',
        '',
      ],
      [
        'a malformed If-Match',
        'patch',
        { 'If-Match': 'yesterday' },
        { name: { firstName: 'X' } },
        'ACCOUNTS.PRECONDITION_INVALID',
        'If-Match',
      ],
      [
        'If-Match and version disagreeing',
        'patch',
        { 'If-Match': '"1"' },
        { version: 2 },
        'ACCOUNTS.PRECONDITION_INVALID',
        'version',
      ],
      [
        'a masked number naming no stored card',
        'put',
        {},
        aCustomerBody({
          creditCards: [{ ...aCustomerBody().creditCards[0], number: '************9999' }],
        }),
        'ACCOUNTS.CARD_NUMBER_INVALID',
        'creditCards.0.number',
      ],
    ])(
      'refuses %s with a 400, writing and publishing nothing',
      async (_case, method, headers, body, code, field) => {
        const { id } = await create();
        await events.waitForKey(id, 1);
        const response = await http[method](`/customers/${id}`)
          .set(headers)
          .send(body as object)
          .expect(400);
        expect(response.body).toMatchObject({ statusCode: 400, code });
        expect(response.body.message).toContain(field);
        expect(await world.customers.findOne({ _id: new ObjectId(id) })).toMatchObject({
          version: 1,
        });
        await events.caughtUp();
        expect(events.forKey(id)).toHaveLength(1);
      },
    );

    it.each<[string, () => request.Test]>([
      ['a JSON array body', () => http.post('/customers').send([aCustomerBody()])],
      [
        'a JSON string body',
        () => http.post('/customers').set('content-type', 'application/json').send('"Ada"'),
      ],
      [
        'a JSON null body',
        () =>
          http
            .put(`/customers/${new ObjectId().toHexString()}`)
            .set('content-type', 'application/json')
            .send('null'),
      ],
      ['a form body', () => http.post('/customers').type('form').send('name=Ada')],
      ['a text body', () => http.post('/customers').set('content-type', 'text/plain').send('Ada')],
      ['a negative page size', () => http.get('/customers?size=-1')],
      ['a repeated sort', () => http.get('/customers?sort=id&sort=version')],
    ])('answers %s with a 4xx JSON error, never a 500', async (_case, call) => {
      const before = await world.customers.countDocuments();
      const response = await call();
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body).toMatchObject({
        statusCode: response.status,
        code: expect.any(String),
      });
      expect(await world.customers.countDocuments()).toBe(before);
    });

    it('refuses a masked number on create: there is no stored card to keep', async () => {
      const body = aCustomerBody({
        creditCards: [{ ...aCustomerBody().creditCards[0], number: '************1234' }],
      });
      const before = await world.customers.countDocuments();
      const response = await http.post('/customers').send(body).expect(400);
      expect(response.body).toMatchObject({ code: 'ACCOUNTS.CARD_NUMBER_INVALID' });
      expect(await world.customers.countDocuments()).toBe(before);
    });
  });
});
