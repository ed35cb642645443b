import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerProfile, ProfilePage, type StoreAssortment, schemaExamples } from '@aisle/contracts';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Cloud, type CloudOptions, createCloud } from './app';
import { operatorToken } from './auth';
import { TEST_ADMIN_SECRET, testBackends, withCredential } from './testing';

const purchase = schemaExamples.PosPurchase.example;
const customer = CustomerProfile.parse(schemaExamples.CustomerProfile.example);
const seed = { catalog: schemaExamples.Catalog.example, customers: [customer] };
const assortment: StoreAssortment = {
  storeId: 'seoul-01',
  stock: [{ itemId: 'sku-000001', onHand: 4, aisle: 'A1' }],
  promotions: [
    {
      id: 'promo-1',
      label: { en: 'Spring', ko: '봄' },
      itemIds: [],
      category: 'skincare',
      boost: 0.2,
      startsAt: 0,
      endsAt: 2_000_000_000_000,
    },
  ],
  updatedAt: 1_764_400_000_000,
};
/** A batch of the store's outbox: `purchases` numbered from `firstSeq`. */
const outboxBatch = (firstSeq: number, purchases: (typeof purchase)[]) => ({
  storeId: 'seoul-01',
  batchId: `seoul-01:${firstSeq}-${firstSeq + purchases.length - 1}`,
  entries: purchases.map((p, i) => ({ seq: firstSeq + i, purchase: p })),
});
/** Customers of seoul-01: its feed carries them (a store's feed carries the customers in its scope). */
const profiles = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => ({
    ...customer,
    customerId: `cus-${String(from + i).padStart(4, '0')}`,
    homeStoreId: 'seoul-01',
  }));

