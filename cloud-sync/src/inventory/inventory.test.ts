import {
  type CatalogChangesPage,
  type InventoryPage,
  type Product,
  type StoreAssortment,
  schemaExamples,
} from '@aisle/contracts';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { cloudPerTest, testBackends } from '../testing';

const A = 'seoul-01';
const B = 'busan-02';
const NOW = 1_800_000_000_000;
const base = schemaExamples.Catalog.example.items[0]! as Product;
const product = (n: number): Product => ({ ...base, id: `sku-${String(n).padStart(6, '0')}` });
const catalog = Array.from({ length: 6 }, (_, i) => product(i + 1));
const promotion = {
  id: 'promo-1',
  label: { en: 'Spring', ko: '봄' },
  itemIds: [],
  category: 'skincare',
  boost: 0.2,
  startsAt: 0,
  endsAt: 2_000_000_000_000,
};
const assortmentOf = (storeId: string, stock: StoreAssortment['stock'], promotions = [promotion]): StoreAssortment => ({
  storeId,
  stock,
  promotions,
  updatedAt: NOW - 1000,
});
const seeded: Record<string, StoreAssortment> = {
  [A]: assortmentOf(A, [
    { itemId: 'sku-000001', onHand: 4, aisle: 'A1' },
    { itemId: 'sku-000002', onHand: 0, aisle: 'A2' },
    { itemId: 'sku-000003', onHand: 7 },
  ]),
  [B]: assortmentOf(B, [{ itemId: 'sku-000001', onHand: 9, aisle: 'B1' }]),
};

