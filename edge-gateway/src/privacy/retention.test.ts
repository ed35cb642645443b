import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayConfig } from '../config';
import { GatewayStore } from '../store/db';
import { Pseudonyms } from './pseudonyms';
import { RETENTION_CLASSES, Retention } from './retention';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 30, 9);
const stores: GatewayStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

const config = GatewayConfig.parse({
  databasePath: ':memory:',
  floorPlanPath: 'unused',
  modelDir: 'unused',
  cloudUrl: 'http://127.0.0.1:1',
  storage: { rawRetentionHours: 24 },
  privacy: {
    retention: {
      visitsDays: 10,
      sessionsDays: 10,
      interactionsDays: 20,
      decisionsDays: 30,
      deadLettersDays: 5,
      screenMessagesDays: 2,
      outboxSentDays: 3,
      zoneHourlyDays: 100,
    },
  },
});

/** One row per class just past its retention, and one just inside it. */
function seed(store: GatewayStore, pseudonyms: Pseudonyms) {
  const db = store.db;
  const pair = (keepMs: number, insert: (at: number, tag: string) => void) => {
    insert(NOW - keepMs - HOUR, 'old');
    insert(NOW - keepMs + HOUR, 'new');
  };
  pair(DAY, (at, t) =>
    db
      .prepare('INSERT INTO sightings (device_id, scanner_id, rssi, ts, received_at) VALUES (?, ?, -50, ?, ?)')
      .run(t, 's', at, at),
  );
  pair(10 * DAY, (at, t) =>
    db.prepare("INSERT INTO visits (device_id, zone_id, entered_at, left_at) VALUES (?, 'z', ?, ?)").run(t, at, at + 1),
  );
  pair(10 * DAY, (at, t) => db.prepare('INSERT INTO sessions (device_id, started_at) VALUES (?, ?)').run(t, at));
  pair(20 * DAY, (at, t) =>
    db
      .prepare("INSERT INTO interactions (event_id, zone_id, item_id, action, ts) VALUES (?, 'z', 'i', 'picked_up', ?)")
      .run(`int-${t}`, at),
  );
  pair(20 * DAY, (at, t) =>
    db.prepare("INSERT INTO rfid_reads (event_id, epc, zone_id, ts) VALUES (?, 'epc', 'z', ?)").run(`rfid-${t}`, at),
  );
  pair(30 * DAY, (at, t) =>
    db
      .prepare(
        `INSERT INTO decisions (id, at, zone_id, trigger, personalized, model_version, arm, propensity, context, items)
         VALUES (?, ?, 'z', 'zone', 0, 'v1', 'top', 1, '{}', '[]')`,
      )
      .run(`dec-${t}`, at),
  );
  pair(5 * DAY, (at) =>
    db.prepare("INSERT INTO dead_letters (topic, reason, received_at) VALUES ('t', 'bad_json', ?)").run(at),
  );
  // screen "a": an old and a new message; screen "b": only an old one, its newest, which must stay
  pair(2 * DAY, (at, t) =>
    db
      .prepare("INSERT INTO screen_messages (screen_id, seq, event, payload, sent_at) VALUES ('a', ?, 'e', '{}', ?)")
      .run(t === 'old' ? 1 : 2, at),
  );
  db.prepare("INSERT INTO screen_messages (screen_id, seq, event, payload, sent_at) VALUES ('b', 7, 'e', '{}', ?)").run(
    NOW - 30 * DAY,
  );
  pair(3 * DAY, (at) =>
    db.prepare("INSERT INTO outbox (kind, payload, created_at, sent_at) VALUES ('purchase', '{}', ?, ?)").run(at, at),
  );
  // an unsent row, however old, is the cloud's and stays
  db.prepare("INSERT INTO outbox (kind, payload, created_at, store_seq) VALUES ('purchase', '{}', ?, 1)").run(
    NOW - 90 * DAY,
  );
  pair(100 * DAY, (at, t) =>
    db
      .prepare('INSERT INTO zone_hourly (zone_id, hour_start, entries) VALUES (?, ?, 1)')
      .run(`z-${t}`, at - (at % HOUR)),
  );
  // salts: a day's salt lives as long as the longest retention of the tables holding pseudonyms (decisions, 30 days)
  pseudonyms.of('app-a', NOW - 32 * DAY);
  pseudonyms.of('app-a', NOW - 29 * DAY);
  pseudonyms.of('app-a', NOW);
}

const count = (store: GatewayStore, table: string, where = 'true') =>
  store.db.prepare(`SELECT count(*) FROM ${table} WHERE ${where}`).pluck().get() as number;

describe('retention at the store', () => {
  it('purges every class past its own retention and keeps what is inside it', async () => {
    const store = new GatewayStore(':memory:');
    stores.push(store);
    const pseudonyms = new Pseudonyms(store.db);
    const registry = new Registry();
    const retention = new Retention({ db: store.db, pseudonyms, config, registry, now: () => NOW });
    seed(store, pseudonyms);
    expect(retention.keepMs('salts')).toBe(30 * DAY);

    const { purged } = retention.purge(NOW);
    expect(purged).toEqual({
      sightings: 1,
      visits: 1,
      sessions: 1,
      interactions: 2, // a shelf interaction and an RFID read
      decisions: 1,
      dead_letters: 1,
      screen_messages: 1,
      outbox_sent: 1,
      zone_hourly: 1,
      salts: 1,
    });
    for (const table of ['sightings', 'visits', 'sessions', 'interactions', 'rfid_reads', 'decisions', 'dead_letters'])
      expect(count(store, table), table).toBe(1);
    expect(count(store, 'screen_messages', "screen_id = 'a'")).toBe(1);
    expect(count(store, 'screen_messages', "screen_id = 'b'")).toBe(1); // its newest message keeps the sequence
    expect(count(store, 'outbox', 'sent_at IS NOT NULL')).toBe(1);
    expect(count(store, 'outbox', 'sent_at IS NULL')).toBe(1);
    expect(count(store, 'zone_hourly')).toBe(1);
    expect(count(store, 'pseudonym_salts')).toBe(2);
    expect(pseudonyms.allOf('app-a')).toHaveLength(2);

    // nothing more to do a moment later
    expect(Object.values(retention.purge(NOW + 1).purged).every((n) => n === 0)).toBe(true);

    const text = await registry.metrics();
    for (const c of RETENTION_CLASSES) expect(text).toContain(`aisle_retention_purged_total{class="${c}"}`);
    expect(text).toContain('aisle_retention_purged_total{class="interactions"} 2');
    expect(text).toContain('aisle_retention_purged_total{class="salts"} 1');
    // the oldest visit kept entered 10 days less an hour ago
    const age = (c: string) =>
      Number(new RegExp(`aisle_retention_oldest_age_seconds\\{class="${c}"\\} (\\S+)`).exec(text)?.[1]);
    expect(age('visits')).toBe((10 * DAY - HOUR) / 1000);
    expect(age('sightings')).toBe((DAY - HOUR) / 1000);
    expect(age('outbox_sent')).toBe((3 * DAY - HOUR) / 1000);
  });

  it('reports an age of 0 for a class with nothing kept', async () => {
    const store = new GatewayStore(':memory:');
    stores.push(store);
    const registry = new Registry();
    const retention = new Retention({
      db: store.db,
      pseudonyms: new Pseudonyms(store.db),
      config,
      registry,
      now: () => NOW,
    });
    retention.purge(NOW);
    expect(await registry.metrics()).toContain('aisle_retention_oldest_age_seconds{class="visits"} 0');
  });
});
