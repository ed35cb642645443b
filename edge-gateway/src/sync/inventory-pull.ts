import type { InventoryPage, StockLevel, StoreAssortment } from '@aisle/contracts';
import type { GatewayStore } from '../store/db';

/*
 * The store's stock, pulled from cloud-sync's inventory feed by cursor instead of fetching the whole assortment on
 * every refresh: each page's levels and tombstones are applied to the stored assortment together with the cursor,
 * in one transaction, so a pull that fails half way resumes after the last page applied. Promotions are not in the
 * feed: the whole assortment is fetched (at start, by the gateway, and) when the feed's `assortmentSeq` is past the
 * one last fetched; only its promotions are taken, the stock stays the feed's.
 */

/** Where stock comes from: the cloud (`CloudClient`). */
export interface InventorySource {
  inventoryPage(storeId: string, cursor: number, limit: number): Promise<InventoryPage>;
  assortment(storeId: string): Promise<StoreAssortment | null>;
}

export interface PullInventoryOptions {
  source: InventorySource;
  store: GatewayStore;
  storeId: string;
  /** Changes asked for per page (cloud-sync allows 1..2000). Default 500. */
  pageSize?: number;
  now?: () => number;
}

export interface PullInventoryResult {
  /** The stored assortment after the pull (undefined: the cloud has none for this store yet, stock unknown). */
  assortment: StoreAssortment | undefined;
  /** Levels and tombstones applied. */
  changes: number;
  /** Whether the whole assortment was fetched for new promotions. */
  refetched: boolean;
}

/** The `sync_cursors` row of the inventory feed. */
export const INVENTORY_CURSOR = 'inventory';
/** The `sync_cursors` row holding the feed's `assortmentSeq` at the last whole-assortment fetch. */
export const ASSORTMENT_CURSOR = 'assortment';

function cursorOf(store: GatewayStore, name: string): number {
  return store.db.prepare<[string], number>('SELECT cursor FROM sync_cursors WHERE name = ?').pluck().get(name) ?? 0;
}

function setCursor(store: GatewayStore, name: string, cursor: number): void {
  store.db
    .prepare(
      'INSERT INTO sync_cursors (name, cursor) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor',
    )
    .run(name, cursor);
}

/** The stock after a page: levels replace or join the list (in its order), tombstones leave it. */
export function applyInventoryPage(stock: readonly StockLevel[], page: Pick<InventoryPage, 'levels' | 'deleted'>) {
  const next = new Map(stock.map((s) => [s.itemId, s]));
  for (const level of page.levels) next.set(level.itemId, level);
  for (const itemId of page.deleted) next.delete(itemId);
  return [...next.values()];
}

/**
 * Pulls the stock changed since the stored cursor, page by page until the cloud says there is no more, then the
 * promotions if they changed. Run one pull per store database at a time.
 */
export async function pullInventory(opts: PullInventoryOptions): Promise<PullInventoryResult> {
  const { source, store, storeId } = opts;
  const pageSize = opts.pageSize ?? 500;
  const now = opts.now ?? Date.now;
  const empty = (): StoreAssortment => ({ storeId, stock: [], promotions: [], updatedAt: now() });
  let cursor = cursorOf(store, INVENTORY_CURSOR);
  let changes = 0;
  let assortmentSeq = 0;
  for (;;) {
    const page = await source.inventoryPage(storeId, cursor, pageSize);
    assortmentSeq = page.assortmentSeq;
    const size = page.levels.length + page.deleted.length;
    if (size > 0)
      store.db.transaction(() => {
        const current = store.cachedAssortment() ?? empty();
        store.saveAssortment({ ...current, stock: applyInventoryPage(current.stock, page) });
        setCursor(store, INVENTORY_CURSOR, page.cursor);
      })();
    changes += size;
    if (!page.more) break;
    if (page.cursor === cursor && size === 0)
      throw new Error(`inventory sync: the cloud says there is more after cursor ${cursor} but sent nothing new`);
    cursor = page.cursor;
  }
  const refetched = assortmentSeq > cursorOf(store, ASSORTMENT_CURSOR) && (await takePromotions(opts, assortmentSeq));
  return { assortment: store.cachedAssortment(), changes, refetched };
}

/** Fetches the whole assortment and keeps its promotions (the stock stays the feed's); false if the cloud has none. */
async function takePromotions(opts: PullInventoryOptions, assortmentSeq: number): Promise<boolean> {
  const { store, storeId } = opts;
  const whole = await opts.source.assortment(storeId);
  if (!whole) return false;
  store.db.transaction(() => {
    const current = store.cachedAssortment();
    store.saveAssortment({ ...whole, stock: current?.stock ?? whole.stock });
    setCursor(store, ASSORTMENT_CURSOR, assortmentSeq);
  })();
  return true;
}
