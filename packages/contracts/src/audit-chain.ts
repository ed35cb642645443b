import { createHash } from 'node:crypto';
import type { AuditEntry } from './audit';

/*
 * The audit log's hash chain: how an entry's hash is computed and how a run of entries is checked.
 * Node only (node:crypto): import it as `@aisle/contracts/audit-chain`, never from screens.
 */

/** The `prevHash` of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every level and `undefined` members left out, so the same value always encodes
 * to the same bytes whatever order its keys were built in (JSON.stringify keeps insertion order).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('cannot encode a non-finite number');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const members = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
  return `{${members.join(',')}}`;
}

/** What an entry's hash covers: everything but the hash itself. */
export type AuditFields = Omit<AuditEntry, 'hash'>;

/** sha256 (hex) of the canonical encoding of (seq, at, actor, action, subject, detail, prevHash). */
export function auditHash(e: AuditFields): string {
  const encoded = canonicalJson([e.seq, e.at, e.actor, e.action, e.subject ?? null, e.detail, e.prevHash]);
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}

/**
 * One row of the cloud's `audit_log` table as stored: snake_case columns, no subject as NULL, the detail as its
 * canonical JSON. The cloud reads it through its store and `aisle audit verify --db` straight from the file; both
 * turn it into an entry with auditEntryFromRow, so they check exactly the same thing.
 */
export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  /** Canonical JSON of the detail object (ids and kinds only, never personal data). */
  detail: string;
  prev_hash: string;
  hash: string;
}

/** A stored row as an entry. Numbers are coerced because PostgreSQL hands BIGINT columns back as strings. */
export function auditEntryFromRow(r: AuditRow): AuditEntry {
  return {
    seq: Number(r.seq),
    at: Number(r.at),
    actor: r.actor,
    action: r.action,
    ...(r.subject !== null && { subject: r.subject }),
    detail: parseDetail(r.detail),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** A stored detail that is not a JSON object any more was tampered with: kept as text, so its hash no longer matches. */
function parseDetail(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // not JSON: reported as it is
  }
  return { unreadable: text };
}

/** Where a check of the chain stands: the last entry checked (seq 0 and the genesis hash before any). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export type ChainVerdict =
  | { ok: true; count: number; head: ChainHead }
  | { ok: false; seq: number; reason: 'gap' | 'broken_link' | 'hash_mismatch'; message: string };

/**
 * Checks entries in order: each seq is one more than the last (`gap` otherwise), carries the last entry's hash as
 * its prevHash (`broken_link`) and has the hash of its own fields (`hash_mismatch`). `from` continues a check across
 * pages (the head of the previous page); by default the chain starts at seq 1 from the genesis hash. Returns the
 * first bad seq and why, or the new head.
 */
export function verifyAuditChain(
  entries: Iterable<AuditEntry>,
  from: ChainHead = { seq: 0, hash: GENESIS_HASH },
): ChainVerdict {
  let head = from;
  let count = 0;
  for (const e of entries) {
    if (e.seq !== head.seq + 1)
      return {
        ok: false,
        seq: head.seq + 1,
        reason: 'gap',
        message: `expected entry ${head.seq + 1}, found ${e.seq} (entries missing or out of order)`,
      };
    if (e.prevHash !== head.hash)
      return {
        ok: false,
        seq: e.seq,
        reason: 'broken_link',
        message: `entry ${e.seq} does not point at the hash of entry ${head.seq}`,
      };
    if (auditHash(e) !== e.hash)
      return {
        ok: false,
        seq: e.seq,
        reason: 'hash_mismatch',
        message: `entry ${e.seq} does not match its hash (it was changed after it was written)`,
      };
    head = { seq: e.seq, hash: e.hash };
    count++;
  }
  return { ok: true, count, head };
}
