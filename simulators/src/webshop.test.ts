import { type Cloud, createCloud, operatorToken } from '@aisle/cloud-sync';
import { CartView, CustomerProfile } from '@aisle/contracts';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCatalog } from './catalog';
import { demoCustomers } from './store';
import { runWebShopCommand, WebShop, WebShopError } from './webshop';

const SECRET = 'webshop-test-secret';
const catalog = demoCatalog().slice(0, 40);
const customers = demoCustomers(4, 11, Date.now(), catalog);
const ids = customers.map((c) => c.customerId);

let cloud: Cloud;
let url: string;

async function get<T>(path: string, parse: (v: unknown) => T): Promise<T> {
  const res = await cloud.app.inject({
    method: 'GET',
    url: path,
    headers: { authorization: `Bearer ${operatorToken(SECRET)}` },
  });
  expect(res.statusCode, path).toBe(200);
  return parse(res.json());
}

beforeAll(async () => {
  cloud = await createCloud({
    database: ':memory:',
    logger: pino({ level: 'silent' }),
    seed: { catalog: { items: catalog }, customers },
    adminSecret: SECRET,
  });
  url = await cloud.app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await cloud?.app.close();
});

describe('web-shop simulator', () => {
  it('browses, edits carts and checks out through the API, and its carts are the cloud’s', async () => {
    const lines: string[] = [];
    const shop = await WebShop.open({
      cloudUrl: url,
      token: operatorToken(SECRET),
      customers: ids,
      seed: 7,
      log: (l) => lines.push(l),
    });
    for (let i = 0; i < 120; i++) await shop.step();
    const { stats } = shop;
    expect(stats.errors).toBe(0);
    expect(stats.view + stats.add + stats.remove + stats.purchase).toBe(120);
    for (const kind of ['view', 'add', 'remove', 'purchase'] as const) expect(stats[kind]).toBeGreaterThan(0);
    expect(stats.edits).toBe(stats.add + stats.remove);
    expect(stats.events).toBe(120);
    expect(lines).toHaveLength(120);

    for (const id of ids) {
      const cart = await get(`/v1/customers/${id}/cart`, (v) => CartView.parse(v));
      const profile = await get(`/v1/customers/${id}`, (v) => CustomerProfile.parse(v));
      const seen = [...(shop.cartOf(id) ?? [])].sort();
      expect(cart.lines.map((l) => [l.itemId, l.quantity]).sort()).toEqual(seen);
      expect(profile.onlineCart.map((l) => [l.itemId, l.quantity]).sort()).toEqual(seen);
    }
    // each checkout is a purchase of the customer under the store id "web", in their profile as bought online
    const purchases = await cloud.store.db.selectFrom('purchases').selectAll().where('store_id', '=', 'web').execute();
    expect(purchases).toHaveLength(stats.purchase);
    for (const p of purchases) {
      const profile = await get(`/v1/customers/${p.customer_id}`, (v) => CustomerProfile.parse(v));
      for (const line of JSON.parse(p.payload).lines as { itemId: string }[])
        expect(profile.recentPurchases).toContainEqual({ itemId: line.itemId, at: Number(p.ts), channel: 'online' });
    }
    const events = await cloud.store.db.selectFrom('web_events').select('type').execute();
    expect(events).toHaveLength(120);
  });

  it('refuses to start for a customer the cloud does not know, or with a wrong credential', async () => {
    await expect(
      WebShop.open({ cloudUrl: url, token: operatorToken(SECRET), customers: ['cus-9999'] }),
    ).rejects.toMatchObject({ status: 404, code: 'not_found' });
    const wrong = WebShop.open({ cloudUrl: url, token: operatorToken('nope'), customers: ids });
    await expect(wrong).rejects.toBeInstanceOf(WebShopError);
    await expect(wrong).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('runs from the command line and ends with a JSON line of what it did', async () => {
    const out: string[] = [];
    const args = ['--cloud', url, '--token', operatorToken(SECRET), '--customers', ids.join(','), '--rate', '1000'];
    expect(await runWebShopCommand([...args, '--steps', '10', '--seed', '3'], (l) => out.push(l))).toBe(0);
    const summary = JSON.parse(out.at(-1)!);
    const { view, add, remove, purchase, errors } = summary.webshop;
    expect(view + add + remove + purchase).toBe(10);
    expect(errors).toBe(0);

    const bad: string[] = [];
    expect(await runWebShopCommand(['--cloud', url, '--token', 'nope', '--customers', ''], (l) => bad.push(l))).toBe(2);
    expect(bad.join('\n')).toMatch(/--token: the operator credential/);
    expect(bad.join('\n')).toMatch(/--customers/);
    expect(bad.at(-1)).toMatch(/^usage: /);
  });
});
