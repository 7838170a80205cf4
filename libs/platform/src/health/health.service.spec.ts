import { HealthService } from './health.service';
import type { HealthIndicator } from './health.types';

const indicator = (
  name: string,
  check: HealthIndicator['check'],
  groups: Partial<Pick<HealthIndicator, 'readiness' | 'liveness'>> = {},
): HealthIndicator => ({ name, readiness: true, liveness: false, check, ...groups });

describe('HealthService', () => {
  it('is UP when every component is UP', async () => {
    const health = new HealthService();
    health.register(indicator('db', async () => ({ status: 'UP' })));
    await expect(health.report()).resolves.toEqual({
      status: 'UP',
      components: { db: { status: 'UP' } },
    });
  });

  it('is DOWN when one component throws, and says why', async () => {
    const health = new HealthService();
    health.register(indicator('db', async () => ({ status: 'UP' })));
    health.register(
      indicator('kafka', async () => {
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

  it('filters readiness and liveness groups', async () => {
    const health = new HealthService();
    health.register(indicator('db', async () => ({ status: 'DOWN' })));
    health.register(
      indicator('process', async () => ({ status: 'UP' }), { readiness: false, liveness: true }),
    );
    await expect(health.report('liveness')).resolves.toMatchObject({ status: 'UP' });
    await expect(health.report('readiness')).resolves.toMatchObject({ status: 'DOWN' });
  });

  it('reports OUT_OF_SERVICE for readiness once shutting down, but stays live', async () => {
    const health = new HealthService();
    health.register(indicator('process', async () => ({ status: 'UP' }), { liveness: true }));
    health.markShuttingDown();
    await expect(health.report('readiness')).resolves.toMatchObject({ status: 'OUT_OF_SERVICE' });
    await expect(health.report('liveness')).resolves.toMatchObject({ status: 'UP' });
  });
});
