/**
 * Earlier orders for the lifecycle's customers, written straight into orders' database (one
 * document per order, listed on the customer's replica, as the orders service stores them), so
 * a run can start with customers
 * that have bought a lot without walking every one of those orders first.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient, type Document } from 'mongodb';
import { ORDER_BODY } from './customers';

const HISTORY = ['CREATED', 'APPROVED', 'PROCESSING', 'SHIPPED', 'IN_TRANSIT', 'RECEIVED'];
const BATCH = 1000;

/** A received order of `customerId`, placed `age` ms before `now`. */
function receivedOrder(customerId: string, now: number, age: number, index: number): Document {
  const guid = randomUUID();
  const start = now - age;
  return {
    _id: guid,
    guid,
    customerId,
    placed: start * 1000 + index,
    orderStatusEvents: HISTORY.map((orderStatusType, step) => ({
      timestamp: start + step,
      orderStatusType,
      note: null,
    })),
    orderItems: ORDER_BODY.orderItems.map((line) => ({
      product: { ...line.product, price: line.product.price.toFixed(2) },
      quantity: line.quantity,
    })),
    status: 'RECEIVED',
    fulfillmentRequested: true,
    appliedEventIds: HISTORY.slice(2).map(() => randomUUID()),
    version: 6,
    outbox: [],
  };
}

/**
 * Gives each customer `count` received orders, older than anything the run places. Returns
 * the seconds it took.
 */
export async function seedEarlierOrders(
  mongoUrl: string,
  database: string,
  customerIds: readonly string[],
  count: number,
): Promise<number> {
  if (count <= 0) return 0;
  const t0 = Date.now();
  const client = await new MongoClient(mongoUrl).connect();
  try {
    const db = client.db(database);
    const orders = db.collection('orders');
    const replicas = db.collection<{ _id: string }>('customer.orders');
    let batch: Document[] = [];
    for (const customerId of customerIds) {
      const placed: Document[] = [];
      for (let n = 0; n < count; n += 1) {
        // An hour back and 10 ms apart: in the past, in placement order.
        placed.push(receivedOrder(customerId, t0, 3_600_000 - n * 10, n));
      }
      // Listed on the replica before they exist, as the service does.
      const guids = placed.map((order) => String(order._id));
      await replicas.updateOne({ _id: customerId }, { $push: { orderIds: { $each: guids } } });
      batch.push(...placed);
      if (batch.length >= BATCH) {
        await orders.insertMany(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await orders.insertMany(batch);
  } finally {
    await client.close();
  }
  return Math.round((Date.now() - t0) / 100) / 10;
}
