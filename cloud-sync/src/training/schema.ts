import type { Migration } from '../migration';

/** The training tables, as kysely sees them (part of CloudTables). JSON columns hold the contract shapes. */
export type TrainingTables = {
  /** Every training run: `running` until it `succeeded` (a model released) or `failed` (nothing released). */
  training_runs: {
    id: string;
    status: string;
    stage: string;
    /** The stages finished, `[{ stage, ms }]` JSON. */
    stages: string;
    triggered_by: string;
    /** ModelRollout JSON. */
    rollout: string;
    /** StoreId[] JSON. */
    stores: string;
    started_at: number;
    /** Bumped at every stage: a `running` row nobody updates for long was abandoned by a stopped process. */
    updated_at: number;
    finished_at: number | null;
    /** TrainingCounts JSON. */
    counts: string | null;
    metrics: string | null;
    version: string | null;
    /** Purchases received up to this time were trained on: serving reads a customer's history up to it too. */
    data_until: number | null;
    error: string | null;
  };
  /** The model card (ModelCardDocument JSON) of each version a run trained. */
  model_cards: { version: string; run_id: string; card: string; created_at: number };
};

/** The training feature's migration (its number is fixed by its place in store.ts's list). */
export const trainingMigration: Migration = {
  both: [
    `CREATE TABLE training_runs (id TEXT PRIMARY KEY, status TEXT NOT NULL, stage TEXT NOT NULL, stages TEXT NOT NULL,
      triggered_by TEXT NOT NULL,
      rollout TEXT NOT NULL, stores TEXT NOT NULL, started_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      finished_at BIGINT, counts TEXT, metrics TEXT, version TEXT, data_until BIGINT, error TEXT)`,
    'CREATE INDEX training_runs_started ON training_runs (started_at)',
    'CREATE INDEX training_runs_status ON training_runs (status, finished_at)',
    `CREATE TABLE model_cards (version TEXT PRIMARY KEY, run_id TEXT NOT NULL, card TEXT NOT NULL,
      created_at BIGINT NOT NULL)`,
  ],
};
