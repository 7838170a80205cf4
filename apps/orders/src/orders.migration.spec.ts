import type { OutboxRecord } from '@storefront/messaging';
import { legacyOrderDocuments, strayRecords } from './orders.migration';

const record = (key: string) => ({ id: `r-${key}`, key }) as unknown as OutboxRecord;
const order = (guid: string) => ({
  guid,
  orderStatusEvents: [{ timestamp: 1, orderStatusType: 'CREATED' as const, note: null }],
  orderItems: [],
  status: 'CREATED' as const,
  fulfillmentRequested: false,
  appliedEventIds: ['e'],
});

describe('legacyOrderDocuments', () => {
  it('gives one document per embedded order, in array order, with its version and events', () => {
    const docs = legacyOrderDocuments({
      _id: 'c-1',
      orders: [order('b'), order('a')],
      outbox: [record('a'), record('b'), record('a')],
      version: 9,
    });
    expect(docs.map((d) => [d._id, d.guid, d.customerId, d.placed, d.version])).toEqual([
      ['b', 'b', 'c-1', 0, 9],
      ['a', 'a', 'c-1', 1, 9],
    ]);
    expect(docs[1]?.outbox.map((r) => r.id)).toEqual(['r-a', 'r-a']);
    expect(docs[0]).toMatchObject({ status: 'CREATED', appliedEventIds: ['e'] });
  });

  it('gives nothing for a replica without orders, and finds events of no order', () => {
    expect(legacyOrderDocuments({ _id: 'c-2', orders: [] })).toEqual([]);
    const doc = { _id: 'c-3', orders: [order('a')], outbox: [record('a'), record('x')] };
    expect(strayRecords(doc).map((r) => r.key)).toEqual(['x']);
  });
});
