import {
  CartAudit,
  type CartEdit,
  CartEditBatch,
  CartEditResult,
  CartView,
  type PosPurchase,
  WebEventBatch,
  WebEventBatchResult,
  type WebPurchase,
} from '@aisle/contracts';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { honourGpc } from '../dsr';
import type { FeatureContext } from '../feature';
import { HttpError, notFound } from '../http';
import { CustomerPath } from '../route';
import type { CloudTables } from '../store';
import {
  applyEdits,
  CartFullError,
  CLOUD_EDIT_PREFIX,
  EditConflictError,
  lineStates,
  openCart,
  profileCart,
  storedCart,
  toEdit,
} from './cart';
import { syncProfile } from './profile';
import { type CartPurchase, purchaseEdits } from './purchases';

/*
 * Carts edited online and in store, converging by per-line last-writer-wins on hybrid logical clocks (the merge is
 * `applyCartEdits` of @aisle/contracts), with every losing edit kept for audit; and the web shop's events.
 */

/** How far ahead of the cloud's clock an edit's clock may be: further, it would win every later edit for that long. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The store id web purchases are recorded under in `purchases` (a PosPurchase whose till is `web` too). */
export const WEB_STORE_ID = 'web';

const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(2000).default(500) });

/** Registers the carts routes. */
export function registerCartsRoutes(ctx: FeatureContext): void {
  const { routes, store } = ctx;

  routes.add(
    {
      method: 'POST',
      url: '/v1/customers/:customerId/cart/edits',
      tag: 'carts',
      summary: "Apply edits of a customer's cart",
      description:
        'Each edit sets one line (quantity 0 removes it) and carries a hybrid logical clock; per line the latest ' +
        'clock wins, whatever order edits arrive in, and the others are kept for audit. Idempotent by `editId` (the ' +
        'same id with other content is a 409). The cart is then written into the profile, which stores pull.',
      access: 'operator',
      params: CustomerPath,
      body: CartEditBatch,
      response: CartEditResult,
      errors: [404, 409],
    },
    async ({ params, body }) => {
      await checkEdits(ctx, params.customerId, body.edits);
      const result = await store.db
        .transaction()
        .execute(async (trx) => {
          const at = ctx.now();
          await openCart(store, trx, params.customerId, at);
          return applyEdits(trx, params.customerId, body.edits, at);
        })
        .catch(asHttpError);
      await syncProfile(ctx, params.customerId);
      return { ...result, cart: await cartOf(ctx, params.customerId) };
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/customers/:customerId/cart',
      tag: 'carts',
      summary: "A customer's cart, each line with its version (the winning edit)",
      access: 'operator',
      params: CustomerPath,
      response: CartView,
      errors: [404],
    },
    async ({ params }) => cartOf(ctx, params.customerId),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/customers/:customerId/cart/audit',
      tag: 'carts',
      summary: "The edits of a customer's cart that lost to a later edit of the same line, newest clock first",
      access: 'operator',
      params: CustomerPath,
      query: AuditQuery,
      response: CartAudit,
      errors: [404],
    },
    async ({ params, query }) => {
      if (!(await store.customer(params.customerId))) throw notFound('no such customer');
      const rows = await store.db
        .selectFrom('cart_edits')
        .selectAll()
        .where('customer_id', '=', params.customerId)
        .where('status', '=', 'lost')
        .orderBy('hlc_wall', 'desc')
        .orderBy('hlc_counter', 'desc')
        .orderBy('hlc_node', 'desc')
        .orderBy('edit_id', 'desc')
        .limit(query.limit)
        .execute();
      return {
        customerId: params.customerId,
        superseded: rows.map((r) => ({ edit: toEdit(r), supersededBy: r.superseded_by! })),
      };
    },
  );

  routes.add(
    {
      method: 'POST',
      url: '/v1/web/events',
      tag: 'carts',
      summary: 'Record web-shop events (views, cart changes, purchases)',
      description:
        'Idempotent by `eventId`. A `purchase` is recorded as the customer\'s purchase (store id "web") and in ' +
        'their profile, and takes the bought quantities out of their cart as it stood then. The cart itself changes ' +
        'only by cart edits: `add_to_cart` and `remove_from_cart` record behaviour. With the Global Privacy ' +
        'Control signal (header `Sec-GPC: 1` or `gpc: true`), each signed-in customer named gets an opt-out of ' +
        'sale and sharing (marketing consent denied, channel web) recorded once, as an objection request.',
      access: 'operator',
      body: WebEventBatch,
      response: WebEventBatchResult,
    },
    async ({ body, req }) => {
      const result = await recordWebEvents(ctx, body);
      // Global Privacy Control (CCPA/CPRA): the browser's opt-out of sale and sharing, for the signed-in customers
      if (body.gpc === true || req.headers['sec-gpc'] === '1')
        await honourGpc(
          ctx,
          body.events.flatMap((e) => (e.customerId ? [e.customerId] : [])),
        );
      return result;
    },
  );
}

