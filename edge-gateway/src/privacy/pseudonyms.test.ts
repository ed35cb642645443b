import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStore } from '../store/db';
import { Pseudonyms } from './pseudonyms';

const DAY = 86_400_000;
const MON = Date.UTC(2026, 10, 30, 9);
const stores: GatewayStore[] = [];
function open(path = ':memory:'): GatewayStore {
  const s = new GatewayStore(path);
  stores.push(s);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

describe('rotating pseudonyms', () => {
  it('are stable within a UTC day, differ across days and devices, and never contain the raw id', () => {
    const p = new Pseudonyms(open().db);
    const monday = p.of('app-alice-01', MON);
    expect(monday).toMatch(/^pn-[0-9a-f]{32}$/);
    expect(monday).not.toContain('alice');
    expect(p.of('app-alice-01', MON + 14 * 3_600_000)).toBe(monday); // 23:00 the same day
    expect(p.of('app-alice-01', MON + DAY)).not.toBe(monday);
    expect(p.of('app-bob-01', MON)).not.toBe(monday);
  });

  it('keeps each day its own random salt, in SQLite, across a restart', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'aisle-pn-')), 'gateway.db');
    const first = open(path);
    const monday = new Pseudonyms(first.db).of('app-alice-01', MON);
    first.close();
    const again = new Pseudonyms(open(path).db);
    expect(again.of('app-alice-01', MON)).toBe(monday);
    // another gateway (another file) has other salts: its pseudonyms cannot be joined with these
    expect(new Pseudonyms(open().db).of('app-alice-01', MON)).not.toBe(monday);
  });

  it('allOf lists the pseudonym under every salt still kept', () => {
    const store = open();
    const p = new Pseudonyms(store.db);
    const days = [0, 1, 2].map((d) => p.of('app-alice-01', MON + d * DAY));
    p.of('app-bob-01', MON + 3 * DAY); // a fourth salt, made by another device
    const all = p.allOf('app-alice-01');
    expect(all).toHaveLength(4);
    expect(all.slice(0, 3)).toEqual(days);
    expect(all[3]).toBe(p.of('app-alice-01', MON + 3 * DAY));
    expect(store.db.prepare('SELECT count(*) FROM pseudonym_salts').pluck().get()).toBe(4);
  });

  it('forgets the salts of days before a time, so their pseudonyms cannot be recomputed', () => {
    const store = open();
    const p = new Pseudonyms(store.db);
    const monday = p.of('app-alice-01', MON);
    const tuesday = p.of('app-alice-01', MON + DAY);
    expect(p.oldestDayStart()).toBe(MON - (MON % DAY));
    expect(p.forgetBefore(MON + DAY)).toBe(1); // the start of Tuesday: Monday's salt goes
    expect(p.allOf('app-alice-01')).toEqual([tuesday]);
    expect(p.oldestDayStart()).toBe(MON + DAY - (MON % DAY));
    // asked again about Monday, a fresh salt is drawn: the old pseudonym is not recovered
    expect(p.of('app-alice-01', MON)).not.toBe(monday);
    // and a restarted gateway does not know the forgotten salt either
    expect(new Pseudonyms(store.db).allOf('app-alice-01')).not.toContain(monday);
  });
});
