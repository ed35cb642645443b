import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cloud, createCloud, operatorToken, storeToken } from '@aisle/cloud-sync';
import { CustomerProfile, type PosPurchase, type Product, topics } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import { saveModel, trainZonePopularity } from '@aisle/recsys';
import { demoCatalog, demoFloorPlan, demoHistory } from '@aisle/simulators';
import { type FaultProxy, startFaultProxy, until } from '@aisle/testkit';
import type Database from 'better-sqlite3';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/index';
import { connectScreen, type TestScreen } from './fixture';

/**
 * Issue #8's erasure acceptance, against a real cloud-sync and two real gateways: a customer with the shopper app
 * shops in store A, in store B and online; store B is cut off from the cloud, the customer buys again there (the sale
 * waits in B's outbox naming them), and is erased in the cloud. Once B is back, neither store's database (every
 * table, and the bytes of the files and their WAL), cache, outbox or decision log holds anything of theirs, B's
 * offline sale reached the cloud anonymously, a kiosk no longer knows their card, and the cloud's export is 404.
 */

const A = 'erase-store-a';
const B = 'erase-store-b';
const CUSTOMER = 'cus-erasure7';
const APP = 'shp-erasure7app';
const LOYALTY = 'LOY-QUINTESSA-4242';
const PHONE_HASH = createHash('sha256').update('01055501234').digest('hex');
const NAME = 'Quintessa';
const TRAINED_AT = 1_764_000_000_000;

const catalog = demoCatalog();
/** Something on the beauty shelf, where the sightings, the touch and the kiosk are. */
const item: Product = catalog.find((p) => p.category === 'skincare')!;
const secrets: Record<string, string> = { [A]: newSecret(), [B]: newSecret() };
const adminSecret = newSecret();
const operator = operatorToken(adminSecret);
const dirs: string[] = [];

interface Store {
  storeId: string;
  gateway: Gateway;
  dbPath: string;
  device: mqtt.MqttClient;
  urls: { httpUrl: string; mqttUrl: string };
  plan: ReturnType<typeof demoFloorPlan>;
}

let cloud: Cloud;
let cloudUrl: string;
let proxy: FaultProxy;
let a: Store;
let b: Store;
let kioskA: TestScreen;
let seq = 0;
const eventId = (kind: string) => `${kind}-${String(++seq).padStart(6, '0')}`;

async function startStore(storeId: string, url: string): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), `aisle-erasure-${storeId}-`));
  dirs.push(dir);
  const plan = demoFloorPlan(storeId);
  const floorPlanPath = join(dir, 'floor-plan.json');
  writeFileSync(floorPlanPath, JSON.stringify(plan));
  const model = trainZonePopularity(demoHistory(plan, catalog, { now: TRAINED_AT }), {
    zones: plan.zones.map((z) => z.id),
    items: catalog.map((p) => p.id),
    now: TRAINED_AT,
  });
  const modelDir = join(dir, 'model');
  await saveModel(model, modelDir);
  const dbPath = join(dir, 'gateway.db');
  const gateway = await createGateway(
    {
      databasePath: dbPath,
      floorPlanPath,
      modelDir,
      cloudUrl: url,
      cloudCredential: storeToken(storeId, secrets[storeId]!),
      http: { port: 0 },
      mqtt: { port: 0 },
      presence: { confirmMs: 0 },
      // the test says when each store pulls profiles and pushes its outbox, so the order is the one under test
      sync: { intervalMs: 3_600_000 },
      profiles: { refreshIntervalMs: 3_600_000 },
      // anonymous shoppers are still tracked in memory, as in the demo store
      privacy: { unconsentedPresence: 'transient' },
    },
    { logger: pino({ level: 'silent' }) },
  );
  const urls = await gateway.listen();
  const device = await mqtt.connectAsync(urls.mqttUrl, { clientId: `test-erasure-${storeId}` });
  return { storeId, gateway, dbPath, device, urls, plan };
}

/** The customer's app is heard in `zoneId` until the store places them there. */
async function seen(store: Store, zoneId: string): Promise<void> {
  const scannerId = `scanner-${zoneId}`;
  await until(`${APP} placed in ${zoneId} at ${store.storeId}`, async () => {
    const msg = { eventId: eventId('ble'), scannerId, deviceId: APP, rssi: -50, ts: Date.now() };
    await store.device.publishAsync(topics.beaconSighting(store.storeId, scannerId), JSON.stringify(msg));
    return store.gateway.presence.get(APP)?.zoneId === zoneId;
  });
}

async function touched(store: Store): Promise<void> {
  const id = eventId('shelf');
  const msg = {
    eventId: id,
    shelfId: 'shelf-beauty',
    zoneId: 'beauty',
    itemId: item.id,
    action: 'picked_up',
    shopperDeviceId: APP,
    ts: Date.now(),
  };
  await store.device.publishAsync(topics.productInteraction(store.storeId, 'shelf-beauty'), JSON.stringify(msg));
  await until(`touch ${id} stored`, () => count(store.gateway.store.db, 'interactions', 'event_id', id) === 1);
}

