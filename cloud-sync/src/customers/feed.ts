import { CustomerProfile, type ProfilePage } from '@aisle/contracts';
import type { Transaction } from 'kysely';
import { erasedAmong } from '../dsr/requests';
import type { CloudStore, CloudTables } from '../store';
import type { ScopeReason } from './schema';

/*
 * Each store's scope and profile feed.
 *
 * A store caches the profiles of the customers in its scope: those whose home store it is (`profile.homeStoreId`),
 * who bought there in the last 90 days, and who were looked up there (a kiosk identify, an app sighting) in the last
 * 30 days. `customer_stores` keeps one row per reason; expired rows are swept when the store pulls.
 *
 * `profile_feed` keeps, per store, one row per customer it was sent, at the `customers` counter value of the last
 * change: a profile change writes a row for every store in scope, leaving a scope (or erasure, or a merge) writes a
 * tombstone. Every writer bumps the `customers` counter first in its transaction, so writers commit in counter order
 * and a pull that pages by seq never skips a row. Within one store each row has its own seq.
 */

export type Trx = Transaction<CloudTables>;

const DAY = 86_400_000;
/** How long a purchase keeps a customer in the store's scope. */
export const PURCHASE_SCOPE_MS = 90 * DAY;
/** How long a lookup (kiosk identify, app sighting) keeps a customer in the store's scope. */
export const NEARBY_SCOPE_MS = 30 * DAY;

/** Rows per IN list or multi-row INSERT (well under both databases' bind-parameter limits). */
const CHUNK = 500;

export function chunked<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The next value of the `customers` counter (the first call in a transaction also serialises it with the others). */
export const nextSeq = (store: CloudStore, trx: Trx) => store.bump(trx, 'customers', 1);

/**
 * The stores each customer has a scope row in. Rows past their time count until the store's next pull sweeps them
 * (and tombstones the customer there), so a writer needs no clock.
 */
export async function scopeOf(trx: Trx, customerIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const part of chunked([...new Set(customerIds)])) {
    const rows = await trx
      .selectFrom('customer_stores')
      .select(['customer_id', 'store_id'])
      .where('customer_id', 'in', part)
      .execute();
    for (const r of rows) {
      const stores = out.get(r.customer_id) ?? [];
      if (!stores.includes(r.store_id)) stores.push(r.store_id);
      out.set(r.customer_id, stores);
    }
  }
  return out;
}

type FeedRow = CloudTables['profile_feed'];

/** Inserts or moves feed rows to their new seq. */
async function writeFeed(trx: Trx, rows: readonly FeedRow[]): Promise<void> {
  for (const part of chunked(rows))
    await trx
      .insertInto('profile_feed')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['store_id', 'customer_id']).doUpdateSet({
          seq: (eb) => eb.ref('excluded.seq'),
          deleted: (eb) => eb.ref('excluded.deleted'),
        }),
      )
      .execute();
}

/** Every store in each customer's scope gets the customer's change at its seq. */
export async function fanOut(trx: Trx, changes: readonly { customerId: string; seq: number }[]) {
  const scope = await scopeOf(
    trx,
    changes.map((c) => c.customerId),
  );
  await writeFeed(
    trx,
    changes.flatMap(({ customerId, seq }) =>
      (scope.get(customerId) ?? []).map((store_id) => ({ store_id, customer_id: customerId, seq, deleted: 0 })),
    ),
  );
}

/**
 * Tombstones a customer at `seq` in the stores that hold a live row of it (all of them, or only `stores`).
 * Returns how many stores were told.
 */
