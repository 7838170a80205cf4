/** Customers for the benchmarks, created through accounts like any client would. */
import { waitUntil } from '../../tools/runtime/wait';
import type { HttpClient } from './http';

export function customerBody(n: number): Record<string, unknown> {
  return {
    name: {
      title: 'Ms.',
      firstName: 'Bench',
      middleName: null,
      lastName: `Customer${n}`,
      suffix: null,
    },
    contact: { primaryPhone: '555-000-0000', secondaryPhone: null, email: `bench${n}@example.com` },
    addresses: [
      {
        type: 'SHIPPING',
        description: 'Home',
        address1: `${n} Bench Street`,
        address2: null,
        city: 'Loopback',
        state: 'CA',
        postalCode: '12345',
      },
    ],
    creditCards: [],
  };
}

/** One order of two Green Widgets, as the lifecycle walks and the chaos workload place it. */
export const ORDER_BODY = {
  orderItems: [
    {
      product: {
        guid: '7f3c9c22-3c0a-47a5-9a92-2bd2e23f6e37',
        title: 'Green Widget',
        description: 'Gorgeous Green Widget',
        price: 11.99,
      },
      quantity: 2,
    },
  ],
};

/** Creates `count` customers in accounts, `concurrency` at a time; returns their ids in order. */
export async function createCustomers(
  accounts: HttpClient,
  count: number,
  concurrency = 8,
  offset = 0,
): Promise<string[]> {
  const ids: string[] = new Array<string>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < count; n = next++) {
        const created = await accounts.expectOk<{ id: string }>(
          'POST',
          '/customers',
          customerBody(offset + n),
        );
        ids[n] = created.id;
      }
    }),
  );
  return ids;
}

/** Resolves once orders serves a replica of each of these customers (created in accounts). */
export async function waitForReplicas(orders: HttpClient, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await waitUntil(
      async () => (await orders.request('GET', `/customerOrderses/${id}`)).status === 200,
      { what: `customer ${id} in orders`, timeoutMs: 60_000, intervalMs: 50 },
    );
  }
}
