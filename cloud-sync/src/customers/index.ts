import {
  CustomerIdentities,
  CustomerProfile,
  EraseResult,
  Identifier,
  IdentityResolveRequest,
  IdentityResolveResult,
  MergeId,
  MergeRequest,
  MergeResult,
  type PosPurchase,
  UndoMergeResult,
} from '@aisle/contracts';
import { z } from 'zod';
import { OPERATOR_ID } from '../auth';
import { eraseCustomer } from '../dsr';
import type { FeatureContext } from '../feature';
import { notFound } from '../http';
import { CustomerPath, StorePath } from '../route';
import { addScopes, chunked, nextSeq, PURCHASE_SCOPE_MS, type Trx } from './feed';
import { identitiesOf } from './identities';
import { mergeInto, undoMerge } from './merge';
import { lookupCustomer, resolveIdentities } from './resolve';

export { inStoreScope, storePage } from './feed';

const MergePath = z.object({ mergeId: MergeId });

/** Registers the customers routes: identity resolution, merge and undo, identities, store lookup, erasure. */
export function registerCustomersRoutes(ctx: FeatureContext): void {
  const { routes, store, now } = ctx;

  routes.add(
    {
      method: 'POST',
      url: '/v1/identities/resolve',
      tag: 'customers',
      summary: 'Find, create or stitch the customer a set of identifiers belongs to',
      description:
        'None known: a new customer (`profile` fields apply only then). One customer: the unknown identifiers are ' +
        'attached to it. Several: they are merged into the oldest, each merge recorded (undo with ' +
        '`POST /v1/merges/{mergeId}/undo`). E-mail addresses and phone numbers are hashed on input.',
      access: 'operator',
      body: IdentityResolveRequest,
      response: IdentityResolveResult,
    },
    async ({ body }) => resolveIdentities(store, body, now()),
  );

  routes.add(
    {
      method: 'POST',
      url: '/v1/customers/:customerId/merge',
      tag: 'customers',
      summary: 'Merge another customer into this one',
      description:
        'The other customer’s identities, purchases and store scope move here; its profile is merged in (consent: ' +
        'the more restrictive) and every store that had it is told to drop it.',
      access: 'operator',
      params: CustomerPath,
      body: MergeRequest,
      response: MergeResult,
      errors: [404],
    },
    async ({ params, body }) =>
      store.db.transaction().execute((trx) => mergeInto(store, trx, params.customerId, body.from, now())),
  );

  routes.add(
    {
      method: 'POST',
      url: '/v1/merges/:mergeId/undo',
      tag: 'customers',
      summary: 'Undo a merge',
      description:
        'The merged-away customer comes back as it was (profile, identities, purchases, stores). The survivor gets ' +
        'back every field the merge changed and nobody changed since; later edits stay on it. 409 when the merge ' +
        'was undone already, the survivor is gone (erased or merged again: undo that first), or the id is taken.',
      access: 'operator',
      params: MergePath,
      response: UndoMergeResult,
      errors: [404, 409],
    },
    async ({ params }) => store.db.transaction().execute((trx) => undoMerge(store, trx, params.mergeId, now())),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/customers/:customerId/identities',
      tag: 'customers',
      summary: "A customer's identifiers (e-mail and phone as their hashes)",
      access: 'operator',
      params: CustomerPath,
      response: CustomerIdentities,
      errors: [404],
    },
    async ({ params }) => {
      if (!(await store.customer(params.customerId))) throw notFound(`no customer ${params.customerId}`);
      return { customerId: params.customerId, identities: await identitiesOf(store.db, params.customerId) };
    },
  );

  routes.add(
    {
      method: 'POST',
      url: '/v1/stores/:storeId/customers/lookup',
      tag: 'stores',
      summary: 'The profile of the customer an identifier belongs to, for a store that does not cache it',
      description:
        'A kiosk identify or an app sighting of a customer outside the store’s scope: the store joins the ' +
        'customer’s scope for 30 days, so its profile feed carries the customer’s changes from now on.',
      access: 'store',
      params: StorePath,
      body: Identifier,
      response: CustomerProfile,
      errors: [404],
    },
    async ({ params, body }) => lookupCustomer(store, params.storeId, body, now()),
  );

  routes.add(
    {
      method: 'DELETE',
      url: '/v1/customers/:customerId',
      tag: 'customers',
      summary: 'Erase a customer (GDPR erasure)',
      description:
        'In one transaction: profile, identities, cart and its edits, web events, consent records, store scope and ' +
        'merge records are deleted (for the customer and every id merged into it); purchases stay as anonymous ' +
        'sales. Every store that had the profile is told to drop it. The id is remembered by its hash only, so a ' +
        'sale a store sends later is stored anonymously and the id cannot come back. Recorded as a completed ' +
        'erasure request (`requestId`) whose status stays readable.',
      access: 'operator',
      params: CustomerPath,
      response: EraseResult,
      errors: [404],
    },
    async ({ params }) => eraseCustomer(ctx, params.customerId, OPERATOR_ID),
  );
}

