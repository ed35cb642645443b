import {
  CartEdit,
  CustomerExport,
  type ExportedPurchase,
  type ExportedTrainingRun,
  type Merge,
  PosPurchase,
  type StoreHolding,
  WebEvent,
} from '@aisle/contracts';
import { profileCart, storedCart, toEdit } from '../carts/cart';
import { consentHistory, currentConsent } from '../consent';
import { chunked, NEARBY_SCOPE_MS, PURCHASE_SCOPE_MS } from '../customers/feed';
import { identitiesOf } from '../customers/identities';
import type { FeatureContext } from '../feature';
import { notFound } from '../http';
import type { CloudTables } from '../store';
import { aliasesOf } from './erase';
import { requestsByCustomer } from './requests';

/*
 * The export of everything the cloud holds about a person (GDPR access and portability). Like erasure, the person
 * is the customer id and the ids merged into it: a merge leaves the merged-away id's cart edits, consent records
 * and web events under that id.
 */

/** The web shop's store id in `purchases` (carts' WEB_STORE_ID; not imported, to keep carts → dsr one-way). */
const WEB = 'web';

const toMerge = (r: CloudTables['merges']): Merge => ({
  mergeId: r.merge_id,
  survivorId: r.survivor_id,
  mergedId: r.merged_id,
  mergedAt: Number(r.merged_at),
  ...(r.undone_at !== null && { undoneAt: Number(r.undone_at) }),
});

/** Everything held about `customerId`; 404 for an unknown (or erased) customer. */
export async function buildExport(ctx: FeatureContext, customerId: string): Promise<CustomerExport> {
  const { db } = ctx.store;
  const profile = await ctx.store.customer(customerId);
  if (!profile) throw notFound('no such customer');
  const ids = await aliasesOf(db, customerId);
  const byIds = <T>(read: (part: string[]) => Promise<T[]>) =>
    Promise.all(chunked(ids).map(read)).then((parts) => parts.flat());

  const history = (await Promise.all(ids.map((id) => consentHistory(ctx.store, id)))).flat();
  const own = history.filter((r) => r.customerId === customerId);

  const editRows = await byIds((part) =>
    db.selectFrom('cart_edits').selectAll().where('customer_id', 'in', part).execute(),
  );
  editRows.sort((a, b) => Number(a.at) - Number(b.at) || (a.edit_id < b.edit_id ? -1 : 1));

  const webRows = await byIds((part) =>
    db.selectFrom('web_events').selectAll().where('customer_id', 'in', part).execute(),
  );
  webRows.sort((a, b) => Number(a.at) - Number(b.at) || (a.event_id < b.event_id ? -1 : 1));

  const purchaseRows = await byIds((part) =>
    db.selectFrom('purchases').selectAll().where('customer_id', 'in', part).execute(),
  );
  purchaseRows.sort((a, b) => Number(a.ts) - Number(b.ts) || (a.event_id < b.event_id ? -1 : 1));
  const purchases: ExportedPurchase[] = purchaseRows.map((r) => ({
    storeId: r.store_id,
    receivedAt: Number(r.received_at),
    purchase: PosPurchase.parse(JSON.parse(r.payload)),
  }));

  const mergeRows = await byIds((part) =>
    db
      .selectFrom('merges')
      .selectAll()
      .where((eb) => eb.or([eb('survivor_id', 'in', part), eb('merged_id', 'in', part)]))
      .execute(),
  );
  const merges = [...new Map(mergeRows.map((r) => [r.merge_id, toMerge(r)])).values()].sort(
    (a, b) => a.mergedAt - b.mergedAt,
  );

  return CustomerExport.parse({
    format: 'aisle.customer-export',
    version: 1,
    customerId,
    exportedAt: ctx.now(),
    profile,
    identities: await identitiesOf(db, customerId),
    consent: { current: currentConsent(own), history },
    cart: {
      current: (await storedCart(db, customerId)) ?? profileCart(profile),
      edits: editRows.map((r) => ({
        edit: CartEdit.parse(toEdit(r)),
        status: r.status,
        ...(r.superseded_by !== null && { supersededBy: r.superseded_by }),
        receivedAt: Number(r.received_at),
      })),
    },
    webEvents: webRows.map((r) => ({
      receivedAt: Number(r.received_at),
      event: WebEvent.parse(JSON.parse(r.payload)),
    })),
    purchases: {
      online: purchases.filter((p) => p.storeId === WEB),
      inStore: purchases.filter((p) => p.storeId !== WEB),
    },
    stores: await holdings(ctx, customerId, purchases),
    merges,
    requests: await requestsByCustomer(db, customerId),
    training: await trainingRuns(ctx, purchaseRows),
  });
}

/**
 * What each store holds or held: whether its feed carries the profile (or told it to drop it), why it is in scope,
 * and the person's purchases recorded there.
 */
async function holdings(
  ctx: FeatureContext,
  customerId: string,
  purchases: readonly ExportedPurchase[],
): Promise<StoreHolding[]> {
  const { db } = ctx.store;
  const scope = await db.selectFrom('customer_stores').selectAll().where('customer_id', '=', customerId).execute();
  const feed = await db.selectFrom('profile_feed').selectAll().where('customer_id', '=', customerId).execute();
  const stores = new Set([
    ...scope.map((r) => r.store_id),
    ...feed.map((r) => r.store_id),
    ...purchases.filter((p) => p.storeId !== WEB).map((p) => p.storeId),
  ]);
  return [...stores].sort().map((storeId) => {
    const row = feed.find((r) => r.store_id === storeId);
    const bought = purchases.filter((p) => p.storeId === storeId);
    return {
      storeId,
      profile: row === undefined ? 'none' : Number(row.deleted) === 0 ? 'holds' : 'dropped',
      reasons: scope
        .filter((r) => r.store_id === storeId)
        .map((r) => {
          const lastAt = Number(r.last_at);
          if (r.reason === 'home') return { reason: 'home' as const, lastAt };
          const lookup = r.reason === 'nearby';
          return {
            reason: lookup ? ('lookup' as const) : ('purchase' as const),
            lastAt,
            expiresAt: lastAt + (lookup ? NEARBY_SCOPE_MS : PURCHASE_SCOPE_MS),
          };
        }),
      purchases: bought.map((p) => p.purchase.eventId),
      ...(bought.length > 0 && { firstPurchaseAt: bought[0]!.purchase.ts, lastPurchaseAt: bought.at(-1)!.purchase.ts }),
    };
  });
}

/** The training runs that read the person's purchases: those whose data cut-off came after a purchase arrived. */
async function trainingRuns(
  ctx: FeatureContext,
  purchases: readonly CloudTables['purchases'][],
): Promise<ExportedTrainingRun[]> {
  if (purchases.length === 0) return [];
  const first = Math.min(...purchases.map((p) => Number(p.received_at)));
  const runs = await ctx.store.db
    .selectFrom('training_runs')
    .selectAll()
    .where('data_until', 'is not', null)
    .where('data_until', '>=', first)
    .orderBy('started_at')
    .execute();
  return runs.map((r) => ({
    runId: r.id,
    status: r.status,
    ...(r.version !== null && { version: r.version }),
    startedAt: Number(r.started_at),
    ...(r.finished_at !== null && { finishedAt: Number(r.finished_at) }),
    dataUntil: Number(r.data_until),
    purchases: purchases.filter((p) => Number(p.received_at) <= Number(r.data_until)).length,
  }));
}
