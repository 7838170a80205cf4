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

describe('database health (real FerretDB)', () => {
  const dbName = `platform-health-${process.pid}`;
  let app: INestApplication;
  let connection: Connection;

  beforeAll(async () => {
    ({ app } = await createApp(
      {
        name: 'things',
        configSchema: baseConfigSchema.extend(databaseConfigSchema.shape),
        imports: () => [DatabaseModule.forRoot('things')],
      },
      {
        PORT: '1',
        LOG_LEVEL: 'silent',
        MONGO_URL: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/',
        MONGO_DB: dbName,
      },
    ));
    await app.init();
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