describe.each(testBackends())('catalog and inventory feeds on $name', (backend) => {
  const { start: startCloud, cloud, send } = cloudPerTest(backend, { now: NOW, stores: [A, B] });
  const start = () => startCloud({ catalog: { items: catalog }, assortments: [seeded[A]!, seeded[B]!] });
  const inventory = async (storeId: string, cursor = 0, limit = 500): Promise<InventoryPage> => {
    const res = await send(
      { method: 'GET', url: `/v1/stores/${storeId}/inventory?cursor=${cursor}&limit=${limit}` },
      storeId,
    );
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const changes = async (cursor = 0, limit = 500, as?: string): Promise<CatalogChangesPage> => {
    const res = await send({ method: 'GET', url: `/v1/catalog/changes?cursor=${cursor}&limit=${limit}` }, as);
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const patch = (storeId: string, body: unknown, as?: string) =>
    send({ method: 'PATCH', url: `/v1/stores/${storeId}/inventory`, payload: body as object }, as);
  const putAssortment = (a: StoreAssortment) =>
    send({ method: 'PUT', url: `/v1/stores/${a.storeId}/assortment`, payload: a });
  /** Every page from `cursor` on, `limit` at a time: the pages and the last cursor. */
  async function pullAll(storeId: string, cursor: number, limit: number) {
    const pages: InventoryPage[] = [];
    for (;;) {
      const page = await inventory(storeId, cursor, limit);
      pages.push(page);
      cursor = page.cursor;
      if (!page.more) return { pages, cursor };
    }
  }

  it('a store pulls its seeded stock from cursor 0, and nothing after its cursor until it changes', async () => {
    await start();
    const first = await inventory(A);
    expect(first.levels).toEqual(seeded[A]!.stock);
    expect(first).toMatchObject({ deleted: [], more: false });
    expect(first.assortmentSeq).toBeGreaterThan(0);
    expect(await inventory(A, first.cursor)).toMatchObject({ levels: [], deleted: [], cursor: first.cursor });
    expect((await inventory(B)).levels).toEqual(seeded[B]!.stock);
  });

  it('PATCH sets levels, applies deltas clamped at 0 and tombstones removals; the assortment follows', async () => {
    await start();
    const { cursor } = await inventory(A);
    const res = await patch(A, {
      changes: [
        { itemId: 'sku-000001', delta: -10 },
        { itemId: 'sku-000002', onHand: 12, aisle: 'C3' },
        { itemId: 'sku-000003', removed: true },
        { itemId: 'sku-000004', delta: 5 },
        { itemId: 'sku-000004', delta: 1 },
        { itemId: 'sku-000005', removed: true },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      levels: [
        { itemId: 'sku-000001', onHand: 0, aisle: 'A1' },
        { itemId: 'sku-000002', onHand: 12, aisle: 'C3' },
        { itemId: 'sku-000004', onHand: 6 },
      ],
      deleted: ['sku-000003'],
    });
    const page = await inventory(A, cursor);
    expect(page.levels.map((l) => [l.itemId, l.onHand])).toEqual([
      ['sku-000001', 0],
      ['sku-000002', 12],
      ['sku-000004', 6],
    ]);
    expect(page.deleted).toEqual(['sku-000003']);
    expect(page.cursor).toBe(res.json().cursor);
    const whole = (await send({ method: 'GET', url: `/v1/stores/${A}/assortment` }, A)).json() as StoreAssortment;
    expect(whole.stock).toEqual([
      { itemId: 'sku-000001', onHand: 0, aisle: 'A1' },
      { itemId: 'sku-000002', onHand: 12, aisle: 'C3' },
      { itemId: 'sku-000004', onHand: 6 },
    ]);
    expect(whole.promotions).toEqual([promotion]);
    // the other store is untouched, and a no-op changes nothing
    expect((await inventory(B)).levels).toEqual(seeded[B]!.stock);
    const same = await patch(A, { changes: [{ itemId: 'sku-000002', onHand: 12 }] });
    expect(same.json()).toEqual({ levels: [], deleted: [], cursor: page.cursor });
  });

  it('PUT assortment feeds only what changed, tombstones what left the range, and moves assortmentSeq on new promotions', async () => {
    await start();
    const first = await inventory(A);
    const stock = [
      { itemId: 'sku-000001', onHand: 4, aisle: 'A1' },
      { itemId: 'sku-000002', onHand: 3, aisle: 'A2' },
      { itemId: 'sku-000006', onHand: 1 },
    ];
    expect((await putAssortment(assortmentOf(A, stock))).statusCode).toBe(200);
    const next = await inventory(A, first.cursor);
    expect(next.levels).toEqual(stock.slice(1));
    expect(next.deleted).toEqual(['sku-000003']);
    expect(next.assortmentSeq).toBe(first.assortmentSeq);
    await putAssortment(assortmentOf(A, stock, [{ ...promotion, boost: 0.5 }]));
    const promoted = await inventory(A, next.cursor);
    expect(promoted).toMatchObject({ levels: [], deleted: [], cursor: next.cursor });
    expect(promoted.assortmentSeq).toBeGreaterThan(next.cursor);
    // an item back in the range comes back as a level
    await putAssortment(
      assortmentOf(A, [...stock, { itemId: 'sku-000003', onHand: 2 }], [{ ...promotion, boost: 0.5 }]),
    );
    expect((await inventory(A, next.cursor)).levels).toEqual([{ itemId: 'sku-000003', onHand: 2 }]);
  });

  it('pages are resumable: small pages across changes made between them deliver every item at its latest level', async () => {
    await start();
    const stock = Array.from({ length: 6 }, (_, i) => ({ itemId: `sku-00000${i + 1}`, onHand: i }));
    await putAssortment(assortmentOf(A, stock));
    const half = await inventory(A, 0, 2);
    expect(half.more).toBe(true);
    await patch(A, {
      changes: [
        { itemId: 'sku-000001', onHand: 40 },
        { itemId: 'sku-000006', removed: true },
      ],
    });
    const rest = await pullAll(A, half.cursor, 2);
    const seen = new Map<string, number | 'gone'>();
    for (const page of [half, ...rest.pages]) {
      for (const l of page.levels) seen.set(l.itemId, l.onHand);
      for (const id of page.deleted) seen.set(id, 'gone');
    }
    expect(Object.fromEntries(seen)).toEqual({
      'sku-000001': 40,
      'sku-000002': 1,
      'sku-000003': 2,
      'sku-000004': 3,
      'sku-000005': 4,
      'sku-000006': 'gone',
    });
    expect((await inventory(A, rest.cursor)).levels).toEqual([]);
  });

  it('concurrent stock changes of two stores all apply, each once, and every change reaches the feeds', async () => {
    await start();
    const deltas = Array.from({ length: 12 }, (_, i) => ({ storeId: i % 2 === 0 ? A : B, delta: i + 1 }));
    const answers = await Promise.all(
      deltas.map(({ storeId, delta }) => patch(storeId, { changes: [{ itemId: 'sku-000001', delta }] })),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(deltas.map(() => 200));
    const sum = (storeId: string) => deltas.filter((d) => d.storeId === storeId).reduce((n, d) => n + d.delta, 0);
    for (const storeId of [A, B]) {
      const cursors = answers.filter((_r, i) => deltas[i]!.storeId === storeId).map((r) => r.json().cursor);
      expect(new Set(cursors).size).toBe(cursors.length);
      const level = (await inventory(storeId)).levels.find((l) => l.itemId === 'sku-000001');
      expect(level?.onHand).toBe(seeded[storeId]!.stock[0]!.onHand + sum(storeId));
    }
  });

  it('the catalog feed carries the seeded items, then changes and tombstones, in order, paged', async () => {
    await start();
    const all = await changes(0, 4, A);
    expect(all.items.map((p) => p.id)).toEqual(catalog.slice(0, 4).map((p) => p.id));
    expect(all.more).toBe(true);
    const rest = await changes(all.cursor, 4, B);
    expect(rest.items.map((p) => p.id)).toEqual(['sku-000005', 'sku-000006']);
    expect(rest.more).toBe(false);
    const renamed = { ...product(2), brand: 'Renamed' };
    expect((await send({ method: 'PUT', url: '/v1/catalog/items/sku-000002', payload: renamed })).statusCode).toBe(200);
    // the same product again is no change
    await send({ method: 'PUT', url: '/v1/catalog/items/sku-000002', payload: renamed });
    expect((await send({ method: 'DELETE', url: '/v1/catalog/items/sku-000004' })).json()).toEqual({
      itemId: 'sku-000004',
    });
    const after = await changes(rest.cursor);
    expect(after).toMatchObject({ items: [renamed], deleted: ['sku-000004'], more: false });
    expect(after.cursor).toBe(rest.cursor + 2);
    const whole = (await send({ method: 'GET', url: '/v1/catalog' })).json().items as Product[];
    expect(whole.map((p) => p.id)).not.toContain('sku-000004');
    expect((await send({ method: 'DELETE', url: '/v1/catalog/items/sku-000004' })).statusCode).toBe(404);
    await send({ method: 'PUT', url: '/v1/catalog/items/sku-000004', payload: product(4) });
    expect(await changes(after.cursor)).toMatchObject({ items: [product(4)], deleted: [] });
  });

  it('access: a store reads only its own inventory, cannot PATCH it, and cannot edit the catalog', async () => {
    await start();
    expect((await send({ method: 'GET', url: `/v1/stores/${B}/inventory` }, A)).statusCode).toBe(403);
    expect((await send({ method: 'GET', url: `/v1/stores/${B}/inventory` })).json().levels).toHaveLength(1);
    expect((await patch(A, { changes: [{ itemId: 'sku-000001', onHand: 1 }] }, A)).statusCode).toBe(403);
    expect((await patch(B, { changes: [{ itemId: 'sku-000001', onHand: 1 }] }, A)).statusCode).toBe(403);
    expect(
      (await send({ method: 'PUT', url: '/v1/catalog/items/sku-000001', payload: product(1) }, A)).statusCode,
    ).toBe(403);
    expect((await send({ method: 'DELETE', url: '/v1/catalog/items/sku-000001' }, A)).statusCode).toBe(403);
    expect((await cloud().app.inject({ method: 'GET', url: '/v1/catalog/changes' })).statusCode).toBe(401);
    expect((await inventory(A)).levels).toEqual(seeded[A]!.stock);
  });

  it('answers bad input with a clear 400, and stock of a store without an assortment with 404', async () => {
    await start();
    const code = async (res: Promise<LightMyRequestResponse>, status = 400) => {
      const r = await res;
      expect(r.statusCode).toBe(status);
      return r.json().error.code;
    };
    expect(await code(send({ method: 'GET', url: `/v1/stores/${A}/inventory?cursor=-1` }, A))).toBe('invalid_query');
    expect(await code(send({ method: 'GET', url: `/v1/stores/${A}/inventory?limit=0` }, A))).toBe('invalid_query');
    expect(await code(send({ method: 'GET', url: '/v1/catalog/changes?limit=5000' }))).toBe('invalid_query');
    expect(await code(send({ method: 'GET', url: '/v1/catalog/changes?curser=3' }))).toBe('invalid_query');
    expect(await code(patch(A, { changes: [] }))).toBe('invalid_body');
    expect(await code(patch(A, { changes: [{ itemId: 'sku-000001', onHand: -1 }] }))).toBe('invalid_body');
    expect(await code(patch(A, { changes: [{ itemId: 'sku-000001', onHand: 1, delta: 1 }] }))).toBe('invalid_body');
    expect(await code(patch(A, { changes: [{ itemId: 'sku-000001', removed: false }] }))).toBe('invalid_body');
    expect(await code(patch(A, { changes: [{ itemId: 'sku-999999', onHand: 1 }] }))).toBe('unknown_item');
    expect(await code(patch('jeju-03', { changes: [{ itemId: 'sku-000001', onHand: 1 }] }), 404)).toBe('not_found');
    const mismatch = send({ method: 'PUT', url: '/v1/catalog/items/sku-000002', payload: product(1) });
    expect(await code(mismatch)).toBe('item_mismatch');
    expect((await inventory(A)).levels).toEqual(seeded[A]!.stock);
  });
});
