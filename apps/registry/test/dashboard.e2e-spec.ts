/**
 * The dashboard in a real browser while the local runtime runs: the registry and the four
 * apps as real processes (from dist/, like `npm start`), registering through the platform's
 * discovery client; headless Chromium then reads the page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
// The local runtime's supervisor (tools/runtime is the repo's harness, not an Nx project).
import { type AppName, type RunningApps, startApps } from '../../../tools/runtime/apps';
import { ROOT } from '../../../tools/runtime/paths';
import type { ApplicationsJson } from '../src/registry.rules';
import { freePort, getJson, waitFor } from './registry-test-kit';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(ROOT, 'test-artifacts', 'registry-dashboard.png');
const SERVICES: AppName[] = ['gateway', 'accounts', 'orders', 'fulfillment'];
const APP_IDS = ['ACCOUNTS', 'FULFILLMENT', 'GATEWAY', 'ORDERS'];

describe('registry dashboard in Chromium', () => {
  let running: RunningApps | undefined;
  let browser: Browser | undefined;
  let registryUrl: string;

  beforeAll(async () => {
    for (const file of ['dist/apps/registry/src/main.js', 'dist/apps/accounts/src/main.js']) {
      if (!fs.existsSync(path.join(ROOT, file))) {
        throw new Error('dist/ is missing: run `npm test` (it builds first) or `npm run build`');
      }
    }
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    }
    const kafkaBrokers = process.env.KAFKA_BROKERS;
    const mongoUrl = process.env.MONGO_URL;
    if (!kafkaBrokers || !mongoUrl) {
      throw new Error('KAFKA_BROKERS / MONGO_URL unset: run in the integration project');
    }

    // Free ports rather than the defaults, so a local runtime on 8761/8080/… is left alone.
    const registryPort = await freePort();
    registryUrl = `http://127.0.0.1:${registryPort}`;
    const specs = [
      { app: 'registry' as const, port: registryPort },
      ...(await Promise.all(
        SERVICES.map(async (app) => ({
          app,
          port: await freePort(),
          env: { MONGO_DB: `registry_dashboard_${app}` },
        })),
      )),
    ];
    running = await startApps(specs, {
      kafkaBrokers: kafkaBrokers.split(','),
      mongoUrl,
      env: {
        LOG_LEVEL: 'warn',
        EUREKA_URL: `${registryUrl}/eureka`,
        EUREKA_HEARTBEAT_INTERVAL_MS: '1000',
        EUREKA_REGISTRY_FETCH_INTERVAL_MS: '1000',
        EUREKA_STATUS_CHECK_INTERVAL_MS: '1000',
        DASHBOARD_REFRESH_SECONDS: '0',
      },
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  }, 60_000);

  it('shows the four apps UP', async () => {
    // Readiness can lag health by a status check: wait until the registry has all four UP.
    await waitFor(
      async () => {
        const { body } = await getJson<ApplicationsJson>(`${registryUrl}/eureka/apps`);
        const up = body.applications.application.filter((app) =>
          app.instance.some((instance) => instance.status === 'UP'),
        );
        return APP_IDS.every((id) => up.some((app) => app.name === id));
      },
      'the four apps UP in the registry',
      60_000,
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const response = await page.goto(`${registryUrl}/`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Registry — Storefront');

    const rows = page.locator('table.apps tbody tr');
    await expect(
      rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-app'))),
    ).resolves.toEqual(APP_IDS);
    for (const app of APP_IDS) {
      const row = page.locator(`table.apps tr[data-app="${app}"]`);
      await expect(row.getAttribute('data-status')).resolves.toBe('UP');
      await expect(row.locator('th').innerText()).resolves.toBe(app);
      await expect(row.locator('.status').first().innerText()).resolves.toBe('UP (1)');
      // The instance link goes to the app's own status page, and that page answers.
      const href = await row.locator('a').first().getAttribute('href');
      expect(href).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/actuator/info$`));
      await expect(fetch(href!).then((r) => r.status)).resolves.toBe(200);
    }
    await expect(page.locator('table.instances tbody tr').count()).resolves.toBe(4);
    await expect(page.locator('header p').innerText()).resolves.toContain('4 of 4 instance(s) UP');

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });
});
