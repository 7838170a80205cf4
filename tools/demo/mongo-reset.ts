import type { Document, IndexDescription, MongoClient } from 'mongodb';

export interface DatabaseReset {
  database: string;
  existed: boolean;
  collections: string[];
  /** `collection.index` names created again after the drop. */
  restoredIndexes: string[];
}

interface CollectionIndexes {
  collection: string;
  indexes: IndexDescription[];
}

/** The secondary indexes of every collection of a database (`_id_` comes with the collection). */
async function indexesOf(client: MongoClient, database: string): Promise<CollectionIndexes[]> {
  const db = client.db(database);
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  const result: CollectionIndexes[] = [];
  for (const { name } of collections) {
    const listed = (await db.collection(name).listIndexes().toArray()) as Document[];
    result.push({
      collection: name,
      indexes: listed
        .filter((index) => index.name !== '_id_')
        .map(({ v: _v, ns: _ns, key, name: indexName, ...options }: Document) => ({
          ...options,
          key: key as IndexDescription['key'],
          name: indexName as string,
        })),
    });
  }
  return result;
}

/**
 * Drops a database and creates its indexes again. The services create their indexes once, at
 * start-up (mongoose `autoIndex`), and MongoDB recreates a dropped collection on the next write
 * without them: fulfillment's unique index on the order guid, which keeps a re-sent request
 * from creating a second fulfillment, would be gone until fulfillment restarts. So the
 * definitions the services created are read before the drop and written back after it.
 */
export async function dropDatabase(client: MongoClient, database: string): Promise<DatabaseReset> {
  const existing = await client.db().admin().listDatabases({ nameOnly: true });
  const existed = existing.databases.some((d) => d.name === database);
  const before = existed ? await indexesOf(client, database) : [];
  const db = client.db(database);
  await db.dropDatabase();
  const restoredIndexes: string[] = [];
  for (const { collection, indexes } of before) {
    if (indexes.length === 0) continue;
    await db.collection(collection).createIndexes(indexes);
    restoredIndexes.push(...indexes.map((i) => `${collection}.${i.name}`));
  }
  return { database, existed, collections: before.map((c) => c.collection), restoredIndexes };
}

/** `collection.index` names (with `(unique)`) of a database, for before/after comparisons. */
export async function indexNames(client: MongoClient, database: string): Promise<string[]> {
  return (await indexesOf(client, database))
    .flatMap(({ collection, indexes }) =>
      indexes.map((i) => `${collection}.${i.name}${i.unique ? ' (unique)' : ''}`),
    )
    .sort();
}

export async function findOne(
  client: MongoClient,
  database: string,
  collection: string,
): Promise<Document | null> {
  return client.db(database).collection(collection).findOne({});
}

/**
 * A customer replica of orders with its orders, as the original's `customer.orders` document
 * held them: the orders are documents of their own (collection `orders`), embedded here for
 * the print-out only, oldest first.
 */
export async function findCustomerOrders(
  client: MongoClient,
  database: string,
): Promise<Document | null> {
  const db = client.db(database);
  const replica = await db.collection('customer.orders').findOne({});
  if (!replica) return null;
  const orders = await db
    .collection('orders')
    .find({ customerId: replica._id })
    .sort({ placed: 1 })
    .toArray();
  return { ...replica, orders };
}

export async function countDocuments(
  client: MongoClient,
  database: string,
  collection: string,
): Promise<number> {
  return client.db(database).collection(collection).countDocuments({});
}
