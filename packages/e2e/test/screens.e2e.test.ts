import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RfidRead, topics } from '@aisle/contracts';
import { APPAREL_CATEGORIES, DeviceCredential, demoAssortment, demoCatalog, demoFloorPlan } from '@aisle/simulators';
import { launchChromium, processesInGroup, REPO_ROOT, type RunningDemo, startDemoStore, until } from '@aisle/testkit';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * The flows of the kiosk, the mirror and the staff assistant, in Chromium against `npm start` (free ports, a fresh
 * data folder), one test per flow, each saving a screenshot to test-results/screenshots/; kiosk.png, mirror.png and
 * staff.png are the ones in docs/screenshots. The demo customer Minji (`cus-0001`, loyalty code AISLE-0001) is loyal, consented,
 * and has an online cart the store has in stock.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'aisle-screens-'));
const env = { AISLE_DATA_DIR: dataDir, AISLE_HTTP_PORT: '0', AISLE_CLOUD_PORT: '0', AISLE_MQTT_PORT: '0' };
const shots = resolve(REPO_ROOT, 'test-results/screenshots');
const PORTRAIT = { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1920, height: 1080 };
let demo: RunningDemo;
let browser: Browser;

const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, name), animations: 'disabled' });
const testIds = (page: Page, id: string, attr: string) =>
  page.$$eval(`[data-testid="${id}"]`, (els, a) => els.map((e) => e.getAttribute(a) ?? ''), attr);

async function openPage(url: string, viewport = PORTRAIT): Promise<Page> {
  const page = await browser.newPage({ viewport });
  await page.goto(url);
  await page.waitForSelector('[data-testid="connection-state"][data-state="online"]', { timeout: 20_000 });
  return page;
}

/** A kiosk with the shopper at the start of a session: "Touch to start", then the sign-in panel. */
async function startSession(page: Page): Promise<void> {
  await page.click('[data-testid="start"]');
  await page.waitForSelector('[data-testid="identify"]');
}

async function identifyMinji(page: Page): Promise<void> {
  await startSession(page);
  await page.fill('[data-testid="identify-code"]', 'AISLE-0001');
  await page.press('[data-testid="identify-code"]', 'Enter');
  await page.waitForSelector('[data-testid="greeting"]', { timeout: 10_000 });
}

async function staffLogin(page: Page, pin = '1234'): Promise<void> {
  await page.fill('[data-testid="staff-pin"]', pin);
  await page.click('[data-testid="staff-login"]');
  await page.waitForSelector('[data-testid="staff-user"]', { timeout: 10_000 });
}

/** Publishes one RFID read in the fitting rooms, as the demo's reader there does. */
async function readGarment(itemId: string): Promise<void> {
  const plan = demoFloorPlan();
  const reader = plan.shelves.find((s) => s.zoneId === 'fitting-rooms')!;
  const credentials = z
    .array(DeviceCredential)
    .parse(JSON.parse(readFileSync(join(dataDir, 'device-secrets.json'), 'utf8')));
  const secret = credentials.find((c) => c.id === reader.id)!.secret;
  // the reader's own account (the broker ties the client id to it): the demo's reader reconnects by itself
  const client = await mqtt.connectAsync(demo.urls.mqtt, {
    clientId: reader.id,
    username: reader.id,
    password: secret,
    reconnectPeriod: 0,
  });
  const read: RfidRead = {
    eventId: randomUUID(),
    readerId: reader.id,
    zoneId: reader.zoneId,
    tags: [{ epc: randomBytes(12).toString('hex').toUpperCase(), itemId }],
    ts: Date.now(),
  };
  await client.publishAsync(topics.rfidRead(plan.storeId, reader.id), JSON.stringify(read), { qos: 1 });
  await client.endAsync();
}

