import type { Migration } from '../migration';

/** The inventory tables, as kysely sees them (part of CloudTables). */
export type InventoryTables = {
  /**
   * The catalog's change feed: each item's last change, numbered from the `catalog` counter; `deleted` = 1 is a
   * tombstone (the item left the catalog; its `products` row is gone).
   */
  catalog_changes: { item_id: string; seq: number; deleted: number };
  /**
   * Each store's stock per item, numbered from the `inventory` counter at its last change; `deleted` = 1 is a
   * tombstone (the item left the store's range). Kept in step with `assortments` (whose JSON stays the whole view).
   */
  inventory: {
    store_id: string;
    item_id: string;
    on_hand: number;
    aisle: string | null;
    seq: number;
    deleted: number;
  };
  /** Where, in the `inventory` sequence, each store's promotions last changed (a store then fetches the assortment). */
  inventory_assortments: { store_id: string; seq: number };
};

/** Stock rows of the assortments stored before this migration: one per store and item (the last level wins). */
const existingStock = {
  sqlite: `SELECT a.store_id AS store_id, json_extract(s.value, '$.itemId') AS item_id,
      max(json_extract(s.value, '$.onHand')) AS on_hand, max(json_extract(s.value, '$.aisle')) AS aisle
    FROM assortments a, json_each(a.assortment, '$.stock') s GROUP BY 1, 2`,
  postgres: `SELECT a.store_id AS store_id, s->>'itemId' AS item_id, max((s->>'onHand')::int) AS on_hand,
      max(s->>'aisle') AS aisle
    FROM assortments a CROSS JOIN LATERAL jsonb_array_elements(a.assortment::jsonb->'stock') s GROUP BY 1, 2`,
};

/** The statements of both dialects, `stock` being the dialect's query of existingStock. */
const statements = (stock: string) => [
  'CREATE TABLE catalog_changes (item_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, deleted INTEGER NOT NULL)',
  'CREATE INDEX catalog_changes_seq ON catalog_changes (seq)',
  `CREATE TABLE inventory (store_id TEXT NOT NULL, item_id TEXT NOT NULL, on_hand INTEGER NOT NULL, aisle TEXT,
    seq BIGINT NOT NULL, deleted INTEGER NOT NULL, PRIMARY KEY (store_id, item_id))`,
  'CREATE INDEX inventory_feed ON inventory (store_id, seq)',
  'CREATE TABLE inventory_assortments (store_id TEXT PRIMARY KEY, seq BIGINT NOT NULL)',
  // what was stored before gets its first changes, so stores pulling from cursor 0 receive all of it
  `INSERT INTO catalog_changes (item_id, seq, deleted)
    SELECT item_id, ROW_NUMBER() OVER (ORDER BY item_id), 0 FROM products`,
  `INSERT INTO inventory (store_id, item_id, on_hand, aisle, seq, deleted)
    SELECT store_id, item_id, on_hand, aisle, ROW_NUMBER() OVER (ORDER BY store_id, item_id), 0 FROM (${stock}) s`,
  `INSERT INTO counters (name, value) VALUES
    ('catalog', (SELECT count(*) FROM catalog_changes)),
    ('inventory', (SELECT count(*) FROM inventory) + 1)`,
  `INSERT INTO inventory_assortments (store_id, seq)
    SELECT store_id, (SELECT value FROM counters WHERE name = 'inventory') FROM assortments`,
];

/** The inventory feature's migration (its number is fixed by its place in store.ts's list). */
export const inventoryMigration: Migration = {
  sqlite: statements(existingStock.sqlite),
  postgres: statements(existingStock.postgres),
};
