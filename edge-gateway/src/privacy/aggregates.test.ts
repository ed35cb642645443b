import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AggregateKind, AggregateQuery, type AggregateQueryInput, AggregateRelease } from '@aisle/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStore } from '../store/db';
import { type AggregatesOptions, PrivateAggregates } from './aggregates';
import { seededRandom } from './testing';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const DAY0 = Date.UTC(2026, 10, 20); // a Friday, 00:00 UTC
const NOW = DAY0 + 10 * DAY + 15 * HOUR + 20 * 60_000;
const ZONES = ['entrance', 'shoes', 'denim'];

const stores: GatewayStore[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(path = ':memory:'): GatewayStore {
  const store = new GatewayStore(path);
  stores.push(store);
  return store;
}

function aggregates(store: GatewayStore, opts: Partial<AggregatesOptions> = {}, seed = 1) {
  return new PrivateAggregates(store.db, {
    zones: ZONES,
    k: 10,
    epsilonPerQuery: 1,
    epsilonPerDay: 10,
    maxEntriesPerShopperDay: 1_000,
    now: () => NOW,
    rng: seededRandom(seed),
    ...opts,
  });
}

function hourly(store: GatewayStore, zoneId: string, hourStart: number, entries: number): void {
  store.db
    .prepare('INSERT OR REPLACE INTO zone_hourly (zone_id, hour_start, entries) VALUES (?, ?, ?)')
    .run(zoneId, hourStart, entries);
}

function visit(store: GatewayStore, deviceId: string, zoneId: string, enteredAt: number, dwellMs: number): void {
  store.db
    .prepare('INSERT INTO visits (device_id, zone_id, entered_at, left_at) VALUES (?, ?, ?, ?)')
    .run(deviceId, zoneId, enteredAt, enteredAt + dwellMs);
}

const q = (input: AggregateQueryInput) => AggregateQuery.parse(input);
const range = (fromMs: number, toMs: number, extra: Partial<AggregateQueryInput> = {}) =>
  q({ from: String(fromMs), to: String(toMs), ...extra });

function release(a: PrivateAggregates, kind: AggregateKind, query: AggregateQuery) {
  const r = a.query(kind, query);
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r)}`);
  return AggregateRelease.parse(r.response.release) && r.response;
}

describe('k-suppression over many datasets', () => {
  it('never publishes a cell whose true count is below k, nor a value below k, and does add noise', () => {
    let published = 0;
    let noised = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const data = seededRandom(10_000 + seed);
      const k = 5 + data.int(20);
      const store = open();
      const a = aggregates(store, { k, epsilonPerQuery: 0.5 + data.int(4) / 2 }, seed);
      // counts mostly just around k, some far above, some zero
      const truth = new Map<string, number>();
      for (const zone of ZONES)
        for (let h = 0; h < 6; h++) {
          const roll = data.int(10);
          const n = roll < 7 ? Math.max(0, k - 3 + data.int(7)) : roll < 9 ? k + data.int(200) : 0;
          hourly(store, zone, DAY0 + 9 * HOUR + h * HOUR, n);
          truth.set(`${zone}@${DAY0 + 9 * HOUR + h * HOUR}`, n);
        }
      const { release: footfall } = release(a, 'footfall', range(DAY0 + 9 * HOUR, DAY0 + 15 * HOUR));
      if (footfall.kind !== 'footfall') throw new Error('kind');
      for (const c of footfall.cells) {
        const n = truth.get(`${c.zoneId}@${Date.parse(c.start)}`)!;
        if (c.suppressed) {
          expect(c.value).toBeNull();
          continue;
        }
        published++;
        if (c.value !== n) noised++;
        expect(n).toBeGreaterThanOrEqual(k);
        expect(c.value).toBeGreaterThanOrEqual(k);
      }
      // the heatmap and daily footfall sum cells: every published sum is from at least k entries too
      const { release: heat } = release(a, 'heatmap', range(DAY0 + 9 * HOUR, DAY0 + 15 * HOUR));
      if (heat.kind !== 'heatmap') throw new Error('kind');
      for (const c of heat.cells) {
        const n = truth.get(`${c.zoneId}@${DAY0 + c.hourOfDay * HOUR}`) ?? 0;
        if (c.suppressed) expect(c.value).toBeNull();
        else expect([n >= k, c.value! >= k]).toEqual([true, true]);
      }
      const { release: daily } = release(a, 'footfall', range(DAY0, DAY0 + DAY, { granularity: 'day' }));
      if (daily.kind !== 'footfall') throw new Error('kind');
      for (const c of daily.cells) {
        const n = [...truth].filter(([key]) => key.startsWith(`${c.zoneId}@`)).reduce((s, [, v]) => s + v, 0);
        if (c.suppressed) expect(c.value).toBeNull();
        else expect([n >= k, c.value! >= k]).toEqual([true, true]);
      }
    }
    expect(published).toBeGreaterThan(500);
    expect(noised / published).toBeGreaterThan(0.5); // the values are noised, not the truth
  });

  it('dwell: each shopper-day in a zone is one count in one bucket; buckets below k are withheld', () => {
    const store = open();
    const start = DAY0 + 10 * HOUR;
    // 30 shoppers for 2 minutes in shoes, 12 for 20 minutes (two visits of 10 each), 4 for over half an hour
    for (let i = 0; i < 30; i++) visit(store, `a${i}`, 'shoes', start + i * 1000, 120_000);
    for (let i = 0; i < 12; i++) {
      visit(store, `b${i}`, 'shoes', start + i * 1000, 600_000);
      visit(store, `b${i}`, 'shoes', start + HOUR + i * 1000, 600_000);
    }
    for (let i = 0; i < 4; i++) visit(store, `c${i}`, 'shoes', start, 2_000_000);
    // a visit still open is not counted
    store.db.prepare("INSERT INTO visits (device_id, zone_id, entered_at) VALUES ('open', 'shoes', ?)").run(start);
    // ε large against Δ = 1 zone: the noise is almost always 0, so the buckets show
    const a = aggregates(store, { epsilonPerQuery: 10, epsilonPerDay: 100 });
    const { release: r } = release(a, 'dwell', range(DAY0, DAY0 + DAY, { zone: 'shoes' }));
    if (r.kind !== 'dwell') throw new Error('kind');
    expect(r.sensitivity).toBe(1);
    expect(r.cells.map((c) => [c.fromMs, c.toMs, c.value])).toEqual([
      [0, 60_000, null],
      [60_000, 300_000, 30],
      [300_000, 900_000, null],
      [900_000, 1_800_000, 12],
      [1_800_000, null, null],
    ]);
  });
});

describe('sensitivity follows the query shape', () => {
  it('footfall and heatmaps: zones × hours of the fullest day in the range; dwell: zones', () => {
    const a = aggregates(open(), { epsilonPerDay: 100 });
    const sens = (kind: AggregateKind, query: AggregateQuery) => release(a, kind, query).release.sensitivity;
    expect(sens('footfall', range(DAY0 + 9 * HOUR, DAY0 + 12 * HOUR))).toBe(3 * 3);
    expect(sens('footfall', range(DAY0 + 9 * HOUR, DAY0 + 12 * HOUR, { zone: 'shoes' }))).toBe(3);
    expect(sens('footfall', range(DAY0 + 20 * HOUR, DAY0 + DAY + 2 * HOUR))).toBe(3 * 4);
    expect(sens('footfall', range(DAY0, DAY0 + 3 * DAY, { granularity: 'day' }))).toBe(3 * 24);
    expect(sens('heatmap', range(DAY0, DAY0 + 7 * DAY))).toBe(3 * 24);
    expect(sens('dwell', range(DAY0, DAY0 + 7 * DAY))).toBe(3);
  });

  it('never more than the entries one shopper-day may add (the writer stops counting beyond)', () => {
    const a = aggregates(open(), { epsilonPerDay: 100, maxEntriesPerShopperDay: 12 });
    const sens = (kind: AggregateKind, query: AggregateQuery) => release(a, kind, query).release.sensitivity;
    expect(sens('footfall', range(DAY0 + 9 * HOUR, DAY0 + 12 * HOUR))).toBe(3 * 3);
    expect(sens('footfall', range(DAY0, DAY0 + 3 * DAY, { granularity: 'day' }))).toBe(12);
    expect(sens('heatmap', range(DAY0, DAY0 + 7 * DAY))).toBe(12);
  });
});

describe('the ε budget ledger', () => {
  it('refuses exactly the query that would take a day past its budget (integer ε arithmetic)', () => {
    const a = aggregates(open(), { epsilonPerQuery: 0.1, epsilonPerDay: 1 });
    for (let h = 0; h < 10; h++) release(a, 'footfall', range(DAY0 + h * HOUR, DAY0 + (h + 1) * HOUR));
    expect(a.budget('2026-11-20')).toMatchObject({ spent: 1, remaining: 0, releases: 10 });
    const refused = a.query('footfall', range(DAY0 + 10 * HOUR, DAY0 + 11 * HOUR));
    expect(refused).toEqual({
      ok: false,
      status: 429,
      error: expect.objectContaining({
        code: 'privacy_budget_exhausted',
        period: '2026-11-20',
        remainingEpsilon: 0,
        resetsAt: null,
      }),
    });
    // another day of data has its own budget
    expect(a.query('footfall', range(DAY0 + DAY, DAY0 + DAY + HOUR)).ok).toBe(true);
  });

  it('random mixes of queries never take any day past its budget, and are refused exactly when they would', () => {
    const outcomes = { spent: 0, refused: 0, cached: 0 };
    for (let seed = 1; seed <= 15; seed++) {
      const pick = seededRandom(500 + seed);
      const perQuery = [0.3, 0.5, 1, 0.7][pick.int(4)]!;
      const perDay = 1 + pick.int(6);
      const a = aggregates(open(), { epsilonPerQuery: perQuery, epsilonPerDay: perDay }, seed);
      const model = new Map<string, number>(); // the test's own count of micro-ε per day
      const kinds: AggregateKind[] = ['footfall', 'dwell', 'heatmap'];
      for (let i = 0; i < 60; i++) {
        const from = DAY0 + pick.int(8 * 24) * HOUR;
        const to = from + (1 + pick.int(60)) * HOUR;
        const query = range(from, Math.min(to, NOW));
        if (Math.floor(query.from / HOUR) * HOUR >= Math.floor(NOW / HOUR) * HOUR) continue;
        const days: string[] = [];
        for (
          let d = Math.floor(query.from / DAY) * DAY;
          d < Math.min(query.to, Math.floor(NOW / HOUR) * HOUR);
          d += DAY
        )
          days.push(new Date(d).toISOString().slice(0, 10));
        const kind = kinds[pick.int(3)]!;
        const before = days.map((d) => a.budget(d).spent);
        const result = a.query(kind, query);
        const wouldExceed = days.some((d) => (model.get(d) ?? 0) + perQuery * 1e6 > perDay * 1e6 + 0.5);
        if (result.ok && result.response.cached) {
          expect(days.map((d) => a.budget(d).spent)).toEqual(before);
          outcomes.cached++;
          continue;
        }
        expect(result.ok).toBe(!wouldExceed);
        outcomes[result.ok ? 'spent' : 'refused']++;
        if (result.ok) for (const d of days) model.set(d, (model.get(d) ?? 0) + Math.round(perQuery * 1e6));
        else expect(days.map((d) => a.budget(d).spent)).toEqual(before);
      }
      for (const [day, micro] of model) {
        expect(a.budget(day).spent).toBeCloseTo(micro / 1e6, 9);
        expect(a.budget(day).spent).toBeLessThanOrEqual(perDay);
      }
    }
    // both sides of the boundary were exercised
    expect(outcomes.spent).toBeGreaterThan(50);
    expect(outcomes.refused).toBeGreaterThan(50);
  });

  it('the same query in the same period is answered again from the ledger, unchanged and free', () => {
    const store = open();
    for (const z of ZONES) hourly(store, z, DAY0 + 9 * HOUR, 40);
    const a = aggregates(store);
    const first = release(a, 'footfall', range(DAY0 + 9 * HOUR, DAY0 + 10 * HOUR));
    expect(first.cached).toBe(false);
    const spent = a.budget('2026-11-20').spent;
    // the same range written differently (ISO, unrounded) is the same query
    const again = release(
      a,
      'footfall',
      q({ from: new Date(DAY0 + 9 * HOUR + 5).toISOString(), to: String(DAY0 + 10 * HOUR - 1) }),
    );
    expect(again).toEqual({ release: first.release, cached: true });
    expect(a.budget('2026-11-20').spent).toBe(spent);
    // a differently seeded mechanism would have drawn other noise: the answer really comes from the ledger
    const other = aggregates(store, {}, 99);
    expect(release(other, 'footfall', range(DAY0 + 9 * HOUR, DAY0 + 10 * HOUR)).release).toEqual(first.release);
  });

  it('persists across a restart: spent ε, releases and refusals survive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-privacy-'));
    dirs.push(dir);
    const path = join(dir, 'gateway.db');
    let store = new GatewayStore(path);
    for (const z of ZONES) hourly(store, z, DAY0 + 9 * HOUR, 40);
    let a = aggregates(store, { epsilonPerQuery: 1, epsilonPerDay: 2 });
    const first = release(a, 'heatmap', range(DAY0, DAY0 + DAY));
    release(a, 'footfall', range(DAY0, DAY0 + DAY));
    store.close();

    store = open(path);
    a = aggregates(store, { epsilonPerQuery: 1, epsilonPerDay: 2 }, 1234);
    expect(a.budget('2026-11-20')).toMatchObject({ spent: 2, remaining: 0, releases: 2 });
    expect(release(a, 'heatmap', range(DAY0, DAY0 + DAY))).toEqual({ release: first.release, cached: true });
    expect(a.query('dwell', range(DAY0, DAY0 + DAY))).toMatchObject({ ok: false, status: 429 });
  });

  it('a multi-day query pays on every day it covers, and is refused when any one of them is short', () => {
    const a = aggregates(open(), { epsilonPerQuery: 1, epsilonPerDay: 2 });
    release(a, 'footfall', range(DAY0 + DAY, DAY0 + DAY + HOUR));
    release(a, 'footfall', range(DAY0 + DAY + HOUR, DAY0 + DAY + 2 * HOUR));
    const r = a.query('heatmap', range(DAY0, DAY0 + 3 * DAY));
    expect(r).toMatchObject({ ok: false, status: 429, error: { period: '2026-11-21' } });
    expect(a.budget('2026-11-20').spent).toBe(0); // nothing spent on a refused query
    expect(release(a, 'heatmap', range(DAY0, DAY0 + DAY)).release.periods).toEqual(['2026-11-20']);
    expect(release(a, 'heatmap', range(DAY0 + 2 * DAY, DAY0 + 4 * DAY)).release.periods).toEqual([
      '2026-11-22',
      '2026-11-23',
    ]);
    expect(a.budget('2026-11-22').spent).toBe(1);
  });
});

describe('ranges', () => {
  it('publishes whole UTC hours up to the last complete one, with a cell for every zone and hour', () => {
    const a = aggregates(open());
    const { release: r } = release(a, 'footfall', range(NOW - 2 * HOUR - 5, NOW + DAY));
    expect(r.from).toBe(new Date(DAY0 + 10 * DAY + 13 * HOUR).toISOString());
    expect(r.to).toBe(new Date(DAY0 + 10 * DAY + 15 * HOUR).toISOString());
    expect(r.cells).toHaveLength(ZONES.length * 2);
    expect(r.cells.every((c) => c.suppressed && c.value === null)).toBe(true);
  });

  it('a range without a complete hour or with a zone the store does not have is a bad request', () => {
    const a = aggregates(open());
    expect(a.query('footfall', range(NOW - 60_000, NOW + HOUR))).toMatchObject({ ok: false, status: 400 });
    expect(a.query('footfall', range(DAY0, DAY0 + HOUR, { zone: 'attic' }))).toMatchObject({
      ok: false,
      status: 400,
      message: 'no zone "attic" in this store',
    });
  });
});
