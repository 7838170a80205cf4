import {
  CANNED_FINAL_STATUS,
  type CustomerOrdersSummary,
  endStateProblems,
  type FulfillmentSummary,
  FULL_HISTORY,
  hostOfAddress,
  isLoopbackHost,
  isProtectedEnvironment,
  maskCards,
  mongoHosts,
  nonLoopbackServers,
  redactUrl,
  type Snapshot,
  stepProgress,
} from './demo.rules';

const IDS = ['c1', 'c2', 'c3'];

function history(...statuses: readonly string[]) {
  return statuses.map((orderStatusType) => ({ orderStatusType }));
}

/** The state after the seven steps; `pendingAt` cuts order #5's history at that status. */
function snapshot(
  options: { pendingAt?: string; fulfillmentStatus?: string; orders?: number } = {},
): Snapshot {
  const pendingAt = options.pendingAt ?? 'RECEIVED';
  const pendingHistory = FULL_HISTORY.slice(0, FULL_HISTORY.indexOf(pendingAt as never) + 1);
  const customerOrders: CustomerOrdersSummary[] = IDS.map((id) => ({
    id,
    orders: [
      ...CANNED_FINAL_STATUS.map((status, i) => ({
        guid: `${id}-o${i + 1}`,
        orderStatusEvents: history('CREATED', status),
      })),
      { guid: `${id}-o5`, orderStatusEvents: history(...pendingHistory) },
    ].slice(0, options.orders ?? 5),
  }));
  const fulfillments: FulfillmentSummary[] = IDS.map((id, i) => ({
    id: `f${i}`,
    status: options.fulfillmentStatus ?? pendingAt,
    shippingMethod: 'UPS',
    order: { guid: `${id}-o5` },
  }));
  return { customers: IDS.map((id) => ({ id })), customerOrders, fulfillments };
}

describe('stepProgress', () => {
  it('step 1 waits for the three customers in accounts and their replicas in orders', () => {
    const s = snapshot();
    expect(stepProgress('customers', s).done).toBe(true);
    expect(
      stepProgress('customers', { ...s, customerOrders: s.customerOrders!.slice(0, 2) }),
    ).toEqual({
      done: false,
      detail: 'accounts 3/3 customers, orders 2/3 replicas',
    });
    expect(stepProgress('customers', { customers: s.customers }).done).toBe(false);
  });

  it.each([
    [5, true],
    [4, false],
  ])('step 2 with %i orders per customer is done: %s', (orders, done) => {
    expect(stepProgress('orders', snapshot({ orders })).done).toBe(done);
  });

  it('step 3 waits for one APPROVED fulfillment per order #5', () => {
    const s = snapshot({ pendingAt: 'APPROVED' });
    expect(stepProgress('fulfill', s).done).toBe(true);
    expect(stepProgress('fulfill', { ...s, fulfillments: s.fulfillments!.slice(1) }).done).toBe(
      false,
    );
    const otherGuid = s.fulfillments!.map((f, i) =>
      i === 0 ? { ...f, order: { guid: 'elsewhere' } } : f,
    );
    expect(stepProgress('fulfill', { ...s, fulfillments: otherGuid }).done).toBe(false);
  });

  it.each([
    ['process', 'PROCESSING', 'PROCESSING', 'PROCESSING', true],
    ['ship', 'SHIPPED', 'SHIPPED', 'SHIPPED', true],
    ['in-transit', 'IN_TRANSIT', 'IN_TRANSIT', 'IN_TRANSIT', true],
    ['receive', 'RECEIVED', 'RECEIVED', 'RECEIVED', true],
    // fulfillment moved, the status events have not reached orders yet
    ['ship', 'SHIPPED', 'PROCESSING', 'SHIPPED', false],
    // orders ahead of fulfillment cannot happen, but is not "done" either
    ['ship', 'SHIPPED', 'SHIPPED', 'PROCESSING', false],
  ] as const)(
    'step %s (%s) with order #5 at %s and fulfillment at %s is done: %s',
    (step, _status, pendingAt, fulfillmentStatus, done) => {
      expect(stepProgress(step, snapshot({ pendingAt, fulfillmentStatus })).done).toBe(done);
    },
  );

  it('is not done while a view did not answer', () => {
    const { customerOrders: _, ...withoutOrders } = snapshot();
    expect(stepProgress('receive', withoutOrders)).toEqual({
      done: false,
      detail: 'fulfillment 3/3 RECEIVED, orders #5 0/3 at RECEIVED',
    });
  });
});

