import {
  type InventoryChange,
  type InventoryPage,
  type InventoryPatchResult,
  type StockLevel,
  StoreAssortment,
} from '@aisle/contracts';
import { sql, type Transaction } from 'kysely';
import type { CloudStore, CloudTables } from '../store';
import { chunks, lastByKey } from './util';

/*
 * Each store's stock as a change feed: one `inventory` row per store and item, carrying the `inventory` counter's
 * value at its last change and a tombstone flag. Every write of a store's stock goes through here and keeps the
 * `assortments` JSON (the whole assortment `GET /v1/stores/{storeId}/assortment` serves) in step, in the same
 * transaction. Writers of one store are serialised (SQLite has one writer; PostgreSQL takes a per-store lock) and
 * the counter is bumped inside the transaction, so changes commit in counter order and a cursor never skips one.
 */

/** An item's stock as stored; `deleted`: it left the store's range. */
interface Stock {
  itemId: string;
  onHand: number;
  aisle: string | null;
  deleted: boolean;
}

type Trx = Transaction<CloudTables>;

const sameStock = (a: Stock | undefined, b: Stock) =>
  a !== undefined && a.deleted === b.deleted && a.onHand === b.onHand && a.aisle === b.aisle;

const toLevel = (s: Stock): StockLevel => ({
  itemId: s.itemId,
  onHand: s.onHand,
  ...(s.aisle !== null && { aisle: s.aisle }),
});

