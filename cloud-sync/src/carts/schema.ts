import type { Migration } from '../migration';

/** The carts tables, as kysely sees them (part of CloudTables). */
// biome-ignore lint/complexity/noBannedTypes: filled in by the carts feature
export type CartsTables = {};

/** The carts feature's migration (its number is fixed by its place in store.ts's list). */
export const cartsMigration: Migration = { both: [] };