/** The cart view, from its edits or, never edited, from the profile; 404 for an unknown customer. */
async function cartOf(ctx: FeatureContext, customerId: string): Promise<CartView> {
  const stored = await storedCart(ctx.store.db, customerId);
  if (stored) return stored;
  const profile = await ctx.store.customer(customerId);
  if (!profile) throw notFound('no such customer');
  return profileCart(profile);
}

/**
 * Refuses edits of another customer, with an id of the cloud's, from a clock too far ahead, of items not in the
 * catalog, or of nobody.
 */
async function checkEdits(ctx: FeatureContext, customerId: string, edits: readonly CartEdit[]): Promise<void> {
  if (edits.some((e) => e.customerId !== customerId))
    throw new HttpError(400, 'customer_mismatch', 'every edit must be of the customer in the path');
  const reserved = edits.find((e) => e.editId.startsWith(CLOUD_EDIT_PREFIX));
  if (reserved)
    throw new HttpError(400, 'reserved_edit_id', `edit ids starting "${CLOUD_EDIT_PREFIX}" are the cloud's own`);
  const ahead = edits.find((e) => e.hlc.wallMs > ctx.now() + MAX_CLOCK_SKEW_MS);
  if (ahead) throw clockSkew(`edit ${ahead.editId}`);
  await checkItems(
    ctx,
    edits.filter((e) => e.quantity > 0).map((e) => e.itemId),
  );
  if (!(await ctx.store.customer(customerId))) throw notFound('no such customer');
}

const clockSkew = (what: string) =>
  new HttpError(400, 'clock_skew', `${what} is clocked more than ${MAX_CLOCK_SKEW_MS / 60_000} min ahead of the cloud`);

/** 400 `unknown_item` naming the first items not in the catalog. */
async function checkItems(ctx: FeatureContext, itemIds: readonly string[]): Promise<void> {
  const wanted = [...new Set(itemIds)];
  if (wanted.length === 0) return;
  const known = new Set<string>();
  for (let i = 0; i < wanted.length; i += 500)
    for (const r of await ctx.store.db
      .selectFrom('products')
      .select('item_id')
      .where('item_id', 'in', wanted.slice(i, i + 500))
      .execute())
      known.add(r.item_id);
  const unknown = wanted.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new HttpError(400, 'unknown_item', `not in the catalog: ${unknown.slice(0, 10).join(', ')}`);
}

function asHttpError(err: unknown): never {
  if (err instanceof EditConflictError) throw new HttpError(409, 'edit_conflict', err.message);
  if (err instanceof CartFullError) throw new HttpError(409, 'cart_full', err.message);
  throw err;
}

/**
 * Records a batch of web events in one transaction: new events are stored, a new purchase is stored as the
 * customer's purchase and takes what was bought out of the cart. Then every purchase of the batch (new or sent again,
 * so a retry after a failure finishes the job) is written into its customer's profile.
 */
