import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CustomerProfile, type Merge } from '@aisle/contracts';
import { appendAudit } from '../audit';
import { OPERATOR_ID } from '../auth';
import { carryCart, uncarryCart } from '../carts/cart';
import { customerSubject } from '../dsr/requests';
import { HttpError, notFound } from '../http';
import type { CloudStore, CloudTables } from '../store';
import { chunked, nextSeq, scopeOf, type Trx, tombstone } from './feed';
import { writeProfiles } from './profiles';

/*
 * Merging two customers into one, and undoing it.
 *
 * Profiles merge field by field (`mergeProfiles`); the merged-away customer's identities, purchases and store scope
 * move to the survivor, its row is deleted and every store that had it gets a tombstone. The merge keeps what undo
 * needs: both profiles before, the survivor's profile right after, what moved.
 *
 * Undo restores the merged-away customer exactly (profile, identities, purchases, scope) and restores the survivor
 * field by field: a field still as the merge left it gets its value from before the merge back; a field changed
 * since the merge (an edit to the survivor after it) keeps its new value. The survivor's `updatedAt` is the undo
 * time, so stores that cached the merged profile take the restored one. Identities attached to the survivor after
 * the merge stay with it; only those the merge moved (and the survivor still holds) go back, likewise purchases.
 */

const union = <T>(a: readonly T[], b: readonly T[], max: number) => [...new Set([...a, ...b])].slice(0, max);

/**
 * One profile for two records of one customer: the survivor's single values win where it has them; identities,
 * app devices, favourite and excluded categories are united; recent purchases are merged by time (newest 200 kept);
 * cart lines are merged by item, the newest `addedAt` winning; tastes keep the stronger affinity per category;
 * consent is the more restrictive of the two (a "no" from either record is a no).
 */
export function mergeProfiles(survivor: CustomerProfile, merged: CustomerProfile, at: number): CustomerProfile {
  const purchases = new Map<string, CustomerProfile['recentPurchases'][number]>();
  for (const p of [...survivor.recentPurchases, ...merged.recentPurchases])
    purchases.set(`${p.at}\n${p.itemId}\n${p.channel}`, p);
  const cart = new Map<string, CustomerProfile['onlineCart'][number]>();
  for (const line of [...survivor.onlineCart, ...merged.onlineCart]) {
    const had = cart.get(line.itemId);
    if (had === undefined || line.addedAt > had.addedAt) cart.set(line.itemId, line);
  }
  const tastes = { ...merged.tastes };
  for (const [category, value] of Object.entries(survivor.tastes))
    tastes[category] = Math.max(value, tastes[category] ?? 0);
  return CustomerProfile.parse({
    ...merged,
    ...survivor,
    firstName: survivor.firstName ?? merged.firstName,
    loyaltyId: survivor.loyaltyId ?? merged.loyaltyId,
    phoneHash: survivor.phoneHash ?? merged.phoneHash,
    segment: survivor.segment ?? merged.segment,
    homeStoreId: survivor.homeStoreId ?? merged.homeStoreId,
    consent: {
      personalization: survivor.consent.personalization && merged.consent.personalization,
      location: survivor.consent.location && merged.consent.location,
    },
    favouriteCategories: union(survivor.favouriteCategories, merged.favouriteCategories, 20),
    tastes,
    excludedCategories: union(survivor.excludedCategories, merged.excludedCategories, 50),
    recentPurchases: [...purchases.values()].sort((a, b) => a.at - b.at).slice(-200),
    onlineCart: [...cart.values()].sort((a, b) => a.addedAt - b.addedAt).slice(-100),
    appDevices: union(survivor.appDevices, merged.appDevices, 10),
    updatedAt: Math.max(survivor.updatedAt, merged.updatedAt, at),
  });
}

/** The survivor after an undo: each field still as the merge made it goes back to before; edited fields stay. */
export function unmergeSurvivor(
  before: CustomerProfile,
  after: CustomerProfile,
  current: CustomerProfile,
  at: number,
): CustomerProfile {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const c = current as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(b), ...Object.keys(a), ...Object.keys(c)])) {
    const value = isDeepStrictEqual(c[key], a[key]) ? b[key] : c[key];
    if (value !== undefined) out[key] = value;
  }
  return CustomerProfile.parse({ ...out, customerId: current.customerId, updatedAt: Math.max(at, current.updatedAt) });
}

type ScopeRow = CloudTables['customer_stores'];
type MergeRow = CloudTables['merges'];

