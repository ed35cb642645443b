import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type AggregateKind,
  AggregateQuery,
  type AggregateRelease,
  type AggregateResponse,
  type ApiError,
  type BudgetExhausted,
  type BudgetExhaustedError,
  type PrivacyBudget,
  PrivacyBudgetQuery,
} from '@aisle/contracts';
import type Database from 'better-sqlite3';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { z } from 'zod';
import { cryptoRandom, type Epsilon, epsilon, geometricNoise, MICRO, publishCount, type RandomSource } from './dp';

/**
 * Zone footfall, dwell and heatmaps for staff and chain dashboards, published with differential privacy.
 *
 * Privacy unit: one shopper's day in the store. Every cell whose true count is below k is withheld; the others get
 * two-sided geometric noise calibrated to the most one shopper's day can change the whole answer (its L1
 * sensitivity Δ, derived per query below). Each release costs ε from the budget of every UTC day of data it covers;
 * a day's budget is for good (it does not refill), so the same day of data cannot be asked again and again until the
 * noise averages out. Releases are kept with their ledger rows: the same query is answered again from the ledger,
 * unchanged and free (publishing a release again is post-processing).
 *
 * Sources: `zone_hourly.entries` (anonymous per zone and hour; a shopper counts at most once per zone and hour) for
 * footfall and heatmaps, and completed `visits` for dwell, where each shopper's day in a zone is one dwell figure.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Dwell histogram buckets: a shopper's total time in a zone that day. */
export const DWELL_BUCKETS_MS = [0, 60_000, 300_000, 900_000, 1_800_000] as const;

export interface AggregatesOptions {
  /** The store's zones (floor plan order): every published grid has a cell for each, whatever the data. */
  zones: readonly string[];
  /** Counts below this are never published. */
  k: number;
  epsilonPerQuery: number;
  epsilonPerDay: number;
  /** Zone-hour entries one shopper's day can add to the counts at most (the writer stops counting beyond). */
  maxEntriesPerShopperDay: number;
  now: () => number;
  rng?: RandomSource;
}

export type QueryResult =
  | { ok: true; response: AggregateResponse }
  | { ok: false; status: 400; message: string }
  | { ok: false; status: 429; error: BudgetExhausted };

const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => iso(ms).slice(0, 10);

