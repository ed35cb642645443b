import type { Migration } from '../migration';

/** The consent tables, as kysely sees them (part of CloudTables). */
export type ConsentTables = {
  /**
   * Every consent decision ever recorded, append-only (never updated or deleted here; erasure under data-subject
   * rights is issue #8's). `id` comes from the `consent` counter, so it orders records as they were stored.
   */
  consent_records: {
    id: number;
    customer_id: string;
    purpose: string;
    state: string;
    policy_version: string;
    channel: string;
    store_id: string | null;
    at: number;
    recorded_at: number;
    recorded_by: string;
    event_id: string | null;
  };
};

/** The consent feature's migration (its number is fixed by its place in store.ts's list). */
export const consentMigration: Migration = {
  both: [
    `CREATE TABLE consent_records (id BIGINT PRIMARY KEY, customer_id TEXT NOT NULL, purpose TEXT NOT NULL,
      state TEXT NOT NULL, policy_version TEXT NOT NULL, channel TEXT NOT NULL, store_id TEXT, at BIGINT NOT NULL,
      recorded_at BIGINT NOT NULL, recorded_by TEXT NOT NULL, event_id TEXT UNIQUE)`,
    'CREATE INDEX consent_records_customer ON consent_records (customer_id, purpose, at, id)',
    "INSERT INTO counters (name, value) VALUES ('consent', 0)",
  ],
};
