/**
 * Swagger UI through the gateway in headless Chromium, with the whole runtime running: each
 * service's page under its prefix (assets and spec load through the gateway), and the
 * gateway's own page listing all three APIs with a selector.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '@storefront/testing';
import {
  artifactPath,
  launchChromium,
  startTestStack,
  type TestStack,
} from '../../../tools/runtime/test-stack';

describe('Swagger UI through the gateway', () => {
  let stack: TestStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startTestStack({ dbPrefix: 'gateway_swagger' });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  async function operations(page: Page): Promise<string[]> {
    await page.locator('.opblock-summary-path').first().waitFor({ timeout: 30_000 });
    return page.locator('.opblock-summary-path').allInnerTexts();
  }

  it.each([
    ['accounts', '/customers/sample'],
    ['orders', '/customers/sample/orders'],
    ['fulfillment', '/fulfillments/summary'],
  ])('loads /%s/swagger-ui.html with its operations', async (prefix, operation) => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    const response = await page.goto(`${stack.gatewayUrl}/${prefix}/swagger-ui.html`);
    expect(response?.status()).toBe(200);
    const paths = await operations(page);
    expect(paths.map((p) => p.replace(/\u200b/g, ''))).toContain(operation);
    expect(failed).toEqual([]);
    // "Try it out" calls go through the gateway prefix.
    const servers = await page.locator('.servers select option').allInnerTexts();
    expect(servers).toEqual([`/${prefix}`]);
    await page.screenshot({ path: artifactPath(`swagger-${prefix}.png`), fullPage: false });
    await page.close();
  });

  it('shows all three APIs on the gateway page, one selected at a time', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const response = await page.goto(`${stack.gatewayUrl}/swagger-ui.html`);
    expect(response?.status()).toBe(200);
    const selector = page.locator('.topbar select');
    await selector.waitFor({ timeout: 30_000 });
    await expect(selector.locator('option').allInnerTexts()).resolves.toEqual([
      'accounts',
      'orders',
      'fulfillment',
    ]);
    expect((await operations(page)).map((p) => p.replace(/\u200b/g, ''))).toContain(
      '/customers/sample',
    );
    await page.screenshot({ path: artifactPath('swagger-gateway-accounts.png') });

    await selector.selectOption({ label: 'fulfillment' });
    await eventually(
      'the fulfillment API to be shown',
      async () =>
        (await page.locator('.opblock-summary-path').allInnerTexts())
          .map((p) => p.replace(/\u200b/g, ''))
          .includes('/fulfillments/summary'),
      30_000,
    );
    const file = artifactPath('swagger-gateway-fulfillment.png');
    await page.screenshot({ path: file });
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
    await page.close();
  });
});
