/**
 * Most ids one bulk republish request (accounts, orders, fulfillment; the audit's `--repair`
 * sends batches of this size) may name: each id is a read-modify-write, and an unknown order
 * guid falls back to a query, so a larger batch outran the gateway's timeout (a 504).
 */
export const MAX_REPUBLISH_BATCH = 10;

/**
 * The answers of a bulk republish, in request order: one item after the other, since each is a
 * read-modify-write and in parallel they would only contend for the same documents and relay.
 */
export async function inSequence<T, R>(
  items: Iterable<T>,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await run(item));
  return results;
}
