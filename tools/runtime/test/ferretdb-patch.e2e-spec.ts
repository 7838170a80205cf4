/**
 * Our FerretDB build carries patches (infra/ferretdb/patches, ADR 0003); this checks 0001,
 * 0002, 0004 and 0006 (0003 is a performance change, measured by the benchmarks). Upstream 1.24
 * turns only a bare {_id} filter into SQL, and writes that SQL with a different expression
 * than its own unique _id index, so SQLite never uses the index: every read, update and
 * delete scanned the collection. This starts the binary the project builds with SQL logging
 * and checks, in the SQL it runs, that an _id equality beside other conditions goes to SQL
 * and that it uses the very expression the index was created on; and that the other
 * conditions still decide the result. Stock FerretDB also loses concurrent updates of one
 * document (ADR 0002); two tests show it no longer does. Every test here fails against the
 * unpatched binary; the two concurrency tests also against the build with only 0001 and 0002.
 * Patch 0006 has SQLite, not FerretDB's Go filter over every document, find the documents
 * whose outbox is a non-empty array (the relay's sweep and backlog queries): the last test
 * checks that the condition reaches SQL and that the answers stay exactly MongoDB's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { eventually } from '@storefront/testing';
import { type FerretDbServer, provisionFerretDb, startFerretDb } from '../ferretdb';
import { freePort } from '../test-stack';
import { concurrentIncrements, versionRaceWinners } from './atomicity-checks';

jest.setTimeout(120_000);

interface Probe {
  _id: ObjectId;
  v: number;
}

describe('FerretDB as the project builds it (patched _id lookups)', () => {
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

  /** The SQL statements FerretDB started since byte `from` of its log, unquoted. */
  function statementsSince(from: number): string[] {
    const text = fs.readFileSync(server.logFile).subarray(from).toString('utf8');
    return [...text.matchAll(/msg=("(?:[^"\\]|\\.)*")/g)]
      .map((match) => JSON.parse(match[1]) as string)
      .filter((message) => message.startsWith('>>> '))
      .map((message) => message.slice(4));
  }

  /** A fresh collection of 20 documents, and the expression its unique _id index is on. */
  async function seeded(name: string): Promise<{ docs: Probe[]; indexed: string }> {
    const from = fs.statSync(server.logFile).size;
    const collection = client.db('patch').collection<Probe>(name);
    const docs = Array.from({ length: 20 }, (_, v) => ({ _id: new ObjectId(), v }));
    await collection.insertMany(docs);
    let indexed = '';
    await eventually(
      `FerretDB to log the _id index of ${name}`,
      () => {
        const create = statementsSince(from).find((sql) =>
          /^CREATE UNIQUE INDEX "\w+__id_"/.test(sql),
        );
        indexed = /\((.+)\)$/.exec(create ?? '')?.[1] ?? '';
        return indexed !== '';
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    return { docs, indexed };
  }

  it('reads one row through the _id index for {_id, other conditions}, and still applies them', async () => {
    const { docs, indexed } = await seeded('finds');
    const collection = client.db('patch').collection<Probe>('finds');
    const target = docs[7];

    const from = fs.statSync(server.logFile).size;
    expect(await collection.findOne({ _id: target._id, v: 7 }, { comment: 'probe-hit' })).toEqual(
      target,
    );
    expect(await collection.findOne({ _id: target._id, v: 8 }, { comment: 'probe-miss' })).toBe(
      null,
    );
    await eventually(
      'FerretDB to log the probe queries',
      () => statementsSince(from).some((sql) => sql.includes('probe-miss')),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    for (const probe of ['probe-hit', 'probe-miss']) {
      const statement = statementsSince(from).find((sql) => sql.includes(probe));
      expect(statement).toMatch(/^SELECT .* WHERE (.+) = \?$/);
      expect(/ WHERE (.+) = \?$/.exec(statement!)?.[1]).toBe(indexed);
    }
  });

  it('loses none of 200 concurrent updates of one document (patch 0004)', async () => {
    expect(await concurrentIncrements(client)).toBe(200);
  });

  it('lets exactly one of four writers that read the same version win (patch 0004)', async () => {
    expect(await versionRaceWinners(client)).toBe(1);
  });

  it('updates through the _id index too, matching only when every condition holds', async () => {
    const { docs, indexed } = await seeded('updates');
    const collection = client.db('patch').collection<Probe>('updates');
    const id = docs[1]._id;

    const from = fs.statSync(server.logFile).size;
    const stale = await collection.updateOne({ _id: id, v: 0 }, { $set: { v: 50 } });
    const current = await collection.updateOne({ _id: id, v: 1 }, { $set: { v: 51 } });
    expect([stale.matchedCount, current.matchedCount]).toEqual([0, 1]);
    expect(await collection.findOne({ _id: id })).toEqual({ _id: id, v: 51 });

    const statements = statementsSince(from).filter((sql) => /^(SELECT|UPDATE) /.test(sql));
    expect(statements.filter((sql) => sql.startsWith('UPDATE '))).toHaveLength(1);
    // Every read and write of the two updates and the check went through the index.
    expect(statements.filter((sql) => / WHERE (.+) = \?$/.exec(sql)?.[1] !== indexed)).toEqual([]);
  });

  it('finds non-empty arrays in SQL ({$type: "array", $not: {$size: 0}}), with exact answers (patch 0006)', async () => {
    const collection = client.db('patch').collection<{ _id: string; outbox?: unknown }>('arrays');
    const old = new Date(0);
    await collection.insertMany([
      { _id: 'one', outbox: [{ occurredAt: old }] },
      { _id: 'two', outbox: [{ occurredAt: new Date() }, { occurredAt: old }] },
      { _id: 'empty', outbox: [] },
      { _id: 'missing' },
      { _id: 'object', outbox: { 0: { occurredAt: old } } },
      { _id: 'scalar', outbox: 5 },
      { _id: 'strings', outbox: ['a'] },
    ]);
    const pending = { outbox: { $type: 'array', $not: { $size: 0 } } };
    const ids = async (filter: object, comment: string): Promise<string[]> =>
      (await collection.find(filter, { comment }).toArray()).map((doc) => doc._id).sort();

    const from = fs.statSync(server.logFile).size;
    expect(await ids(pending, 'probe-pending')).toEqual(['one', 'strings', 'two']);
    expect(await ids({ outbox: { $type: 'array' } }, 'probe-array')).toEqual([
      'empty',
      'one',
      'strings',
      'two',
    ]);
    // The sweep's filter: a dotted condition beside it is still applied (in Go) to what SQL found.
    expect(await ids({ ...pending, 'outbox.0.occurredAt': { $lte: old } }, 'probe-sweep')).toEqual([
      'one',
    ]);
    // countDocuments is an aggregation, whose SQL carries no comment: it is the fourth read.
    expect(await collection.countDocuments(pending)).toBe(3);
    const reads = (): string[] =>
      statementsSince(from).filter((sql) => /^SELECT .* FROM "arrays_\w+"/.test(sql));
    await eventually('FerretDB to log the four reads', () => reads().length >= 4, 10_000);
    const [pendingSql, arraySql, sweepSql, countSql] = reads();
    expect(pendingSql).toContain('probe-pending');
    expect(sweepSql).toContain('probe-sweep');
    for (const sql of [pendingSql, sweepSql, countSql])
      expect(sql).toMatch(/ WHERE json_array_length\(_ferretdb_sjson, \?\) > 0$/);
    expect(arraySql).toMatch(/probe-array.* WHERE json_type\(_ferretdb_sjson, \?\) = 'array'$/);
  });
});
