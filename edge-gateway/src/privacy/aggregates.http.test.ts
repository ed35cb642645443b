import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AggregateResponse, ApiError, BudgetExhaustedError, PrivacyBudget } from '@aisle/contracts';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttp } from '../http/server';
import { ScreenPairing } from '../realtime/pairing';
import { GatewayStore } from '../store/db';
import { apiTokenMatches, hashApiToken, PrivateAggregates, registerAggregateRoutes } from './aggregates';
import { seededRandom } from './testing';

const HOUR = 3_600_000;
const DAY0 = Date.UTC(2026, 10, 20);
const NOW = DAY0 + 2 * 86_400_000 + 9 * HOUR;
const API_TOKEN = 'chain-dashboard-token-0123456789';

let dir: string;
let store: GatewayStore;
let app: Awaited<ReturnType<typeof createHttp>>;
let staffToken: string;
let kioskToken: string;

async function start(epsilonPerDay = 3): Promise<void> {
  store = new GatewayStore(join(dir, 'gateway.db'));
  const pairing = new ScreenPairing(store.db, () => NOW);
  staffToken = pairing.pair('staff-1', 'staff');
  kioskToken = pairing.pair('kiosk-1', 'kiosk');
  const registry = new Registry();
  app = await createHttp({ logger: pino({ level: 'silent' }), registry, health: () => ({}), screens: {} });
  const aggregates = new PrivateAggregates(store.db, {
    zones: ['entrance', 'shoes'],
    k: 10,
    epsilonPerQuery: 1,
    epsilonPerDay,
    maxEntriesPerShopperDay: 12,
    now: () => NOW,
    rng: seededRandom(5),
  });
  aggregates.registerMetrics(registry);
  registerAggregateRoutes(app, {
    aggregates,
    authorize: (t) => pairing.lookup(t)?.kind === 'staff' || apiTokenMatches(t, [hashApiToken(API_TOKEN)]),
  });
}

async function stop(): Promise<void> {
  await app.close();
  store.close();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aisle-aggregates-http-'));
  await start();
  const put = store.db.prepare('INSERT INTO zone_hourly (zone_id, hour_start, entries) VALUES (?, ?, ?)');
  for (let h = 0; h < 24; h++) put.run('entrance', DAY0 + h * HOUR, 50 + h);
});
afterEach(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

/** With the staff screen's token unless told otherwise; `null` sends none. */
const get = (url: string, token: string | null = staffToken) =>
  app.inject({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
const day = `from=${new Date(DAY0).toISOString()}&to=${new Date(DAY0 + 86_400_000).toISOString()}`;

describe('GET /v1/aggregates/*', () => {
  it('answers a staff screen token and a gateway API token with a valid release', async () => {
    for (const token of [staffToken, API_TOKEN]) {
      const res = await get(`/v1/aggregates/footfall?${day}&granularity=day`, token);
      expect(res.statusCode).toBe(200);
      const body = AggregateResponse.parse(res.json());
      // 2 zones × 24 h = 48 zone-hours in the day, but one shopper-day adds at most 12 entries
      expect(body.release).toMatchObject({ kind: 'footfall', k: 10, epsilon: 1, sensitivity: 12 });
      expect(body.release.cells.map((c) => c.suppressed)).toEqual([false, true]);
    }
    for (const kind of ['heatmap', 'dwell']) expect((await get(`/v1/aggregates/${kind}?${day}`)).statusCode).toBe(200);
  });

  it('refuses a missing or wrong token, and a paired screen that is not a staff screen', async () => {
    for (const token of [null, kioskToken, 'nope', `${staffToken}x`, '']) {
      const res = await get(`/v1/aggregates/heatmap?${day}`, token);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    const basic = await app.inject({
      method: 'GET',
      url: '/v1/aggregates/budget',
      headers: { authorization: `Basic ${Buffer.from(`x:${staffToken}`).toString('base64')}` },
    });
    expect(basic.statusCode).toBe(401);
    expect(store.db.prepare('SELECT count(*) AS n FROM privacy_ledger').get()).toEqual({ n: 0 });
  });

  it.each([
    ['no range', '', 'from'],
    ['a range the wrong way round', `from=${DAY0 + HOUR}&to=${DAY0}`, 'from'],
    ['a bad date', 'from=yesterday&to=today', 'from'],
    ['a bad granularity', `${day}&granularity=week`, 'granularity'],
    ['an unknown parameter', `${day}&epsilon=100`, ''],
    ['too long a range', `from=0&to=${NOW}`, 'to'],
  ])('400 with the issues for %s', async (_name, qs, path) => {
    const res = await get(`/v1/aggregates/footfall?${qs}`);
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(ApiError.parse(body).error).toMatchObject({ code: 'bad_request', message: 'invalid query string' });
    expect(body.error.issues.some((i: string) => i.startsWith(`${path || '(root)'}`))).toBe(true);
  });

  it('400 for an unknown zone or a range without a complete hour', async () => {
    expect((await get(`/v1/aggregates/dwell?${day}&zone=attic`)).json()).toEqual({
      error: { code: 'bad_request', message: 'no zone "attic" in this store' },
    });
    expect((await get(`/v1/aggregates/dwell?from=${NOW}&to=${NOW + HOUR}`)).statusCode).toBe(400);
  });

  it('429 privacy_budget_exhausted when the day has too little ε left; the same query stays free', async () => {
    const first = await get(`/v1/aggregates/heatmap?${day}`);
    await get(`/v1/aggregates/footfall?${day}`);
    await get(`/v1/aggregates/dwell?${day}`);
    const refused = await get(`/v1/aggregates/footfall?${day}&zone=shoes`);
    expect(refused.statusCode).toBe(429);
    expect(BudgetExhaustedError.parse(refused.json()).error).toMatchObject({
      period: '2026-11-20',
      remainingEpsilon: 0,
    });
    const again = await get(`/v1/aggregates/heatmap?${day}`);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ...first.json(), cached: true });
  });

  it('GET /v1/aggregates/budget shows a day’s spent and remaining ε; the ledger survives a restart', async () => {
    await get(`/v1/aggregates/footfall?${day}`);
    const budget = await get('/v1/aggregates/budget?day=2026-11-20');
    expect(PrivacyBudget.parse(budget.json())).toEqual({
      period: '2026-11-20',
      epsilonPerDay: 3,
      epsilonPerQuery: 1,
      spent: 1,
      remaining: 2,
      releases: 1,
    });
    expect((await get('/v1/aggregates/budget')).json()).toMatchObject({ period: '2026-11-22', spent: 0 });
    expect((await get('/v1/aggregates/budget?day=20-11-2026')).statusCode).toBe(400);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('aisle_privacy_epsilon_spent{period="2026-11-20"} 1');

    const before = (await get(`/v1/aggregates/footfall?${day}`)).json();
    await stop();
    await start();
    expect((await get('/v1/aggregates/budget?day=2026-11-20')).json()).toMatchObject({ spent: 1, remaining: 2 });
    expect((await get(`/v1/aggregates/footfall?${day}`)).json()).toEqual(before);
  });
});