describe('endStateProblems', () => {
  it('accepts the original end state', () => {
    expect(endStateProblems(snapshot())).toEqual([]);
  });

  it('names each difference', () => {
    const s = snapshot();
    s.customers = s.customers!.slice(0, 2);
    s.customerOrders![1].orders[4].orderStatusEvents.push({ orderStatusType: 'RECEIVED' });
    s.fulfillments![2] = { ...s.fulfillments![2], shippingMethod: null };
    expect(endStateProblems(s)).toEqual([
      'accounts holds 2 customers, expected 3',
      'customer c2 order #5 history is CREATED → APPROVED → PROCESSING → SHIPPED → IN_TRANSIT → RECEIVED → RECEIVED, expected CREATED → APPROVED → PROCESSING → SHIPPED → IN_TRANSIT → RECEIVED',
      'orders holds customer c3, which accounts does not',
      'fulfillment f2 has no shipping method',
    ]);
  });

  it('counts duplicates as problems', () => {
    const s = snapshot();
    s.fulfillments!.push({ ...s.fulfillments![0], id: 'f3' });
    s.customerOrders![0].orders.push(...s.customerOrders![0].orders);
    expect(endStateProblems(s)).toEqual([
      'customer c1 has 10 orders, expected 5',
      'fulfillment holds 4 documents, expected 3',
    ]);
  });
});

describe('targets', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['api.localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['10.0.0.5', false],
    ['mongo', false],
    ['127.0.0.1.example.com', false],
    ['0.0.0.0', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it.each([
    ['127.0.0.1:9092', '127.0.0.1'],
    ['kafka:9092', 'kafka'],
    ['[::1]:9092', '::1'],
    ['::1', '::1'],
    ['localhost', 'localhost'],
  ])('the host of %s is %s', (address, host) => {
    expect(hostOfAddress(address)).toBe(host);
  });

  it.each([
    ['mongodb://127.0.0.1:27017/', ['127.0.0.1']],
    ['mongodb://root:s3cr@t@mongo:27017/?authSource=admin', ['mongo']],
    ['mongodb://a:1,localhost:2/db', ['a', 'localhost']],
    ['mongodb+srv://user:pw@cluster.example.net/db', ['srv:cluster.example.net']],
  ])('the hosts of %s are %j', (url, hosts) => {
    expect(mongoHosts(url)).toEqual(hosts);
  });

  it('lists every server that is not on this machine', () => {
    expect(
      nonLoopbackServers({
        gatewayUrl: 'http://localhost:8080',
        mongoUrl: 'mongodb://root:pw@mongo:27017/',
        kafkaBrokers: ['127.0.0.1:29092', 'kafka:9092'],
      }),
    ).toEqual(['MongoDB mongo', 'Kafka kafka']);
    expect(
      nonLoopbackServers({
        gatewayUrl: 'http://127.0.0.1:8080',
        mongoUrl: 'mongodb://127.0.0.1:27017/',
        kafkaBrokers: ['127.0.0.1:9092'],
      }),
    ).toEqual([]);
  });

  it('redacts credentials', () => {
    expect(redactUrl('mongodb://root:pw@mongo:27017/')).toBe('mongodb://***@mongo:27017/');
  });

  it.each([
    ['production', true],
    ['PROD', true],
    ['staging', true],
    ['development', false],
    ['swarm', false],
    [undefined, false],
  ])('environment %s is protected: %s', (environment, protectedEnv) => {
    expect(isProtectedEnvironment(environment)).toBe(protectedEnv);
  });
});

describe('maskCards', () => {
  it('masks stored card numbers, clear or encrypted, and leaves the rest alone', () => {
    const id = new (class ObjectIdLike {
      toJSON(): string {
        return 'x';
      }
    })();
    const when = new Date(0);
    const masked = maskCards({
      _id: id,
      createdAt: when,
      creditCards: [
        { type: 'PRIMARY', number: '1234-6789-0000-0000' },
        { type: 'ALTERNATE', number: 'enc:v1:6666:iv:cipher:tag' },
      ],
      nested: [{ creditCards: [{ number: '4545 6767 8989 0000' }] }],
    });
    expect(masked).toEqual({
      _id: id,
      createdAt: when,
      creditCards: [
        { type: 'PRIMARY', number: '************0000' },
        { type: 'ALTERNATE', number: '************6666' },
      ],
      nested: [{ creditCards: [{ number: '************0000' }] }],
    });
    expect(masked._id).toBe(id);
  });
});