/** On PostgreSQL, one writer of a store's stock at a time until the transaction ends. */
async function lockStore(store: CloudStore, trx: Trx, storeId: string): Promise<void> {
  if (store.dialect === 'postgres')
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`inventory:${storeId}`}))`.execute(trx);
}

/** The stored stock of a store: every item, or only `itemIds`. */
async function storedStock(trx: Trx, storeId: string, itemIds?: readonly string[]): Promise<Map<string, Stock>> {
  const select = () =>
    trx.selectFrom('inventory').select(['item_id', 'on_hand', 'aisle', 'deleted']).where('store_id', '=', storeId);
  const rows = itemIds
    ? (await Promise.all(chunks(itemIds).map((part) => select().where('item_id', 'in', part).execute()))).flat()
    : await select().execute();
  return new Map(
    rows.map((r) => [
      r.item_id,
      { itemId: r.item_id, onHand: Number(r.on_hand), aisle: r.aisle, deleted: Number(r.deleted) === 1 },
    ]),
  );
}

/** Writes changed stock under the next counter values; returns the last one. `extra` seqs are taken after them. */
async function writeStock(
  store: CloudStore,
  trx: Trx,
  storeId: string,
  changed: readonly Stock[],
  extra = 0,
): Promise<number> {
  const n = changed.length + extra;
  const last = await store.bump(trx, 'inventory', n);
  const base = last - n;
  for (const part of chunks(changed.map((s, i) => ({ s, seq: base + i + 1 }))))
    await trx
      .insertInto('inventory')
      .values(
        part.map(({ s, seq }) => ({
          store_id: storeId,
          item_id: s.itemId,
          on_hand: s.onHand,
          aisle: s.aisle,
          seq,
          deleted: s.deleted ? 1 : 0,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['store_id', 'item_id']).doUpdateSet({
          on_hand: (eb) => eb.ref('excluded.on_hand'),
          aisle: (eb) => eb.ref('excluded.aisle'),
          seq: (eb) => eb.ref('excluded.seq'),
          deleted: (eb) => eb.ref('excluded.deleted'),
        }),
      )
      .execute();
  return last;
}

async function storedAssortment(trx: Trx, storeId: string): Promise<StoreAssortment | undefined> {
  const row = await trx
    .selectFrom('assortments')
    .select('assortment')
    .where('store_id', '=', storeId)
    .executeTakeFirst();
  return row && StoreAssortment.parse(JSON.parse(row.assortment));
}

async function saveAssortment(trx: Trx, assortment: StoreAssortment): Promise<void> {
  await trx
    .insertInto('assortments')
    .values({ store_id: assortment.storeId, assortment: JSON.stringify(assortment) })
    .onConflict((oc) => oc.column('store_id').doUpdateSet({ assortment: (eb) => eb.ref('excluded.assortment') }))
    .execute();
}

/**
 * Replaces a store's whole assortment (`PUT /v1/stores/{storeId}/assortment`, the seed): items whose level or aisle
 * changed become changes of the store's feed, items no longer in it become tombstones, and a change of promotions
 * moves the store's `assortmentSeq` (its gateway then fetches the whole assortment again).
 */
export async function putAssortment(store: CloudStore, assortment: StoreAssortment): Promise<void> {
  const { storeId } = assortment;
  await store.db.transaction().execute(async (trx) => {
    await lockStore(store, trx, storeId);
    const before = await storedAssortment(trx, storeId);
    await saveAssortment(trx, assortment);
    const stored = await storedStock(trx, storeId);
    const wanted = lastByKey(assortment.stock, (s) => s.itemId).map(
      (s): Stock => ({ itemId: s.itemId, onHand: s.onHand, aisle: s.aisle ?? null, deleted: false }),
    );
    const inRange = new Set(wanted.map((s) => s.itemId));
    const changed = [
      ...wanted.filter((s) => !sameStock(stored.get(s.itemId), s)),
      ...[...stored.values()].filter((s) => !s.deleted && !inRange.has(s.itemId)).map((s) => ({ ...s, deleted: true })),
    ];
    const promotionsChanged = JSON.stringify(before?.promotions) !== JSON.stringify(assortment.promotions);
    if (changed.length === 0 && !promotionsChanged) return;
    const last = await writeStock(store, trx, storeId, changed, promotionsChanged ? 1 : 0);
    if (promotionsChanged)
      await trx
        .insertInto('inventory_assortments')
        .values({ store_id: storeId, seq: last })
        .onConflict((oc) => oc.column('store_id').doUpdateSet({ seq: last }))
        .execute();
  });
}

/** A store with no assortment yet: stock changes need the store's range first. */
export class NoAssortmentError extends Error {
  constructor(storeId: string) {
    super(`store ${storeId} has no assortment yet; PUT it first`);
    this.name = 'NoAssortmentError';
  }
}

/** The stock after `changes`, applied in order to `stored` (only the items the changes name). */
function applyChanges(stored: ReadonlyMap<string, Stock>, changes: readonly InventoryChange[]): Map<string, Stock> {
  const next = new Map(stored);
  for (const c of changes) {
    const now = next.get(c.itemId);
    const live = now && !now.deleted ? now : undefined;
    if ('removed' in c) {
      if (live) next.set(c.itemId, { ...live, deleted: true });
      continue;
    }
    const onHand = 'delta' in c ? Math.max(0, (live?.onHand ?? 0) + c.delta) : c.onHand;
    next.set(c.itemId, { itemId: c.itemId, onHand, aisle: c.aisle ?? live?.aisle ?? null, deleted: false });
  }
  return next;
}

/**
 * Changes some of a store's stock (`PATCH /v1/stores/{storeId}/inventory`): levels, deltas (never below 0; an item
 * outside the range starts from 0 and enters it) and removals from the range (tombstones). The assortment's stock
 * list follows; its promotions do not change. Throws NoAssortmentError for a store without an assortment.
 */
export async function patchInventory(
  store: CloudStore,
  storeId: string,
  changes: readonly InventoryChange[],
  at: number,
): Promise<InventoryPatchResult> {
  return store.db.transaction().execute(async (trx) => {
    await lockStore(store, trx, storeId);
    const assortment = await storedAssortment(trx, storeId);
    if (!assortment) throw new NoAssortmentError(storeId);
    const stored = await storedStock(trx, storeId, [...new Set(changes.map((c) => c.itemId))]);
    const changed = [...applyChanges(stored, changes).values()].filter((s) => !sameStock(stored.get(s.itemId), s));
    if (changed.length === 0) return { levels: [], deleted: [], cursor: await lastSeq(trx, storeId) };
    const cursor = await writeStock(store, trx, storeId, changed);
    const byItem = new Map(changed.map((s) => [s.itemId, s]));
    const listed = new Set(assortment.stock.map((s) => s.itemId));
    const stock = [
      ...assortment.stock
        .filter((s) => !byItem.get(s.itemId)?.deleted)
        .map((s) => {
          const c = byItem.get(s.itemId);
          return c ? toLevel(c) : s;
        }),
      ...changed.filter((s) => !s.deleted && !listed.has(s.itemId)).map(toLevel),
    ];
    await saveAssortment(trx, { ...assortment, stock, updatedAt: Math.max(at, assortment.updatedAt) });
    return {
      levels: changed.filter((s) => !s.deleted).map(toLevel),
      deleted: changed.filter((s) => s.deleted).map((s) => s.itemId),
      cursor,
    };
  });
}

/** The last change of the store's stock (0 before its first). */
async function lastSeq(trx: Trx, storeId: string): Promise<number> {
  const row = await trx
    .selectFrom('inventory')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('store_id', '=', storeId)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** A store's stock changes after `cursor`, oldest first, at most `limit`; the page's cursor is its last change. */
export async function inventorySince(
  store: CloudStore,
  storeId: string,
  cursor: number,
  limit: number,
): Promise<InventoryPage> {
  return store.db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('inventory')
      .select(['item_id', 'on_hand', 'aisle', 'seq', 'deleted'])
      .where('store_id', '=', storeId)
      .where('seq', '>', cursor)
      .orderBy('seq')
      .limit(limit + 1)
      .execute();
    const assortment = await trx
      .selectFrom('inventory_assortments')
      .select('seq')
      .where('store_id', '=', storeId)
      .executeTakeFirst();
    const page = rows.slice(0, limit);
    return {
      levels: page
        .filter((r) => Number(r.deleted) === 0)
        .map((r) => toLevel({ itemId: r.item_id, onHand: Number(r.on_hand), aisle: r.aisle, deleted: false })),
      deleted: page.filter((r) => Number(r.deleted) === 1).map((r) => r.item_id),
      cursor: page.length > 0 ? Number(page.at(-1)!.seq) : cursor,
      more: rows.length > limit,
      assortmentSeq: Number(assortment?.seq ?? 0),
    };
  });
}