const toMerge = (r: MergeRow): Merge => ({
  mergeId: r.merge_id,
  survivorId: r.survivor_id,
  mergedId: r.merged_id,
  mergedAt: Number(r.merged_at),
  ...(r.undone_at !== null && { undoneAt: Number(r.undone_at) }),
});

const scopeRows = (trx: Trx, customerId: string) =>
  trx
    .selectFrom('customer_stores')
    .select(['customer_id', 'store_id', 'reason', 'last_at'])
    .where('customer_id', '=', customerId)
    .execute();

/** Inserts scope rows, or moves an existing row's `last_at` forward. */
async function putScope(trx: Trx, rows: readonly ScopeRow[]): Promise<void> {
  for (const part of chunked(rows))
    await trx
      .insertInto('customer_stores')
      .values(part)
      .onConflict((oc) =>
        oc
          .columns(['customer_id', 'store_id', 'reason'])
          .doUpdateSet({ last_at: (eb) => eb.ref('excluded.last_at') })
          .where('customer_stores.last_at', '<', (eb) => eb.ref('excluded.last_at')),
      )
      .execute();
}

async function loadCustomer(trx: Trx, customerId: string) {
  const row = await trx
    .selectFrom('customers')
    .select(['profile', 'created_seq'])
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return row && { profile: CustomerProfile.parse(JSON.parse(row.profile)), createdSeq: Number(row.created_seq) };
}

/**
 * Merges customer `mergedId` into `survivorId` inside the caller's transaction and records the merge. The
 * merged-away customer's home store, unless it becomes the survivor's home, keeps the survivor in scope as
 * 'nearby' (for 30 days) rather than dropping them from a store they shop at.
 */
export async function mergeInto(
  store: CloudStore,
  trx: Trx,
  survivorId: string,
  mergedId: string,
  now: number,
): Promise<{ merge: Merge; profile: CustomerProfile }> {
  if (survivorId === mergedId) throw new HttpError(400, 'same_customer', 'a customer cannot be merged into itself');
  const seqMerged = await nextSeq(store, trx);
  const survivor = await loadCustomer(trx, survivorId);
  const merged = await loadCustomer(trx, mergedId);
  if (!survivor) throw notFound(`no customer ${survivorId}`);
  if (!merged) throw notFound(`no customer ${mergedId}`);
  const mergeId = `mrg-${randomBytes(12).toString('base64url')}`;
  // the carts merge as carts do, line by line by their clocks (the profiles' lines are only their copies)
  const onlineCart = await carryCart(store, trx, mergedId, survivorId, mergeId, now);
  const after = { ...mergeProfiles(survivor.profile, merged.profile, now), onlineCart };

  const identities = await trx
    .selectFrom('identities')
    .select(['kind', 'value_hash'])
    .where('customer_id', '=', mergedId)
    .execute();
  await trx.updateTable('identities').set({ customer_id: survivorId }).where('customer_id', '=', mergedId).execute();
  const purchases = (
    await trx.selectFrom('purchases').select('event_id').where('customer_id', '=', mergedId).execute()
  ).map((r) => r.event_id);
  await trx.updateTable('purchases').set({ customer_id: survivorId }).where('customer_id', '=', mergedId).execute();

  const scopes = { survivor: await scopeRows(trx, survivorId), merged: await scopeRows(trx, mergedId) };
  await putScope(
    trx,
    scopes.merged.map((r) =>
      r.reason === 'home' && r.store_id !== after.homeStoreId
        ? { ...r, customer_id: survivorId, reason: 'nearby' as const, last_at: now }
        : { ...r, customer_id: survivorId },
    ),
  );
  await trx.deleteFrom('customer_stores').where('customer_id', '=', mergedId).execute();
  await trx.deleteFrom('customers').where('customer_id', '=', mergedId).execute();
  await tombstone(trx, mergedId, seqMerged);
  await writeProfiles(trx, [{ profile: after, seq: await nextSeq(store, trx) }]);

  const row: MergeRow = {
    merge_id: mergeId,
    survivor_id: survivorId,
    merged_id: mergedId,
    survivor_before: JSON.stringify(survivor.profile),
    merged_before: JSON.stringify(merged.profile),
    survivor_after: JSON.stringify(after),
    identities: JSON.stringify(identities),
    purchases: JSON.stringify(purchases),
    scopes: JSON.stringify(scopes),
    merged_created_seq: merged.createdSeq,
    merged_at: now,
    undone_at: null,
  };
  await trx.insertInto('merges').values(row).execute();
  await appendAudit(trx, {
    actor: OPERATOR_ID,
    action: 'customer.merged',
    subject: customerSubject(survivorId),
    detail: { mergeId, merged: customerSubject(mergedId) },
    at: now,
  });
  return { merge: toMerge(row), profile: after };
}

