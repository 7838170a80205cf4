import fs from 'node:fs';
import path from 'node:path';
import { eventually } from '@storefront/testing';
import { type RunningApps, startApps } from '../apps';
import { ROOT } from '../paths';

// The registry needs neither Kafka nor a database, so it is the cheapest real app to supervise.
const PORT = 18761;

describe('local runtime supervisor', () => {
  let running: RunningApps | undefined;
  const lines: string[] = [];

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist/apps/registry/src/main.js'))) {
      throw new Error(
        'dist/ is missing: run the tests with `npm test` (it builds first) or `npm run build`',
      );
    }
  });

  afterAll(async () => {
    await running?.stop();
  });

  it('starts an app, waits for health, and restarts it with backoff after a crash', async () => {
    running = await startApps(
      [{ app: 'registry', port: PORT, env: { LOG_LEVEL: 'warn' } }],
      { kafkaBrokers: ['127.0.0.1:9092'], mongoUrl: 'mongodb://127.0.0.1:27017/' },
      (line) => lines.push(line),
    );
    const registry = running.get('registry', PORT);
    expect(registry.name).toBe(`registry-${PORT}`);
    const firstPid = registry.pid;
    await expect(fetch(`${registry.url}/actuator/health`).then((r) => r.status)).resolves.toBe(200);

    registry.crash();

    await eventually(
      'the registry to be restarted',
      () => registry.pid !== undefined && registry.pid !== firstPid,
      20_000,
    );
    await registry.waitHealthy(20_000);
    expect(registry.restartCount).toBe(1);
    expect(lines.some((line) => /registry-18761 exited .*restart #1 in 1000 ms/.test(line))).toBe(
      true,
    );
  });

  it('stops without restarting, and frees the port', async () => {
    const registry = running!.get('registry', PORT);
    await registry.stop();
    await expect(fetch(`${registry.url}/actuator/health`)).rejects.toThrow();
  });
});
