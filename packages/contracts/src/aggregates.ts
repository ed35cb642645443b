/* Privacy-protected aggregates (issue #8): k-suppressed, noised zone footfall, dwell and heatmaps, and the ε ledger. */
import { z } from 'zod';
import { ZoneId } from './common';

export const AggregateKind = z.enum(['footfall', 'dwell', 'heatmap']);
export type AggregateKind = z.infer<typeof AggregateKind>;

/** An instant as ISO 8601 or epoch milliseconds (query strings carry both as text). */
const Instant = z.union([
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
  z
    .string()
    .regex(/^\d{1,15}$/, 'an ISO 8601 date-time or epoch milliseconds')
    .transform(Number),
]);

/** `GET /v1/aggregates/{kind}` query: the time range, whole UTC hours (from rounded down, to rounded up). */
export const AggregateQuery = z
  .object({
    from: Instant,
    to: Instant,
    /** Footfall only: one cell per zone and hour, or per zone and UTC day. */
    granularity: z.enum(['hour', 'day']).default('hour'),
    /** Only this zone: fewer cells one shopper can change, so less noise for the same ε. */
    zone: ZoneId.optional(),
  })
  .strict()
  .refine((q) => q.from < q.to, { message: '`from` must be before `to`', path: ['from'] })
  .refine((q) => q.to - q.from <= 92 * 86_400_000, { message: 'at most 92 days per query', path: ['to'] });
export type AggregateQuery = z.infer<typeof AggregateQuery>;
export type AggregateQueryInput = z.input<typeof AggregateQuery>;

/** A published number, or nothing: a suppressed cell never carries a value. */
export const PublishedCount = z.union([
  z.object({ value: z.number().int(), suppressed: z.literal(false) }).strict(),
  z.object({ value: z.null(), suppressed: z.literal(true) }).strict(),
]);

export const FootfallCell = z.intersection(
  z.object({ zoneId: ZoneId, start: z.iso.datetime({ offset: true }) }),
  PublishedCount,
);
export const HeatmapCell = z.intersection(
  z.object({ zoneId: ZoneId, hourOfDay: z.number().int().min(0).max(23).describe('UTC hour of day') }),
  PublishedCount,
);
/** Shoppers whose total dwell in the zone that day fell in [fromMs, toMs). */
export const DwellCell = z.intersection(
  z.object({ zoneId: ZoneId, fromMs: z.number().int().nonnegative(), toMs: z.number().int().positive().nullable() }),
  PublishedCount,
);

const ReleaseBase = z.object({
  from: z.iso.datetime({ offset: true }),
  /** The end actually covered: never past the last complete hour. */
  to: z.iso.datetime({ offset: true }),
  zone: ZoneId.optional(),
  /** Cells whose true count is below k are never published. */
  k: z.number().int().positive(),
  /** Privacy loss of this release for every UTC day it covers. */
  epsilon: z.number().positive(),
  /** Most that one shopper's day can change the sum of all cells (L1 sensitivity); noise grows with it. */
  sensitivity: z.number().int().positive(),
  releasedAt: z.iso.datetime({ offset: true }),
  /** The UTC days whose budget paid for it. */
  periods: z.array(z.iso.date()),
});

export const FootfallRelease = ReleaseBase.extend({
  kind: z.literal('footfall'),
  granularity: z.enum(['hour', 'day']),
  cells: z.array(FootfallCell),
});
export const HeatmapRelease = ReleaseBase.extend({ kind: z.literal('heatmap'), cells: z.array(HeatmapCell) });
export const DwellRelease = ReleaseBase.extend({ kind: z.literal('dwell'), cells: z.array(DwellCell) });
export const AggregateRelease = z.discriminatedUnion('kind', [FootfallRelease, HeatmapRelease, DwellRelease]);
export type AggregateRelease = z.infer<typeof AggregateRelease>;

/** The answer of an aggregate query: the release, and whether it was served again from the ledger at no cost. */
export const AggregateResponse = z.object({ release: AggregateRelease, cached: z.boolean() });
export type AggregateResponse = z.infer<typeof AggregateResponse>;

/** `GET /v1/aggregates/budget?day=YYYY-MM-DD`: one UTC day's privacy budget. */
export const PrivacyBudgetQuery = z.object({ day: z.iso.date().optional() }).strict();
export const PrivacyBudget = z.object({
  period: z.iso.date(),
  epsilonPerDay: z.number().positive(),
  epsilonPerQuery: z.number().positive(),
  spent: z.number().nonnegative(),
  remaining: z.number().nonnegative(),
  releases: z.number().int().nonnegative(),
});
export type PrivacyBudget = z.infer<typeof PrivacyBudget>;

/** 429: the query would spend more ε than a day covered has left. */
export const BudgetExhausted = z.object({
  code: z.literal('privacy_budget_exhausted'),
  message: z.string(),
  period: z.iso.date(),
  remainingEpsilon: z.number().nonnegative(),
  /** Never: a day's data has one budget for good; its earlier releases stay available at no cost. */
  resetsAt: z.null(),
});
export type BudgetExhausted = z.infer<typeof BudgetExhausted>;

/** The 429 body: the refusal in the project's error envelope (`{ error: … }`, as ApiError). */
export const BudgetExhaustedError = z.object({ error: BudgetExhausted }).strict();
export type BudgetExhaustedError = z.infer<typeof BudgetExhaustedError>;