/** An apparel item in stock whose style has another size in stock here: a garment a shopper can ask a size of. */
function garmentWithAnotherSize(): string {
  const catalog = demoCatalog();
  const stock = new Map(demoAssortment(demoFloorPlan(), catalog).stock.map((s) => [s.itemId, s.onHand]));
  const inStock = catalog.filter((p) => APPAREL_CATEGORIES.includes(p.category) && (stock.get(p.id) ?? 0) > 0);
  const style = (id: string) => id.slice(0, id.lastIndexOf('-'));
  const item = inStock.find((p) => inStock.some((q) => q.id !== p.id && style(q.id) === style(p.id)));
  if (!item) throw new Error('the demo assortment has no apparel style with two sizes in stock');
  return item.id;
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  [demo, browser] = await Promise.all([startDemoStore(env, 90_000), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop('SIGKILL');
});

describe('the screens of the demo store', () => {
  it('anonymous browse: cards with reasons, product detail with the aisle on the map, session-only personalization', async () => {
    const kiosk = await openPage(demo.urls.kiosk);
    await startSession(kiosk);
    await kiosk.click('[data-testid="identify-anonymous"]');
    await kiosk.waitForSelector('[data-testid="session"][data-identified="false"]');
    expect(await kiosk.textContent('[data-testid="greeting"]')).toBe('Welcome');
    expect(await kiosk.$('[data-testid="online-cart"]')).toBeNull();
    await kiosk.waitForFunction(() => document.querySelectorAll('[data-testid="rec-card"]').length >= 3);
    for (const reason of await testIds(kiosk, 'rec-card', 'data-reason')) expect(reason).toBeTruthy();

    // the detail of the first card: price, stock here, the aisle, and where that is
    const [first] = await testIds(kiosk, 'rec-card', 'data-item-id');
    await kiosk.click(`[data-testid="rec-card"][data-item-id="${first}"] [data-testid="rec-open"]`);
    const detail = await kiosk.waitForSelector('[data-testid="product-detail"]');
    expect(await detail.textContent()).toMatch(/Aisle A\d/);
    expect(await kiosk.$('[data-testid="map-highlight"]')).not.toBeNull();
    await shot(kiosk, 'kiosk-product-detail.png');

    // what the shopper looked at shapes the next cards, for this session only
    await kiosk.keyboard.press('Escape');
    await kiosk.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('[data-testid="rec-card"]')).some(
          (e) => e.getAttribute('data-reason') === 'similar_item',
        ),
      null,
      { timeout: 15_000 },
    );
    await kiosk.click('[data-testid="end-session"]');
    await kiosk.waitForSelector('[data-testid="start"]');
    await kiosk.close();
  });

  it('identify with the loyalty card: personalized cards, each with its reason, and why', async () => {
    const kiosk = await openPage(demo.urls.kiosk);
    await identifyMinji(kiosk);
    expect(await kiosk.textContent('[data-testid="greeting"]')).toContain('Minji');
    await kiosk.waitForFunction(
      () => {
        const cards = Array.from(document.querySelectorAll('[data-testid="rec-card"]'));
        const personal = new Set(['popular_in_zone', 'on_promotion']);
        return cards.length >= 3 && cards.some((c) => !personal.has(c.getAttribute('data-reason') ?? ''));
      },
      null,
      { timeout: 15_000 },
    );
    expect(await kiosk.textContent('[data-testid="recs-title"]')).toBe('Recommended for you');
    await shot(kiosk, 'kiosk.png');
    await kiosk.click('[data-testid="why-toggle"]');
    const why = await testIds(kiosk, 'why-item', 'data-personal');
    expect(why.length).toBeGreaterThanOrEqual(3);
    expect(why).toContain('true');
    await shot(kiosk, 'kiosk-why.png');
    await kiosk.click('[data-testid="end-session"]');
    await kiosk.close();
  });

  it('online-cart hand-over: the cart goes to the till, which reports it paid', async () => {
    const kiosk = await openPage(demo.urls.kiosk);
    await identifyMinji(kiosk);
    await kiosk.waitForSelector('[data-testid="online-cart"]');
    expect((await kiosk.$$('[data-testid="cart-line"]')).length).toBeGreaterThan(0);
    await kiosk.click('[data-testid="handover"]');
    const code = await kiosk.waitForSelector('[data-testid="handover-code"]', { timeout: 10_000 });
    expect(await code.textContent()).toMatch(/\d{4}/);
    // only the till's sale with this hand-over's id makes the gateway say paid
    await kiosk.waitForSelector('[data-testid="handover-status"][data-status="paid"]', { timeout: 20_000 });
    const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    try {
      const paid = db.prepare('SELECT terminal_id, paid_at FROM handovers WHERE paid_at IS NOT NULL').all();
      expect(paid).toEqual([expect.objectContaining({ terminal_id: 'pos-1' })]);
    } finally {
      db.close();
    }
    await shot(kiosk, 'kiosk-handover.png');
    await kiosk.click('[data-testid="end-session"]');
    await kiosk.close();
  });

  it('mirror: the garment read appears, completes the look, and a size request shows on the staff screen', async () => {
    const staff = await openPage(demo.urls.staff, LANDSCAPE);
    await staffLogin(staff);
    const mirror = await openPage(demo.urls.mirror);
    const itemId = garmentWithAnotherSize();
    await readGarment(itemId);
    await mirror.waitForSelector(`[data-testid="garment"][data-item-id="${itemId}"]`, { timeout: 15_000 });
    await mirror.waitForSelector('[data-testid="look"] [data-testid="rec-card"]', { timeout: 10_000 });
    expect((await mirror.$$('[data-testid="variant"]')).length).toBeGreaterThan(0);

    const ask = await mirror.waitForSelector('[data-testid="request-size"][data-in-stock="true"]');
    const size = await ask.getAttribute('data-size');
    await ask.click();
    await mirror.waitForSelector('[data-testid="size-request-status"][data-status="open"]', { timeout: 10_000 });
    const request = await staff.waitForSelector('[data-testid="staff-request"][data-status="open"]', {
      timeout: 10_000,
    });
    expect(await request.textContent()).toContain(size!);
    await shot(mirror, 'mirror.png');
    await shot(staff, 'staff-request.png');

    // staff is on the way: the mirror says so
    await staff.click('[data-testid="staff-request-accept"]');
    await mirror.waitForSelector('[data-testid="size-request-status"][data-status="accepted"]', { timeout: 10_000 });
    await mirror.close();
    await staff.close();
  });

  it('staff login and customer card: a consented, identified customer in the store, with what helps serve her', async () => {
    const staff = await openPage(demo.urls.staff, LANDSCAPE);
    // before login: occupancy only, nothing personal
    expect(await staff.$('[data-testid="customer-row"]')).toBeNull();
    await staff.fill('[data-testid="staff-pin"]', '0000');
    await staff.click('[data-testid="staff-login"]');
    await staff.waitForSelector('[data-testid="staff-login-error"][data-reason="wrongPin"]');
    await staffLogin(staff, '9999');
    expect(await staff.getAttribute('[data-testid="staff-user"]', 'data-role')).toBe('manager');

    const kiosk = await openPage(demo.urls.kiosk);
    await identifyMinji(kiosk);
    const row = await staff.waitForSelector('[data-testid="customer-row"]:has-text("Minji")', { timeout: 15_000 });
    await row.click();
    const card = await staff.waitForSelector('[data-testid="customer-card"][data-state="open"]', { timeout: 10_000 });
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('Minji');
    expect(await staff.$$('[data-testid="customer-card"] [data-testid="card-cart-line"]')).not.toHaveLength(0);
    await staff.waitForSelector('[data-testid="insights"]');
    await shot(staff, 'staff.png');
    await kiosk.click('[data-testid="end-session"]');
    await kiosk.close();
    await staff.close();
  });

  it('inactivity reset: the kiosk forgets the shopper by itself', async () => {
    const kiosk = await openPage(`${demo.urls.kiosk}&idle=6`);
    await identifyMinji(kiosk);
    await kiosk.waitForSelector('[data-testid="online-cart"]');
    await kiosk.waitForSelector('[data-testid="idle-warning"]', { timeout: 15_000 });
    await kiosk.waitForSelector('[data-testid="start"]', { timeout: 15_000 });
    const page = (await kiosk.textContent('body')) ?? '';
    expect(page).not.toContain('Minji');
    expect(await kiosk.$('[data-testid="online-cart"]')).toBeNull();
    expect(await kiosk.$('[data-testid="greeting"]')).toBeNull();
    await shot(kiosk, 'kiosk-after-reset.png');
    await kiosk.close();
  });

  it('refuses a screen without a device token, or with a forged one', async () => {
    const url = new URL(demo.urls.kiosk);
    url.searchParams.delete('token');
    for (const [token, reason] of [
      [null, 'missingToken'],
      ['forged-token-forged-token-forged', 'invalidToken'],
    ] as const) {
      // a fresh context: no token kept from an earlier visit
      const context = await browser.newContext({ viewport: PORTRAIT });
      const page = await context.newPage();
      const u = new URL(url);
      if (token) u.searchParams.set('token', token);
      await page.goto(u.toString());
      await page.waitForSelector('[data-testid="connection-state"][data-state="refused"]', { timeout: 15_000 });
      expect(await page.getAttribute('[data-testid="refusal"]', 'data-reason')).toBe(reason);
      expect(await page.$('[data-testid="rec-card"]')).toBeNull();
      await context.close();
    }
  });

  it('the gateway killed and restarted: the kiosk shows the offline badge, recovers, and misses no message', async () => {
    const kiosk = await openPage(demo.urls.kiosk);
    const seqs = () =>
      kiosk.evaluate(() => (window as unknown as { __aisleScreen: { seqs: number[] } }).__aisleScreen.seqs);
    await until('messages to the kiosk', async () => (await seqs()).length >= 2, 30_000);
    const before = (await seqs()).at(-1)!;

    const gateway = processesInGroup(demo.child.pid!).find((l) => l.includes('edge-gateway/src/main.ts'));
    const pid = Number(gateway?.trim().split(/\s+/)[0]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await kiosk.waitForSelector('[data-testid="offline-badge"]', { timeout: 10_000 });
    await shot(kiosk, 'kiosk-offline.png');

    // the demo's supervisor starts the gateway again on the same ports; the page reconnects by itself
    await until('the gateway to be restarted', () => demo.output().includes('edge-gateway is back'), 60_000);
    await kiosk.waitForSelector('[data-testid="connection-state"][data-state="online"]', { timeout: 30_000 });
    expect(await kiosk.$('[data-testid="offline-badge"]')).toBeNull();

    // every message the gateway stored for this kiosk arrives, in order, without a gap or a repeat
    const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    try {
      const latest = () =>
        (db.prepare("SELECT MAX(seq) AS seq FROM screen_messages WHERE screen_id = 'kiosk-1'").get() as { seq: number })
          .seq;
      const after = await until(
        'the kiosk to catch up with the gateway',
        async () => {
          const s = await seqs();
          return s.at(-1)! > before && s.at(-1) === latest() && s;
        },
        30_000,
        250,
      );
      expect(after).toEqual(Array.from({ length: after.length }, (_, i) => after[0]! + i));
      expect(
        await kiosk.evaluate(() => (window as unknown as { __aisleScreen: { gaps: number } }).__aisleScreen.gaps),
      ).toBe(0);
    } finally {
      db.close();
    }
    await kiosk.close();
  });
});
