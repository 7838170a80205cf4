import type { Model } from 'mongoose';
import { inPlacementOrder } from './order.rules';
import type { CustomerOrder } from './schemas/customer-order.schema';
import type { CustomerReplica } from './schemas/customer-replica.schema';

/** Orders of one customer read at once (one `_id` lookup each). */
const READ_CONCURRENCY = 8;

/**
 * The orders of a replica in placement order, each read by `_id` (see `orderIds`: FerretDB
 * 1.24 would answer a query on `customerId` by reading every order); a guid without its
 * document (its write failed) is skipped.
 */
export async function ordersOf(
  orders: Model<CustomerOrder>,
  replica: Pick<CustomerReplica, 'orderIds'>,
): Promise<CustomerOrder[]> {
  const ids = replica.orderIds ?? [];
  const found = new Array<CustomerOrder | null>(ids.length).fill(null);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(READ_CONCURRENCY, ids.length) }, async () => {
      for (let i = next++; i < ids.length; i = next++) {
        found[i] = await orders.findById(ids[i]).lean<CustomerOrder>().exec();
      }
    }),
  );
  return inPlacementOrder(found.filter((order) => order !== null));
}
