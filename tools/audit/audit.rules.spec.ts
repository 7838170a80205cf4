import {
  classify,
  compareCustomer,
  compareOrder,
  type FulfillmentSide,
  type OrderSide,
  type OwnerCustomer,
  type ReplicaCustomer,
  type StatusEntry,
  summarize,
} from './audit.rules';

const name = { title: 'Mr.', firstName: 'John', lastName: 'Doe' };
const contact = { primaryPhone: '555-1234', email: 'john@example.com' };
const addresses = [
  {
    type: 'SHIPPING',
    description: 'home',
    address1: '1 Main St',
    city: 'Sunrise',
    state: 'CA',
    postalCode: '12345',
  },
];

function owner(overrides: Partial<OwnerCustomer> = {}): OwnerCustomer {
  return {
    id: 'c1',
    version: 3,
    deleted: false,
    name,
    contact,
    addresses,
    pending: false,
    ...overrides,
  };
}

/** As orders stores it: absent optional fields are null. */
function replica(overrides: Partial<ReplicaCustomer> = {}): ReplicaCustomer {
  return {
    id: 'c1',
    sourceVersion: 3,
    deleted: false,
    name: { ...name, middleName: null, suffix: null },
    contact: { ...contact, secondaryPhone: null },
    addresses: addresses.map((a) => ({ ...a, address2: null })),
    ...overrides,
  };
}

describe('compareCustomer', () => {
  it.each([
    ['in sync (null and absent are the same)', owner(), replica(), null],
    ['missing', owner(), undefined, 'missing'],
    ['stale', owner(), replica({ sourceVersion: 2 }), 'stale'],
    ['ahead', owner(), replica({ sourceVersion: 4 }), 'ahead'],
    [
      'content: a changed name',
      owner(),
      replica({ name: { ...name, lastName: 'Roe' } }),
      'content',
    ],
    ['content: an address less', owner(), replica({ addresses: [] }), 'content'],
    ['content: deleted at the same version', owner(), replica({ deleted: true }), 'content'],
    ['orphan', undefined, replica(), 'orphan'],
    ['a deleted replica of no owner', undefined, replica({ deleted: true }), null],
    ['deleted-but-live', owner({ deleted: true, version: 4 }), replica(), 'deleted-but-live'],
    ['deleted on both sides', owner({ deleted: true }), replica({ deleted: true }), null],
    ['deleted, no replica', owner({ deleted: true }), undefined, null],
  ] as const)('%s', (_case, o, r, kind) => {
    expect(compareCustomer(o, r)?.kind ?? null).toBe(kind);
  });

  it('names the differing fields, never cards', () => {
    const difference = compareCustomer(
      owner(),
      replica({ contact: { ...contact, email: 'x@example.com' } }),
    );
    expect(difference?.detail).toContain('contact.email');
  });
});

const T = 1_700_000_000_000;
const entry = (orderStatusType: string, offset: number): StatusEntry => ({
  timestamp: T + offset,
  orderStatusType,
  note: null,
});
const [created, approved, processing, shipped, inTransit] = [
  entry('CREATED', 0),
  entry('APPROVED', 1),
  entry('PROCESSING', 2),
  entry('SHIPPED', 3),
  entry('IN_TRANSIT', 4),
];

function order(history: StatusEntry[], overrides: Partial<OrderSide> = {}): OrderSide {
  return {
    guid: 'g1',
    customerId: 'c1',
    status: history.at(-1)!.orderStatusType,
    fulfillmentRequested: true,
    orderStatusEvents: history,
    appliedEvents: history.length - 2,
    pending: false,
    ...overrides,
  };
}

function fulfillment(history: StatusEntry[]): FulfillmentSide {
  return { id: 'f1', guid: 'g1', version: 3, orderStatusEvents: history, pending: false };
}

describe('compareOrder', () => {
  const full = [created, approved, processing, shipped, inTransit];
  it.each([
    ['in sync', order(full), fulfillment(full), null],
    ['sent, no statuses yet', order([created, approved]), fulfillment([created, approved]), null],
    ['fulfillment-missing', order([created, approved]), undefined, 'fulfillment-missing'],
    [
      'status-missing',
      order([created, approved, processing, inTransit]),
      fulfillment(full),
      'status-missing',
    ],
    [
      'status-doubled',
      order([created, approved, processing, processing, shipped, inTransit]),
      fulfillment(full),
      'status-doubled',
    ],
    [
      'status-reordered',
      order([created, approved, shipped, processing, inTransit]),
      fulfillment(full),
      'status-reordered',
    ],
    [
      'status-unknown',
      order(full),
      fulfillment([created, approved, processing, shipped]),
      'status-unknown',
    ],
    ['fulfillment-orphan', undefined, fulfillment(full), 'fulfillment-orphan'],
    ['never sent', order([created, approved], { fulfillmentRequested: false }), undefined, null],
    [
      "a sample history past APPROVED (no fulfillment's event applied)",
      order(full, { appliedEvents: 0 }),
      undefined,
      null,
    ],
  ] as const)('%s', (_case, o, f, kind) => {
    expect(compareOrder(o, f)?.kind ?? null).toBe(kind);
  });

  it('cannot ask for a request again once the order moved on', () => {
    expect(compareOrder(order(full), undefined)).toMatchObject({
      kind: 'fulfillment-missing',
      repair: 'none',
    });
  });
});

describe('classify', () => {
  const now = T;
  it.each([
    [{ pending: true, lagging: false }, 'in-flight', 'outbox'],
    [{ pending: false, lagging: true }, 'in-flight', 'lag'],
    [{ pending: false, lagging: false, changedAt: now - 1000 }, 'in-flight', 'settling'],
    [{ pending: false, lagging: false, changedAt: now - 6000 }, 'drift', undefined],
    [{ pending: false, lagging: false }, 'drift', undefined],
  ] as const)('%j is %s', (evidence, state, reason) => {
    const verdict = classify(evidence, now, 5000);
    expect(verdict.state).toBe(state);
    expect('reason' in verdict ? verdict.reason : undefined).toBe(reason);
  });
});

describe('summarize', () => {
  it('counts in sync, in flight and drift by kind', () => {
    const summary = summarize(10, [
      { relation: 'customers', kind: 'stale', id: 'a', state: 'drift', detail: '', repair: 'none' },
      {
        relation: 'customers',
        kind: 'stale',
        id: 'b',
        state: 'in-flight',
        reason: 'lag',
        detail: '',
        repair: 'none',
      },
    ]);
    expect(summary).toEqual({
      checked: 10,
      inSync: 8,
      inFlight: 1,
      drift: 1,
      byKind: { stale: { inFlight: 1, drift: 1 } },
    });
  });
});
