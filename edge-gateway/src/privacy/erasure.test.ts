import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerProfile, type CustomerProfileInput, type PosPurchase } from '@aisle/contracts';
import type Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ProfileCache } from '../profiles/cache';
import { GatewayStore } from '../store/db';
import { Erasure, erasedHash } from './erasure';
import { Pseudonyms } from './pseudonyms';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 28, 10);
const ERASED = 'cus-erase01';
const KEPT = 'cus-erase010'; // its id contains the erased one's: matching must be exact
const APP = 'shp-erase-app1';
const OTHER_APP = 'shp-kept-app1';

function profile(customerId: string, over: Partial<CustomerProfileInput> = {}): CustomerProfile {
  return CustomerProfile.parse({
    customerId,
    consent: { personalization: true, location: true },
    favouriteCategories: [],
    updatedAt: T0 - DAY,
    ...over,
  });
}
const erasedProfile = profile(ERASED, {
  firstName: 'Zelda',
  loyaltyId: 'LOY-ZELDA-77',
  phoneHash: 'a'.repeat(64),
  appDevices: [APP],
});
const keptProfile = profile(KEPT, { firstName: 'Yuri', loyaltyId: 'LOY-YURI-0001', appDevices: [OTHER_APP] });

const stores: GatewayStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** A store with the erasure wired into its profile cache as the gateway does, and a clock. */
function setup(path = ':memory:') {
  const store = new GatewayStore(path);
  stores.push(store);
  const db = store.db;
  const pseudonyms = new Pseudonyms(db);
  const registry = new Registry();
  const erasure = new Erasure(db, { pseudonymsOf: (raw) => pseudonyms.allOf(raw), now: () => T0, registry });
  const committed: string[][] = [];
  const cache = new ProfileCache(db, {
    now: () => T0,
    erasure: {
      scrub: (customerId, cached) => erasure.scrub({ customerId, profile: cached }),
      isErased: (customerId) => erasure.isErased(customerId),
      committed: (ids) => {
        committed.push([...ids]);
        erasure.committed(ids.length);
      },
    },
  });
  cache.upsert([erasedProfile, keptProfile]);
  return { store, db, pseudonyms, erasure, cache, registry, committed };
}

function sale(eventId: string, customerId: string | undefined, device: string | undefined): PosPurchase {
  return {
    eventId,
    storeId: 'test-store',
    terminalId: 'pos-1',
    ...(customerId && { customerId }),
    ...(device && { shopperDeviceId: device }),
    lines: [{ itemId: 'sku-1', quantity: 2, unitPrice: 5 }],
    total: 10,
    currency: 'KRW',
    ts: T0,
  };
}

/**
 * What a store holds about two customers after two days of visits: rows under the app devices' pseudonyms of both
 * days (and a raw id, as an older gateway wrote them), sales sent and unsent, a decision, a hand-over, screen
 * messages and a dead letter.
 */
function populate({ store, db, pseudonyms }: ReturnType<typeof setup>) {
  for (const [customer, app, tag] of [
    [ERASED, APP, 'e'],
    [KEPT, OTHER_APP, 'k'],
  ] as const) {
    const day1 = pseudonyms.of(app, T0 - DAY);
    const day2 = pseudonyms.of(app, T0);
    store.insertSightings([
      { deviceId: day1, scannerId: 'ble-1', rssi: -60, ts: T0 - DAY, receivedAt: T0 - DAY },
      { deviceId: day2, scannerId: 'ble-1', rssi: -61, ts: T0, receivedAt: T0 },
      { deviceId: app, scannerId: 'ble-2', rssi: -70, ts: T0, receivedAt: T0 },
    ]);
    store.recordZoneEnter(day1, 'beauty', T0 - DAY);
    store.recordZoneEnter(day2, 'snacks', T0);
    store.startSession(day2, T0);
    store.recordInteraction({
      eventId: `int-${tag}`,
      shelfId: 'shelf-1',
      zoneId: 'snacks',
      itemId: 'sku-1',
      action: 'picked_up',
      shopperDeviceId: day2,
      ts: T0,
    });
    store.recordRfidRead({
      eventId: `rfid-${tag}`,
      readerId: 'rfid-1',
      zoneId: 'fitting',
      tags: [{ epc: '0'.repeat(24), itemId: 'sku-1' }],
      shopperDeviceId: day1,
      ts: T0 - DAY,
    });
    store.recordPurchase(sale(`pos-${tag}-1`, customer, day1), T0 - DAY);
    db.prepare(
      `INSERT INTO decisions (id, at, zone_id, trigger, shopper_ref, personalized, model_version, arm, propensity,
       context, items) VALUES (?, ?, 'snacks', 'zone', ?, 1, 'm1', 'model', 1, '{}', '[]')`,
    ).run(`dec-${tag}`, T0, day2);
    db.prepare(
      `INSERT INTO handovers (handover_id, screen_id, terminal_id, code, customer_id, lines, created_at)
       VALUES (?, 'kiosk-1', 'pos-1', '1234', ?, '[]', ?)`,
    ).run(`ho-${tag}`, customer, T0);
    store.addDeadLetter({
      topic: 'aisle/v1/test-store/pos/pos-1/purchase',
      clientId: 'pos-1',
      reason: 'invalid',
      payload: Buffer.from(JSON.stringify({ ...sale(`pos-${tag}-bad`, customer, app), total: 1 })),
      receivedAt: T0,
    });
  }
  // yesterday's sales went to the cloud; today's wait in the outbox
  store.markOutboxSent(store.lastOutboxSeq(), T0 - DAY);
  store.recordPurchase(sale('pos-e-2', ERASED, pseudonyms.of(APP, T0)), T0);
  store.recordPurchase(sale('pos-k-2', KEPT, pseudonyms.of(OTHER_APP, T0)), T0);
  const message = db.prepare(
    'INSERT INTO screen_messages (screen_id, seq, event, payload, sent_at) VALUES (?, ?, ?, ?, ?)',
  );
  const zone = JSON.stringify({ zoneId: 'snacks', shoppers: 1 });
  message.run('kiosk-1', 1, 'zoneContext', zone, T0);
  message.run('kiosk-1', 2, 'recommendations', JSON.stringify({ customer: { firstName: 'Zelda' } }), T0);
  message.run('kiosk-1', 3, 'zoneContext', zone, T0);
  message.run('staff-1', 1, 'staffAlert', JSON.stringify({ customerId: KEPT }), T0);
}

