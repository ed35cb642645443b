import { z } from 'zod';
import { CustomerId, ItemId, StoreId, Timestamp } from './common';
import { ModelRelease } from './sync';

/*
 * The cloud's training job and online recommendations (cloud-sync `/v1/training/*`, `/v1/models/:version/card`,
 * `/v1/customers/:customerId/recommendations`): spoken by the operator's `aisle train` and by the web shop.
 */

/** How a trained model is rolled out to the stores (the registry's rollout). */
export const ModelRollout = ModelRelease.shape.rollout;
export type ModelRollout = z.infer<typeof ModelRollout>;

/**
 * A rollout as a command line or an environment variable spells it: `full`, `canary:<percent>` or
 * `shadow:<percent>`. Undefined when the text is none of those.
 */
export function parseRollout(text: string): ModelRollout | undefined {
  const match = /^(full|canary|shadow)(?::(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, mode, percent] = match;
  if (mode === 'full')
    return percent === undefined || Number(percent) === 100 ? { mode: 'full', percent: 100 } : undefined;
  const parsed = ModelRollout.safeParse({ mode, percent: Number(percent) });
  return percent !== undefined && parsed.success ? parsed.data : undefined;
}

/** Body of `POST /v1/training/runs`: both optional (canary 10 % to every store with a credential). */
export const TrainingRunRequest = z
  .object({
    rollout: ModelRollout.optional(),
    /** The stores to release the model to; each must have a credential. */
    stores: z.array(StoreId).min(1).max(1000).optional(),
  })
  .strict();
export type TrainingRunRequest = z.infer<typeof TrainingRunRequest>;

const Count = z.number().int().nonnegative();

/** What a training set held. */
export const TrainingCounts = z
  .object({
    /** Purchases read (every store and the web). */
    purchases: Count,
    /** Customers with a personal purchase sequence (those who consented to personalization). */
    customers: Count,
    /** Purchases used as co-purchase baskets only (no customer, or no personalization consent). */
    anonymousBaskets: Count,
    /** Item occurrences trained on. */
    events: Count,
    /** Purchase lines naming an item outside the catalog (dropped). */
    skipped: Count,
    /** Purchases whose stored payload could not be read (dropped). */
    unreadable: Count,
    /** Catalog items the model ranks. */
    items: Count,
    /** Purchase times (`ts`) of the oldest and newest purchase; null without purchases. */
    from: Timestamp.nullable(),
    to: Timestamp.nullable(),
    /** Purchases received by the cloud up to this time were read. */
    until: Timestamp,
  })
  .strict();
export type TrainingCounts = z.infer<typeof TrainingCounts>;

export const TrainingRunStatus = z.enum(['running', 'succeeded', 'failed']);
export type TrainingRunStatus = z.infer<typeof TrainingRunStatus>;

/** One training run, as `GET /v1/training/runs/:id` shows it (also the 202 answer of a started run). */
export const TrainingRun = z
  .object({
    id: z.string().min(1).max(64),
    status: TrainingRunStatus,
    /** The stage running now, or the last one reached. */
    stage: z.string(),
    /** The stages finished so far, in order, with their wall time. */
    stages: z.array(z.object({ stage: z.string(), ms: z.number().nonnegative() }).strict()),
    trigger: z.enum(['manual', 'schedule']),
    rollout: ModelRollout,
    /** The stores the model is (to be) released to. */
    stores: z.array(StoreId),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    counts: TrainingCounts.nullable(),
    /** Holdout metrics (`holdout.hitRate@10`, …). */
    metrics: z.record(z.string(), z.number()).nullable(),
    /** The model version released; null until the run succeeds. */
    version: z.string().nullable(),
    error: z.string().nullable(),
  })
  .strict();
export type TrainingRun = z.infer<typeof TrainingRun>;

export const TrainingRuns = z.object({ runs: z.array(TrainingRun) }).strict();
export type TrainingRuns = z.infer<typeof TrainingRuns>;

/**
 * `GET /v1/models/:version/card`: the model card of a trained version: the recsys card (model.json) plus what it
 * was trained on, how it did on a time-based holdout, and what it is for.
 */
export const ModelCardDocument = z
  .object({
    version: z.string(),
    kind: z.string(),
    runId: z.string(),
    createdAt: Timestamp,
    intendedUse: z.string(),
    data: TrainingCounts,
    holdout: z
      .object({
        /** Purchases at or after this time were held out. */
        splitAt: Timestamp.nullable(),
        /** Customers scored on what they bought after splitAt. */
        customers: Count,
      })
      .strict(),
    metrics: z.record(z.string(), z.number()),
    /** model.json as @aisle/recsys wrote it (kind, version, params, items, sha256, metrics, …). */
    model: z.record(z.string(), z.unknown()),
  })
  .strict();
export type ModelCardDocument = z.infer<typeof ModelCardDocument>;

/** `?limit=` of the recommendations route. */
export const RecommendationsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) });
export type RecommendationsQuery = z.infer<typeof RecommendationsQuery>;

/** `GET /v1/customers/:customerId/recommendations`: the web shop's list for a customer, best first. */
export const CustomerRecommendations = z
  .object({
    customerId: CustomerId,
    /** The model version that ranked the list; null before the first training run (popularity from purchases). */
    model: z.string().nullable(),
    /** False when the customer has not consented to personalization: the list is the same for everyone. */
    personalized: z.boolean(),
    items: z.array(z.object({ itemId: ItemId, score: z.number() }).strict()),
  })
  .strict();
export type CustomerRecommendations = z.infer<typeof CustomerRecommendations>;
