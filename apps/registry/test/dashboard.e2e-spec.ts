/**
 * The dashboard in a real browser while the local runtime runs: the registry and the four
 * apps as real processes (from dist/, like `npm start`), registering through the platform's
 * discovery client; headless Chromium then reads the page.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import {
  artifactPath,
  launchChromium,
  startTestStack,
  type TestStack,
} from '../../../tools/runtime/test-stack';
import type { ApplicationsJson } from '../src/registry.rules';
import { getJson, waitFor } from './registry-test-kit';

const SCREENSHOT = artifactPath('registry-dashboard.png');
const APP_IDS = ['ACCOUNTS', 'FULFILLMENT', 'GATEWAY', 'ORDERS'];

describe('registry dashboard in Chromium', () => {
  let stack: TestStack | undefined;
  let browser: Browser | undefined;
  let registryUrl: string;

  beforeAll(async () => {
    // Free ports rather than the defaults, so a local runtime on 8761/8080/… is left alone.
    stack = await startTestStack({ dbPrefix: 'registry_dashboard' });
    registryUrl = stack.registryUrl;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
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

    browser = await launchChromium();
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

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });
});
