/**
 * Bad input gets a 400 naming the field, never a 5xx: requests a property-based OpenAPI tester
 * found (issue 17) and their neighbours, against the whole runtime, through the gateway and
 * straight to each service. Each request is one the service's own schema rejects.
 */
import { startTestStack, type TestStack } from '../../../tools/runtime/test-stack';

type Service = 'accounts' | 'orders' | 'fulfillment';

const CUSTOMER_ID = '5b1be0107f2b1c0001a0e001';
const ORDER_GUID = '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f';

/** JSON text of `depth` nested arrays (JSON.stringify itself overflows on such a value). */
function nested(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

interface BadRequest {
  service: Service;
  method: string;
  path: string;
  /** The field the 400 must name. */
  field: string;
  /** JSON text of the body, if any. */
  body?: string;
}

const bad = (
  service: Service,
  method: string,
  path: string,
  field: string,
  body?: string,
): BadRequest => ({ service, method, path, field, body });

const BAD_REQUESTS: BadRequest[] = [
  // The three the tester reported: "integers" whose skip overflows the database.
  bad('accounts', 'GET', '/customers?page=8.3e307', 'page'),
  bad('orders', 'GET', '/customerOrderses?page=1.4e307', 'page'),
  bad('fulfillment', 'GET', '/fulfillments?page=1.1e308', 'page'),
  bad('accounts', 'GET', '/customers?page=2147483648', 'page'),
  bad('orders', 'GET', '/customerOrderses?page=0x10', 'page'),
  bad('fulfillment', 'GET', '/fulfillments?page=', 'page'),
  bad('accounts', 'GET', '/customers?size=1e2', 'size'),
  bad('fulfillment', 'GET', '/fulfillments?size=201', 'size'),
  bad('accounts', 'GET', '/customers?sort=creditCards.number', 'sort'),
  bad('orders', 'GET', '/customerOrderses?sort=orders.orderItems,desc', 'sort'),
  bad('fulfillment', 'GET', '/fulfillments?sort=outbox', 'sort'),
  bad('accounts', 'GET', `/customers/${'a'.repeat(65)}`, 'id'),
  bad('orders', 'GET', `/customers/${CUSTOMER_ID}/orders/not-a-uuid`, 'guid'),
  bad('fulfillment', 'GET', `/fulfillments/${'f'.repeat(65)}`, 'id'),
  bad('accounts', 'PATCH', `/customers/${CUSTOMER_ID}`, 'version', '{"version":1e300}'),
  // Each line is valid, but the total (1,999,999,997.98) is no price: computing it was a 500.
  bad(
    'orders',
    'POST',
    `/customers/${CUSTOMER_ID}/orders`,
    'orderItems',
    JSON.stringify({
      orderItems: [
        {
          product: { guid: 'g-1', title: 'Widget', description: 'A widget', price: 999999998.99 },
          quantity: 2,
        },
      ],
    }),
  ),
  // Thousands of nested arrays overflowed the validator's recursion (a 500).
  bad('accounts', 'POST', '/customers', 'body', nested(5000)),
  bad(
    'orders',
    'POST',
    `/customers/${CUSTOMER_ID}/orders`,
    'body',
    `{"orderItems":${nested(3000)}}`,
  ),
  bad(
    'orders',
    'POST',
    `/customers/${CUSTOMER_ID}/orders/${ORDER_GUID}/approve`,
    'body',
    `{"note":${nested(40)}}`,
  ),
];

describe('input bounds through the gateway and directly', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ dbPrefix: 'gateway_input' });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  async function call(
    base: string,
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; contentType: string | null; json: Record<string, unknown> }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body,
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      json: (await response.json()) as Record<string, unknown>,
    };
  }

  describe.each(['gateway', 'direct'] as const)('%s', (via) => {
    it.each(BAD_REQUESTS)(
      '$service $method $path → 400 naming $field',
      async ({ service, method, path, field, body }) => {
        const base = via === 'gateway' ? `${stack.gatewayUrl}/${service}` : stack.url(service);
        const { status, contentType, json } = await call(base, method, path, body);
        expect({ status, statusCode: json.statusCode }).toEqual({ status: 400, statusCode: 400 });
        // The error body, not the resource's media type (application/hal+json) the route sets.
        expect(contentType).toMatch(/^application\/json\b/);
        expect(json.code).toMatch(/^REQUEST\./);
        expect(json.message).toEqual(expect.stringContaining(`${field}:`));
      },
    );

    it.each([
      ['accounts', '/customers'],
      ['orders', '/customerOrderses'],
      ['fulfillment', '/fulfillments'],
    ] as const)(
      '%s answers the last page the schema allows with an empty page',
      async (service, path) => {
        const base = via === 'gateway' ? `${stack.gatewayUrl}/${service}` : stack.url(service);
        const { status, json } = await call(base, 'GET', `${path}?page=2147483647&size=200`);
        expect(status).toBe(200);
        expect(json.page).toMatchObject({ number: 2147483647, size: 200 });
      },
    );
  });
});
