import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, REPO_ROOT, type RunningDemo, startDemoStore } from '@aisle/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * "See and manage your data" from the kiosk (issue #8), against `npm start`: Minji (loyalty card AISLE-0001) signs in
 * at the kiosk and asks for her data; the gateway gets a personal link from the cloud and the kiosk shows it as a QR
 * code with the address beside it; that address opens her "my data" page on a phone. Screenshot:
 * test-results/screenshots/kiosk-my-data.png.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'aisle-kiosk-my-data-'));
const env = { AISLE_DATA_DIR: dataDir, AISLE_HTTP_PORT: '0', AISLE_CLOUD_PORT: '0', AISLE_MQTT_PORT: '0' };
const shots = resolve(REPO_ROOT, 'test-results/screenshots');
let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  [demo, browser] = await Promise.all([startDemoStore(env, 90_000), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop('SIGKILL');
});

describe('the kiosk', () => {
  it('shows an identified shopper a QR code of their personal "my data" link, which opens their page', async () => {
    const kiosk = await browser.newPage({ viewport: { width: 1080, height: 1920 } });
    await kiosk.goto(demo.urls.kiosk);
    await kiosk.waitForSelector('[data-testid="connection-state"][data-state="online"]', { timeout: 20_000 });
    await kiosk.click('[data-testid="start"]');
    await kiosk.fill('[data-testid="identify-code"]', 'AISLE-0001');
    await kiosk.press('[data-testid="identify-code"]', 'Enter');
    await kiosk.waitForSelector('[data-testid="greeting"]', { timeout: 10_000 });
    // nothing personal is on the public screen until the shopper asks for it
    expect(await kiosk.locator('[data-testid="my-data-qr"]').count()).toBe(0);
    await kiosk.click('[data-testid="my-data-open"]');
    const qr = await kiosk.waitForSelector('[data-testid="my-data-qr"]', { timeout: 15_000 });
    const url = (await qr.getAttribute('data-url'))!;
    expect(url).toMatch(
      new RegExp(`^${demo.urls.cloud.replace(/[.]/g, '\\.')}/my-data#t=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`),
    );
    expect(await kiosk.textContent('[data-testid="my-data-url"]')).toBe(url);
    expect(await qr.$$eval('path', (paths) => paths[0]?.getAttribute('d')?.length ?? 0)).toBeGreaterThan(100);
    await kiosk.screenshot({ path: join(shots, 'kiosk-my-data.png'), animations: 'disabled' });

    // the link is hers: the phone that scans it sees her page
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    await phone.goto(url);
    await phone.waitForSelector('[data-testid="md-name"]', { timeout: 15_000 });
    expect(await phone.textContent('[data-testid="md-name"]')).toBe('Minji');
    await phone.close();

    // Done forgets the link with the session
    await kiosk.click('[data-testid="end-session"]');
    await kiosk.waitForSelector('[data-testid="start"]');
    expect(await kiosk.locator('[data-testid="my-data-qr"]').count()).toBe(0);
    await kiosk.close();
  });
});
