/**
 * Our FerretDB build carries a patch (infra/ferretdb/patches, ADR 0003): a filter with an _id
 * equality beside other conditions reads that one row by primary key, where FerretDB 1.24
 * reads the whole collection. This starts the binary the project builds, with SQL logging,
 * and checks both the SQL it runs and that the other conditions still decide the result.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { type FerretDbServer, provisionFerretDb, startFerretDb } from '../ferretdb';
import { freePort } from '../test-stack';
import { waitUntil } from '../wait';

jest.setTimeout(120_000);

const BY_PRIMARY_KEY = `WHERE _ferretdb_sjson->'$._id' = ?`;

describe('FerretDB as the project builds it (patched _id pushdown)', () => {
  let server: FerretDbServer;
  let client: MongoClient;
  let dataDir: string;

  beforeAll(async () => {
    await provisionFerretDb();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-patch-'));
    server = await startFerretDb({
      dataDir,
      port: await freePort(),
      name: 'ferretdb-patch-test',
      logLevel: 'debug',
    });
    client = await MongoClient.connect(server.mongoUrl);
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** The SQL statements FerretDB logged since `from` (a byte offset in its log). */
  function statementsSince(from: number): string[] {
    return fs
      .readFileSync(server.logFile)
      .subarray(from)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.includes('>>> SELECT'));
  }

  it('reads one row by primary key for {_id, other conditions}, and still applies them', async () => {
    const collection = client.db('patch').collection<{ _id: ObjectId; v: number }>('probe');
    const docs = Array.from({ length: 20 }, (_, v) => ({ _id: new ObjectId(), v }));
    await collection.insertMany(docs);
    const target = docs[7];

    const from = fs.statSync(server.logFile).size;
    expect(await collection.findOne({ _id: target._id, v: 7 }, { comment: 'probe-hit' })).toEqual(
      target,
    );
    expect(await collection.findOne({ _id: target._id, v: 8 }, { comment: 'probe-miss' })).toBe(
      null,
    );
    await waitUntil(() => statementsSince(from).some((line) => line.includes('probe-miss')), {
      what: 'FerretDB to log the probe queries',
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    for (const probe of ['probe-hit', 'probe-miss']) {
      const statement = statementsSince(from).find((line) => line.includes(probe));
      expect(statement).toContain(BY_PRIMARY_KEY);
    }
  });

  it('updates through the primary key too, matching only when every condition holds', async () => {
    const collection = client.db('patch').collection<{ _id: ObjectId; v: number }>('updates');
    const id = new ObjectId();
    await collection.insertMany([
      { _id: id, v: 1 },
      ...[2, 3].map((v) => ({ _id: new ObjectId(), v })),
    ]);

    const from = fs.statSync(server.logFile).size;
    const stale = await collection.updateOne({ _id: id, v: 0 }, { $set: { v: 5 } });
    const current = await collection.updateOne({ _id: id, v: 1 }, { $set: { v: 2 } });
    expect([stale.matchedCount, current.matchedCount]).toEqual([0, 1]);
    expect(await collection.findOne({ _id: id })).toEqual({ _id: id, v: 2 });

    const selects = statementsSince(from);
    expect(selects.length).toBeGreaterThanOrEqual(2);
    // Every read of the two updates and of the check went by primary key: none scanned.
    expect(selects.filter((line) => !line.includes(BY_PRIMARY_KEY))).toEqual([]);
  });
});
