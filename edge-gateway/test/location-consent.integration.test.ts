/**
 * Issue #8, acceptance 1: with location consent absent, a full simulator run stores nothing that names the device
 * (a scan of every table of the gateway's SQLite file); with consent, its sightings, visits and sessions are stored,
 * under rotating pseudonyms only.
 */
import { type CustomerProfile, CustomerProfile as CustomerProfileSchema, topics } from '@aisle/contracts';
import { demoCatalog, ShopperSimulation, withKnownShoppers } from '@aisle/simulators';
import { until } from '@aisle/testkit';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/index';
import { type Fixture, startFixture } from './fixture';

const CONSENTED = 'app-located-0001';
const NOT_CONSENTED = 'app-private-0002';
// the day before: the cloud dates consent records and profile changes by its own (real) clock
const START = Date.now() - 86_400_000;

function customer(customerId: string, location: boolean, device: string): CustomerProfile {
  return CustomerProfileSchema.parse({
    customerId,
    homeStoreId: 'test-store',
    consent: { personalization: true, location },
    favouriteCategories: ['skincare'],
    appDevices: [device],
    updatedAt: START,
  });
}

/** Every table of the database (sqlite_master), and the tables where any text or blob cell contains one of `needles`. */
function tablesHolding(gateway: Gateway, needles: readonly string[]): { tables: string[]; holding: Set<string> } {
  const db = gateway.store.db;
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all();
  const holding = new Set<string>();
  for (const table of tables)
    for (const row of db.prepare(`SELECT * FROM "${table}"`).iterate() as Iterable<Record<string, unknown>>)
      for (const cell of Object.values(row)) {
        const text = typeof cell === 'string' ? cell : Buffer.isBuffer(cell) ? cell.toString('latin1') : undefined;
        if (text !== undefined && needles.some((n) => text.includes(n))) holding.add(table);
      }
  return { tables, holding };
}

