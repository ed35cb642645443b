import { schemaExamples } from '@aisle/contracts';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cloud, createCloud } from './app';

const purchase = schemaExamples.PosPurchase.example;
const seed = { catalog: schemaExamples.Catalog.example, customers: [schemaExamples.CustomerProfile.example] };
let cloud: Cloud;

function start() {
  cloud = createCloud({ databasePath: ':memory:', logger: pino({ level: 'silent' }), seed });
  return cloud.app;
}

afterEach(async () => {
  await cloud?.app.close();
});

describe('cloud-sync', () => {
  it('serves the seeded catalog and customer profiles', async () => {
    const app = start();
    const catalog = await app.inject({ method: 'GET', url: '/v1/catalog' });
    expect(catalog.json().items.map((p: { id: string }) => p.id)).toEqual(['sku-000001']);
    const customer = await app.inject({ method: 'GET', url: '/v1/customers/cus-0001' });
    expect(customer.json()).toMatchObject({ customerId: 'cus-0001', consent: { personalization: true } });
    const missing = await app.inject({ method: 'GET', url: '/v1/customers/nobody' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('accepts a purchase batch once and counts a replay as duplicates', async () => {
    const app = start();
    const batch = { storeId: 'seoul-01', purchases: [purchase, { ...purchase, eventId: 'pos-00000002' }] };
    const first = await app.inject({ method: 'POST', url: '/v1/stores/seoul-01/purchases', payload: batch });
    expect(first.json()).toEqual({ accepted: 2, duplicates: 0 });
    const replay = await app.inject({ method: 'POST', url: '/v1/stores/seoul-01/purchases', payload: batch });
    expect(replay.json()).toEqual({ accepted: 0, duplicates: 2 });
    expect(cloud.store.purchaseCount('seoul-01')).toBe(2);
  });

  it('answers an invalid body with 400 and the failing fields, and stores nothing', async () => {
    const app = start();
    const bad = { storeId: 'seoul-01', purchases: [{ ...purchase, total: -1 }] };
    const res = await app.inject({ method: 'POST', url: '/v1/stores/seoul-01/purchases', payload: bad });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_body');
    expect(res.json().error.issues.join()).toMatch(/purchases\.0\.total/);
    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/stores/seoul-01/purchases',
      payload: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.statusCode).toBe(400);
    expect(cloud.store.purchaseCount('seoul-01')).toBe(0);
  });

  it('answers a malformed store id with 400 on every store route', async () => {
    const app = start();
    const count = await app.inject({ method: 'GET', url: '/v1/stores/a%2Fb/purchases/count' });
    expect(count.statusCode).toBe(400);
    expect(count.json().error.code).toBe('invalid_id');
  });

  it('refuses purchases posted under another store', async () => {
    const app = start();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/stores/busan-02/purchases',
      payload: { storeId: 'seoul-01', purchases: [purchase] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('store_mismatch');
  });
});
