import { toComponentHealth, toHealthReport } from './health.rules';

describe('toComponentHealth', () => {
  it.each([
    [{ status: 'up' }, { status: 'UP' }],
    [{ status: 'down' }, { status: 'DOWN' }],
    [
      { status: 'up', database: 'orders' },
      { status: 'UP', details: { database: 'orders' } },
    ],
    [
      { status: 'down', brokers: 'b:9092', error: 'producer connecting' },
      { status: 'DOWN', details: { brokers: 'b:9092', error: 'producer connecting' } },
    ],
    [undefined, { status: 'DOWN' }],
  ] as const)('%j → %j', (detail, component) => {
    expect(toComponentHealth(detail)).toEqual(component);
  });
});

describe('toHealthReport', () => {
  const details = { a: { status: 'up' as const }, b: { status: 'down' as const } };

  it.each([
    [[], false, 'UP'],
    [['a'], false, 'UP'],
    [['a', 'b'], false, 'DOWN'],
    [['a'], true, 'OUT_OF_SERVICE'],
    [['a', 'b'], true, 'OUT_OF_SERVICE'],
  ] as const)('components %j, shutting down %s → %s', (names, shuttingDown, status) => {
    expect(toHealthReport({ details }, names, shuttingDown).status).toBe(status);
  });

  it('lists components in the given order, not terminus’ UP-first order', () => {
    const report = toHealthReport({ details: { a: details.a, b: details.b } }, ['b', 'a'], false);
    expect(Object.keys(report.components)).toEqual(['b', 'a']);
  });
});