/** A sale at the store's till naming the customer and their phone, as a till does after a loyalty scan. */
async function sold(store: Store): Promise<string> {
  const sale: PosPurchase = {
    eventId: eventId(`pos-${store.storeId}`),
    storeId: store.storeId,
    terminalId: 'pos-1',
    customerId: CUSTOMER,
    shopperDeviceId: APP,
    lines: [{ itemId: item.id, quantity: 1, unitPrice: item.price }],
    total: item.price,
    currency: item.currency,
    ts: Date.now(),
  };
  await store.device.publishAsync(topics.posPurchase(store.storeId, 'pos-1'), JSON.stringify(sale), { qos: 1 });
  await until(
    `sale ${sale.eventId} stored`,
    () => count(store.gateway.store.db, 'purchases', 'event_id', sale.eventId) === 1,
  );
  return sale.eventId;
}

function count(db: Database.Database, table: string, column: string, value: string): number {
  return db.prepare<[string], number>(`SELECT count(*) FROM ${table} WHERE ${column} = ?`).pluck().get(value)!;
}

async function asOperator(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${cloudUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${operator}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** What names the customer on disk: their id, app device (raw and every pseudonym), card, phone hash and name. */
function needles(store: Store): string[] {
  return [CUSTOMER, APP, ...store.gateway.pseudonyms.allOf(APP), LOYALTY, PHONE_HASH, NAME];
}

/** `table.column: needle` for every value of every column of every table that contains a needle. */
function scanTables(db: Database.Database, find: readonly string[]): string[] {
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all();
  const hits: string[] = [];
  for (const table of tables)
    for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[])
      for (const [column, value] of Object.entries(row)) {
        const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('latin1') : '';
        for (const n of find) if (text.includes(n)) hits.push(`${table}.${column}: ${n}`);
      }
  return hits;
}

/** Needles found in the raw bytes of the database file and its WAL. */
function scanFiles(store: Store, find: readonly string[]): string[] {
  const hits: string[] = [];
  for (const file of [store.dbPath, `${store.dbPath}-wal`]) {
    let bytes: string;
    try {
      bytes = readFileSync(file).toString('latin1');
    } catch {
      continue; // no WAL right now: nothing in it
    }
    for (const n of find) if (bytes.includes(n)) hits.push(`${file.endsWith('-wal') ? 'wal' : 'db'}: ${n}`);
  }
  return hits;
}

beforeAll(async () => {
  const customer = CustomerProfile.parse({
    customerId: CUSTOMER,
    firstName: NAME,
    loyaltyId: LOYALTY,
    phoneHash: PHONE_HASH,
    homeStoreId: A,
    consent: { personalization: true, location: true },
    favouriteCategories: ['skincare'],
    appDevices: [APP],
    updatedAt: Date.now() - 60_000,
  });
  cloud = await createCloud({
    database: ':memory:',
    logger: pino({ level: 'silent' }),
    seed: {
      catalog: { items: catalog },
      customers: [customer],
      stores: [A, B].map((storeId) => ({ storeId, secretHash: hashSecret(secrets[storeId]!) })),
    },
    adminSecret,
  });
  cloudUrl = await cloud.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = new URL(cloudUrl);
  // store B reaches the cloud through a link the test can cut
  proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: Number(port) } });
  a = await startStore(A, cloudUrl);
  b = await startStore(B, proxy.url);
}, 60_000);

