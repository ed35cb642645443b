import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStore } from './db';
import { SightingWriter } from './sighting-writer';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);
const stores: GatewayStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

const hourly = (store: GatewayStore) =>
  store.db
    .prepare('SELECT zone_id, hour_start, entries, sightings FROM zone_hourly ORDER BY zone_id, hour_start')
    .all();

describe('SightingWriter zone counts', () => {
  it('counts a shopper entering a zone at most once per hour, and again in the next hour', () => {
    const store = new GatewayStore(':memory:');
    stores.push(store);
    const writer = new SightingWriter(store, 1000);
    // shopper a walks in and out of beauty three times in one hour; b once; a once more the next hour
    writer.countEntry('beauty', T0 + 1_000, 'a');
    writer.countEntry('beauty', T0 + 60_000, 'a');
    writer.countEntry('beauty', T0 + 120_000, 'a');
    writer.countEntry('beauty', T0 + 130_000, 'b');
    writer.countEntry('shoes', T0 + 140_000, 'a');
    writer.flush();
    writer.countEntry('beauty', T0 + HOUR + 5_000, 'a');
    writer.countUnstored('beauty', T0 + HOUR + 6_000);
    writer.flush();
    expect(hourly(store)).toEqual([
      { zone_id: 'beauty', hour_start: T0, entries: 2, sightings: 0 },
      { zone_id: 'beauty', hour_start: T0 + HOUR, entries: 1, sightings: 1 },
      { zone_id: 'shoes', hour_start: T0, entries: 1, sightings: 0 },
    ]);
  });

  it("stops counting a shopper's day after its allowance of zone-hours, and starts again the next day", () => {
    const store = new GatewayStore(':memory:');
    stores.push(store);
    const writer = new SightingWriter(store, 1000, 2);
    writer.countEntry('beauty', T0, 'a');
    writer.countEntry('shoes', T0 + 1_000, 'a');
    writer.countEntry('toys', T0 + 2_000, 'a'); // a third zone-hour the same day: not counted
    writer.countEntry('toys', T0 + 3_000, 'b');
    writer.countEntry('toys', T0 + 86_400_000, 'a'); // the next day
    writer.flush();
    const entries = (zone: string) =>
      store.db.prepare('SELECT sum(entries) FROM zone_hourly WHERE zone_id = ?').pluck().get(zone);
    expect([entries('beauty'), entries('shoes'), entries('toys')]).toEqual([1, 1, 2]);
  });
});
