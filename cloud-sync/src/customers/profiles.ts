import type { CustomerProfile } from '@aisle/contracts';
import { chunked, fanOut, scopeOf, type Trx, tombstone } from './feed';

/** A profile to write and the `customers` counter value of its change. */
export interface ProfileChange {
  profile: CustomerProfile;
  seq: number;
}

/**
 * Writes profiles inside the caller's transaction (which bumped the counter for their seqs): the rows, the
 * identities they name, their home-store scope, and the feed rows of every store in scope. A store that was a
 * customer's home and is no longer in its scope gets a tombstone. Identities a profile names are registered to it
 * unless another customer holds them already (an identity moves only by a resolve or a merge); identities a
 * profile stops naming stay registered.
 */
export async function writeProfiles(trx: Trx, changes: readonly ProfileChange[]): Promise<void> {
  for (const part of chunked(changes)) {
    await trx
      .insertInto('customers')
      .values(
        part.map(({ profile, seq }) => ({
          customer_id: profile.customerId,
          profile: JSON.stringify(profile),
          change_seq: seq,
          created_seq: seq,
        })),
      )
      .onConflict((oc) =>
        oc.column('customer_id').doUpdateSet({
          profile: (eb) => eb.ref('excluded.profile'),
          change_seq: (eb) => eb.ref('excluded.change_seq'),
        }),
      )
      .execute();
    await registerIdentities(trx, part);
  }
  const leftHome = await placeHomes(trx, changes);
  await fanOut(
    trx,
    changes.map((c) => ({ customerId: c.profile.customerId, seq: c.seq })),
  );
  if (leftHome.length === 0) return;
  const scope = await scopeOf(
    trx,
    leftHome.map((h) => h.customerId),
  );
  for (const { customerId, storeId, seq } of leftHome)
    if (!scope.get(customerId)?.includes(storeId)) await tombstone(trx, customerId, seq, [storeId]);
}

/** The identities of the kinds a profile carries: its loyalty id, phone hash and app devices. */
export function profileIdentities(profile: CustomerProfile): { kind: string; value_hash: string }[] {
  return [
    ...(profile.loyaltyId === undefined ? [] : [{ kind: 'loyalty', value_hash: profile.loyaltyId }]),
    ...(profile.phoneHash === undefined ? [] : [{ kind: 'phone', value_hash: profile.phoneHash }]),
    ...profile.appDevices.map((d) => ({ kind: 'app_device', value_hash: d })),
  ];
}

/** Registers the identities profiles name, as of the profile's `updatedAt`, where nobody holds them yet. */
async function registerIdentities(trx: Trx, changes: readonly ProfileChange[]): Promise<void> {
  const rows = changes.flatMap(({ profile }) =>
    profileIdentities(profile).map((i) => ({ ...i, customer_id: profile.customerId, created_at: profile.updatedAt })),
  );
  for (const part of chunked(rows))
    await trx
      .insertInto('identities')
      .values(part)
      .onConflict((oc) => oc.columns(['kind', 'value_hash']).doNothing())
      .execute();
}

/**
 * Makes each profile's `homeStoreId` its only 'home' scope row; returns the homes it left (with the change's seq),
 * which may need a tombstone once the new scope is known.
 */
async function placeHomes(
  trx: Trx,
  changes: readonly ProfileChange[],
): Promise<{ customerId: string; storeId: string; seq: number }[]> {
  const left: { customerId: string; storeId: string; seq: number }[] = [];
  for (const part of chunked(changes)) {
    const homes = await trx
      .selectFrom('customer_stores')
      .select(['customer_id', 'store_id'])
      .where('reason', '=', 'home')
      .where(
        'customer_id',
        'in',
        part.map((c) => c.profile.customerId),
      )
      .execute();
    const wanted = new Map(part.map((c) => [c.profile.customerId, c]));
    for (const h of homes) {
      const change = wanted.get(h.customer_id)!;
      if (change.profile.homeStoreId === h.store_id) continue;
      await trx
        .deleteFrom('customer_stores')
        .where('customer_id', '=', h.customer_id)
        .where('store_id', '=', h.store_id)
        .where('reason', '=', 'home')
        .execute();
      left.push({ customerId: h.customer_id, storeId: h.store_id, seq: change.seq });
    }
    const rows = part.flatMap(({ profile }) =>
      profile.homeStoreId === undefined
        ? []
        : [{ customer_id: profile.customerId, store_id: profile.homeStoreId, reason: 'home' as const, last_at: 0 }],
    );
    if (rows.length > 0)
      await trx
        .insertInto('customer_stores')
        .values(rows)
        .onConflict((oc) => oc.columns(['customer_id', 'store_id', 'reason']).doNothing())
        .execute();
  }
  return left;
}