afterAll(async () => {
  kioskA?.close();
  for (const s of [a, b]) {
    await s?.device.endAsync();
    await s?.gateway.close();
  }
  await proxy?.close();
  await cloud?.app.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('erasure reaches every store, even one that was offline', () => {
  let offlineSale: string;

  it('the customer shops in store A, in store B and online, and both stores hold them', async () => {
    // store A is their home store: it caches their profile
    await a.gateway.refreshProfiles();
    await until('profile cached at A', () => a.gateway.profiles.get(CUSTOMER));
    await seen(a, 'beauty');
    await touched(a);
    kioskA = await connectScreen(a, 'kiosk-1');
    const identified = await kioskA.request('identify', { method: 'qr', code: LOYALTY });
    expect(identified).toMatchObject({ ok: true, session: { customer: { firstName: NAME } } });
    await kioskA.next('recommendations', (p) => p.personalized);
    await sold(a);
    expect(await a.gateway.flushOutbox()).toBeGreaterThan(0);

    // a sale at store B puts them in B's scope: B's next pull brings the profile, then B tracks them too
    await sold(b);
    await b.gateway.flushOutbox();
    await until('profile cached at B', async () => {
      await b.gateway.refreshProfiles();
      return b.gateway.profiles.get(CUSTOMER);
    });
    await seen(b, 'womenswear');
    await seen(b, 'beauty');
    await touched(b);

    // and online
    const web = await asOperator('POST', '/v1/web/events', {
      events: [
        {
          type: 'purchase',
          eventId: eventId('web'),
          sessionId: 'web-session-1',
          customerId: CUSTOMER,
          lines: [{ itemId: item.id, quantity: 1, unitPrice: item.price }],
          total: item.price,
          currency: item.currency,
          at: Date.now(),
        },
      ],
    });
    expect(web.status).toBe(200);

    for (const s of [a, b]) {
      s.gateway.flushSightings();
      s.gateway.flushDecisions();
      const tables = new Set(scanTables(s.gateway.store.db, needles(s)).map((h) => h.split('.')[0]));
      for (const table of ['sightings', 'visits', 'sessions', 'interactions', 'purchases', 'outbox', 'profiles'])
        expect(tables, `${s.storeId} holds the customer in ${table}`).toContain(table);
    }
    expect(scanTables(a.gateway.store.db, needles(a)).some((h) => h.startsWith('decisions.'))).toBe(true);
  });

  it('store B is cut off; the customer buys there again and the sale waits in its outbox', async () => {
    await proxy.pause();
    offlineSale = await sold(b);
    await expect(b.gateway.flushOutbox()).rejects.toThrow();
    const pending = b.gateway.store.pendingOutbox(10).map((r) => JSON.parse(r.payload) as PosPurchase);
    expect(pending.find((p) => p.eventId === offlineSale)?.customerId).toBe(CUSTOMER);
  });

  it('the customer is erased in the cloud; A applies it at once, B once it reconnects, and the sale still syncs', async () => {
    const erased = await asOperator('DELETE', `/v1/customers/${CUSTOMER}`);
    expect(erased.status).toBe(200);
    await a.gateway.refreshProfiles();
    expect(a.gateway.profiles.peek(CUSTOMER)).toBeUndefined();
    // the kiosk that showed them is back to the zone's own cards
    const last = await until('a non-personal push at the kiosk', () => {
      const pushes = kioskA.of('recommendations');
      return pushes.at(-1)?.personalized === false ? pushes.at(-1) : undefined;
    });
    expect(last.shopper ?? null).toBeNull();

    // B is back: it pulls first, then pushes what waited
    await proxy.resume();
    await b.gateway.refreshProfiles();
    expect(b.gateway.profiles.peek(CUSTOMER)).toBeUndefined();
    await b.gateway.flushOutbox();
    expect(b.gateway.store.outboxDepth()).toBe(0);

    // the cloud holds B's offline sale, anonymously
    const row = await cloud.store.db
      .selectFrom('purchases')
      .selectAll()
      .where('event_id', '=', offlineSale)
      .executeTakeFirst();
    expect(row).toMatchObject({ store_id: B, customer_id: null });
    expect(row!.payload).not.toContain(CUSTOMER);
    expect(row!.payload).not.toContain(APP);
    for (const s of [a, b])
      expect((await s.gateway.metrics.registry.getSingleMetric('aisle_erasures_applied_total')?.get())?.values).toEqual(
        [expect.objectContaining({ value: 1 })],
      );
  });

  it('no table, file or WAL of either store holds anything of theirs', async () => {
    // a till that still names them afterwards sells anonymously
    const late = await sold(b);
    expect(b.gateway.store.pendingOutbox(10).find((r) => r.payload.includes(late))?.payload).not.toContain(CUSTOMER);
    for (const s of [a, b]) {
      s.gateway.flushSightings();
      s.gateway.flushDecisions();
      s.gateway.profiles.flushUsage();
      expect(scanTables(s.gateway.store.db, needles(s)), `${s.storeId} tables`).toEqual([]);
      expect(scanFiles(s, needles(s)), `${s.storeId} files`).toEqual([]);
      // the sales stayed, without the customer
      expect(s.gateway.store.db.prepare('SELECT count(*) FROM purchases').pluck().get()).toBeGreaterThan(0);
    }
  });

  it('no memory of either store knows them, and the cloud has nothing to export', async () => {
    for (const s of [a, b]) {
      expect(s.gateway.profiles.findBy('loyalty', LOYALTY)).toBeUndefined();
      expect(s.gateway.profiles.byDevice(APP)).toBeUndefined();
      expect([...s.gateway.memory.sessions()].filter((m) => m.customerId === CUSTOMER)).toEqual([]);
      // a kiosk identify of their card finds nobody, in the store or (for B, which asks) in the cloud
      const kiosk = s === a ? kioskA : await connectScreen(s, 'kiosk-1');
      expect(await kiosk.request('identify', { method: 'qr', code: LOYALTY })).toMatchObject({
        ok: false,
        reason: 'unknown',
      });
      if (kiosk !== kioskA) kiosk.close();
    }
    expect((await asOperator('GET', `/v1/customers/${CUSTOMER}/export`)).status).toBe(404);
    expect((await asOperator('GET', `/v1/customers/${CUSTOMER}`)).status).toBe(404);
  });
});
