/**
 * The dashboard in a real browser while the local runtime runs: the registry and the four
 * apps as real processes (from dist/, like `npm start`), registering through the platform's
 * discovery client with the registry's credentials (the stack's secured setup); headless
 * Chromium then reads the page, on the registry and through the gateway's admin path.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { eventually } from '@storefront/testing';
import {
  artifactPath,
  launchChromium,
  startTestStack,
  type TestStack,
} from '../../../tools/runtime/test-stack';
import type { ApplicationsJson } from '../src/instance.view';
import { getJson } from './registry-test-kit';

const SCREENSHOT = artifactPath('registry-dashboard.png');
const APP_IDS = ['ACCOUNTS', 'FULFILLMENT', 'GATEWAY', 'ORDERS'];
const REGISTRY_PASSWORD = 'dashboard-test-registry-0123456789';
const ADMIN_API_KEY = 'dashboard-test-admin-key-0123456789';

describe('registry dashboard in Chromium', () => {
  let stack: TestStack | undefined;
  let browser: Browser | undefined;
  let registryUrl: string;

  beforeAll(async () => {
    // Free ports rather than the defaults, so a local runtime on 8761/8080/… is left alone.
    stack = await startTestStack({
      dbPrefix: 'registry_dashboard',
      env: {
        REGISTRY_PASSWORD,
        EUREKA_USERNAME: 'eureka',
        EUREKA_PASSWORD: REGISTRY_PASSWORD,
        ADMIN_API_KEY,
      },
    });
    registryUrl = stack.registryUrl;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('shows the four apps UP', async () => {
    // Readiness can lag health by a status check: wait until the registry has all four UP.
    await eventually(
      'the four apps UP in the registry',
      async () => {
        const { body } = await getJson<ApplicationsJson>(`${registryUrl}/eureka/apps`);
        const up = body.applications.application.filter((app) =>
          app.instance.some((instance) => instance.status === 'UP'),
        );
        return APP_IDS.every((id) => up.some((app) => app.name === id));
      },
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

  it('shows the same page through the gateway at /admin/registry/ once the browser logs in with the admin key', async () => {
    browser ??= await launchChromium();
    // Without credentials the browser is challenged and, headless, gives up on the page.
    const anonymous = await browser.newPage();
    await expect(anonymous.goto(`${stack!.gatewayUrl}/admin/registry/`)).rejects.toThrow(
      /ERR_INVALID_AUTH_CREDENTIALS/,
    );
    await anonymous.close();

    const context = await browser.newContext({
      httpCredentials: { username: 'admin', password: ADMIN_API_KEY },
    });
    const page = await context.newPage();
    const response = await page.goto(`${stack!.gatewayUrl}/admin/registry`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${stack!.gatewayUrl}/admin/registry/`);
    await expect(
      page
        .locator('table.apps tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-app'))),
    ).resolves.toEqual(APP_IDS);
    // The footer's relative link stays under the admin path.
    await page.locator('footer a', { hasText: 'eureka/apps' }).click();
    expect(page.url()).toBe(`${stack!.gatewayUrl}/admin/registry/eureka/apps`);
    expect(await page.locator('body').innerText()).toContain('"ACCOUNTS"');
    await context.close();
  });
});