export async function tombstone(trx: Trx, customerId: string, seq: number, stores?: readonly string[]) {
  if (stores?.length === 0) return 0;
  let q = trx
    .updateTable('profile_feed')
    .set({ seq, deleted: 1 })
    .where('customer_id', '=', customerId)
    .where('deleted', '=', 0);
  if (stores) q = q.where('store_id', 'in', stores);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Puts customers in a store's scope for `reason`, each last true at its `at` (an older `at` never moves it back). A
 * customer the store had no live feed row of gets one at a new seq, so the store's next pull brings the profile and
 * later changes and tombstones reach it. A few statements whatever the number of customers (a batch of sales names
 * many). Returns how many feed rows were written.
 */
export async function addScopes(
  store: CloudStore,
  trx: Trx,
  storeId: string,
  reason: ScopeReason,
  entries: readonly { customerId: string; at: number }[],
): Promise<number> {
  const latest = new Map<string, number>();
  for (const e of entries) latest.set(e.customerId, Math.max(e.at, latest.get(e.customerId) ?? e.at));
  if (latest.size === 0) return 0;
  const ids = [...latest.keys()].sort();
  const live = new Set<string>();
  for (const part of chunked(ids)) {
    await trx
      .insertInto('customer_stores')
      .values(part.map((id) => ({ customer_id: id, store_id: storeId, reason, last_at: latest.get(id)! })))
      .onConflict((oc) =>
        oc
          .columns(['customer_id', 'store_id', 'reason'])
          .doUpdateSet({ last_at: (eb) => eb.ref('excluded.last_at') })
          .where('customer_stores.last_at', '<', (eb) => eb.ref('excluded.last_at')),
      )
      .execute();
    const rows = await trx
      .selectFrom('profile_feed')
      .select('customer_id')
      .where('store_id', '=', storeId)
      .where('customer_id', 'in', part)
      .where('deleted', '=', 0)
      .execute();
    for (const r of rows) live.add(r.customer_id);
  }
  const missing = ids.filter((id) => !live.has(id));
  if (missing.length === 0) return 0;
  const base = (await store.bump(trx, 'customers', missing.length)) - missing.length;
  await writeFeed(
    trx,
    missing.map((id, i) => ({ store_id: storeId, customer_id: id, seq: base + i + 1, deleted: 0 })),
  );
  return missing.length;
}

/** `addScopes` for one customer; whether its feed row was written. */
export async function addScope(
  store: CloudStore,
  trx: Trx,
  scope: { customerId: string; storeId: string; reason: ScopeReason; at: number },
): Promise<boolean> {
  const { customerId, storeId, reason, at } = scope;
  return (await addScopes(store, trx, storeId, reason, [{ customerId, at }])) > 0;
}

/**
 * Removes a store's expired scope rows and tombstones there the customers that left its scope, each at its own seq.
 * Reads first without a lock, so a pull with nothing expired writes nothing.
 */
export async function sweepExpired(store: CloudStore, storeId: string, now: number): Promise<number> {
  const expired = (trx: CloudStore['db'] | Trx) =>
    trx
      .selectFrom('customer_stores')
      .select('customer_id')
      .where('store_id', '=', storeId)
      .where((eb) =>
        eb.or([
          eb.and([eb('reason', '=', 'purchase'), eb('last_at', '<', now - PURCHASE_SCOPE_MS)]),
          eb.and([eb('reason', '=', 'nearby'), eb('last_at', '<', now - NEARBY_SCOPE_MS)]),
        ]),
      );
  if ((await expired(store.db).limit(1).executeTakeFirst()) === undefined) return 0;
  return store.db.transaction().execute(async (trx) => {
    await nextSeq(store, trx); // serialise with the other writers before reading
    const customers = [...new Set((await expired(trx).execute()).map((r) => r.customer_id))];
    let left = 0;
    for (const part of chunked(customers)) {
      await trx
        .deleteFrom('customer_stores')
        .where('store_id', '=', storeId)
        .where('customer_id', 'in', part)
        .where((eb) =>
          eb.or([
            eb.and([eb('reason', '=', 'purchase'), eb('last_at', '<', now - PURCHASE_SCOPE_MS)]),
            eb.and([eb('reason', '=', 'nearby'), eb('last_at', '<', now - NEARBY_SCOPE_MS)]),
          ]),
        )
        .execute();
      const staying = new Set(
        (
          await trx
            .selectFrom('customer_stores')
            .select('customer_id')
            .where('store_id', '=', storeId)
            .where('customer_id', 'in', part)
            .execute()
        ).map((r) => r.customer_id),
      );
      for (const customerId of part)
        if (!staying.has(customerId)) left += await tombstone(trx, customerId, await nextSeq(store, trx), [storeId]);
    }
    return left;
  });
}

/**
 * A store's page of its feed after `cursor`: the profiles in its scope that changed and the customers it must drop,
 * oldest change first, at most `limit` rows; the page's cursor is its last row's seq. Expired scope is swept first.
 */
export async function storePage(
  store: CloudStore,
  storeId: string,
  cursor: number,
  limit: number,
  now: number,
): Promise<ProfilePage> {
  await sweepExpired(store, storeId, now);
  // two plain queries, not a join: right after a bulk load PostgreSQL's stale statistics turn the join into a scan
  // and sort of the whole rest of the feed on every page. A profile read a moment after its feed row may be newer
  // (sent again at its own seq) or gone (read as a tombstone, which its own later row repeats): the store ends right.
  const rows = await store.db
    .selectFrom('profile_feed')
    .select(['customer_id', 'seq', 'deleted'])
    .where('store_id', '=', storeId)
    .where('seq', '>', cursor)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const live = page.filter((r) => r.deleted === 0).map((r) => r.customer_id);
  const stored = new Map<string, string>();
  for (const part of chunked(live))
    for (const r of await store.db
      .selectFrom('customers')
      .select(['customer_id', 'profile'])
      .where('customer_id', 'in', part)
      .execute())
      stored.set(r.customer_id, r.profile);
  const profiles: CustomerProfile[] = [];
  const deleted: string[] = [];
  for (const r of page) {
    const json = r.deleted === 0 ? stored.get(r.customer_id) : undefined;
    if (json !== undefined) profiles.push(CustomerProfile.parse(JSON.parse(json)));
    else deleted.push(r.customer_id);
  }
  // erased, not merged into another or out of the store's scope: the store scrubs all it holds about these
  const erasedIds = await erasedAmong(store.db, deleted);
  const erased = deleted.filter((id) => erasedIds.has(id));
  return {
    profiles,
    deleted,
    // only when there are some: a page without erasures reads as it always did
    ...(erased.length > 0 && { erased }),
    cursor: page.length > 0 ? Number(page.at(-1)!.seq) : cursor,
    more: rows.length > limit,
  };
}

/** Whether the store's feed carries the customer (in its scope, not tombstoned): what a store may read. */
export async function inStoreScope(store: CloudStore, storeId: string, customerId: string): Promise<boolean> {
  const row = await store.db
    .selectFrom('profile_feed')
    .select('deleted')
    .where('store_id', '=', storeId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return row !== undefined && !row.deleted;
}