describe.each(['drop', 'transient'] as const)('a simulated store day with unconsentedPresence: %s', (mode) => {
  let fx: Fixture;
  let client: mqtt.MqttClient;
  let clock = START;
  const published = new Map<string, number>(); // device id → messages naming it
  const anonymous = new Set<string>();
  let inTransientPresence = false;

  beforeAll(async () => {
    fx = await startFixture({ privacy: { unconsentedPresence: mode } }, { now: () => clock }, 'test-store', {
      customers: [customer('cus-located', true, CONSENTED), customer('cus-private', false, NOT_CONSENTED)],
    });
    await until('profiles pulled', () => fx.gateway.profiles.size === 2);
    client = await mqtt.connectAsync(fx.urls.mqttUrl, { clientId: 'test-simulator' });

    // a simulated store, in which half the arriving shoppers are one of the two customers (while their phone is free)
    const outgoing: { topic: string; payload: string }[] = [];
    const publish = withKnownShoppers(
      (topic, payload) => {
        const device =
          'scannerId' in payload
            ? payload.deviceId
            : 'shopperDeviceId' in payload
              ? payload.shopperDeviceId
              : undefined;
        if (device) {
          published.set(device, (published.get(device) ?? 0) + 1);
          if (device !== CONSENTED && device !== NOT_CONSENTED) anonymous.add(device);
        }
        outgoing.push({ topic, payload: JSON.stringify(payload) });
      },
      [CONSENTED, NOT_CONSENTED],
      { share: 0.6, seed: 3, goneAfterMs: 20_000 },
    );
    const sim = new ShopperSimulation({
      plan: fx.plan,
      catalog: demoCatalog(),
      publish,
      shoppers: 5,
      dwellMs: [4_000, 8_000],
      seed: 7,
    });
    let sent = 0;
    const handled = async () => {
      const values = [
        ...(await fx.gateway.metrics.ingested.get()).values,
        ...(await fx.gateway.metrics.rejected.get()).values,
      ];
      return values.reduce((n, v) => n + v.value, 0);
    };
    // five simulated minutes, a second at a time; each second's messages are handled before the clock moves on
    for (let second = 0; second < 300; second++) {
      clock += 1_000;
      sim.tick(clock);
      for (const m of outgoing.splice(0)) {
        await client.publishAsync(m.topic, m.payload, { qos: 1 });
        sent++;
      }
      await until('messages handled', async () => (await handled()) === sent);
      if (fx.gateway.presence.get(NOT_CONSENTED)) inTransientPresence = true;
    }
    // everyone goes home: presence expires them (the gateway's 1 s timer), visits and sessions are closed
    clock += 60_000;
    await until('store empty', () => [...fx.gateway.presence.occupancy().values()].every((n) => n === 0));
    fx.gateway.flushSightings();
    fx.gateway.flushDecisions();
    fx.gateway.profiles.flushUsage();
  }, 240_000);

  afterAll(async () => {
    await client?.endAsync();
    await fx?.close();
  });

  it('the run had both customers and anonymous shoppers in it', () => {
    expect(published.get(CONSENTED) ?? 0).toBeGreaterThan(20);
    expect(published.get(NOT_CONSENTED) ?? 0).toBeGreaterThan(20);
    expect(anonymous.size).toBeGreaterThan(3);
  });

  it('stores nothing about the device without location consent: neither its id nor any of its pseudonyms', () => {
    const needles = [NOT_CONSENTED, ...fx.gateway.pseudonyms.allOf(NOT_CONSENTED)];
    const { tables, holding } = tablesHolding(fx.gateway, needles);
    expect(tables).toEqual(expect.arrayContaining(['sightings', 'visits', 'sessions', 'interactions', 'purchases']));
    // only the customer's profile as the cloud sent it, which is where the gateway learns it may not track the device
    expect([...holding].sort()).toEqual(['profile_devices', 'profiles']);
  });

  it('stores the consented device under its pseudonym only, never its id', () => {
    const pseudonyms = fx.gateway.pseudonyms.allOf(CONSENTED);
    expect(pseudonyms.length).toBeGreaterThan(0);
    const count = (table: string) =>
      fx.gateway.store.db
        .prepare(`SELECT count(*) FROM ${table} WHERE device_id IN (${pseudonyms.map(() => '?').join(',')})`)
        .pluck()
        .get(...pseudonyms) as number;
    expect(count('sightings')).toBeGreaterThan(0);
    expect(count('visits')).toBeGreaterThan(0);
    expect(count('sessions')).toBeGreaterThan(0);
    // visits and sessions were closed under the pseudonym they were opened with
    expect(fx.gateway.store.db.prepare('SELECT count(*) FROM sessions WHERE ended_at IS NULL').pluck().get()).toBe(0);
    expect([...tablesHolding(fx.gateway, [CONSENTED]).holding].sort()).toEqual(['profile_devices', 'profiles']);
  });

  it('stores no anonymous device under any name, and counts them anonymously per zone and hour', async () => {
    const anonymousNames = [...anonymous].flatMap((d) => [d, ...fx.gateway.pseudonyms.allOf(d)]);
    expect([...tablesHolding(fx.gateway, anonymousNames).holding]).toEqual([]);
    // only the consented shopper's sightings are stored at all
    const stored = fx.gateway.store.db.prepare('SELECT count(DISTINCT device_id) FROM sightings').pluck().get();
    expect(stored).toBe(1);
    const hourly = fx.gateway.store.db
      .prepare<[], { sightings: number; entries: number; dwell: number }>(
        'SELECT sum(sightings) AS sightings, sum(entries) AS entries, sum(dwell_ms) AS dwell FROM zone_hourly',
      )
      .get()!;
    expect(hourly.sightings).toBeGreaterThan(0);
    expect(hourly.entries).toBeGreaterThan(0);
    expect(hourly.dwell).toBeGreaterThan(0);
    const metrics = await fx.gateway.metrics.registry.metrics();
    const dropped = Number(/aisle_privacy_unconsented_sightings_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
    expect(dropped).toBe(hourly.sightings);
  });

  it(`${mode === 'drop' ? 'does not track' : 'tracks in memory only'} the shopper without consent`, () => {
    expect(inTransientPresence).toBe(mode === 'transient');
  });

  it('stops storing a device as soon as its customer withdraws location consent in the cloud', async () => {
    const res = await fetch(`${fx.cloudUrl}/v1/customers/cus-located/consent`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fx.operatorCredential}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        purpose: 'location',
        state: 'withdrawn',
        policyVersion: '2026-01',
        channel: 'app',
        at: Date.now(),
      }),
    });
    expect(res.status).toBe(201);
    expect(fx.gateway.locationConsent.allows(CONSENTED)).toBe(true);
    await fx.gateway.refreshProfiles();
    expect(fx.gateway.profiles.peek('cus-located')?.consent.location).toBe(false);
    expect(fx.gateway.locationConsent.allows(CONSENTED)).toBe(false);

    const storedRows = () =>
      fx.gateway.store.db
        .prepare('SELECT (SELECT count(*) FROM sightings) + (SELECT count(*) FROM visits)')
        .pluck()
        .get();
    const unconsented = async () => (await fx.gateway.metrics.sightingsUnconsented.get()).values[0]?.value ?? 0;
    const before = storedRows();
    const countedBefore = await unconsented();
    for (let i = 0; i < 5; i++) {
      clock += 1_000;
      const sighting = {
        eventId: `ble-withdrawn-${mode}-${i}`,
        scannerId: 'scanner-beauty',
        deviceId: CONSENTED,
        rssi: -50,
        ts: clock,
      };
      await client.publishAsync(topics.beaconSighting('test-store', 'scanner-beauty'), JSON.stringify(sighting), {
        qos: 1,
      });
    }
    // counted, anonymously, instead of being stored
    await until('sightings counted', async () => (await unconsented()) === countedBefore + 5);
    fx.gateway.flushSightings();
    expect(storedRows()).toBe(before);
  });
});
