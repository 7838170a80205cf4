/**
 * Our FerretDB build serves Go's CPU profile on `-debug-addr` (loopback only), so the
 * benchmarks can say where FerretDB spends its CPU (bench/lib/goprofile.ts). This starts the
 * binary the project builds with the flag, profiles it under finds, and reads the profile the
 * way the bench does; and checks that the flag refuses an address other hosts could reach.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { summarizeDatabaseProfile, takeDatabaseProfile } from '../../../bench/lib/goprofile';
import { type FerretDbServer, ferretDbBin, provisionFerretDb, startFerretDb } from '../ferretdb';
import { freePort } from '../test-stack';

jest.setTimeout(120_000);

describe('FerretDB as the project builds it (-debug-addr)', () => {
  let server: FerretDbServer;
  let client: MongoClient;
  let dataDir: string;
  let profileUrl: string;

  beforeAll(async () => {
    await provisionFerretDb();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-profile-'));
    const debugAddress = `127.0.0.1:${await freePort()}`;
    profileUrl = `http://${debugAddress}`;
    server = await startFerretDb({
      dataDir,
      port: await freePort(),
      name: 'ferretdb-profile-test',
      args: ['-debug-addr', debugAddress],
    });
    client = await MongoClient.connect(server.mongoUrl);
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a CPU profile that shows the commands it ran', async () => {
    const collection = client.db('profiled').collection<{ _id: number; n: number }>('docs');
    await collection.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, n: i })));
    const file = path.join(dataDir, 'cpu.pprof');
    const taken = takeDatabaseProfile(profileUrl, 2, file);
    let done = false;
    void taken.finally(() => {
      done = true;
    });
    while (!done) await collection.find({ n: { $gte: 10 } }).toArray();
    await taken;

    const summary = summarizeDatabaseProfile(file);
    if (!('profile' in summary)) throw new Error(summary.error);
    expect(summary.profile.busyPercent).toBeGreaterThan(0);
    expect(summary.profile.byCommand.map((entry) => entry.name)).toContain('find');
    expect(summary.profile.inside.map((entry) => entry.name)).toContain(
      'decoding stored documents (sjson.Unmarshal)',
    );
  });

  it('refuses to serve profiles on an address other hosts can reach', async () => {
    const run = promisify(execFile)(ferretDbBin(), [
      '-listen',
      `127.0.0.1:${await freePort()}`,
      '-data',
      dataDir,
      '-debug-addr',
      `0.0.0.0:${await freePort()}`,
    ]);
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('loopback address only'),
    });
  });
});
