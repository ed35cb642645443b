import type { EraseResult } from '@aisle/contracts';
import { chunked, nextSeq, type Trx, tombstone } from '../customers/feed';
import type { FeatureContext } from '../feature';
import { notFound } from '../http';
import { customerHash, type Db } from './requests';

/*
 * Full erasure, inside the caller's transaction. The person is the customer id and every id merged into it (merges
 * not undone, followed down the chain): a merge moves identities, purchases and scope to the survivor but leaves the
 * merged-away id's cart edits, consent records and web events under the old id, and those are the same person's.
 *
 * Deleted: profile rows, identities, cart edits and lines, web events (the person's and every event of the sessions
 * they signed in to, which would otherwise still link their browsing), consent records, store scope, merge records
 * naming them on either side. Anonymized: purchases keep store, items, totals and time (sales figures and
 * anonymous baskets for training) but lose the customer id and the shopper device. Every store whose feed carried
 * them gets a tombstone. Each id goes on the erased list (by its hash) so nothing brings it back.
 *
 * Training keeps no per-customer data: runs read purchases when they run, and serving reads a customer's history
 * from `purchases` at request time, so anonymizing the purchases removes the person from every later run and answer.
 */

/** The customer and the ids merged into it (merges not undone), transitively, the survivor first. */
export async function aliasesOf(db: Db, customerId: string): Promise<string[]> {
  const out = [customerId];
  // a chain of merges is short; the bound only stops a cycle of records
  for (let i = 0; i < out.length && out.length < 1000; i++) {
    const rows = await db
      .selectFrom('merges')
      .select('merged_id')
      .where('survivor_id', '=', out[i]!)
      .where('undone_at', 'is', null)
      .execute();
    for (const r of rows) if (!out.includes(r.merged_id)) out.push(r.merged_id);
  }
  return out;
}

/** What an erasure removed, by count only (an audit entry may carry it: no personal data). */
export interface ErasureCounts {
  aliases: number;
  stores: number;
  purchases: number;
  webEvents: number;
  cartEdits: number;
  consentRecords: number;
  merges: number;
}

/** Erases `customerId` in `trx` (see above); 404 when there is no such customer. */
export async function eraseInTransaction(
  ctx: FeatureContext,
  trx: Trx,
  customerId: string,
  requestId: string,
): Promise<EraseResult & { counts: ErasureCounts }> {
  const seq = await nextSeq(ctx.store, trx); // serialise with the other profile writers before reading
  const exists = await trx
    .selectFrom('customers')
    .select('customer_id')
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (!exists) throw notFound(`no customer ${customerId}`);
  const ids = await aliasesOf(trx, customerId);
  const counts: ErasureCounts = {
    aliases: ids.length - 1,
    stores: 0,
    purchases: 0,
    webEvents: 0,
    cartEdits: 0,
    consentRecords: 0,
    merges: 0,
  };
  for (const part of chunked(ids)) {
    await trx.deleteFrom('customers').where('customer_id', 'in', part).execute();
    await trx.deleteFrom('identities').where('customer_id', 'in', part).execute();
    await trx.deleteFrom('customer_stores').where('customer_id', 'in', part).execute();
    await trx.deleteFrom('cart_lines').where('customer_id', 'in', part).execute();
    const edits = await trx.deleteFrom('cart_edits').where('customer_id', 'in', part).executeTakeFirst();
    counts.cartEdits += Number(edits.numDeletedRows);
    const consent = await trx.deleteFrom('consent_records').where('customer_id', 'in', part).executeTakeFirst();
    counts.consentRecords += Number(consent.numDeletedRows);
    const sessions = (
      await trx.selectFrom('web_events').select('session_id').distinct().where('customer_id', 'in', part).execute()
    ).map((r) => r.session_id);
    for (const s of chunked(sessions)) {
      const web = await trx.deleteFrom('web_events').where('session_id', 'in', s).executeTakeFirst();
      counts.webEvents += Number(web.numDeletedRows);
    }
    const merges = await trx
      .deleteFrom('merges')
      .where((eb) => eb.or([eb('survivor_id', 'in', part), eb('merged_id', 'in', part)]))
      .executeTakeFirst();
    counts.merges += Number(merges.numDeletedRows);
    counts.purchases += await anonymizePurchases(trx, part);
  }
  for (const id of ids) counts.stores += await tombstone(trx, id, seq);
  await trx
    .insertInto('erased_customers')
    .values(ids.map((id) => ({ customer_hash: customerHash(id), erased_at: ctx.now(), request_id: requestId })))
    .onConflict((oc) => oc.column('customer_hash').doNothing())
    .execute();
  return { customerId, stores: counts.stores, requestId, counts };
}

/**
 * Takes the customer out of their purchases: the row's customer id goes, and the payload (a PosPurchase) loses
 * `customerId` and `shopperDeviceId`; what was bought, where, when and for how much stays. Returns how many.
 */
export async function anonymizePurchases(trx: Trx, customerIds: readonly string[]): Promise<number> {
  let count = 0;
  for (const part of chunked(customerIds)) {
    const rows = await trx
      .selectFrom('purchases')
      .select(['event_id', 'payload'])
      .where('customer_id', 'in', part)
      .execute();
    for (const r of rows) {
      await trx
        .updateTable('purchases')
        .set({ customer_id: null, payload: scrubPurchase(r.payload) })
        .where('event_id', '=', r.event_id)
        .execute();
      count++;
    }
  }
  return count;
}

/**
 * A stored purchase payload without who bought it. A payload that is not JSON (never written so) is dropped
 * whole rather than kept with whatever it names.
 */
export function scrubPurchase(payload: string): string {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return '{}';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return '{}';
  return JSON.stringify(withoutBuyer(json as Record<string, unknown>));
}

/** A purchase without the fields that name who bought it (the customer and their shopper device). */
export function withoutBuyer<P extends { customerId?: unknown; shopperDeviceId?: unknown }>(
  purchase: P,
): Omit<P, 'customerId' | 'shopperDeviceId'> {
  const { customerId: _customer, shopperDeviceId: _device, ...rest } = purchase;
  return rest;
}
