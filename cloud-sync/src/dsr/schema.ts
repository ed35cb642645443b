import type { Migration } from '../migration';

/** The data-subject-rights tables, as kysely sees them (part of CloudTables). */
export type DsrTables = Record<never, never>;

/** The DSR feature's migration (its number is fixed by its place in store.ts's list). */
export const dsrMigration: Migration = {
  both: ['CREATE TABLE dsr_placeholder (id BIGINT PRIMARY KEY)'],
};
