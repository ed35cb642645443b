import type { Migration } from '../migration';

/** The customers tables, as kysely sees them (part of CloudTables). */
// biome-ignore lint/complexity/noBannedTypes: filled in by the customers feature
export type CustomersTables = {};

/** The customers feature's migration (its number is fixed by its place in store.ts's list). */
export const customersMigration: Migration = { both: [] };
