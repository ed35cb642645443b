import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProductInteraction, phoneDigits, topics } from '@aisle/contracts';
import { DeviceCredential, demoCatalog, demoCustomers, demoFloorPlan, demoPhone } from '@aisle/simulators';
import { launchChromium, type RunningDemo, startDemoStore } from '@aisle/testkit';
import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

/**
 * PII hygiene (issue #8): a whole demo run — shoppers walking, buying and being recommended to, a customer signing in
 * at the kiosk, an app registering with the cloud by e-mail and phone, and a device sending a broken message that
 * carries an e-mail address, a phone number and a raw device id — and then every service's log is scanned for
 * personal data. The provocations make sure the paths most likely to leak (rejected input, identity resolution,
 * kiosk sign-in) were taken during the run, so a clean scan means something.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'aisle-pii-'));
// debug level: what an operator chasing a problem turns on must not leak either
const env = {
  AISLE_DATA_DIR: dataDir,
  AISLE_HTTP_PORT: '0',
  AISLE_CLOUD_PORT: '0',
  AISLE_MQTT_PORT: '0',
  AISLE_LOG_LEVEL: 'debug',
};
let demo: RunningDemo | undefined;
let browser: Browser;

const LEAK_EMAIL = 'jiwoo.leak@example.com';
const LEAK_PHONE = '+82 10-5555-0199';
const LEAK_DEVICE = 'shp-0123456789';

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoStore(env, 90_000), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop('SIGKILL');
});

/** What counts as personal data in a log line, with what it is. */
function personalDataIn(line: string): string[] {
  const found: string[] = [];
  const customers = demoCustomers(20, 11, Date.now(), demoCatalog());
  for (const m of line.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g) ?? []) found.push(`e-mail ${m}`);
  // raw shopper device ids (the simulators' and the shopper apps' `shp-` + 10 hex), never their pseudonyms
  for (const m of line.match(/shp-[0-9a-f]{10}/g) ?? []) found.push(`device ${m}`);
  for (const m of line.match(/AISLE-\d{4}/g) ?? []) found.push(`loyalty ${m}`);
  // phone numbers however they are written: the separators between digits taken out
  const digits = line.replace(/(?<=\d)[\s().+-]+(?=\d)/g, '');
  for (const phone of [LEAK_PHONE, ...customers.map((_, i) => demoPhone(i + 1))]) {
    const d = phoneDigits(phone);
    if (line.includes(phone) || digits.includes(d) || digits.includes(d.replace(/^82/, '0')))
      found.push(`phone ${phone}`);
  }
  const names = new Set(customers.flatMap((c) => (c.firstName ? [c.firstName] : [])));
  for (const name of names) if (new RegExp(`\\b${name}\\b`).test(line)) found.push('a name');
  return found;
}

