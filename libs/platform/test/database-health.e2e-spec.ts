import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import request from 'supertest';
import {
  baseConfigSchema,
  createApp,
  databaseConfigSchema,
  DatabaseModule,
} from '@storefront/platform';
import { eventually } from '@storefront/testing';
import {
  type FerretDbServer,
  provisionFerretDb,
  startFerretDb,
} from '../../../tools/runtime/ferretdb';
import { freePort } from '../../../tools/runtime/procs';

/** An app of nothing but the database module, started with these variables. */
async function startThings(env: Record<string, string>): Promise<INestApplication> {
  const { app } = await createApp(
    {
      name: 'things',
      configSchema: baseConfigSchema.extend(databaseConfigSchema.shape),
      imports: () => [DatabaseModule.forRoot('things')],
    },
    { PORT: '1', LOG_LEVEL: 'silent', ...env },
  );
  await app.init();
  return app;
}

describe('database health (real FerretDB)', () => {
  const dbName = `platform-health-${process.pid}`;
  let app: INestApplication;
  let connection: Connection;

  beforeAll(async () => {
    app = await startThings({
      MONGO_URL: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/',
      MONGO_DB: dbName,
    });
    connection = app.get<Connection>(getConnectionToken());
  });

  afterAll(async () => {
    await app?.close();
  });

  it('is UP with the database name while connected', async () => {
    const response = await request(app.getHttpServer())
      .get('/actuator/health/readiness')
      .expect(200);
    expect(response.text).toBe(
      `{"status":"UP","components":{"mongo":{"status":"UP","details":{"database":"${dbName}"}}}}`,
    );
  });

  it('is DOWN with the error once the connection is gone, and stays live', async () => {
    await connection.db?.dropDatabase();
    await connection.close();
    const response = await request(app.getHttpServer())
      .get('/actuator/health/readiness')
      .expect(503);
    // The driver's own words, as before terminus.
    expect(response.text).toBe(
      '{"status":"DOWN","components":{"mongo":{"status":"DOWN","details":{"error":"Client must be connected before running operations"}}}}',
    );
    await request(app.getHttpServer())
      .get('/actuator/health/liveness')
      .expect(200, { status: 'UP', components: {} });
  });
});

describe('a client whose server monitor fell silent (real FerretDB, killed and restarted)', () => {
  let server: FerretDbServer;
  let app: INestApplication;
  let connection: Connection;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-wedge-'));
  const settings = { dataDir, name: `ferretdb-wedge-${process.pid}` };

  beforeAll(async () => {
    await provisionFerretDb();
    server = await startFerretDb({ ...settings, port: await freePort() });
    app = await startThings({
      MONGO_URL: server.mongoUrl,
      MONGO_HEARTBEAT_MS: '500',
      MONGO_CONNECT_TIMEOUT_MS: '1000',
    });
    connection = app.get<Connection>(getConnectionToken());
  });

  afterAll(async () => {
    await app?.close();
    if (server) process.kill(server.pid, 'SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const readiness = async (): Promise<number> =>
    (await request(app.getHttpServer()).get('/actuator/health/readiness')).status;

  it('is closed and connected again, and readiness comes back UP', async () => {
    expect(await readiness()).toBe(200);
    // The state chaos found: the driver's monitor stops reporting. Its interval is stopped
    // here through the driver's internals, the one way to put a client in that state at will.
    const topology = (connection.getClient() as unknown as { topology: DriverTopology }).topology;
    for (const [, described] of topology.s.servers) described.monitor.monitorId.stop();
    const port = Number(new URL(server.mongoUrl).port);
    process.kill(server.pid, 'SIGKILL');
    await server.exited;
    // Operations during the outage fail until one marks the server unknown to the client.
    const unknown = (): boolean =>
      [...topology.description.servers.values()].every((d) => d.type === 'Unknown');
    await eventually(
      'the client to mark the server unknown',
      async () => {
        await expect(connection.db!.admin().ping()).rejects.toThrow();
        return unknown();
      },
      30_000,
    );
    server = await startFerretDb({ ...settings, port });
    await eventually(
      'readiness UP after the restart',
      async () => (await readiness()) === 200,
      30_000,
    );
    const metrics = await request(app.getHttpServer()).get('/actuator/prometheus');
    expect(metrics.text).toMatch(/^mongodb_client_reconnects_total{[^}]*} 1$/m);
    await expect(connection.db!.admin().ping()).resolves.toEqual({ ok: 1 });
  });
});

/** The part of the driver's topology the test reaches into. */
interface DriverTopology {
  s: { servers: Map<string, { monitor: { monitorId: { stop(): void } } }> };
  description: { servers: Map<string, { type: string }> };
}
