import type { Migration } from '../migration';

/** Why a customer is in a store's scope (the store caches their profile). */
export type ScopeReason = 'home' | 'purchase' | 'nearby';

/** The customers tables, as kysely sees them (part of CloudTables). */
export type CustomersTables = {
  /**
   * Who each identifier belongs to: `value_hash` is the sha256 (hex) of the normalized value for e-mail and phone,
   * the value itself for the kinds that are pseudonymous ids already (loyalty, app_device, account).
   */
  identities: { kind: string; value_hash: string; customer_id: string; created_at: number };
  /**
   * Each merge, with what undoing it needs: both profiles before, the survivor's profile the merge made, the
   * identities and purchases moved to the survivor, and both customers' store scopes before (JSON).
   */
  merges: {
    merge_id: string;
    survivor_id: string;
    merged_id: string;
    survivor_before: string;
    merged_before: string;
    survivor_after: string;
    identities: string;
    purchases: string;
    scopes: string;
    merged_created_seq: number;
    merged_at: number;
    undone_at: number | null;
  };
  /** Why a store caches a customer's profile: one row per reason, `last_at` the time it was last true. */
  customer_stores: { customer_id: string; store_id: string; reason: ScopeReason; last_at: number };
  /**
   * Each store's profile feed: one row per customer the store has been sent, at the `customers` counter value of
   * its last change; `deleted` 1 is a tombstone (erased, merged away, out of scope).
   */
  profile_feed: { store_id: string; customer_id: string; seq: number; deleted: number };
};

/*
 * Backfill of a database of an earlier release: every profile naming a home store is in its scope, every customer
 * a store sold to is in that store's (the 90-day window is applied at the store's next pull), and the identities
 * profiles carry are registered. Feed rows take the profile's change_seq, so a gateway whose cursor is past it is
 * not sent the profiles it already has.
 */
const backfill = (json: (path: string) => string, devices: string, ignore: (insert: string) => string) => [
  `INSERT INTO customer_stores (customer_id, store_id, reason, last_at)
    SELECT customer_id, ${json('homeStoreId')}, 'home', 0 FROM customers WHERE ${json('homeStoreId')} IS NOT NULL`,
  `INSERT INTO customer_stores (customer_id, store_id, reason, last_at)
    SELECT p.customer_id, p.store_id, 'purchase', max(p.ts) FROM purchases p
    JOIN customers c ON c.customer_id = p.customer_id GROUP BY p.customer_id, p.store_id`,
  `INSERT INTO profile_feed (store_id, customer_id, seq, deleted)
    SELECT DISTINCT s.store_id, s.customer_id, c.change_seq, 0 FROM customer_stores s
    JOIN customers c ON c.customer_id = s.customer_id`,
  ignore(`INTO identities (kind, value_hash, customer_id, created_at)
    SELECT 'loyalty', ${json('loyaltyId')}, customer_id, 0 FROM customers WHERE ${json('loyaltyId')} IS NOT NULL`),
  ignore(`INTO identities (kind, value_hash, customer_id, created_at)
    SELECT 'phone', ${json('phoneHash')}, customer_id, 0 FROM customers WHERE ${json('phoneHash')} IS NOT NULL`),
  ignore(`INTO identities (kind, value_hash, customer_id, created_at) ${devices}`),
];

const tables = (bigint: string) => [
  // the counter value at a customer's creation: a stitch keeps the oldest customer
  `ALTER TABLE customers ADD COLUMN created_seq ${bigint} NOT NULL DEFAULT 0`,
  'UPDATE customers SET created_seq = change_seq',
  `CREATE TABLE identities (kind TEXT NOT NULL, value_hash TEXT NOT NULL, customer_id TEXT NOT NULL,
    created_at ${bigint} NOT NULL, PRIMARY KEY (kind, value_hash))`,
  'CREATE INDEX identities_customer ON identities (customer_id)',
  `CREATE TABLE merges (merge_id TEXT PRIMARY KEY, survivor_id TEXT NOT NULL, merged_id TEXT NOT NULL,
    survivor_before TEXT NOT NULL, merged_before TEXT NOT NULL, survivor_after TEXT NOT NULL,
    identities TEXT NOT NULL, purchases TEXT NOT NULL, scopes TEXT NOT NULL,
    merged_created_seq ${bigint} NOT NULL, merged_at ${bigint} NOT NULL, undone_at ${bigint})`,
  'CREATE INDEX merges_merged ON merges (merged_id)',
  `CREATE TABLE customer_stores (customer_id TEXT NOT NULL, store_id TEXT NOT NULL, reason TEXT NOT NULL,
    last_at ${bigint} NOT NULL, PRIMARY KEY (customer_id, store_id, reason))`,
  'CREATE INDEX customer_stores_store ON customer_stores (store_id, reason, last_at)',
  `CREATE TABLE profile_feed (store_id TEXT NOT NULL, customer_id TEXT NOT NULL, seq ${bigint} NOT NULL,
    deleted INTEGER NOT NULL, PRIMARY KEY (store_id, customer_id))`,
  'CREATE INDEX profile_feed_seq ON profile_feed (store_id, seq)',
  'CREATE INDEX purchases_customer ON purchases (customer_id)',
];

/** The customers feature's migration (its number is fixed by its place in store.ts's list). */
export const customersMigration: Migration = {
  sqlite: [
    ...tables('INTEGER'),
    ...backfill(
      (path) => `json_extract(profile, '$.${path}')`,
      `SELECT 'app_device', d.value, c.customer_id, 0 FROM customers c, json_each(c.profile, '$.appDevices') d`,
      (insert) => `INSERT OR IGNORE ${insert}`,
    ),
  ],
  postgres: [
    ...tables('BIGINT'),
    ...backfill(
      (path) => `(profile::json ->> '${path}')`,
      `SELECT 'app_device', d, customer_id, 0 FROM customers, json_array_elements_text(profile::json -> 'appDevices') d`,
      (insert) => `INSERT ${insert} ON CONFLICT DO NOTHING`,
    ),
  ],
};
