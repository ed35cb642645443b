import { type Cloud, createCloud, operatorToken, storeToken } from '@aisle/cloud-sync';
import { type Product, type StoreAssortment, schemaExamples } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStore } from '../store/db';
import { CloudClient } from './cloud-client';
import { ASSORTMENT_CURSOR, INVENTORY_CURSOR, type InventorySource, pullInventory } from './inventory-pull';

const STORE = 'seoul-01';
const SECRET = newSecret();
const ADMIN_SECRET = newSecret();
const base = schemaExamples.Catalog.example.items[0]! as Product;
const catalog = Array.from({ length: 6 }, (_, i) => ({ ...base, id: `sku-00000${i + 1}` }));
const promotion = {
  id: 'promo-1',
  label: { en: 'Spring', ko: '봄' },
  itemIds: [],
  category: 'skincare',
  boost: 0.2,
  startsAt: 0,
  endsAt: 2_000_000_000_000,
};
const assortment: StoreAssortment = {
  storeId: STORE,
  stock: catalog.slice(0, 5).map((p, i) => ({ itemId: p.id, onHand: i + 1, aisle: `A${i + 1}` })),
  promotions: [promotion],
  updatedAt: 1_764_400_000_000,
};

let cloud: Cloud | undefined;
let gatewayStore: GatewayStore | undefined;
afterEach(async () => {
  gatewayStore?.close();
  await cloud?.app.close();
  cloud = undefined;
  gatewayStore = undefined;
});

/** A real cloud-sync on a free port, a client with the store's credential and a real gateway database. */
async function setUp() {
  cloud = await createCloud({
    database: ':memory:',
    logger: pino({ level: 'silent' }),
    seed: {
      catalog: { items: catalog },
      assortments: [assortment],
      stores: [{ storeId: STORE, secretHash: hashSecret(SECRET) }],
    },
    adminSecret: ADMIN_SECRET,
  });
  const url = await cloud.app.listen({ host: '127.0.0.1', port: 0 });
  const client = new CloudClient(url, 2_000, storeToken(STORE, SECRET));
  gatewayStore = new GatewayStore(':memory:');
  const operator = async (method: 'PUT' | 'PATCH', path: string, payload: object) => {
    const res = await cloud!.app.inject({
      method,
      url: path,
      payload,
      headers: { authorization: `Bearer ${operatorToken(ADMIN_SECRET)}` },
    });
    expect(res.statusCode).toBe(200);
  };
  const cloudStock = async () => (await client.assortment(STORE))!.stock;
  return { client, store: gatewayStore, operator, cloudStock };
}

const cursorOf = (store: GatewayStore, name: string) =>
  store.db.prepare<[string], number>('SELECT cursor FROM sync_cursors WHERE name = ?').pluck().get(name);

describe('pullInventory against a real cloud-sync', () => {
  it('builds the stock from the feed and fetches the promotions once, then pulls nothing new', async () => {
    const { client, store } = await setUp();
    const first = await pullInventory({ source: client, store, storeId: STORE, pageSize: 2 });
    expect(first).toMatchObject({ changes: 5, refetched: true });
    expect(first.assortment?.stock).toEqual(assortment.stock);
    expect(first.assortment?.promotions).toEqual([promotion]);
    expect(store.cachedAssortment()).toEqual(first.assortment);
    expect(cursorOf(store, INVENTORY_CURSOR)).toBeGreaterThan(0);
    expect(cursorOf(store, ASSORTMENT_CURSOR)).toBeGreaterThan(0);
    const again = await pullInventory({ source: client, store, storeId: STORE });
    expect(again).toMatchObject({ changes: 0, refetched: false });
    expect(again.assortment).toEqual(first.assortment);
  });

  it('applies levels and tombstones of stock changes without fetching the whole assortment', async () => {
    const { client, store, operator, cloudStock } = await setUp();
    await pullInventory({ source: client, store, storeId: STORE });
    await operator('PATCH', `/v1/stores/${STORE}/inventory`, {
      changes: [
        { itemId: 'sku-000001', delta: -1 },
        { itemId: 'sku-000002', removed: true },
        { itemId: 'sku-000006', onHand: 8, aisle: 'F1' },
      ],
    });
    const seen: string[] = [];
    const counting: InventorySource = {
      inventoryPage: (...args) => client.inventoryPage(...args),
      assortment: (storeId) => {
        seen.push(storeId);
        return client.assortment(storeId);
      },
    };
    const pulled = await pullInventory({ source: counting, store, storeId: STORE });
    expect(pulled).toMatchObject({ changes: 3, refetched: false });
    expect(seen).toEqual([]);
    expect(pulled.assortment?.stock).toEqual(await cloudStock());
    expect(pulled.assortment?.stock.map((s) => s.itemId)).not.toContain('sku-000002');
    expect(pulled.assortment?.stock.find((s) => s.itemId === 'sku-000001')?.onHand).toBe(0);
  });

  it('fetches the promotions again when a new assortment changes them, keeping the stock of the feed', async () => {
    const { client, store, operator, cloudStock } = await setUp();
    await pullInventory({ source: client, store, storeId: STORE });
    const boosted = { ...promotion, boost: 0.9 };
    await operator('PUT', `/v1/stores/${STORE}/assortment`, {
      ...assortment,
      stock: assortment.stock.slice(1),
      promotions: [boosted],
    });
    const pulled = await pullInventory({ source: client, store, storeId: STORE });
    expect(pulled).toMatchObject({ changes: 1, refetched: true });
    expect(pulled.assortment?.promotions).toEqual([boosted]);
    expect(pulled.assortment?.stock).toEqual(await cloudStock());
  });

  it('resumes after a failed page: the pages before it stay applied with their cursor', async () => {
    const { client, store, cloudStock } = await setUp();
    let calls = 0;
    const flaky: InventorySource = {
      inventoryPage: (...args) => {
        calls++;
        if (calls === 2) return Promise.reject(new Error('connection reset'));
        return client.inventoryPage(...args);
      },
      assortment: (storeId) => client.assortment(storeId),
    };
    await expect(pullInventory({ source: flaky, store, storeId: STORE, pageSize: 2 })).rejects.toThrow(/reset/);
    expect(store.cachedAssortment()?.stock).toHaveLength(2);
    const afterFirst = cursorOf(store, INVENTORY_CURSOR);
    expect(afterFirst).toBeGreaterThan(0);
    const resumed = await pullInventory({ source: flaky, store, storeId: STORE, pageSize: 2 });
    expect(resumed.changes).toBe(3);
    expect(resumed.assortment?.stock).toEqual(await cloudStock());
    expect(cursorOf(store, INVENTORY_CURSOR)).toBeGreaterThan(afterFirst!);
  });
});
