import { createHash } from 'node:crypto';
import {
  type CustomerIdentity,
  HASHED_IDENTITY_KINDS,
  type Identifier,
  type IdentityKind,
  normalizeIdentifier,
} from '@aisle/contracts';
import type { Kysely } from 'kysely';
import type { CloudTables } from '../store';
import type { Trx } from './feed';

/** An identifier as stored: its kind and the sha256 (hex) of its normalized value, or the value for unhashed kinds. */
export interface IdentityKey {
  kind: IdentityKind;
  valueHash: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The stored form of an identifier: e-mail and phone are hashed here, on input, and never kept in the clear. */
export function identityKey(identifier: Identifier): IdentityKey {
  if ('hash' in identifier) return { kind: identifier.kind, valueHash: identifier.hash };
  const normalized = normalizeIdentifier(identifier.kind, identifier.value);
  return {
    kind: identifier.kind,
    valueHash: HASHED_IDENTITY_KINDS.includes(identifier.kind) ? sha256(normalized) : normalized,
  };
}

/** The keys once each, in their first order. */
export function distinctKeys(keys: readonly IdentityKey[]): IdentityKey[] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const id = `${k.kind}\n${k.valueHash}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Who holds each of `keys` (those nobody holds are absent). */
export async function ownersOf(trx: Trx, keys: readonly IdentityKey[]) {
  if (keys.length === 0) return [];
  return trx
    .selectFrom('identities')
    .select(['kind', 'value_hash', 'customer_id'])
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('kind', '=', k.kind), eb('value_hash', '=', k.valueHash)]))))
    .execute();
}

/** A customer's identities, oldest first. */
export async function identitiesOf(db: Kysely<CloudTables>, customerId: string): Promise<CustomerIdentity[]> {
  const rows = await db
    .selectFrom('identities')
    .select(['kind', 'value_hash', 'created_at'])
    .where('customer_id', '=', customerId)
    .orderBy('created_at')
    .orderBy('kind')
    .orderBy('value_hash')
    .execute();
  return rows.map((r) => {
    const kind = r.kind as IdentityKind;
    return { kind, value: r.value_hash, hashed: HASHED_IDENTITY_KINDS.includes(kind), since: Number(r.created_at) };
  });
}
