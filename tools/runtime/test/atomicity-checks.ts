/**
 * Patch 0004's two checks of single-document atomicity (ADR 0002, 0003), for any FerretDB
 * backend: a stock FerretDB 1.24 fails both.
 */
import type { MongoClient } from 'mongodb';

/** 200 concurrent `$inc` of one document; returns its final count (200 when none was lost). */
export async function concurrentIncrements(client: MongoClient, count = 200): Promise<number> {
  const collection = client.db('patch').collection<{ _id: string; n: number }>('counters');
  await collection.insertOne({ _id: 'counter', n: 0 });
  await Promise.all(
    Array.from({ length: count }, () =>
      collection.updateOne({ _id: 'counter' }, { $inc: { n: 1 } }),
    ),
  );
  return (await collection.findOne({ _id: 'counter' }))?.n ?? 0;
}

/** Four writers that read the same version each try a version-checked write; returns the winners. */
export async function versionRaceWinners(client: MongoClient, writers = 4): Promise<number> {
  const collection = client.db('patch').collection<{ _id: string; version: number }>('versions');
  await collection.insertOne({ _id: 'doc', version: 0 });
  const results = await Promise.all(
    Array.from({ length: writers }, (_, writer) =>
      collection.findOneAndUpdate({ _id: 'doc', version: 0 }, { $set: { version: 1, writer } }),
    ),
  );
  return results.filter((result) => result !== null).length;
}