describe('the logs of a full demo run', () => {
  it('the scan finds each kind of personal data it looks for', () => {
    const line = (s: string) => JSON.stringify({ level: 30, msg: 'x', detail: s });
    expect(personalDataIn(line('mail jiwoo@example.com'))).toEqual(['e-mail jiwoo@example.com']);
    expect(personalDataIn(line('from shp-00ff00ff00'))).toEqual(['device shp-00ff00ff00']);
    expect(personalDataIn(line('card AISLE-0007'))).toEqual(['loyalty AISLE-0007']);
    expect(personalDataIn(line('call 010-5555-0199'))).toEqual([`phone ${LEAK_PHONE}`]);
    expect(personalDataIn(line(`call ${demoPhone(3)}`))).toEqual([`phone ${demoPhone(3)}`]);
    expect(personalDataIn(line('hello Minji'))).toEqual(['a name']);
    expect(personalDataIn(line('zone beauty, 3 shoppers, decision 39a0199f-34cd-48c8'))).toEqual([]);
  });

  it('hold no e-mail address, phone number, loyalty number, name or raw device id', async () => {
    const running = demo!;
    // a customer signs in at the kiosk with her loyalty card
    const page = await browser.newPage({ viewport: { width: 1080, height: 1920 } });
    await page.goto(running.urls.kiosk);
    await page.waitForSelector('[data-testid="connection-state"][data-state="online"]', { timeout: 20_000 });
    await page.click('[data-testid="start"]');
    await page.fill('[data-testid="identify-code"]', 'AISLE-0001');
    await page.press('[data-testid="identify-code"]', 'Enter');
    await page.waitForSelector('[data-testid="greeting"]', { timeout: 10_000 });
    await page.close();

    // the shopper app registers with the cloud by e-mail, phone and device; then a malformed request carrying them
    const admin = `admin.${readFileSync(join(dataDir, 'cloud-admin-secret'), 'utf8').trim()}`;
    const resolve = (body: unknown) =>
      fetch(`${running.urls.cloud}/v1/identities/resolve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await resolve({
      identifiers: [
        { kind: 'email', value: LEAK_EMAIL },
        { kind: 'phone', value: LEAK_PHONE },
        { kind: 'app_device', value: LEAK_DEVICE },
      ],
    });
    expect(ok.status).toBe(200);
    const bad = await resolve({ identifiers: [{ kind: 'email', value: `not-an-email ${LEAK_PHONE} ${LEAK_EMAIL}x` }] });
    expect(bad.status).toBe(400);

    // a shelf sends a message that is not a valid interaction and carries personal data: dead-lettered and logged
    const plan = demoFloorPlan();
    const shelf = plan.shelves.find((s) => !s.zoneId.startsWith('fitting'))!;
    const secrets = z
      .array(DeviceCredential)
      .parse(JSON.parse(readFileSync(join(dataDir, 'device-secrets.json'), 'utf8')));
    const client = await mqtt.connectAsync(running.urls.mqtt, {
      clientId: shelf.id, // the broker ties the client id to the account; the demo's shelf reconnects by itself
      username: shelf.id,
      password: secrets.find((c) => c.id === shelf.id)!.secret,
      reconnectPeriod: 0,
    });
    const broken = { eventId: randomUUID(), shelfId: shelf.id, email: LEAK_EMAIL, phone: LEAK_PHONE, who: LEAK_DEVICE };
    await client.publishAsync(topics.productInteraction(plan.storeId, shelf.id), JSON.stringify(broken), { qos: 1 });
    const touch: ProductInteraction = {
      eventId: randomUUID(),
      shelfId: shelf.id,
      zoneId: shelf.zoneId,
      itemId: demoCatalog()[0]!.id,
      action: 'picked_up',
      shopperDeviceId: LEAK_DEVICE,
      ts: Date.now(),
    };
    await client.publishAsync(topics.productInteraction(plan.storeId, shelf.id), JSON.stringify(touch), { qos: 1 });
    await client.endAsync();

    // shoppers keep walking, touching and buying for a while; then the demo stops as Ctrl-C stops it
    await new Promise((r) => setTimeout(r, 20_000));
    await running.stop('SIGINT');
    demo = undefined;

    const logDir = join(dataDir, 'logs');
    const files = readdirSync(logDir).filter((f) => f.endsWith('.log'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const lines = files.flatMap((f) =>
      readFileSync(join(logDir, f), 'utf8')
        .split('\n')
        .map((text) => ({ file: f, text })),
    );
    // the run did take the paths that could leak: the sign-in, the dead letter, the cloud's refusal
    const all = lines.map((l) => l.text).join('\n');
    expect(all).toMatch(/kiosk session started/);
    expect(all).toMatch(/message dead-lettered/);
    expect(lines.length).toBeGreaterThan(20);

    // and what `npm start` itself printed (the simulators run in its process)
    lines.push(
      ...running
        .output()
        .split('\n')
        .map((text) => ({ file: 'npm start', text })),
    );
    const leaks = lines.flatMap((l) =>
      personalDataIn(l.text).map((what) => `${l.file}: ${what}: ${l.text.slice(0, 300)}`),
    );
    expect(leaks.slice(0, 10)).toEqual([]);
  });
});
