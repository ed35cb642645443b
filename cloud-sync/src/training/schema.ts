import type { Migration } from '../migration';

/** The training tables, as kysely sees them (part of CloudTables). */
// biome-ignore lint/complexity/noBannedTypes: filled in by the training feature
export type TrainingTables = {};

/** The training feature's migration (its number is fixed by its place in store.ts's list). */
export const trainingMigration: Migration = { both: [] };