/** The erased customer's id, but not the kept one's (which contains it). */
const ERASED_ID = /cus-erase01(?![0-9])/;

/** Every row of every table whose text (or blob) holds one of `needles`: `table: needle` for each hit. */
function scan(db: Database.Database, needles: readonly (string | RegExp)[]): string[] {
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all();
  const hits: string[] = [];
  for (const table of tables)
    for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[])
      for (const value of Object.values(row)) {
        const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('latin1') : '';
        for (const n of needles)
          if (typeof n === 'string' ? text.includes(n) : n.test(text)) hits.push(`${table}: ${n}`);
      }
  return hits;
}

const count = (db: Database.Database, sql: string, ...args: unknown[]) =>
  db
    .prepare<unknown[], number>(sql)
    .pluck()
    .get(...args);

describe('erasure at the store', () => {
  it('scrubs every row naming the erased customer or their devices and keeps their sales, anonymously', () => {
    const s = setup();
    populate(s);
    const { db, pseudonyms } = s;
    const erasedNeedles = [ERASED_ID, APP, ...pseudonyms.allOf(APP), 'LOY-ZELDA-77', 'a'.repeat(64), 'Zelda'];
    expect(scan(db, erasedNeedles).length).toBeGreaterThan(15);
    const purchasesBefore = count(db, 'SELECT count(*) FROM purchases');
    const pendingBefore = s.store.pendingOutbox(10);

    s.cache.applyPage('profiles', { cursor: 5, profiles: [], deleted: [ERASED], erased: [ERASED] });

    // nothing names them anywhere
    expect(scan(db, erasedNeedles)).toEqual([]);
    // the sales are still there, with their lines and total, and today's still waits to go under its own seq
    expect(count(db, 'SELECT count(*) FROM purchases')).toBe(purchasesBefore);
    expect(count(db, 'SELECT count(*) FROM purchase_lines')).toBe(purchasesBefore);
    const pending = s.store.pendingOutbox(10);
    expect(pending.map((r) => r.seq)).toEqual(pendingBefore.map((r) => r.seq));
    const anonymous = pending.map((r) => JSON.parse(r.payload) as PosPurchase).find((p) => p.eventId === 'pos-e-2')!;
    expect(anonymous).toEqual({ ...sale('pos-e-2', undefined, undefined) });
    // events about products stay without the shopper; rows only about the person are gone
    expect(count(db, "SELECT count(*) FROM interactions WHERE event_id = 'int-e' AND shopper_device_id IS NULL")).toBe(
      1,
    );
    expect(count(db, "SELECT count(*) FROM rfid_reads WHERE event_id = 'rfid-e' AND shopper_device_id IS NULL")).toBe(
      1,
    );
    expect(count(db, "SELECT count(*) FROM handovers WHERE handover_id = 'ho-e' AND customer_id IS NULL")).toBe(1);
    expect(count(db, "SELECT count(*) FROM decisions WHERE id = 'dec-e'")).toBe(0);
    // the kiosk's messages up to the one naming them go; later ones and other screens stay
    expect(db.prepare('SELECT screen_id, seq FROM screen_messages ORDER BY screen_id, seq').all()).toEqual([
      { screen_id: 'kiosk-1', seq: 3 },
      { screen_id: 'staff-1', seq: 1 },
    ]);

    // the other customer keeps everything
    const kept = [KEPT, OTHER_APP, ...pseudonyms.allOf(OTHER_APP), 'LOY-YURI-0001', 'Yuri'];
    const keptHits = scan(db, kept);
    for (const table of ['sightings', 'visits', 'sessions', 'interactions', 'rfid_reads', 'purchases', 'outbox'])
      expect(
        keptHits.some((h) => h.startsWith(`${table}:`)),
        table,
      ).toBe(true);
    expect(count(db, "SELECT count(*) FROM decisions WHERE id = 'dec-k'")).toBe(1);
    expect(s.cache.findBy('loyalty', 'LOY-YURI-0001')?.customerId).toBe(KEPT);

    // gone from the cache, remembered by hash only, counted once, told after the commit
    expect(s.cache.get(ERASED)).toBeUndefined();
    expect(s.cache.findBy('loyalty', 'LOY-ZELDA-77')).toBeUndefined();
    expect(s.cache.byDevice(APP)).toBeUndefined();
    expect(db.prepare('SELECT customer_hash FROM erased_customers').pluck().all()).toEqual([erasedHash(ERASED)]);
    expect(s.committed).toEqual([[ERASED]]);
  });

  it('never takes an erased customer back: not from a later page, an upsert or a lookup answered late', async () => {
    const s = setup();
    s.cache.applyPage('profiles', { cursor: 5, profiles: [], deleted: [ERASED], erased: [ERASED] });
    const newer = { ...erasedProfile, updatedAt: T0 + DAY };
    expect(s.cache.applyPage('profiles', { cursor: 6, profiles: [newer], deleted: [] })).toBe(0);
    expect(s.cache.upsert([erasedProfile, newer])).toBe(0);
    expect(s.cache.get(ERASED)).toBeUndefined();
    expect(s.cache.findBy('loyalty', 'LOY-ZELDA-77')).toBeUndefined();
    expect(count(s.db, 'SELECT count(*) FROM profiles WHERE customer_id = ?', ERASED)).toBe(0);
    // others are stored as ever
    expect(s.cache.upsert([{ ...keptProfile, updatedAt: T0 }])).toBe(1);
    expect((await s.registry.getSingleMetric('aisle_erasures_applied_total')?.get())?.values[0]?.value).toBe(1);
  });

  it('scrubs nothing for a customer merely dropped (merged into another, or out of scope)', () => {
    const s = setup();
    populate(s);
    const held = () => scan(s.db, [ERASED_ID, ...s.pseudonyms.allOf(APP)]).filter((h) => !h.startsWith('profile'));
    const before = held();
    expect(before.length).toBeGreaterThan(10);
    s.cache.applyPage('profiles', { cursor: 5, profiles: [], deleted: [ERASED] });
    expect(s.cache.get(ERASED)).toBeUndefined();
    expect(held()).toEqual(before);
    expect(s.erasure.isErased(ERASED)).toBe(false);
    expect(s.committed).toEqual([]);
    // and may come back
    expect(s.cache.upsert([{ ...erasedProfile, updatedAt: T0 }])).toBe(1);
  });

  it('finds the devices of a customer whose profile was no longer cached through the sales that name them', () => {
    const s = setup();
    populate(s);
    s.cache.remove(ERASED); // evicted before the erasure reached the store
    s.cache.applyPage('profiles', { cursor: 5, profiles: [], deleted: [ERASED], erased: [ERASED] });
    const { pseudonyms, db } = s;
    // the sales named today's and yesterday's pseudonyms: their rows go; the raw id no row of theirs tied to them
    // stays as an anonymous device's
    expect(scan(db, [ERASED_ID, pseudonyms.of(APP, T0), pseudonyms.of(APP, T0 - DAY)])).toEqual([]);
    expect(count(db, "SELECT count(*) FROM decisions WHERE id = 'dec-e'")).toBe(0);
  });

  it('leaves no byte of the erased customer in the database file or its WAL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-erasure-'));
    const path = join(dir, 'gateway.db');
    const s = setup(path);
    populate(s);
    const needles = [ERASED_ID, APP, ...s.pseudonyms.allOf(APP), 'LOY-ZELDA-77', 'Zelda'];
    s.db.pragma('wal_checkpoint(PASSIVE)');
    const bytes = () => {
      const files = [path, `${path}-wal`].map((f) => {
        try {
          return readFileSync(f).toString('latin1');
        } catch {
          return '';
        }
      });
      return needles.filter((n) => files.some((f) => (typeof n === 'string' ? f.includes(n) : n.test(f))));
    };
    expect(bytes()).toEqual(needles);
    s.cache.applyPage('profiles', { cursor: 5, profiles: [], deleted: [ERASED], erased: [ERASED] });
    expect(bytes()).toEqual([]);
  });
});
