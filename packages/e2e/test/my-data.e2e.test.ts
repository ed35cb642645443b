import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CustomerProfile, MyDataLink, type PosPurchase, schemaExamples } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import { launchChromium, REPO_ROOT, until } from '@aisle/testkit';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The "my data" page end to end in Chromium (issue #8): cloud-sync started as it is deployed (its own process, a
 * SQLite file, seed, store credentials and link secret from the environment) with a customer who bought in a store
 * (through the store's real sync route), a personal link minted by that store as its kiosk's gateway does, and a
 * phone opening it: what is held, a consent switch, the download, the deletion with its confirmation, and the status
 * left afterwards. Screenshots go to test-results/screenshots/ (my-data.png, my-data-erased.png).
 */
const STORE = 'seoul-01';
const STORE_SECRET = newSecret();
const ADMIN_SECRET = 'e2e-operator-secret-for-my-data';
const shots = resolve(REPO_ROOT, 'test-results/screenshots');
const PHONE = { width: 390, height: 844 };
const customer = CustomerProfile.parse({
  ...schemaExamples.CustomerProfile.example,
  firstName: 'Minji',
  homeStoreId: STORE,
  consent: { personalization: false, location: false },
});
const ID = customer.customerId;
const item = schemaExamples.Catalog.example.items[0]!;
const sale = (n: number, quantity: number): PosPurchase => ({
  eventId: `pos-my-data-${String(n).padStart(4, '0')}`,
  storeId: STORE,
  terminalId: 'pos-1',
  customerId: ID,
  lines: [{ itemId: item.id, quantity, unitPrice: item.price }],
  total: Math.round(quantity * item.price * 100) / 100,
  currency: item.currency,
  ts: Date.now() - n * 86_400_000,
});

let cloud: ChildProcess | undefined;
let base: string;
let browser: Browser;
const storeCredential = `${STORE}.${STORE_SECRET}`;
const operator = `admin.${ADMIN_SECRET}`;

const call = async (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });

/** cloud-sync's main, on a free port; resolves its address once it says it is ready. */
async function startCloud(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-my-data-'));
  writeFileSync(
    join(dir, 'seed.json'),
    JSON.stringify({ catalog: schemaExamples.Catalog.example, customers: [customer] }),
  );
  writeFileSync(join(dir, 'stores.json'), JSON.stringify([{ storeId: STORE, secretHash: hashSecret(STORE_SECRET) }]));
  const child = spawn(process.execPath, ['--import', 'tsx', 'cloud-sync/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      AISLE_DATA_DIR: dir,
      AISLE_CLOUD_PORT: '0',
      AISLE_CLOUD_SEED: join(dir, 'seed.json'),
      AISLE_CLOUD_STORES: join(dir, 'stores.json'),
      AISLE_CLOUD_ADMIN_SECRET: ADMIN_SECRET,
      AISLE_CLOUD_LINK_SECRET: 'e2e-link-secret-at-least-16-chars',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cloud = child;
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  return until(
    'cloud-sync ready',
    () => {
      if (child.exitCode !== null) throw new Error(`cloud-sync exited with ${child.exitCode}:\n${out}`);
      return /"url":"(http:\/\/[^"]+)"[^\n]*cloud-sync ready|cloud-sync ready[^\n]*"url":"(http:\/\/[^"]+)"/
        .exec(out)
        ?.slice(1)
        .find(Boolean);
    },
    60_000,
  );
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  [base, browser] = await Promise.all([startCloud(), launchChromium()]);
  // two sales in the store, sent as its gateway's outbox sends them
  const batch = {
    storeId: STORE,
    batchId: `${STORE}:1-2`,
    entries: [1, 2].map((seq) => ({ seq, purchase: sale(seq, seq) })),
  };
  const pushed = await call(`/v1/stores/${STORE}/purchases`, storeCredential, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  });
  expect(pushed.status).toBe(200);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  cloud?.kill('SIGTERM');
});

