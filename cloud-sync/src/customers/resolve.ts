import { randomBytes } from 'node:crypto';
import {
  CustomerProfile,
  type EraseResult,
  type Identifier,
  type IdentityResolveRequest,
  type IdentityResolveResult,
  type Merge,
} from '@aisle/contracts';
import { notFound } from '../http';
import type { CloudStore } from '../store';
import { addScope, nextSeq, type Trx, tombstone } from './feed';
import { distinctKeys, type IdentityKey, identityKey, ownersOf } from './identities';
import { mergeInto } from './merge';
import { writeProfiles } from './profiles';

/** A new customer's id. */
const newCustomerId = () => `cus-${randomBytes(9).toString('base64url')}`;

/**
 * Stitches identifiers seen together into one customer, in one transaction: none known → a new customer with
 * `fields`; one customer → the unknown identifiers are attached to it; several → they are merged into the oldest
 * (the first created), each merge recorded, then the unknown identifiers attached. Identifiers the profile carries
 * (loyalty id, phone hash, app devices) are set on it where it has room.
 */
export async function resolveIdentities(
  store: CloudStore,
  request: IdentityResolveRequest,
  now: number,
): Promise<IdentityResolveResult> {
  const keys = distinctKeys(request.identifiers.map(identityKey));
  return store.db.transaction().execute(async (trx) => {
    await nextSeq(store, trx); // serialise with the other writers before reading
    const owners = await ownersOf(trx, keys);
    const ownerIds = [...new Set(owners.map((o) => o.customer_id))];
    const candidates =
      ownerIds.length === 0
        ? []
        : await trx
            .selectFrom('customers')
            .select(['customer_id', 'created_seq'])
            .where('customer_id', 'in', ownerIds)
            .orderBy('created_seq')
            .orderBy('customer_id')
            .execute();
    const known = new Set(owners.map((o) => `${o.kind}\n${o.value_hash}`));
    const unknown = keys.filter((k) => !known.has(`${k.kind}\n${k.valueHash}`));
    if (candidates.length === 0) {
      const customerId = newCustomerId();
      const profile = withIdentifiers(
        CustomerProfile.parse({
          consent: { personalization: false, location: false },
          favouriteCategories: [],
          ...request.profile,
          customerId,
          updatedAt: now,
        }),
        keys,
      );
      await writeProfiles(trx, [{ profile, seq: await nextSeq(store, trx) }]);
      await attach(trx, customerId, keys, now);
      return { customerId, created: true, attached: keys.length, merged: [] };
    }
    const [survivor, ...others] = candidates.map((c) => c.customer_id);
    const merged: Merge[] = [];
    for (const other of others) merged.push((await mergeInto(store, trx, survivor!, other, now)).merge);
    await attach(trx, survivor!, unknown, now);
    const current = await loadProfile(trx, survivor!);
    const updated = withIdentifiers(current, unknown);
    if (JSON.stringify(updated) !== JSON.stringify(current))
      await writeProfiles(trx, [
        { profile: { ...updated, updatedAt: Math.max(now, current.updatedAt) }, seq: await nextSeq(store, trx) },
      ]);
    return { customerId: survivor!, created: false, attached: unknown.length, merged };
  });
}

/** The profile with the loyalty id, phone hash and app devices among `keys` where it has none / room for them. */
function withIdentifiers(profile: CustomerProfile, keys: readonly IdentityKey[]): CustomerProfile {
  const out = { ...profile, appDevices: [...profile.appDevices] };
  for (const k of keys) {
    if (k.kind === 'loyalty') out.loyaltyId ??= k.valueHash;
    else if (k.kind === 'phone') out.phoneHash ??= k.valueHash;
    else if (k.kind === 'app_device' && out.appDevices.length < 10 && !out.appDevices.includes(k.valueHash))
      out.appDevices.push(k.valueHash);
  }
  return out;
}

async function attach(trx: Trx, customerId: string, keys: readonly IdentityKey[], now: number): Promise<void> {
  if (keys.length === 0) return;
  await trx
    .insertInto('identities')
    .values(keys.map((k) => ({ kind: k.kind, value_hash: k.valueHash, customer_id: customerId, created_at: now })))
    .onConflict((oc) => oc.columns(['kind', 'value_hash']).doNothing())
    .execute();
}

async function loadProfile(trx: Trx, customerId: string): Promise<CustomerProfile> {
  const row = await trx
    .selectFrom('customers')
    .select('profile')
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  return CustomerProfile.parse(JSON.parse(row.profile));
}

/**
 * The profile of the customer an identifier belongs to, for a store that does not cache it (a kiosk identify, an
 * app sighting): the store joins the customer's scope as 'nearby' for 30 days, so later changes reach it.
 */
export async function lookupCustomer(
  store: CloudStore,
  storeId: string,
  identifier: Identifier,
  now: number,
): Promise<CustomerProfile> {
  const key = identityKey(identifier);
  return store.db.transaction().execute(async (trx) => {
    await nextSeq(store, trx);
    const [owner] = await ownersOf(trx, [key]);
    const row =
      owner &&
      (await trx
        .selectFrom('customers')
        .select('profile')
        .where('customer_id', '=', owner.customer_id)
        .executeTakeFirst());
    if (!owner || !row) throw notFound('no customer has this identifier');
    await addScope(store, trx, { customerId: owner.customer_id, storeId, reason: 'nearby', at: now });
    return CustomerProfile.parse(JSON.parse(row.profile));
  });
}

/**
 * Erasure at the profile level: the customer's row, identities and store scope are deleted and every store that had
 * the profile gets a tombstone. Purchases keep their customer id and merge records keep their snapshots: full
 * privacy erasure (purchases, merges, consent records, backups) is a later issue.
 */
export async function eraseCustomer(store: CloudStore, customerId: string): Promise<EraseResult> {
  return store.db.transaction().execute(async (trx) => {
    const seq = await nextSeq(store, trx);
    const deleted = await trx.deleteFrom('customers').where('customer_id', '=', customerId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound(`no customer ${customerId}`);
    await trx.deleteFrom('identities').where('customer_id', '=', customerId).execute();
    await trx.deleteFrom('customer_stores').where('customer_id', '=', customerId).execute();
    return { customerId, stores: await tombstone(trx, customerId, seq) };
  });
}
