import { AggregateResponse, PrivacyBudget } from '@aisle/contracts';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/index';
import { hashApiToken } from '../src/privacy/aggregates';
import { type Fixture, startFixture } from './fixture';

/**
 * Dashboards read the store's privacy-protected aggregates over the gateway's HTTP API: staff screens with their
 * device token, chain dashboards with an API token from the config; the ε ledger lives in the gateway's database.
 */
const HOUR = 3_600_000;
const API_TOKEN = 'chain-dashboard-0123456789abcdef';
let fx: Fixture;
let gateway: Gateway;
let staffToken: string;
let url: string;
const yesterday = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;
const range = `from=${new Date(yesterday).toISOString()}&to=${new Date(yesterday + 86_400_000).toISOString()}`;

beforeAll(async () => {
  fx = await startFixture({
    privacy: { aggregates: { k: 10, epsilonPerQuery: 1, epsilonPerDay: 2, apiTokenHashes: [hashApiToken(API_TOKEN)] } },
  });
  gateway = fx.gateway;
  url = fx.urls.httpUrl;
  staffToken = gateway.pairScreen(fx.plan.screens.find((s) => s.kind === 'staff')!.id);
  const put = gateway.store.db.prepare('INSERT INTO zone_hourly (zone_id, hour_start, entries) VALUES (?, ?, ?)');
  for (const zone of fx.plan.zones) for (let h = 8; h < 20; h++) put.run(zone.id, yesterday + h * HOUR, 30 + h);
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  await fx?.cloud.app.close();
});

const get = (path: string, token?: string) =>
  fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('aggregates on a running gateway', () => {
  let first: AggregateResponse;

  it('serves staff screens and chain dashboards, and nobody else', async () => {
    expect((await get(`/v1/aggregates/footfall?${range}`)).status).toBe(401);
    const res = await get(`/v1/aggregates/footfall?${range}&granularity=day`, staffToken);
    expect(res.status).toBe(200);
    first = AggregateResponse.parse(await res.json());
    expect(first.release.cells).toHaveLength(fx.plan.zones.length);
    expect(first.release.cells.every((c) => !c.suppressed && c.value! >= 10)).toBe(true);
    const chain = await get(`/v1/aggregates/heatmap?${range}`, API_TOKEN);
    expect(chain.status).toBe(200);
    const day = new Date(yesterday).toISOString().slice(0, 10);
    const budget = PrivacyBudget.parse(await (await get(`/v1/aggregates/budget?day=${day}`, API_TOKEN)).json());
    expect(budget).toMatchObject({ spent: 2, remaining: 0, releases: 2 });
    const refused = await get(`/v1/aggregates/dwell?${range}`, staffToken);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'privacy_budget_exhausted', period: day } });
    expect(await (await fetch(`${url}/metrics`)).text()).toContain(`aisle_privacy_epsilon_spent{period="${day}"`);
  });

  it('keeps the ledger and the releases across a restart', async () => {
    const { config } = gateway;
    await gateway.close();
    gateway = await createGateway(
      { ...config, http: { ...config.http, port: 0 } },
      { logger: pino({ level: 'silent' }) },
    );
    url = (await gateway.listen()).httpUrl;
    const again = await get(`/v1/aggregates/footfall?${range}&granularity=day`, staffToken);
    expect(await again.json()).toEqual({ ...first, cached: true });
    expect((await get(`/v1/aggregates/dwell?${range}`, staffToken)).status).toBe(429);
  });
});
