import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, processesInGroup, REPO_ROOT, type RunningDemo, startDemoStore, until } from '@aisle/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `npm start` as a user runs it, on free ports and a fresh data folder. Screenshots go to test-results/. */
const dataDir = mkdtempSync(join(tmpdir(), 'aisle-demo-'));
const env = { AISLE_DATA_DIR: dataDir, AISLE_HTTP_PORT: '0', AISLE_CLOUD_PORT: '0', AISLE_MQTT_PORT: '0' };
const shots = resolve(REPO_ROOT, 'test-results/screenshots');
let demo: RunningDemo | undefined;
let browser: Browser;

const cards = (page: Page) =>
  page.$$eval('[data-testid="rec-card"]', (els) => els.map((e) => e.getAttribute('data-item-id') ?? ''));

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop('SIGKILL');
});

describe('the demo store from `npm start`', () => {
  it('prints the five URLs within 60 s', async () => {
    demo = await startDemoStore(env, 60_000);
    expect(demo.startupMs).toBeLessThan(60_000);
    expect(demo.urls.kiosk).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/kiosk\//);
    expect(demo.urls.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.output()).toMatch(/model: trained zone-popularity/);
  });

  it('shows at least 3 recommendation cards on the kiosk within 30 s, and they change as shoppers move', async () => {
    const page = await browser.newPage({ viewport: { width: 1080, height: 1920 } });
    await page.goto(demo!.urls.kiosk);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rec-card"]').length >= 3, null, {
      timeout: 30_000,
    });
    const first = await cards(page);
    expect(first.length).toBeGreaterThanOrEqual(3);
    expect(new Set(first).size).toBe(first.length);
    // shoppers walk in and out of the kiosk's zone: the cards follow them
    const changed = await until(
      'different cards',
      async () => {
        const now = await cards(page);
        return now.length >= 3 && now.join() !== first.join() && now;
      },
      90_000,
      250,
    );
    expect(changed).not.toEqual(first);
    await page.screenshot({ path: join(shots, 'kiosk-zone.png'), animations: 'disabled' });
    await page.close();
  });

  it('lets the shopper at the kiosk switch personalization off, and the cards become non-personal', async () => {
    const page = await browser.newPage({ viewport: { width: 1080, height: 1920 } });
    await page.goto(demo!.urls.kiosk);
    // a shopper is in front of the kiosk with personal cards
    await page.waitForSelector('[data-testid="personalization"][data-on="true"]', { timeout: 90_000 });
    await page.click('[data-testid="personalization-toggle"]');
    // at once: the switch says off, the title is the zone's, and no card gives a personal reason
    await page.waitForFunction(
      () => {
        const state = document.querySelector('[data-testid="personalization"]')?.getAttribute('data-on');
        const reasons = Array.from(document.querySelectorAll('[data-testid="rec-card"]'), (e) =>
          e.getAttribute('data-reason'),
        );
        return (
          state === 'false' &&
          reasons.length >= 3 &&
          reasons.every((r) => r === 'popular_in_zone' || r === 'on_promotion')
        );
      },
      null,
      { timeout: 10_000 },
    );
    expect(await page.textContent('[data-testid="recs-title"]')).toBe('Popular in this zone');
    await page.screenshot({ path: join(shots, 'kiosk-personalization-off.png'), animations: 'disabled' });
    await page.close();
  });

  it('serves the mirror and the staff screen live from the same gateway', async () => {
    const mirror = await browser.newPage({ viewport: { width: 1080, height: 1920 } });
    await mirror.goto(demo!.urls.mirror);
    await mirror.waitForSelector('[data-testid="connection-state"][data-state="online"]', { timeout: 15_000 });
    await mirror.waitForSelector('[data-testid="rec-card"]', { timeout: 15_000 });
    await mirror.screenshot({ path: join(shots, 'mirror-zone.png'), animations: 'disabled' });
    const staff = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await staff.goto(demo!.urls.staff);
    await staff.waitForSelector('[data-testid="zone-occupancy"]', { timeout: 15_000 });
    expect(await staff.$$('[data-testid="zone-occupancy"]')).toHaveLength(6);
    await staff.screenshot({ path: join(shots, 'staff-floor.png'), animations: 'disabled' });
    await mirror.close();
    await staff.close();
  });

  it('stops on Ctrl-C leaving no process behind, and a second start reuses the data folder', async () => {
    const pgid = demo!.child.pid!;
    expect(processesInGroup(pgid).length).toBeGreaterThanOrEqual(3); // launcher, cloud, gateway
    const ended = await demo!.stop('SIGINT');
    // npm itself ends by the signal, as in a terminal; the launcher below it exits cleanly
    expect(ended.code === 0 || ended.signal === 'SIGINT').toBe(true);
    expect(demo!.output()).not.toMatch(/failed|unexpectedly/);
    await until('the process group to be empty', () => processesInGroup(pgid).length === 0, 10_000);
    for (const file of ['gateway.db', 'cloud.db', 'floor-plan.json', 'models/current/model.onnx'])
      expect(existsSync(join(dataDir, file)), file).toBe(true);

    demo = await startDemoStore(env, 60_000);
    expect(demo.output()).not.toMatch(/model: trained/);
    const health = await (await fetch(new URL('/health', demo.urls.kiosk))).json();
    expect(health.status).toBe('pass');
    const second = demo.child.pid!;
    await demo.stop('SIGINT');
    await until('the second process group to be empty', () => processesInGroup(second).length === 0, 10_000);
    demo = undefined;
  });
});