/** Undoes a merge (see the rule at the top of this file) inside the caller's transaction. */
export async function undoMerge(store: CloudStore, trx: Trx, mergeId: string, now: number) {
  const seqMerged = await nextSeq(store, trx);
  const m = await trx.selectFrom('merges').selectAll().where('merge_id', '=', mergeId).executeTakeFirst();
  if (!m) throw notFound(`no merge ${mergeId}`);
  if (m.undone_at !== null) throw new HttpError(409, 'already_undone', `merge ${mergeId} was undone before`);
  const survivor = await loadCustomer(trx, m.survivor_id);
  if (!survivor)
    throw new HttpError(
      409,
      'survivor_missing',
      `customer ${m.survivor_id} was erased or merged into another since; undo that merge first`,
    );
  if (await loadCustomer(trx, m.merged_id))
    throw new HttpError(409, 'customer_exists', `a customer ${m.merged_id} exists again; it cannot be restored`);
  const mergedAt = Number(m.merged_at);
  const parse = (json: string) => CustomerProfile.parse(JSON.parse(json));
  const unmerged = unmergeSurvivor(parse(m.survivor_before), parse(m.survivor_after), survivor.profile, now);
  // the lines the merge carried leave the survivor's cart unless edited since; the merged-away cart never moved
  const cart = await uncarryCart(store, trx, m.survivor_id, mergeId, now);
  const restoredSurvivor = cart ? { ...unmerged, onlineCart: cart } : unmerged;
  const restored = parse(m.merged_before);

  for (const i of JSON.parse(m.identities) as { kind: string; value_hash: string }[])
    await trx
      .updateTable('identities')
      .set({ customer_id: m.merged_id })
      .where('kind', '=', i.kind)
      .where('value_hash', '=', i.value_hash)
      .where('customer_id', '=', m.survivor_id)
      .execute();
  for (const part of chunked(JSON.parse(m.purchases) as string[]))
    await trx
      .updateTable('purchases')
      .set({ customer_id: m.merged_id })
      .where('event_id', 'in', part)
      .where('customer_id', '=', m.survivor_id)
      .execute();

  // scope: the merged-away customer's rows come back; the survivor loses what it got only from the merge
  const scopes = JSON.parse(m.scopes) as { survivor: ScopeRow[]; merged: ScopeRow[] };
  await putScope(trx, scopes.merged);
  const own = new Set(scopes.survivor.map((r) => `${r.store_id}\n${r.reason}`));
  for (const r of await scopeRows(trx, m.survivor_id))
    if (!own.has(`${r.store_id}\n${r.reason}`) && Number(r.last_at) <= mergedAt)
      await trx
        .deleteFrom('customer_stores')
        .where('customer_id', '=', m.survivor_id)
        .where('store_id', '=', r.store_id)
        .where('reason', '=', r.reason)
        .execute();

  const seqSurvivor = await nextSeq(store, trx);
  await writeProfiles(trx, [
    { profile: restoredSurvivor, seq: seqSurvivor },
    { profile: restored, seq: seqMerged },
  ]);
  await trx
    .updateTable('customers')
    .set({ created_seq: Number(m.merged_created_seq) })
    .where('customer_id', '=', m.merged_id)
    .execute();
  // stores the survivor is no longer in scope of drop it
  const inScope = (await scopeOf(trx, [m.survivor_id])).get(m.survivor_id) ?? [];
  const holding = await trx
    .selectFrom('profile_feed')
    .select('store_id')
    .where('customer_id', '=', m.survivor_id)
    .where('deleted', '=', 0)
    .execute();
  await tombstone(
    trx,
    m.survivor_id,
    seqSurvivor,
    holding.map((r) => r.store_id).filter((s) => !inScope.includes(s)),
  );
  await trx.updateTable('merges').set({ undone_at: now }).where('merge_id', '=', mergeId).execute();
  await appendAudit(trx, {
    actor: OPERATOR_ID,
    action: 'customer.merge_undone',
    subject: customerSubject(m.survivor_id),
    detail: { mergeId, restored: customerSubject(m.merged_id) },
    at: now,
  });
  return { merge: toMerge({ ...m, undone_at: now }), survivor: restoredSurvivor, restored };
}
