import type { Migration } from '../migration';

/** The inventory tables, as kysely sees them (part of CloudTables). */
// biome-ignore lint/complexity/noBannedTypes: filled in by the inventory feature
export type InventoryTables = {};

/** The inventory feature's migration (its number is fixed by its place in store.ts's list). */
export const inventoryMigration: Migration = { both: [] };
