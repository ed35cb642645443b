import type { Migration } from '../migration';

/** The consent tables, as kysely sees them (part of CloudTables). */
// biome-ignore lint/complexity/noBannedTypes: filled in by the consent feature
export type ConsentTables = {};

/** The consent feature's migration (its number is fixed by its place in store.ts's list). */
export const consentMigration: Migration = { both: [] };
