/**
 * The committed OpenAPI documents are what a running app serves: each service is started as
 * production builds it, on the real broker and database, and its /v3/api-docs, direct and
 * behind the gateway's prefix, is compared with docs/openapi/<app>.json. The unit spec
 * (tools/contracts/contracts.spec.ts) builds the documents without starting anything; this
 * proves that way of building them cannot drift from what clients get.
 */
import fs from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import type { AppDefinition, BaseConfig } from '@storefront/platform';
import request from 'supertest';
import type { z } from 'zod';
import { ServiceWorld } from '@storefront/service-testing';
import { loadApps, openApiFile, renderJson, ROOT } from '../contracts';

class ContractWorld extends ServiceWorld {
  serve(definition: AppDefinition<z.ZodType<BaseConfig>>): Promise<INestApplication> {
    return this.start(definition, this.appEnv());
  }
}

const { definitions } = loadApps(ROOT);
const served = [...definitions].filter(([, definition]) => definition.openApi !== undefined);

describe.each(served)('%s', (app, definition) => {
  const world = new ContractWorld(`contracts-${app}`);
  let server: ReturnType<INestApplication['getHttpServer']>;

  beforeAll(async () => {
    await world.setUp();
    server = (await world.serve(definition)).getHttpServer();
  });

  afterAll(() => world.tearDown());

  it('serves at /v3/api-docs the committed docs/openapi document', async () => {
    const response = await request(server).get('/v3/api-docs').expect(200);
    expect(renderJson(response.body)).toBe(fs.readFileSync(openApiFile(app), 'utf8'));
  });

  it('names the gateway prefix as its server and changes nothing else behind it', async () => {
    const response = await request(server)
      .get('/v3/api-docs')
      .set('X-Forwarded-Prefix', `/${app}`)
      .expect(200);
    const committed = JSON.parse(fs.readFileSync(openApiFile(app), 'utf8')) as object;
    expect(response.body).toEqual({ ...committed, servers: [{ url: `/${app}` }] });
  });
});
