import type { AuditPage } from '@aisle/contracts';
import { auditEntryFromRow, auditHash, canonicalJson, GENESIS_HASH } from '@aisle/contracts/audit-chain';
import type { Kysely, Transaction } from 'kysely';
import type { CloudTables } from '../store';

/*
 * Writing and reading the audit log. Entries are only ever inserted (nothing here updates or deletes one, and
 * database triggers refuse it). Each entry's seq comes from the `audit` counter bumped in the writer's transaction:
 * on PostgreSQL the counter's row lock makes a second appender wait until the first commits, so it reads the first
 * one's hash as its prev_hash and the chain never forks; SQLite has a single writer anyway.
 */

export interface AuditInput {
  /** `admin`, `store:<id>`, `system:<job>`. */
  actor: string;
  /** `<area>.<verb>`, e.g. `consent.recorded`. */
  action: string;
  /** The id acted on (customer id, policy version, model version). */
  subject?: string;
  /** Ids, kinds and counts only: never names, emails, phone numbers or device ids. */
  detail?: Record<string, unknown>;
  at: number;
}

type Db = Kysely<CloudTables> | Transaction<CloudTables>;

/**
 * Appends an entry in `db`'s transaction (or in a transaction of its own when given the plain database), so the
 * entry commits or rolls back with the change it records. Call it last in a transaction that also bumps other
 * counters: the audit counter's lock is then taken last and held briefly, and writers never wait on each other in
 * opposite orders.
 */
export async function appendAudit(db: Db, entry: AuditInput): Promise<{ seq: number; hash: string }> {
  if (!db.isTransaction) return (db as Kysely<CloudTables>).transaction().execute((trx) => appendAudit(trx, entry));
  const bumped = await db
    .updateTable('counters')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', 'audit')
    .returning('value')
    .executeTakeFirstOrThrow();
  const seq = Number(bumped.value);
  const prev =
    seq === 1
      ? GENESIS_HASH
      : (
          await db
            .selectFrom('audit_log')
            .select('hash')
            .where('seq', '=', seq - 1)
            .executeTakeFirstOrThrow()
        ).hash;
  // the stored detail is its canonical JSON, so what a reader parses back hashes to the same bytes
  const detail = JSON.parse(canonicalJson(entry.detail ?? {})) as Record<string, unknown>;
  const fields = {
    seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    ...(entry.subject !== undefined && { subject: entry.subject }),
    detail,
    prevHash: prev,
  };
  const hash = auditHash(fields);
  await db
    .insertInto('audit_log')
    .values({
      seq,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject ?? null,
      detail: canonicalJson(detail),
      prev_hash: prev,
      hash,
    })
    .execute();
  return { seq, hash };
}

/** Entries with seq above `after`, oldest first, at most `limit`. */
export async function auditEntries(db: Db, after: number, limit: number): Promise<AuditPage['entries']> {
  const rows = await db
    .selectFrom('audit_log')
    .selectAll()
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(auditEntryFromRow);
}
