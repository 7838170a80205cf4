/**
 * FerretDB on PostgreSQL (`--db-backend postgresql`, docs/adr/0003's 2026-12-06 addendum): a
 * PostgreSQL cluster and a FerretDB on it, both this file's own on free ports, stopped at the
 * end. Stock FerretDB 1.24 loses concurrent updates of one document on PostgreSQL as on SQLite
 * (the postgresql handler also reads, updates in Go and writes back by _id, in separate
 * statements); patch 0004 locks in the handler, above either backend, and the same two tests
 * as ferretdb-patch.e2e-spec.ts show it holds here. Last, the demo's whole flow runs through the
 * five apps against this FerretDB, read back through the gateway.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { COLLECTIONS, runRefresh } from '../../demo/refresh';
import { SERVICES } from '../../demo/demo.rules';
import { type FerretDbServer, provisionFerretDb, startFerretDb } from '../ferretdb';
import { type PostgresServer, startPostgres } from '../postgres';
import { freePort, startTestStack, type TestStack } from '../test-stack';
import { concurrentIncrements, versionRaceWinners } from './atomicity-checks';

jest.setTimeout(180_000);

const RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;

describe('FerretDB on PostgreSQL', () => {
  let postgres: PostgresServer;
  let server: FerretDbServer;
  let client: MongoClient;
  let dataDir: string;

  beforeAll(async () => {
    await provisionFerretDb();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-postgresql-'));
    fs.chmodSync(dataDir, 0o755); // as root, the server runs as another user (postgres.ts)
    postgres = await startPostgres({
      dataDir: path.join(dataDir, 'cluster'),
      port: await freePort(),
      name: `postgres-test-${RUN}`,
    });
    server = await startFerretDb({
      dataDir,
      postgresqlUrl: postgres.url,
      port: await freePort(),
      name: `ferretdb-postgresql-test-${RUN}`,
    });
    client = await MongoClient.connect(server.mongoUrl);
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await postgres?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps documents in PostgreSQL', async () => {
    const collection = client.db('smoke').collection<{ _id: string; n: number }>('probe');
    await collection.insertOne({ _id: 'a', n: 1 });
    expect(await collection.findOne({ _id: 'a', n: 1 })).toEqual({ _id: 'a', n: 1 });
    expect(fs.readFileSync(server.logFile, 'utf8')).toMatch(/handler=postgresql/);
  });

  it('loses none of 200 concurrent updates of one document (patch 0004)', async () => {
    expect(await concurrentIncrements(client)).toBe(200);
  });

  it('lets exactly one of four writers that read the same version win (patch 0004)', async () => {
    expect(await versionRaceWinners(client)).toBe(1);
  });

  describe('under the five apps', () => {
    let stack: TestStack;

    beforeAll(async () => {
      stack = await startTestStack({
        dbPrefix: `onpg_${RUN}`,
        topicPrefix: `onpg-${RUN}.`,
        mongoUrl: server.mongoUrl,
      });
    }, 180_000);

    afterAll(async () => {
      await stack?.stop();
    });

    it("runs the demo's flow: customers, their replicas, orders, fulfillment", async () => {
      const lines: string[] = [];
      const result = await runRefresh(
        {
          gatewayUrl: stack.gatewayUrl,
          mongoUrl: server.mongoUrl,
          kafkaBrokers: process.env.KAFKA_BROKERS!.split(','),
          databases: stack.databases,
          topicPrefix: stack.topicPrefix,
          stepTimeoutMs: 90_000,
        },
        (line) => lines.push(line),
      );
      expect({ ok: result.ok, problems: result.problems }).toEqual({ ok: true, problems: [] });
      const counts = await Promise.all(
        SERVICES.map((s) =>
          client.db(stack.databases[s]).collection(COLLECTIONS[s]).countDocuments({}),
        ),
      );
      expect(counts).toEqual([3, 3, 3]);
    });
  });
});
