/**
 * Authentication in our FerretDB build (patch 0005 and infra/ferretdb/main.go), as the Swarm
 * image runs it: -setup-user turns FerretDB's SCRAM authentication on and creates that user on
 * an empty data directory, each -user is created once the server listens, and `-ping` is the
 * image's health check, which needs no password. Without -setup-user (the local runtime and
 * every other test) nothing changes: no login is asked for.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { type FerretDbServer, ferretDbBin, provisionFerretDb, startFerretDb } from '../ferretdb';
import { freePort } from '../test-stack';

jest.setTimeout(120_000);

describe('FerretDB with authentication (the Swarm image)', () => {
  let server: FerretDbServer;
  let dir: string;
  let port: number;

  const url = (credentials: string): string =>
    `mongodb://${credentials}127.0.0.1:${port}/?authSource=admin`;

  async function insertAndCount(mongoUrl: string): Promise<number> {
    const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 });
    try {
      const collection = client.db('accounts').collection('auth-probe');
      await collection.insertOne({ at: new Date() });
      return await collection.countDocuments();
    } finally {
      await client.close();
    }
  }

  beforeAll(async () => {
    await provisionFerretDb();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-auth-'));
    fs.writeFileSync(path.join(dir, 'root'), 'root-secret\n');
    fs.writeFileSync(path.join(dir, 'app'), 'app-secret');
    port = await freePort();
    server = await startFerretDb({
      dataDir: path.join(dir, 'data'),
      port,
      name: 'ferretdb-auth-test',
      args: [
        '-setup-user',
        'root',
        '-setup-password-file',
        path.join(dir, 'root'),
        '-user',
        `storefront:${path.join(dir, 'app')}`,
      ],
    });
  });

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lets the setup user and the further user in with their passwords', async () => {
    await expect(insertAndCount(url('root:root-secret@'))).resolves.toBe(1);
    await expect(insertAndCount(url('storefront:app-secret@'))).resolves.toBe(2);
  });

  it('refuses a wrong password and a client without credentials', async () => {
    await expect(insertAndCount(url('storefront:wrong@'))).rejects.toThrow(/Authentication failed/);
    await expect(insertAndCount(url(''))).rejects.toThrow(/requires authentication/);
  });

  it('answers the health probe without a password, and fails it where nothing listens', async () => {
    const probe = (target: number): number | null =>
      spawnSync(ferretDbBin(), ['-ping', `127.0.0.1:${target}`], { timeout: 20_000 }).status;
    expect(probe(port)).toBe(0);
    expect(probe(await freePort())).toBe(1);
  });
});
