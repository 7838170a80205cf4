import type { INestApplication } from '@nestjs/common';
import { CUSTOMER_CHANGED_TYPE, CUSTOMER_DELETED_TYPE, EventHeaders } from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import request from 'supertest';
import type { TopicRecorder } from '@storefront/testing';
import { SAMPLE_CUSTOMER_IDS } from '../src/customers.sample';
import { ADMIN_KEY, AccountsWorld } from './support';

const SAMPLE_IDS = Object.values(SAMPLE_CUSTOMER_IDS);

/** The original's three customers (SampleData) as the summary must show them, cards masked. */
const EXPECTED_SUMMARY = fixtures.sampleCustomerChanges().map((customer, index) => ({
  ...customer,
  creditCards: [
    [
      {
        type: 'PRIMARY',
        description: 'VISA',
        number: '************0000',
        expiration: '6/19',
        nameOnCard: 'John S. Doe',
      },
      {
        type: 'ALTERNATE',
        description: 'Corporate American Express',
        number: '************6666',
        expiration: '3/20',
        nameOnCard: 'John Doe',
      },
    ],
    [
      {
        type: 'PRIMARY',
        description: 'VISA',
        number: '************0000',
        expiration: '7/21',
        nameOnCard: 'Mary Smith',
      },
    ],
    [
      {
        type: 'PRIMARY',
        description: 'Master Card',
        number: '************9090',
        expiration: '4/19',
        nameOnCard: 'Susan M. Blackstone',
      },
    ],
  ][index],
}));

describe('accounts sample customers (real Kafka and FerretDB)', () => {
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

  function byCorrelation(correlationId: string) {
    return events.records.filter(
      (event) => event.headers[EventHeaders.correlationId] === correlationId,
    );
  }

  it.each([
    ['without the admin key', {}, /needs the admin API key/],
    ['with a wrong admin key', { 'x-api-key': 'not-the-admin-key-at-all' }, /wrong/],
  ])('refuses %s with a JSON 401 and writes nothing', async (_case, headers, message) => {
    for (const call of [
      () => http.get('/customers/sample'),
      () => http.post('/customers/sample'),
    ]) {
      const response = await call().set(headers).expect(401);
      expect(response.body).toMatchObject({ statusCode: 401, code: 'COMMON.UNAUTHORIZED' });
      expect(response.body.message).toMatch(message);
    }
    expect(await world.customers.countDocuments()).toBe(0);
  });

  it("replaces all customers with the original's three, one event each, tombstones for the others", async () => {
    const others: string[] = [];
    for (const firstName of ['Other', 'Another']) {
      const created = await http
        .post('/customers')
        .send({
          name: { title: 'Mx.', firstName, lastName: 'Person' },
          contact: { primaryPhone: '1', email: 'x@y.z' },
          addresses: [],
          creditCards: [],
        })
        .expect(201);
      others.push(created.body.id as string);
    }

    const response = await http
      .get('/customers/sample')
      .set('x-api-key', ADMIN_KEY)
      .set('x-correlation-id', 'sample-run-1')
      .expect(201);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toBe('Sample customer accounts created');

    const summary = await http.get('/customers/summary').expect(200);
    expect(summary.body).toEqual({ customers: EXPECTED_SUMMARY });

    for (const id of others) {
      const [, tombstone] = await events.waitForKey(id, 2);
      expect(tombstone.raw).toBeNull();
      expect(tombstone.headers[EventHeaders.type]).toBe(CUSTOMER_DELETED_TYPE);
    }
    for (const [index, id] of SAMPLE_IDS.entries()) {
      const [event] = await events.waitForKey(id, 1);
      expect(event.headers).toMatchObject({
        [EventHeaders.type]: CUSTOMER_CHANGED_TYPE,
        [EventHeaders.aggregateVersion]: '1',
        [EventHeaders.correlationId]: 'sample-run-1',
      });
      expect(event.payload).toEqual(fixtures.sampleCustomerChanges()[index]);
      expect(event.raw).not.toMatch(/creditCards|0000-0000|6666/);
    }
    await events.caughtUp();
    expect(
      byCorrelation('sample-run-1')
        .map((event) => event.key)
        .sort(),
    ).toEqual([...others, ...SAMPLE_IDS].sort());
  });

  it('gives the same three customers when run again (POST form), with three newer events', async () => {
    const before = await http.get('/customers/summary').expect(200);
    await http
      .post('/customers/sample')
      .set('x-api-key', ADMIN_KEY)
      .set('x-correlation-id', 'sample-run-2')
      .expect(201, 'Sample customer accounts created');
    const after = await http.get('/customers/summary').expect(200);
    expect(after.body).toEqual(before.body);
    expect(after.body).toEqual({ customers: EXPECTED_SUMMARY });

    for (const [index, id] of SAMPLE_IDS.entries()) {
      const [, second] = await events.waitForKey(id, 2);
      expect(second.headers).toMatchObject({
        [EventHeaders.aggregateVersion]: '2',
        [EventHeaders.correlationId]: 'sample-run-2',
      });
      expect(second.payload).toEqual(fixtures.sampleCustomerChanges()[index]);
    }
    await events.caughtUp();
    expect(byCorrelation('sample-run-2')).toHaveLength(3);
  });

  it('re-creates a deleted sample customer with a version newer than its tombstone', async () => {
    await http.delete(`/customers/${SAMPLE_CUSTOMER_IDS.mary}`).expect(204);
    const [, , tombstone] = await events.waitForKey(SAMPLE_CUSTOMER_IDS.mary, 3);
    expect(tombstone.raw).toBeNull();
    expect(tombstone.headers[EventHeaders.aggregateVersion]).toBe('3');

    await http.post('/customers/sample').set('x-api-key', ADMIN_KEY).expect(201);
    const [, , , recreated] = await events.waitForKey(SAMPLE_CUSTOMER_IDS.mary, 4);
    expect(recreated.headers[EventHeaders.aggregateVersion]).toBe('4');
    expect(recreated.payload).toEqual(fixtures.sampleCustomerChanges()[1]);
    const summary = await http.get('/customers/summary').expect(200);
    expect(summary.body).toEqual({ customers: EXPECTED_SUMMARY });
  });
});
