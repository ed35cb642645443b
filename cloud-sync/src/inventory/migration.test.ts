import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Product, schemaExamples } from '@aisle/contracts';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { CloudStore, SCHEMA_VERSION } from '../store';
import { testBackends } from '../testing';
import { catalogChangesSince } from './catalog';
import { inventorySince, patchInventory } from './stock';

const base = schemaExamples.Catalog.example.items[0]! as Product;
const products = ['sku-000002', 'sku-000001', 'sku-000003'].map((id) => ({ ...base, id }));

/** The inventory feeds' migration (store.ts's list). */
const INVENTORY_VERSION = 10;

describe.each(testBackends())('the inventory migration on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('gives products and assortments stored before it their first changes in the feeds', async () => {
    const url =
      backend.name === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'aisle-inv-')), 'cloud.db') : await backend.fresh();
    // a database of the release before: products and assortments written without feeds, no inventory tables
    const old = await CloudStore.open(url, { upTo: INVENTORY_VERSION });
    await old.upsertProducts(products);
    await old.putAssortments([
      {
        storeId: 'seoul-01',
        stock: [
          { itemId: 'sku-000001', onHand: 4, aisle: 'A1' },
          { itemId: 'sku-000001', onHand: 6, aisle: 'A1' },
          { itemId: 'sku-000002', onHand: 0 },
        ],
        promotions: [],
        updatedAt: 1,
      },
      { storeId: 'busan-02', stock: [{ itemId: 'sku-000003', onHand: 2 }], promotions: [], updatedAt: 1 },
    ]);
    for (const table of ['catalog_changes', 'inventory', 'inventory_assortments'])
      await sql`DROP TABLE ${sql.table(table)}`.execute(old.db);
    await old.db.deleteFrom('counters').where('name', 'in', ['catalog', 'inventory']).execute();
    await old.db.deleteFrom('schema_migrations').where('version', '=', INVENTORY_VERSION).execute();
    await old.close();

    const store = await CloudStore.open(url);
    try {
      expect(await store.appliedMigrations()).toContain(INVENTORY_VERSION);
      expect(await store.appliedMigrations()).toContain(SCHEMA_VERSION); // and the ones after it
      const catalog = await catalogChangesSince(store, 0, 10);
      expect(catalog.items.map((p) => p.id)).toEqual(['sku-000001', 'sku-000002', 'sku-000003']);
      expect(catalog.cursor).toBe(3);
      const seoul = await inventorySince(store, 'seoul-01', 0, 10);
      expect(seoul.levels).toEqual([
        { itemId: 'sku-000001', onHand: 6, aisle: 'A1' },
        { itemId: 'sku-000002', onHand: 0 },
      ]);
      expect((await inventorySince(store, 'busan-02', 0, 10)).levels).toEqual([{ itemId: 'sku-000003', onHand: 2 }]);
      // the counters continue after the copied rows
      const after = await patchInventory(store, 'seoul-01', [{ itemId: 'sku-000002', delta: 3 }], 2);
      expect(after.cursor).toBeGreaterThan(Math.max(seoul.cursor, seoul.assortmentSeq));
      expect(seoul.assortmentSeq).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
