import { type CatalogChangesPage, Product } from '@aisle/contracts';
import type { CloudStore } from '../store';
import { chunks, lastByKey } from './util';

/*
 * The catalog's change feed: every write of a product goes through here, so each change gets the next value of the
 * `catalog` counter (bumped first in the transaction, so changes commit in counter order and a cursor never skips
 * one). `CloudStore.upsertProducts` writes products without a change; use putProducts.
 */

/** Adds or replaces products; each one that differs from what is stored becomes a change of the feed. */
export async function putProducts(store: CloudStore, products: readonly Product[]): Promise<number> {
  const latest = lastByKey(products, (p) => p.id);
  return store.db.transaction().execute(async (trx) => {
    const stored = new Map<string, string>();
    for (const part of chunks(latest))
      for (const r of await trx
        .selectFrom('products')
        .select(['item_id', 'product'])
        .where(
          'item_id',
          'in',
          part.map((p) => p.id),
        )
        .execute())
        stored.set(r.item_id, r.product);
    const changed = latest.filter((p) => stored.get(p.id) !== JSON.stringify(p));
    if (changed.length === 0) return 0;
    const base = (await store.bump(trx, 'catalog', changed.length)) - changed.length;
    for (const part of chunks(changed.map((p, i) => ({ p, seq: base + i + 1 })))) {
      await trx
        .insertInto('products')
        .values(part.map(({ p }) => ({ item_id: p.id, product: JSON.stringify(p) })))
        .onConflict((oc) => oc.column('item_id').doUpdateSet({ product: (eb) => eb.ref('excluded.product') }))
        .execute();
      await trx
        .insertInto('catalog_changes')
        .values(part.map(({ p, seq }) => ({ item_id: p.id, seq, deleted: 0 })))
        .onConflict((oc) => oc.column('item_id').doUpdateSet({ seq: (eb) => eb.ref('excluded.seq'), deleted: 0 }))
        .execute();
    }
    return changed.length;
  });
}

/** Takes items out of the catalog, leaving a tombstone for each one that was in it; returns how many were. */
export async function deleteProducts(store: CloudStore, itemIds: readonly string[]): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    let gone: string[] = [];
    for (const part of chunks([...new Set(itemIds)]))
      gone = gone.concat(
        (await trx.deleteFrom('products').where('item_id', 'in', part).returning('item_id').execute()).map(
          (r) => r.item_id,
        ),
      );
    if (gone.length === 0) return 0;
    const base = (await store.bump(trx, 'catalog', gone.length)) - gone.length;
    for (const part of chunks(gone.map((itemId, i) => ({ itemId, seq: base + i + 1 }))))
      await trx
        .insertInto('catalog_changes')
        .values(part.map(({ itemId, seq }) => ({ item_id: itemId, seq, deleted: 1 })))
        .onConflict((oc) => oc.column('item_id').doUpdateSet({ seq: (eb) => eb.ref('excluded.seq'), deleted: 1 }))
        .execute();
    return gone.length;
  });
}

/** Catalog changes after `cursor`, oldest first, at most `limit`; the page's cursor is its last change. */
export async function catalogChangesSince(
  store: CloudStore,
  cursor: number,
  limit: number,
): Promise<CatalogChangesPage> {
  const rows = await store.db
    .selectFrom('catalog_changes as c')
    .leftJoin('products as p', 'p.item_id', 'c.item_id')
    .select(['c.item_id', 'c.seq', 'c.deleted', 'p.product'])
    .where('c.seq', '>', cursor)
    .orderBy('c.seq')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const items: Product[] = [];
  const deleted: string[] = [];
  for (const r of page) {
    if (Number(r.deleted) === 1 || r.product === null) deleted.push(r.item_id);
    else items.push(Product.parse(JSON.parse(r.product)));
  }
  return {
    items,
    deleted,
    cursor: page.length > 0 ? Number(page.at(-1)!.seq) : cursor,
    more: rows.length > limit,
  };
}
