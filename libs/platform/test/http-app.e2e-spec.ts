import { Body, Controller, Get, INestApplication, Module, Post } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { IsIn, IsString } from 'class-validator';
import request from 'supertest';
import {
  adminConfigSchema,
  AdminOnly,
  baseConfigSchema,
  createApp,
  DomainError,
  HealthService,
} from '@storefront/platform';

class CreateThingDto {
  /** Name of the thing. */
  @IsString()
  name!: string;

  @IsIn(['SMALL', 'LARGE'])
  size!: string;
}

@Controller('things')
class ThingsController {
  @Post()
  create(@Body() dto: CreateThingDto): CreateThingDto {
    return dto;
  }

  @Get('missing')
  missing(): never {
    throw new DomainError('THINGS.NOT_FOUND', 'Thing 42 does not exist');
  }

  @Get('admin')
  @AdminOnly()
  admin(): { ok: true } {
    return { ok: true };
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail');
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('platform HTTP app', () => {
  let app: INestApplication;

  beforeAll(async () => {
    ({ app } = await createApp(
      {
        name: 'things',
        configSchema: baseConfigSchema.extend(adminConfigSchema.shape),
        imports: () => [ThingsModule],
        openApi: { title: 'Things', description: 'test app' },
      },
      { PORT: '1', LOG_LEVEL: 'silent', ADMIN_API_KEY: 'an-admin-key-for-tests' },
    ));
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it('accepts a valid body', async () => {
    await request(app.getHttpServer())
      .post('/things')
      .send({ name: 'a', size: 'SMALL' })
      .expect(201, { name: 'a', size: 'SMALL' });
  });

  it.each([
    [{ size: 'SMALL' }, 'name'],
    [{ name: 'a', size: 'HUGE' }, 'size'],
    [{ name: 'a', size: 'SMALL', extra: 1 }, 'extra'],
  ])('answers %j with a 400 naming the field', async (body, field) => {
    const response = await request(app.getHttpServer()).post('/things').send(body).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'REQUEST.VALIDATION_FAILED' });
    expect(response.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field })]),
    );
  });

  it('answers malformed JSON with a 400, not a 500', async () => {
    const response = await request(app.getHttpServer())
      .post('/things')
      .set('content-type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'REQUEST.MALFORMED_JSON' });
  });

  it('answers an oversized body with a 413', async () => {
    const response = await request(app.getHttpServer())
      .post('/things')
      .send({ name: 'x'.repeat(1_100_000), size: 'SMALL' })
      .expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, code: 'REQUEST.TOO_LARGE' });
  });

  it('maps a domain error code to its status', async () => {
    await request(app.getHttpServer())
      .get('/things/missing')
      .expect(404)
      .expect((response) =>
        expect(response.body).toMatchObject({
          code: 'THINGS.NOT_FOUND',
          message: 'Thing 42 does not exist',
        }),
      );
  });

  it('guards admin endpoints with the API key', async () => {
    const missing = await request(app.getHttpServer()).get('/things/admin').expect(401);
    expect(missing.body).toMatchObject({ statusCode: 401, code: 'COMMON.UNAUTHORIZED' });
    await request(app.getHttpServer())
      .get('/things/admin')
      .set('x-api-key', 'wrong-key-wrong-key')
      .expect(401);
    await request(app.getHttpServer())
      .get('/things/admin')
      .set('x-api-key', 'an-admin-key-for-tests')
      .expect(200, { ok: true });
  });

  it('hides internals of an unexpected error', async () => {
    const response = await request(app.getHttpServer()).get('/things/boom').expect(500);
    expect(response.body).toMatchObject({ code: 'SERVER.INTERNAL_ERROR' });
    expect(JSON.stringify(response.body)).not.toContain('secret');
  });

  it('answers an unknown route with a JSON 404', async () => {
    await request(app.getHttpServer())
      .get('/nowhere')
      .expect(404)
      .expect((response) =>
        expect(response.body).toMatchObject({ statusCode: 404, code: 'REQUEST.NOT_FOUND' }),
      );
  });

  it('echoes a sane correlation id and replaces an unsafe one', async () => {
    const kept = await request(app.getHttpServer())
      .get('/actuator/health')
      .set('x-correlation-id', 'abc-123');
    expect(kept.headers['x-correlation-id']).toBe('abc-123');
    const replaced = await request(app.getHttpServer())
      .get('/actuator/health')
      .set('x-correlation-id', '<script>');
    expect(replaced.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports health 200 when UP and 503 when a component is DOWN', async () => {
    const up = await request(app.getHttpServer()).get('/actuator/health').expect(200);
    expect(up.text).toBe('{"status":"UP","components":{}}');
    const indicators = app.get(HealthIndicatorService);
    app.get(HealthService).register({
      name: 'db',
      readiness: true,
      liveness: false,
      check: async (key) => indicators.check(key).down(),
    });
    const notReady = await request(app.getHttpServer())
      .get('/actuator/health/readiness')
      .expect(503);
    expect(notReady.text).toBe('{"status":"DOWN","components":{"db":{"status":"DOWN"}}}');
    const live = await request(app.getHttpServer()).get('/actuator/health/liveness').expect(200);
    expect(live.text).toBe('{"status":"UP","components":{}}');
  });

  it('serves info, Prometheus metrics and the OpenAPI document', async () => {
    await request(app.getHttpServer())
      .get('/actuator/info')
      .expect(200)
      .expect((response) => expect(response.body.app.name).toBe('things'));
    const metrics = await request(app.getHttpServer()).get('/actuator/prometheus').expect(200);
    expect(metrics.text).toContain('http_server_requests_seconds');
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
    const spec = await request(app.getHttpServer()).get('/v3/api-docs').expect(200);
    expect(spec.body.info.title).toBe('Things');
    expect(Object.keys(spec.body.paths)).toContain('/things');
    await request(app.getHttpServer())
      .get('/swagger-ui.html')
      .expect(200)
      .expect('content-type', /html/);
  });
});
