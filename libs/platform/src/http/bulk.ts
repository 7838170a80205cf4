import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';

/**
 * Most ids one bulk republish request (accounts, orders, fulfillment; the audit's `--repair`
 * sends batches of this size) may name: each id is a read-modify-write, and an unknown order
 * guid falls back to a query, so a larger batch outran the gateway's timeout (a 504).
 */
export const MAX_REPUBLISH_BATCH = 10;

/**
 * The list of a bulk republish body: an array of 1 to MAX_REPUBLISH_BATCH items, documented with
 * `api` (the items' type, an example). The rules of each item go below it.
 */
export function RepublishBatch(api: ApiPropertyOptions): PropertyDecorator {
  // In the order stacked decorators register in, which is the order of a 400's messages.
  return applyDecorators(
    ArrayMaxSize(MAX_REPUBLISH_BATCH),
    ArrayMinSize(1),
    IsArray(),
    ApiProperty({ ...api, minItems: 1, maxItems: MAX_REPUBLISH_BATCH }),
  );
}

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