describe('the "my data" page', () => {
  it('shows what is held, changes a consent, downloads the data and deletes it with a confirmation', async () => {
    // the store mints the link, as the gateway does when the shopper asks at the kiosk
    const minted = await call(`/v1/stores/${STORE}/customers/${ID}/my-data-link`, storeCredential, {
      method: 'POST',
    });
    expect(minted.status).toBe(201);
    const link = MyDataLink.parse(await minted.json());
    expect(link.url.startsWith(`${base}/my-data#t=`)).toBe(true);
    const token = link.url.slice(link.url.indexOf('#t=') + 3);

    const context = await browser.newContext({ viewport: PHONE, locale: 'en-GB', acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    page.on('response', (res) => res.status() >= 400 && errors.push(`${res.status()} ${res.url()}`));
    await page.goto(link.url);

    // what is held: the name, how they are recognised, where it is kept, both purchases
    await page.waitForSelector('[data-testid="md-name"]', { timeout: 15_000 });
    expect(await page.textContent('[data-testid="md-name"]')).toBe('Minji');
    expect(await page.textContent('[data-testid="md-identities"]')).toContain('Loyalty card number');
    expect(await page.getAttribute('[data-testid="md-store"]', 'data-store-id')).toBe(STORE);
    expect(await page.locator('[data-testid="md-purchase"]').count()).toBe(2);
    // the token left the address bar (and the history) as soon as the page read it
    expect(page.url()).toBe(`${base}/my-data`);

    // personalization: off, then on by the switch (a real <input role="switch"> with its label)
    const personalization = page.getByRole('switch', { name: 'Suggest products for me' });
    expect(await personalization.isChecked()).toBe(false);
    expect(await page.textContent('#consent-personalization-text')).not.toBe('');
    await personalization.check();
    await page.waitForSelector('[data-testid="md-notice"]:text("Saved.")');
    expect(await page.getByRole('switch', { name: 'Suggest products for me' }).isChecked()).toBe(true);
    const consent = await (await call(`/v1/customers/${ID}/consent`, operator)).json();
    expect(consent.current).toContainEqual(expect.objectContaining({ purpose: 'personalization', state: 'granted' }));
    expect(consent.history).toMatchObject([{ purpose: 'personalization', channel: 'web', recordedBy: 'customer' }]);
    await page.screenshot({ path: join(shots, 'my-data.png'), fullPage: true, animations: 'disabled' });

    // the download: a JSON file about this customer
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="md-download"]')]);
    expect(download.suggestedFilename()).toBe(`my-data-${ID}.json`);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(exported.customerId).toBe(ID);
    expect(JSON.stringify(exported)).toContain(sale(1, 1).eventId);

    // deleting asks first; cancel keeps everything
    await page.click('[data-testid="md-delete"]');
    await page.waitForSelector('[role="alertdialog"]');
    await page.click('[data-testid="md-delete-cancel"]');
    expect(await page.locator('[role="alertdialog"]').count()).toBe(0);
    expect((await call('/v1/me', `me.${token}`)).status).toBe(200);
    await page.click('[data-testid="md-delete"]');
    await page.click('[data-testid="md-delete-confirm"]');
    await page.waitForSelector('[data-testid="md-request"][data-status="completed"]', { timeout: 15_000 });
    expect(await page.textContent('[data-testid="md-request-status"]')).toBe('Done');
    await page.screenshot({ path: join(shots, 'my-data-erased.png'), fullPage: true, animations: 'disabled' });

    // the data is gone; the status link still shows the request, in a fresh browser too
    expect((await call('/v1/me', `me.${token}`)).status).toBe(404);
    const statusUrl = await page.getAttribute('[data-testid="md-status-link"]', 'href');
    expect(statusUrl).toMatch(/\/my-data#r=/);
    const later = await browser.newPage({ viewport: PHONE });
    await later.goto(statusUrl!);
    await later.waitForSelector('[data-testid="md-request"][data-status="completed"]', { timeout: 15_000 });
    await later.close();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('tells the person plainly when a link is invalid or expired', async () => {
    const page = await browser.newPage({ viewport: PHONE, locale: 'en-GB' });
    await page.goto(`${base}/my-data#t=not-a-real-token.signature`);
    await page.waitForSelector('[data-testid="md-error"][data-reason="link"]', { timeout: 15_000 });
    expect(await page.textContent('[data-testid="md-error"]')).toContain('not valid or has expired');
    await page.close();
  });
});
