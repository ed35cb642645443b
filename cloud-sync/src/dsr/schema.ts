import type { Migration } from '../migration';

/** The data-subject-rights tables, as kysely sees them (part of CloudTables). */
export type DsrTables = {
  /**
   * Every data-subject request and its status. It names the customer only by `customer_hash` (sha256 of the id), so
   * the person can still read it after an erasure while the row holds none of their data. `detail` is JSON: the
   * names of the fields a rectification changed or the purposes of an objection, never values.
   */
  dsr_requests: {
    request_id: string;
    customer_hash: string;
    kind: string;
    status: string;
    received_at: number;
    due_at: number;
    completed_at: number | null;
    reason: string | null;
    requested_by: string;
    detail: string;
  };
  /**
   * The customers erased, by the hash of their id: a purchase a store sends later is stored without the id, and a
   * profile write cannot bring the id back.
   */
  erased_customers: { customer_hash: string; erased_at: number; request_id: string };
};

/** The DSR feature's migration (its number is fixed by its place in store.ts's list). */
export const dsrMigration: Migration = {
  both: [
    `CREATE TABLE dsr_requests (request_id TEXT PRIMARY KEY, customer_hash TEXT NOT NULL, kind TEXT NOT NULL,
      status TEXT NOT NULL, received_at BIGINT NOT NULL, due_at BIGINT NOT NULL, completed_at BIGINT, reason TEXT,
      requested_by TEXT NOT NULL, detail TEXT NOT NULL)`,
    'CREATE INDEX dsr_requests_customer ON dsr_requests (customer_hash, received_at)',
    `CREATE TABLE erased_customers (customer_hash TEXT PRIMARY KEY, erased_at BIGINT NOT NULL,
      request_id TEXT NOT NULL)`,
  ],
};