async function recordWebEvents(ctx: FeatureContext, batch: WebEventBatch): Promise<WebEventBatchResult> {
  const { store } = ctx;
  const customers = [...new Set(batch.events.flatMap((e) => (e.customerId ? [e.customerId] : [])))];
  const missing: string[] = [];
  for (const id of customers) if (!(await store.customer(id))) missing.push(id);
  if (missing.length > 0)
    throw new HttpError(400, 'unknown_customer', `no such customer: ${missing.slice(0, 10).join(', ')}`);
  await checkItems(
    ctx,
    batch.events.flatMap((e) => (e.type === 'purchase' ? e.lines.map((l) => l.itemId) : [e.itemId])),
  );
  const ahead = batch.events.find(
    (e) => e.type === 'purchase' && e.hlc && e.hlc.wallMs > ctx.now() + MAX_CLOCK_SKEW_MS,
  );
  if (ahead) throw clockSkew(`purchase ${ahead.eventId}`);
  const unique = [...new Map(batch.events.map((e) => [e.eventId, e])).values()];
  const accepted = await store.db.transaction().execute(async (trx) => {
    const at = ctx.now();
    const inserted = new Set<string>();
    for (let i = 0; i < unique.length; i += 500)
      for (const r of await trx
        .insertInto('web_events')
        .values(
          unique.slice(i, i + 500).map((e) => ({
            event_id: e.eventId,
            type: e.type,
            session_id: e.sessionId,
            customer_id: e.customerId ?? null,
            payload: JSON.stringify(e),
            at: e.at,
            received_at: at,
          })),
        )
        .onConflict((oc) => oc.column('event_id').doNothing())
        .returning('event_id')
        .execute())
        inserted.add(r.event_id);
    const purchases = unique.filter((e): e is WebPurchase => e.type === 'purchase' && inserted.has(e.eventId));
    if (purchases.length > 0)
      await trx
        .insertInto('purchases')
        .values(
          purchases.map((p) => ({
            event_id: p.eventId,
            store_id: WEB_STORE_ID,
            customer_id: p.customerId,
            ts: p.at,
            payload: JSON.stringify(asPosPurchase(p)),
            received_at: at,
          })),
        )
        .onConflict((oc) => oc.column('event_id').doNothing())
        .execute();
    // customers in id order, so two batches lock them in the same order
    for (const customerId of [...new Set(purchases.map((p) => p.customerId))].sort()) {
      await openCart(store, trx, customerId, at);
      for (const p of purchases.filter((x) => x.customerId === customerId))
        await takeOut(trx, { ...p, ts: p.at, origin: { channel: 'web' } }, at);
    }
    return inserted.size;
  });
  for (const p of unique)
    if (p.type === 'purchase')
      await syncProfile(
        ctx,
        p.customerId,
        p.lines.map((l) => ({ itemId: l.itemId, at: p.at, channel: 'online' as const })),
      );
  return { accepted, duplicates: batch.events.length - accepted };
}

/** A web purchase in the shape store purchases have in `purchases`, so training reads every channel alike. */
function asPosPurchase(p: WebPurchase): PosPurchase {
  return {
    eventId: p.eventId,
    storeId: WEB_STORE_ID,
    terminalId: WEB_STORE_ID,
    customerId: p.customerId,
    lines: p.lines,
    total: p.total,
    currency: p.currency,
    ts: p.at,
  };
}

/** Applies the edits of one purchase to its customer's cart (opened in `trx`). */
async function takeOut(trx: Transaction<CloudTables>, p: CartPurchase, at: number): Promise<void> {
  const state = await lineStates(
    trx,
    p.customerId,
    p.lines.map((l) => l.itemId),
  );
  const edits = purchaseEdits(state, p);
  if (edits.length > 0) await applyEdits(trx, p.customerId, edits, at);
}

/**
 * Called after a store's purchase batch was applied, outside its transaction and before the store gets its answer.
 * A batch sent again calls it again with the same purchases: it must be idempotent. An identified customer's purchase
 * of items in their online cart takes them out of it (an edit of origin store, clocked at the purchase, whose id is
 * the purchase's event id and the item: a purchase seen again edits nothing).
 */
export async function onCartPurchases(
  ctx: FeatureContext,
  storeId: string,
  purchases: readonly PosPurchase[],
): Promise<void> {
  const byCustomer = new Map<string, PosPurchase[]>();
  for (const p of purchases)
    if (p.customerId) byCustomer.set(p.customerId, [...(byCustomer.get(p.customerId) ?? []), p]);
  const withCart = await customersWithCart(ctx, [...byCustomer.keys()]);
  for (const customerId of withCart) {
    await ctx.store.db.transaction().execute(async (trx) => {
      const at = ctx.now();
      await openCart(ctx.store, trx, customerId, at);
      for (const p of byCustomer.get(customerId)!)
        await takeOut(trx, { ...p, customerId, origin: { channel: 'store', storeId } }, at);
    });
    await syncProfile(ctx, customerId);
  }
}

/** Of `customerIds`, those who have a cart: edited, or carried by their profile. In id order. */
async function customersWithCart(ctx: FeatureContext, customerIds: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (let i = 0; i < customerIds.length; i += 500) {
    const part = customerIds.slice(i, i + 500);
    for (const r of await ctx.store.db
      .selectFrom('cart_lines')
      .select('customer_id')
      .distinct()
      .where('customer_id', 'in', part)
      .where('quantity', '>', 0)
      .execute())
      out.add(r.customer_id);
    for (const r of await ctx.store.db
      .selectFrom('customers')
      .select(['customer_id', 'profile'])
      .where('customer_id', 'in', part)
      .execute())
      if ((JSON.parse(r.profile) as { onlineCart?: unknown[] }).onlineCart?.length) out.add(r.customer_id);
  }
  return [...out].sort();
}
