import type { Migration } from '../migration';

/** The audit log and policy-text tables, as kysely sees them (part of CloudTables). */
export type AuditTables = Record<never, never>;

/** The audit feature's migration (its number is fixed by its place in store.ts's list). */
export const auditMigration: Migration = {
  both: ['CREATE TABLE audit_placeholder (id BIGINT PRIMARY KEY)'],
};
