import { ItemId, type TrainingCounts } from '@aisle/contracts';
import { z } from 'zod';
import type { CloudStore } from '../store';

/** One purchase as training sees it: when, and the distinct catalog items bought, in line order. */
export interface Basket {
  ts: number;
  items: string[];
}

/**
 * What a training run learns from: each consenting customer's purchases across every store and the web, oldest
 * first, and every other purchase as an anonymous basket (co-purchase only). `items` is the catalog the model
 * ranks, in item-id order.
 */
export interface TrainingSet {
  items: string[];
  customers: Map<string, Basket[]>;
  baskets: Basket[];
  counts: TrainingCounts;
}

export interface TrainingSetOptions {
  /** Only purchases made (`ts`) at or after this time. Default: all. */
  since?: number;
  /** Only purchases the cloud received up to this time (the run's snapshot). Default: now. */
  until?: number;
}

/**
 * The part of a stored purchase payload training reads. Store purchases are PosPurchase JSON; web purchases are
 * stored under store id `web` by the carts feature with the same `lines`. Other fields are ignored.
 */
const StoredPurchase = z.object({ lines: z.array(z.object({ itemId: ItemId })).min(1) });

/** The distinct items of a stored payload, in line order; undefined when it is not readable. */
export function purchasedItems(payload: string): string[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const parsed = StoredPurchase.safeParse(json);
  return parsed.success ? [...new Set(parsed.data.lines.map((l) => l.itemId))] : undefined;
}

/**
 * Customers whose profile allows personalization. Only their purchases are linked into a personal sequence (the
 * profile's consent flags: absent means no); everyone else's purchases still teach what is bought together.
 */
async function consentingCustomers(store: CloudStore): Promise<Set<string>> {
  const rows = await store.db.selectFrom('customers').select(['customer_id', 'profile']).execute();
  const out = new Set<string>();
  for (const r of rows) {
    const consent = (JSON.parse(r.profile) as { consent?: { personalization?: boolean } }).consent;
    if (consent?.personalization === true) out.add(r.customer_id);
  }
  return out;
}

/** Builds the training set from the cloud's purchases (read in time order) and its catalog. */
export async function buildTrainingSet(store: CloudStore, opts: TrainingSetOptions = {}): Promise<TrainingSet> {
  const until = opts.until ?? Date.now();
  const items = (await store.db.selectFrom('products').select('item_id').orderBy('item_id').execute()).map(
    (r) => r.item_id,
  );
  const known = new Set(items);
  const consenting = await consentingCustomers(store);
  let query = store.db
    .selectFrom('purchases')
    .select(['customer_id', 'ts', 'payload'])
    .where('received_at', '<=', until)
    .orderBy('ts')
    .orderBy('event_id');
  if (opts.since !== undefined) query = query.where('ts', '>=', opts.since);
  const rows = await query.execute();

  const customers = new Map<string, Basket[]>();
  const baskets: Basket[] = [];
  let events = 0;
  let skipped = 0;
  let unreadable = 0;
  for (const row of rows) {
    const bought = purchasedItems(row.payload);
    if (!bought) {
      unreadable++;
      continue;
    }
    const basket = { ts: Number(row.ts), items: bought.filter((id) => known.has(id)) };
    skipped += bought.length - basket.items.length;
    if (basket.items.length === 0) continue;
    events += basket.items.length;
    if (row.customer_id !== null && consenting.has(row.customer_id)) {
      const list = customers.get(row.customer_id) ?? [];
      list.push(basket);
      customers.set(row.customer_id, list);
    } else baskets.push(basket);
  }
  return {
    items,
    customers,
    baskets,
    counts: {
      purchases: rows.length,
      customers: customers.size,
      anonymousBaskets: baskets.length,
      events,
      skipped,
      unreadable,
      items: items.length,
      from: rows.length > 0 ? Number(rows[0]!.ts) : null,
      to: rows.length > 0 ? Number(rows.at(-1)!.ts) : null,
      until,
    },
  };
}

/** How many purchases the cloud received after `after` (the schedule skips a run when too few arrived). */
export async function purchasesReceivedAfter(store: CloudStore, after: number): Promise<number> {
  const row = await store.db
    .selectFrom('purchases')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('received_at', '>', after)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Most purchases a customer's history is read from (the model weighs the latest ones most; older ones add ~0). */
const HISTORY_PURCHASES = 50;

/**
 * A customer's purchase history as the model reads it: the items of their latest purchases the cloud had received
 * by `until`, oldest first (the same sequence training built for them).
 */
export async function customerHistory(store: CloudStore, customerId: string, until: number): Promise<string[]> {
  const rows = await store.db
    .selectFrom('purchases')
    .select('payload')
    .where('customer_id', '=', customerId)
    .where('received_at', '<=', until)
    .orderBy('ts', 'desc')
    .orderBy('event_id', 'desc')
    .limit(HISTORY_PURCHASES)
    .execute();
  return rows.reverse().flatMap((r) => purchasedItems(r.payload) ?? []);
}

/** The items a customer bought at or after `since`, whenever the cloud received them. */
export async function itemsBoughtSince(store: CloudStore, customerId: string, since: number): Promise<Set<string>> {
  const rows = await store.db
    .selectFrom('purchases')
    .select('payload')
    .where('customer_id', '=', customerId)
    .where('ts', '>=', since)
    .execute();
  return new Set(rows.flatMap((r) => purchasedItems(r.payload) ?? []));
}

/** Purchases the popularity fallback counts (the newest). */
const POPULARITY_PURCHASES = 5000;

/** How many of the newest purchases bought each item, most first (ties by item id): the answer before any model. */
export async function popularItems(store: CloudStore): Promise<{ itemId: string; count: number }[]> {
  const rows = await store.db
    .selectFrom('purchases')
    .select('payload')
    .orderBy('ts', 'desc')
    .limit(POPULARITY_PURCHASES)
    .execute();
  const counts = new Map<string, number>();
  for (const r of rows)
    for (const item of purchasedItems(r.payload) ?? []) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts]
    .map(([itemId, count]) => ({ itemId, count }))
    .sort((a, b) => b.count - a.count || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}