/**
 * Called after a store's purchase batch was applied, outside its transaction and before the store gets its answer.
 * A batch sent again calls it again with the same purchases: it must be idempotent.
 *
 * Each customer who bought is in the store's scope for 90 days from the purchase (a purchase already older than
 * that adds nothing). A sale to a customer merged away since (the store had not pulled the merge yet) puts the
 * survivor in scope; the purchase row keeps the id the till sent (only a merge re-points purchases, so its undo
 * finds them as they were).
 */
export async function onCustomerPurchases(
  ctx: FeatureContext,
  storeId: string,
  purchases: readonly PosPurchase[],
): Promise<void> {
  const since = ctx.now() - PURCHASE_SCOPE_MS;
  const latest = new Map<string, number>();
  for (const p of purchases)
    if (p.customerId !== undefined && p.ts >= since)
      latest.set(p.customerId, Math.max(p.ts, latest.get(p.customerId) ?? 0));
  if (latest.size === 0) return;
  await ctx.store.db.transaction().execute(async (trx) => {
    await nextSeq(ctx.store, trx);
    const ids = [...latest.keys()];
    const known = new Set<string>();
    for (const part of chunked(ids))
      for (const r of await trx
        .selectFrom('customers')
        .select('customer_id')
        .where('customer_id', 'in', part)
        .execute())
        known.add(r.customer_id);
    const mergedAway = new Set<string>();
    for (const part of chunked(ids.filter((id) => !known.has(id))))
      for (const r of await trx
        .selectFrom('merges')
        .select('merged_id')
        .where('merged_id', 'in', part)
        .where('undone_at', 'is', null)
        .execute())
        mergedAway.add(r.merged_id);
    const entries: { customerId: string; at: number }[] = [];
    for (const [customerId, at] of latest) {
      // a customer merged away since the sale counts for the survivor (rare: followed one by one)
      const current = known.has(customerId)
        ? customerId
        : mergedAway.has(customerId)
          ? await currentCustomer(trx, customerId)
          : undefined;
      if (current !== undefined) entries.push({ customerId: current, at });
    }
    await addScopes(ctx.store, trx, storeId, 'purchase', entries);
  });
}

/** The customer `customerId` is now: itself, the survivor of the merges it went into, or undefined (erased). */
async function currentCustomer(trx: Trx, customerId: string): Promise<string | undefined> {
  let id = customerId;
  // a chain of merges is short; the bound only stops a cycle of records
  for (let hop = 0; hop < 20; hop++) {
    const exists = await trx
      .selectFrom('customers')
      .select('customer_id')
      .where('customer_id', '=', id)
      .executeTakeFirst();
    if (exists) return id;
    const merge = await trx
      .selectFrom('merges')
      .select('survivor_id')
      .where('merged_id', '=', id)
      .where('undone_at', 'is', null)
      .orderBy('merged_at', 'desc')
      .executeTakeFirst();
    if (!merge) return undefined;
    id = merge.survivor_id;
  }
  return undefined;
}
