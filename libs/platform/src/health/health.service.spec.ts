import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { HealthService } from './health.service';
import type { HealthContributor } from './health.types';

@Module({ imports: [TerminusModule.forRoot({ logger: false })], providers: [HealthService] })
class HealthTestModule {}

describe('HealthService', () => {
  let context: INestApplicationContext;
  let health: HealthService;
  let indicators: HealthIndicatorService;

  const contributor = (
    name: string,
    check: HealthContributor['check'],
    groups: Partial<Pick<HealthContributor, 'readiness' | 'liveness'>> = {},
  ): HealthContributor => ({ name, readiness: true, liveness: false, check, ...groups });

  beforeEach(async () => {
    context = await NestFactory.createApplicationContext(HealthTestModule, { logger: false });
    health = context.get(HealthService);
    indicators = context.get(HealthIndicatorService);
  });

  afterEach(async () => {
    await context.close();
  });

  it('is UP when every component is UP', async () => {
    health.register(contributor('db', async (key) => indicators.check(key).up()));
    await expect(health.report()).resolves.toEqual({
      status: 'UP',
      components: { db: { status: 'UP' } },
    });
  });

  it('is DOWN when one component throws, and says why', async () => {
    health.register(contributor('db', async (key) => indicators.check(key).up()));
    health.register(
      contributor('kafka', async () => {
        throw new Error('broker unreachable');
      }),
    );
    const report = await health.report();
    expect(report.status).toBe('DOWN');
    expect(report.components.kafka).toEqual({
      status: 'DOWN',
      details: { error: 'broker unreachable' },
    });
  });

  it('is DOWN when a component does not answer in time', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      health.register(contributor('stuck', () => new Promise(() => undefined)));
      const report = health.report();
      await jest.advanceTimersByTimeAsync(2000);
      await expect(report).resolves.toEqual({
        status: 'DOWN',
        components: { stuck: { status: 'DOWN', details: { error: 'no answer in 2000 ms' } } },
      });
    } finally {
      jest.useRealTimers();
    }
  });

  it('filters readiness and liveness groups', async () => {
    health.register(contributor('db', async (key) => indicators.check(key).down()));
    health.register(
      contributor('process', async (key) => indicators.check(key).up(), {
        readiness: false,
        liveness: true,
      }),
    );
    await expect(health.report('liveness')).resolves.toMatchObject({ status: 'UP' });
    await expect(health.report('readiness')).resolves.toMatchObject({ status: 'DOWN' });
  });

  it('reports OUT_OF_SERVICE for readiness once shutting down, but stays live', async () => {
    health.register(
      contributor('process', async (key) => indicators.check(key).up(), { liveness: true }),
    );
    health.markShuttingDown();
    await expect(health.report('readiness')).resolves.toMatchObject({ status: 'OUT_OF_SERVICE' });
    await expect(health.report('liveness')).resolves.toMatchObject({ status: 'UP' });
  });

  it('keeps the Spring body and the registration order, whatever terminus answers', async () => {
    health.register(
      contributor('kafka', async (key) =>
        indicators.check(key).down({ brokers: '127.0.0.1:1', error: 'producer connecting' }),
      ),
    );
    health.register(
      contributor('mongo', async (key) => indicators.check(key).up({ database: 'x' })),
    );
    expect(JSON.stringify(await health.report())).toBe(
      '{"status":"DOWN","components":{' +
        '"kafka":{"status":"DOWN","details":{"brokers":"127.0.0.1:1","error":"producer connecting"}},' +
        '"mongo":{"status":"UP","details":{"database":"x"}}}}',
    );
  });
});