describe.each(testBackends())('cloud-sync on $name', (backend) => {
  let cloud: Cloud | undefined;
  async function start(extra: Partial<CloudOptions> = {}) {
    cloud = await createCloud({
      database: await backend.fresh(),
      logger: pino({ level: 'silent' }),
      seed,
      adminSecret: TEST_ADMIN_SECRET,
      ...extra,
    });
    return withCredential(cloud.app, operatorToken(TEST_ADMIN_SECRET));
  }
  const store = () => cloud!.store;
  afterEach(async () => {
    await cloud?.app.close();
    cloud = undefined;
  });
  afterAll(() => backend.cleanup());

  it('serves the seeded catalog and customer profiles', async () => {
    const app = await start();
    const catalog = await app.inject({ method: 'GET', url: '/v1/catalog' });
    expect(catalog.json().items.map((p: { id: string }) => p.id)).toEqual(['sku-000001']);
    const customer = await app.inject({ method: 'GET', url: '/v1/customers/cus-0001' });
    expect(customer.json()).toMatchObject({ customerId: 'cus-0001', consent: { personalization: true } });
    const missing = await app.inject({ method: 'GET', url: '/v1/customers/nobody' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('accepts a purchase batch once and answers a re-send as the first time', async () => {
    const app = await start();
    const batch = outboxBatch(1, [purchase, { ...purchase, eventId: 'pos-00000002' }]);
    const first = await app.inject({ method: 'POST', url: '/v1/stores/seoul-01/purchases', payload: batch });
    const applied = { accepted: 2, duplicates: 0, highestContiguousSeq: 2, highestSeenSeq: 2, gaps: [] };
    expect(first.json()).toEqual(applied);
    const replay = await app.inject({ method: 'POST', url: '/v1/stores/seoul-01/purchases', payload: batch });
    expect(replay.json()).toEqual(applied);
    expect(await store().purchaseCount('seoul-01')).toBe(2);
  });

  it('reports gaps in the store sequence on GET /sync, and a reused seq as a 409 conflict', async () => {
    const app = await start();
    const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/stores/seoul-01/purchases', payload });
    const later = await post(outboxBatch(3, [{ ...purchase, eventId: 'pos-00000003' }]));
    expect(later.json()).toMatchObject({ accepted: 1, highestContiguousSeq: 0, gaps: [{ from: 1, to: 2 }] });
    const status = await app.inject({ method: 'GET', url: '/v1/stores/seoul-01/sync' });
    expect(status.json()).toEqual({
      storeId: 'seoul-01',
      highestContiguousSeq: 0,
      highestSeenSeq: 3,
      gaps: [{ from: 1, to: 2 }],
    });
    await post(outboxBatch(1, [purchase, { ...purchase, eventId: 'pos-00000002' }]));
    const closed = await app.inject({ method: 'GET', url: '/v1/stores/seoul-01/sync' });
    expect(closed.json()).toMatchObject({ highestContiguousSeq: 3, gaps: [] });
    const conflict = await post({
      ...outboxBatch(2, [{ ...purchase, eventId: 'pos-00000099' }]),
      batchId: 'reset:2-2',
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error).toMatchObject({ code: 'seq_conflict', message: expect.stringMatching(/reset/) });
    expect(await store().purchaseCount('seoul-01')).toBe(3);
    const unordered = await post({
      ...outboxBatch(5, [purchase]),
      entries: [
        { seq: 6, purchase },
        { seq: 5, purchase },
      ],
    });
    expect(unordered.statusCode).toBe(400);
    expect(unordered.json().error.issues.join()).toMatch(/ascending seq/);
  });

  it('answers an invalid body with 400 and the failing fields, and stores nothing', async () => {
    const app = await start();
    const bad = outboxBatch(1, [{ ...purchase, total: -1 }]);
    const res = await app.inject({ method: 'POST', url: '/v1/stores/seoul-01/purchases', payload: bad });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_body');
    expect(res.json().error.issues.join()).toMatch(/entries\.0\.purchase\.total/);
    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/stores/seoul-01/purchases',
      payload: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.statusCode).toBe(400);
    expect(await store().purchaseCount('seoul-01')).toBe(0);
  });

  it('answers a malformed store id with 400 on every store route', async () => {
    const app = await start();
    const count = await app.inject({ method: 'GET', url: '/v1/stores/a%2Fb/purchases/count' });
    expect(count.statusCode).toBe(400);
    expect(count.json().error.code).toBe('invalid_id');
  });

  it('refuses purchases posted under another store', async () => {
    const app = await start();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/stores/busan-02/purchases',
      payload: outboxBatch(1, [purchase]),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('store_mismatch');
  });

  it('pages profiles changed after a cursor, oldest change first, and says when there are more', async () => {
    const app = await start({ seed: { ...seed, customers: profiles(5) } });
    const page = async (url: string) => ProfilePage.parse((await app.inject({ method: 'GET', url })).json());
    const first = await page('/v1/stores/seoul-01/profiles?limit=2');
    expect(first.profiles.map((p) => p.customerId)).toEqual(['cus-0001', 'cus-0002']);
    expect(first.more).toBe(true);
    const second = await page(`/v1/stores/seoul-01/profiles?cursor=${first.cursor}&limit=2`);
    expect(second.profiles.map((p) => p.customerId)).toEqual(['cus-0003', 'cus-0004']);
    const last = await page(`/v1/stores/seoul-01/profiles?cursor=${second.cursor}&limit=2`);
    expect(last).toMatchObject({ profiles: [{ customerId: 'cus-0005' }], more: false });
    const idle = await page(`/v1/stores/seoul-01/profiles?cursor=${last.cursor}`);
    expect(idle).toEqual({ profiles: [], deleted: [], cursor: last.cursor, more: false });
    // none of them is in busan-02's scope
    expect((await page('/v1/stores/busan-02/profiles')).profiles).toHaveLength(0);
  });

  it('puts a changed profile after the cursor again, so stores see the new online cart', async () => {
    const app = await start({ seed: { ...seed, customers: profiles(3) } });
    const before = (await app.inject({ method: 'GET', url: '/v1/stores/seoul-01/profiles' })).json();
    const changed = { ...profiles(1, 2)[0]!, onlineCart: [{ itemId: 'sku-000001', quantity: 1, addedAt: 5 }] };
    const put = await app.inject({ method: 'PUT', url: '/v1/customers/cus-0002', payload: changed });
    expect(put.statusCode).toBe(200);
    const after = ProfilePage.parse(
      (await app.inject({ method: 'GET', url: `/v1/stores/seoul-01/profiles?cursor=${before.cursor}` })).json(),
    );
    expect(after.profiles).toEqual([CustomerProfile.parse(changed)]);
    expect(after.cursor).toBeGreaterThan(before.cursor);
    const fresh = await app.inject({ method: 'GET', url: '/v1/customers/cus-0002' });
    expect(fresh.json().onlineCart).toHaveLength(1);
    const created = await app.inject({ method: 'PUT', url: '/v1/customers/cus-0009', payload: profiles(1, 9)[0] });
    expect(created.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/customers/cus-0009' })).statusCode).toBe(200);
  });

  it('refuses a bad profile feed query, a bad profile and a profile put under another customer', async () => {
    const app = await start();
    for (const query of ['cursor=-1', 'cursor=abc', 'limit=0', 'limit=2001', 'limit=1.5']) {
      const res = await app.inject({ method: 'GET', url: `/v1/stores/seoul-01/profiles?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe('invalid_query');
    }
    const badStore = await app.inject({ method: 'GET', url: '/v1/stores/a%2Fb/profiles' });
    expect(badStore.json().error.code).toBe('invalid_id');
    const badBody = await app.inject({
      method: 'PUT',
      url: '/v1/customers/cus-0001',
      payload: { ...customer, onlineCart: [{ itemId: 'sku-000001', quantity: 0, addedAt: 1 }] },
    });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json().error.issues.join()).toMatch(/onlineCart\.0\.quantity/);
    const mismatch = await app.inject({ method: 'PUT', url: '/v1/customers/cus-0002', payload: customer });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error.code).toBe('customer_mismatch');
    const badId = await app.inject({ method: 'PUT', url: '/v1/customers/a%20b', payload: customer });
    expect(badId.json().error.code).toBe('invalid_id');
    expect(await store().customer('cus-0002')).toBeUndefined();
  });

  it('serves a store its assortment from the seed or the last put, and 404 before there is one', async () => {
    const app = await start({ seed: { ...seed, assortments: [assortment] } });
    const seeded = await app.inject({ method: 'GET', url: '/v1/stores/seoul-01/assortment' });
    expect(seeded.json()).toEqual(assortment);
    const none = await app.inject({ method: 'GET', url: '/v1/stores/busan-02/assortment' });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('not_found');
    const busan = { ...assortment, storeId: 'busan-02', promotions: undefined };
    const put = await app.inject({ method: 'PUT', url: '/v1/stores/busan-02/assortment', payload: busan });
    expect(put.statusCode).toBe(200);
    const got = await app.inject({ method: 'GET', url: '/v1/stores/busan-02/assortment' });
    expect(got.json()).toEqual({ ...assortment, storeId: 'busan-02', promotions: [] });
  });

  it('refuses a bad assortment and one put under another store', async () => {
    const app = await start();
    const bad = { ...assortment, stock: [{ itemId: 'sku-000001', onHand: -1 }] };
    const res = await app.inject({ method: 'PUT', url: '/v1/stores/seoul-01/assortment', payload: bad });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues.join()).toMatch(/stock\.0\.onHand/);
    const other = await app.inject({ method: 'PUT', url: '/v1/stores/busan-02/assortment', payload: assortment });
    expect(other.json().error.code).toBe('store_mismatch');
    const badId = await app.inject({ method: 'GET', url: '/v1/stores/a%2Fb/assortment' });
    expect(badId.json().error.code).toBe('invalid_id');
    expect(await store().assortment('seoul-01')).toBeUndefined();
  });

  it('keeps its data and change counter across a restart on the same file', async () => {
    const database =
      backend.name === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'aisle-cloud-')), 'cloud.db') : await backend.fresh();
    let app = await start({ database, seed: { ...seed, customers: profiles(2), assortments: [assortment] } });
    const cursor = (await app.inject({ method: 'GET', url: '/v1/stores/seoul-01/profiles' })).json().cursor;
    await app.close();
    app = await start({ database, seed: { ...seed, customers: profiles(9) } }); // not empty: the seed is ignored
    await app.inject({ method: 'PUT', url: '/v1/customers/cus-0001', payload: profiles(1)[0] });
    const page = (await app.inject({ method: 'GET', url: `/v1/stores/seoul-01/profiles?cursor=${cursor}` })).json();
    expect(page.profiles.map((p: { customerId: string }) => p.customerId)).toEqual(['cus-0001']);
    expect((await app.inject({ method: 'GET', url: '/v1/stores/seoul-01/assortment' })).statusCode).toBe(200);
  });
});
