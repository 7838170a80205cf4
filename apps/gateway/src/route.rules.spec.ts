import {
  classifyError,
  isConnectFailure,
  isExposed,
  isIdempotent,
  matchRoute,
  pickInstance,
  type RouteDefinition,
  statusForFailure,
} from './route.rules';

const route = (prefix: string, serviceId: string): RouteDefinition => ({
  prefix,
  serviceId,
  connectTimeoutMs: 3000,
  readTimeoutMs: 3000,
});
const routes = [
  route('/accounts', 'ACCOUNTS'),
  route('/orders', 'ORDERS'),
  route('/fulfillment', 'FULFILLMENT'),
];

describe('matchRoute', () => {
  it.each([
    ['/accounts/customers/sample', 'ACCOUNTS', '/customers/sample'],
    ['/accounts/customers?page=1&size=5', 'ACCOUNTS', '/customers?page=1&size=5'],
    ['/accounts', 'ACCOUNTS', '/'],
    ['/accounts?x=1', 'ACCOUNTS', '/?x=1'],
    ['/fulfillment/fulfillments/sample/ship', 'FULFILLMENT', '/fulfillments/sample/ship'],
    ['/orders/customerOrderses', 'ORDERS', '/customerOrderses'],
  ])('%s → %s %s', (url, serviceId, upstreamPath) => {
    expect(matchRoute(url, routes)).toEqual({
      route: expect.objectContaining({ serviceId }),
      upstreamPath,
    });
  });

  it.each([
    '/accountsx/customers',
    '/fulfillments/summary',
    '/',
    '/actuator/health',
    '/ACCOUNTS/customers',
  ])('%s matches no route', (url) => {
    expect(matchRoute(url, routes)).toBeUndefined();
  });
});

describe('isExposed', () => {
  it.each([
    ['/customers', true],
    ['/actuator/health', true],
    ['/actuator/health/readiness', true],
    ['/actuator/info', true],
    ['/actuator/health?x=1', true],
    ['/actuator/prometheus', false],
    ['/actuator', false],
    ['/actuator/env', false],
    ['/actuator/health/../prometheus', false],
  ])('%s exposed: %s', (path, exposed) => {
    expect(isExposed(path)).toBe(exposed);
  });
});

describe('isIdempotent', () => {
  it.each([
    ['GET', true],
    ['head', true],
    ['PUT', true],
    ['DELETE', true],
    ['OPTIONS', true],
    ['POST', false],
    ['PATCH', false],
    [undefined, false],
  ])('%s → %s', (method, expected) => {
    expect(isIdempotent(method)).toBe(expected);
  });
});

describe('pickInstance', () => {
  const a = { instanceId: 'a' };
  const b = { instanceId: 'b' };
  const c = { instanceId: 'c' };

  it('goes round-robin', () => {
    expect(
      [0, 1, 2, 3].map((n) => pickInstance([a, b], n, new Set(), new Set())?.instanceId),
    ).toEqual(['a', 'b', 'a', 'b']);
  });

  it('skips instances already tried for this request', () => {
    expect(pickInstance([a, b, c], 0, new Set(['a']), new Set())).toBe(b);
    expect(pickInstance([a, b], 0, new Set(['a', 'b']), new Set())).toBeUndefined();
  });

  it('skips recently refused instances while others remain', () => {
    expect(
      [0, 1].map((n) => pickInstance([a, b], n, new Set(), new Set(['a']))?.instanceId),
    ).toEqual(['b', 'b']);
    expect(pickInstance([a], 0, new Set(), new Set(['a']))).toBe(a);
  });
});

describe('failures', () => {
  it.each([
    ['ECONNREFUSED', false, false, 'refused', 502, true],
    ['ECONNRESET', true, false, 'connect-timeout', 504, true],
    ['ECONNRESET', false, true, 'read-timeout', 504, false],
    ['ECONNRESET', false, false, 'reset', 502, false],
    ['EWHATEVER', false, false, 'other', 502, false],
  ] as const)(
    '%s (connect timeout %s, read timeout %s) → %s %s',
    (code, connectTimedOut, readTimedOut, failure, status, retry) => {
      const error = Object.assign(new Error(code), { code });
      const classified = classifyError(error, { connectTimedOut, readTimedOut });
      expect(classified).toBe(failure);
      expect(statusForFailure(classified)).toBe(status);
      expect(isConnectFailure(classified)).toBe(retry);
    },
  );
});
