/*
 * The fairness and transparency report of a recommendation model (issue #8, point 7): `GET /v1/models/:version/
 * fairness` in the cloud and `aisle fairness`. docs/privacy/fairness.md defines every metric and how to read it.
 */
import { z } from 'zod';
import { ItemId, LocalizedText, Timestamp } from './common';
import { ReasonCode } from './screens';
import { ModelRelease } from './sync';

const Share = z.number().min(0).max(1);
const Finite = z.number().finite();

export const PopularityBias = z
  .object({
    /** Mean over users of the mean popularity percentile (0 least … 1 most popular) of their recommended items. */
    recommendedPercentile: Share,
    /** The same over the items in their histories. */
    historyPercentile: Share,
    /** (mean interactions of recommended − of history items) / of history items; null without interactions. */
    lift: Finite.nullable(),
    /** Distinct recommended items / catalog items. */
    coverage: Share,
    /** Gini coefficient of how often each catalog item is recommended (0 = equally). */
    gini: Share,
    /** Share of recommendation slots taken by the 20 % most popular items. */
    shortHeadShare: Share,
    /** 1 − shortHeadShare. */
    longTailShare: Share,
  })
  .strict();
export type PopularityBias = z.infer<typeof PopularityBias>;

/** One brand or price tier: how much of the lists' attention it gets against its size and its demand. */
export const GroupExposure = z
  .object({
    group: z.string(),
    items: z.number().int().positive(),
    /** Position-discounted (1/log2(1+rank)) exposure share. */
    exposureShare: Share,
    catalogShare: Share,
    interactionShare: Share,
    /** exposureShare / catalogShare. */
    catalogRatio: Finite.nonnegative(),
    /** exposureShare / interactionShare; null when the group has no interactions. */
    interactionRatio: Finite.nonnegative().nullable(),
    /** Below `underExposedRatio` of both its catalog and its interaction share. */
    underExposed: z.boolean(),
  })
  .strict();
export type GroupExposure = z.infer<typeof GroupExposure>;

/** Per-user KL(p‖q̃) in nats (Steck 2018) between what users chose and what they were shown. */
export const CalibrationSummary = z
  .object({
    users: z.number().int().nonnegative(),
    mean: Finite.nonnegative(),
    median: Finite.nonnegative(),
    p90: Finite.nonnegative(),
    max: Finite.nonnegative(),
  })
  .strict();
export type CalibrationSummary = z.infer<typeof CalibrationSummary>;

export const FairnessReport = z
  .object({
    model: z.object({ version: ModelRelease.shape.version, kind: z.string() }).strict(),
    generatedAt: Timestamp,
    /** Users whose lists were measured (a sample of customers with purchases). */
    users: z.number().int().nonnegative(),
    catalogItems: z.number().int().nonnegative(),
    /** The list length asked for. */
    k: z.number().int().nonnegative(),
    popularity: PopularityBias,
    exposure: z
      .object({
        brands: z.array(GroupExposure),
        priceTiers: z.array(GroupExposure),
        /** Upper bounds of the low and mid price tiers (the catalog's price tertiles). */
        priceTierBounds: z.tuple([Finite, Finite]),
        underExposedRatio: Share,
      })
      .strict(),
    calibration: z.object({ alpha: Share, categories: CalibrationSummary, priceTiers: CalibrationSummary }).strict(),
  })
  .strict();
export type FairnessReport = z.infer<typeof FairnessReport>;

/** Query of `GET /v1/models/:version/fairness`. */
export const FairnessQuery = z
  .object({
    /** List length per customer. */
    k: z.coerce.number().int().min(1).max(100).default(10),
  })
  .strict();
export type FairnessQuery = z.infer<typeof FairnessQuery>;

/**
 * Why a screen showed what it showed, in plain language for the shopper (`GET /v1/decisions/:decisionId/
 * explanation` on the gateway): each item's reason, what was used and what was not. Built only from the decision
 * log's features; it never names the shopper nor shows an identifier.
 */
export const DecisionExplanation = z
  .object({
    decisionId: z.string().min(1).max(64),
    at: Timestamp,
    personalized: z.boolean(),
    /** One sentence about the whole list: personal or not, and why. */
    summary: LocalizedText,
    items: z.array(z.object({ itemId: ItemId, name: LocalizedText, reason: ReasonCode, text: LocalizedText }).strict()),
    /** What the decision was made from (the area of the store, the time of day, what the shopper did). */
    used: z.array(LocalizedText),
    /** What was deliberately left out. */
    notUsed: z.array(LocalizedText),
  })
  .strict();
export type DecisionExplanation = z.infer<typeof DecisionExplanation>;