export class PrivateAggregates {
  private readonly eps: Epsilon;
  private readonly epsMicro: number;
  private readonly budgetMicro: number;
  private readonly rng: RandomSource;
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: AggregatesOptions,
  ) {
    this.eps = epsilon(opts.epsilonPerQuery);
    this.epsMicro = Math.round((this.eps.num * MICRO) / this.eps.den);
    this.budgetMicro = Math.round(opts.epsilonPerDay * MICRO);
    this.rng = opts.rng ?? cryptoRandom;
    this.stmts = {
      release: db.prepare<[string], { result: string }>('SELECT result FROM privacy_releases WHERE query = ?'),
      spent: db.prepare<[string], { spent: number; releases: number }>(
        'SELECT coalesce(sum(epsilon_micro), 0) AS spent, count(*) AS releases FROM privacy_ledger WHERE period = ?',
      ),
      spentSince: db.prepare<[string], { period: string; spent: number }>(
        'SELECT period, sum(epsilon_micro) AS spent FROM privacy_ledger WHERE period >= ? GROUP BY period',
      ),
      insertRelease: db.prepare('INSERT INTO privacy_releases (query, at, result) VALUES (?, ?, ?)'),
      insertSpend: db.prepare('INSERT INTO privacy_ledger (period, release_id, epsilon_micro, at) VALUES (?, ?, ?, ?)'),
      entries: db.prepare<[number, number], { zone_id: string; hour_start: number; entries: number }>(
        'SELECT zone_id, hour_start, entries FROM zone_hourly WHERE hour_start >= ? AND hour_start < ?',
      ),
      dwells: db.prepare<[number, number], { zone_id: string; dwell: number }>(
        // one row per shopper, zone and UTC day of entry: that shopper-day's total time in the zone
        `SELECT zone_id, sum(left_at - entered_at) AS dwell FROM visits
          WHERE entered_at >= ? AND entered_at < ? AND left_at IS NOT NULL
          GROUP BY device_id, zone_id, entered_at / ${DAY}`,
      ),
    };
  }

  /**
   * Publishes one aggregate over whole UTC hours: `from` rounded down, `to` rounded up and cut at the last complete
   * hour (a cell still filling up would change under an already published release). Spending and storing the release
   * is one SQLite transaction, so concurrent queries and crashes never spend without a release or the reverse.
   */
  query(kind: AggregateKind, q: AggregateQuery): QueryResult {
    const zones = q.zone === undefined ? this.opts.zones : this.opts.zones.filter((z) => z === q.zone);
    if (zones.length === 0) return { ok: false, status: 400, message: `no zone "${q.zone}" in this store` };
    const from = Math.floor(q.from / HOUR) * HOUR;
    const to = Math.min(Math.ceil(q.to / HOUR) * HOUR, Math.floor(this.opts.now() / HOUR) * HOUR);
    if (from >= to) return { ok: false, status: 400, message: 'the range holds no complete hour yet' };
    const granularity = kind === 'footfall' ? q.granularity : undefined;
    const key = JSON.stringify({ kind, granularity, zone: q.zone, from, to, k: this.opts.k, eps: this.epsMicro });
    const periods: string[] = [];
    for (let d = Math.floor(from / DAY) * DAY; d < to; d += DAY) periods.push(dayOf(d));

    return this.db
      .transaction((): QueryResult => {
        const stored = this.stmts.release.get(key);
        if (stored) return { ok: true, response: { release: JSON.parse(stored.result), cached: true } };
        for (const period of periods) {
          const { spent } = this.stmts.spent.get(period)!;
          if (spent + this.epsMicro > this.budgetMicro) {
            this.refusals?.inc();
            const remaining = Math.max(0, this.budgetMicro - spent) / MICRO;
            return {
              ok: false,
              status: 429,
              error: {
                code: 'privacy_budget_exhausted',
                message:
                  `the privacy budget of ${period} has ${remaining} ε left and this query needs ` +
                  `${this.epsMicro / MICRO}; releases already published stay available`,
                period,
                remainingEpsilon: remaining,
                resetsAt: null,
              },
            };
          }
        }
        const at = this.opts.now();
        const base = {
          from: iso(from),
          to: iso(to),
          ...(q.zone !== undefined && { zone: q.zone }),
          k: this.opts.k,
          epsilon: this.epsMicro / MICRO,
          releasedAt: iso(at),
          periods,
        };
        const release: AggregateRelease =
          kind === 'dwell'
            ? this.dwell(zones, from, to, base)
            : kind === 'heatmap'
              ? this.heatmap(zones, from, to, base)
              : this.footfall(zones, from, to, q.granularity, base);
        const { lastInsertRowid } = this.stmts.insertRelease.run(key, at, JSON.stringify(release));
        for (const period of periods) this.stmts.insertSpend.run(period, lastInsertRowid, this.epsMicro, at);
        return { ok: true, response: { release, cached: false } };
      })
      .immediate();
  }

  /** One UTC day's budget (today's when no day is given). */
  budget(day = dayOf(this.opts.now())): PrivacyBudget {
    const { spent, releases } = this.stmts.spent.get(day)!;
    return {
      period: day,
      epsilonPerDay: this.budgetMicro / MICRO,
      epsilonPerQuery: this.epsMicro / MICRO,
      spent: spent / MICRO,
      remaining: Math.max(0, this.budgetMicro - spent) / MICRO,
      releases,
    };
  }

  private refusals: Counter | undefined;

  /** `aisle_privacy_epsilon_spent{period}` (the last 7 UTC days with spending) and refused queries. */
  registerMetrics(registry: Registry): void {
    const stmts = this.stmts;
    const now = this.opts.now;
    new Gauge({
      name: 'aisle_privacy_epsilon_spent',
      help: 'Privacy loss ε spent on published aggregates, by UTC day of the data (the last 7 days)',
      labelNames: ['period'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of stmts.spentSince.all(dayOf(now() - 6 * DAY))) this.set({ period: r.period }, r.spent / MICRO);
      },
    });
    this.refusals = new Counter({
      name: 'aisle_privacy_budget_refusals_total',
      help: 'Aggregate queries refused because a day of data had too little privacy budget left',
      registers: [registry],
    });
  }

  /**
   * Δ of footfall and heatmaps: a shopper counts at most once per zone and hour, so one shopper's day can add at most
   * 1 to each zone-hour of that day the query reads, and every zone-hour feeds exactly one published cell. The sum
   * over cells therefore changes by at most (zones) × (hours of the fullest single day in the range), and never by
   * more than the entries a shopper's day may add at all (`maxEntriesPerShopperDay`, enforced by the writer).
   */
  private countSensitivity(zones: number, from: number, to: number): number {
    let hours = 0;
    for (let d = Math.floor(from / DAY) * DAY; d < to; d += DAY)
      hours = Math.max(hours, (Math.min(to, d + DAY) - Math.max(from, d)) / HOUR);
    return Math.min(zones * hours, this.opts.maxEntriesPerShopperDay);
  }

  private noise(sensitivity: number): () => number {
    return () => geometricNoise(this.rng, this.eps, sensitivity);
  }

  private counts(zones: readonly string[], from: number, to: number): Map<string, number> {
    const wanted = new Set(zones);
    const byCell = new Map<string, number>();
    for (const r of this.stmts.entries.all(from, to))
      if (wanted.has(r.zone_id)) byCell.set(`${r.zone_id}@${r.hour_start}`, r.entries);
    return byCell;
  }

  private footfall(
    zones: readonly string[],
    from: number,
    to: number,
    granularity: 'hour' | 'day',
    base: Omit<AggregateRelease, 'kind' | 'cells' | 'sensitivity'>,
  ): AggregateRelease {
    const sensitivity = this.countSensitivity(zones.length, from, to);
    const noise = this.noise(sensitivity);
    const hourly = this.counts(zones, from, to);
    const cells = [];
    const step = granularity === 'hour' ? HOUR : DAY;
    for (const zoneId of zones) {
      for (let start = Math.floor(from / step) * step; start < to; start += step) {
        let count = 0;
        for (let h = Math.max(start, from); h < Math.min(start + step, to); h += HOUR)
          count += hourly.get(`${zoneId}@${h}`) ?? 0;
        cells.push({ zoneId, start: iso(start), ...published(publishCount(count, this.opts.k, noise)) });
      }
    }
    return { ...base, kind: 'footfall', granularity, sensitivity, cells };
  }

  private heatmap(
    zones: readonly string[],
    from: number,
    to: number,
    base: Omit<AggregateRelease, 'kind' | 'cells' | 'sensitivity'>,
  ): AggregateRelease {
    const sensitivity = this.countSensitivity(zones.length, from, to);
    const noise = this.noise(sensitivity);
    const totals = new Map<string, number>();
    for (const [cell, n] of this.counts(zones, from, to)) {
      const [zoneId, hourStart] = cell.split('@') as [string, string];
      const key = `${zoneId}@${new Date(Number(hourStart)).getUTCHours()}`;
      totals.set(key, (totals.get(key) ?? 0) + n);
    }
    const cells = zones.flatMap((zoneId) =>
      Array.from({ length: 24 }, (_, hourOfDay) => ({
        zoneId,
        hourOfDay,
        ...published(publishCount(totals.get(`${zoneId}@${hourOfDay}`) ?? 0, this.opts.k, noise)),
      })),
    );
    return { ...base, kind: 'heatmap', sensitivity, cells };
  }

  /**
   * Δ of dwell: each shopper's day in a zone is one figure falling in exactly one bucket of that zone, so one
   * shopper's day changes at most one cell per zone by 1.
   */
  private dwell(
    zones: readonly string[],
    from: number,
    to: number,
    base: Omit<AggregateRelease, 'kind' | 'cells' | 'sensitivity'>,
  ): AggregateRelease {
    const sensitivity = zones.length;
    const noise = this.noise(sensitivity);
    const wanted = new Set(zones);
    const counts = new Map<string, number>();
    for (const r of this.stmts.dwells.all(from, to)) {
      if (!wanted.has(r.zone_id)) continue;
      const bucket = DWELL_BUCKETS_MS.findLastIndex((b) => r.dwell >= b);
      const key = `${r.zone_id}@${Math.max(0, bucket)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const cells = zones.flatMap((zoneId) =>
      DWELL_BUCKETS_MS.map((fromMs, i) => ({
        zoneId,
        fromMs,
        toMs: DWELL_BUCKETS_MS[i + 1] ?? null,
        ...published(publishCount(counts.get(`${zoneId}@${i}`) ?? 0, this.opts.k, noise)),
      })),
    );
    return { ...base, kind: 'dwell', sensitivity, cells };
  }
}

function published(value: number | null) {
  return value === null ? { value: null, suppressed: true as const } : { value, suppressed: false as const };
}

const apiError = (code: string, message: string, issues?: string[]): ApiError => ({
  error: { code, message, ...(issues && { issues }) },
});

export interface AggregateRoutesOptions {
  aggregates: PrivateAggregates;
  /** Whether a bearer token may read aggregates. */
  authorize(token: string): boolean;
}

/** sha256 of an API token, hex: config holds these, never the tokens. */
export const hashApiToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** True when the token's sha256 is one of the given hex hashes (compared in constant time). */
export function apiTokenMatches(token: string, hashes: readonly string[]): boolean {
  const digest = Buffer.from(hashApiToken(token), 'hex');
  return hashes.some((h) => timingSafeEqual(Buffer.from(h, 'hex'), digest));
}

/**
 * `GET /v1/aggregates/{footfall|dwell|heatmap}?from=&to=[&granularity=hour|day][&zone=]` and
 * `GET /v1/aggregates/budget[?day=YYYY-MM-DD]`, for staff and chain dashboards; `Authorization: Bearer <token>`.
 */
export function registerAggregateRoutes<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>,
  opts: AggregateRoutesOptions,
): void {
  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
    if (!match || !opts.authorize(match[1]!))
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="aisle-aggregates"')
        .send(apiError('unauthorized', 'a staff screen token or a gateway API token is required'));
  };
  // the project's error shape (ApiError), as the gateway's other routes and the cloud answer
  const badRequest = (reply: FastifyReply, message: string, issues?: z.core.$ZodIssue[]) =>
    reply.code(400).send(
      apiError(
        'bad_request',
        message,
        issues?.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
      ),
    );

  app.get('/v1/aggregates/budget', { onRequest: authenticate }, async (req, reply) => {
    const q = PrivacyBudgetQuery.safeParse(req.query);
    if (!q.success) return badRequest(reply, 'invalid query string', q.error.issues);
    return opts.aggregates.budget(q.data.day);
  });

  for (const kind of ['footfall', 'dwell', 'heatmap'] as const) {
    app.get(`/v1/aggregates/${kind}`, { onRequest: authenticate }, async (req, reply) => {
      const q = AggregateQuery.safeParse(req.query);
      if (!q.success) return badRequest(reply, 'invalid query string', q.error.issues);
      const result = opts.aggregates.query(kind, q.data);
      if (result.ok) return result.response;
      if (result.status === 400) return badRequest(reply, result.message);
      return reply.code(429).send({ error: result.error } satisfies BudgetExhaustedError);
    });
  }
}
