import { RetentionClass } from '@aisle/contracts';
import { sql } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import { appendAudit } from '../audit';
import type { Trx } from '../customers/feed';
import { scrubPurchase } from '../dsr/erase';
import type { FeatureContext } from '../feature';

/*
 * Retention rules per data class, enforced by a scheduled purge (issue #8).
 *
 * Each class is kept a number of days (RETENTION_DEFAULT_DAYS, overridable per class), then deleted or, for the
 * link between a purchase and its customer, anonymized: the sale stays for sales figures and training, the person
 * goes. The purge runs at start and then every `intervalMinutes`; each class is purged in a transaction of its own
 * with an audit entry when it removed anything, and counted in `aisle_cloud_retention_purged_total{class}`.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long each class is kept, in days (docs/privacy/audit.md explains each). */
export const RETENTION_DEFAULT_DAYS: Readonly<Record<RetentionClass, number>> = {
  /** Web-shop browsing events: half a year of behaviour is plenty for recommendations. */
  web_events: 180,
  /** Store outbox seqs and batch ids below each store's watermark: only resends within days need them. */
  store_inbox: 90,
  /** Cart edits that lost to a later edit of their line: kept to explain a merge, not forever. */
  cart_conflicts: 90,
  /** Finished training runs (stages, counts, errors); the newest successful run is always kept (serving needs it). */
  training_logs: 365,
  /** Data-subject requests completed or rejected: three years, to show how requests were answered. */
  dsr_closed: 1095,
  /** Purchases keep their customer for three years (warranty, returns, taste); then they become anonymous sales. */
  purchase_links: 1095,
};

const Days = z.number().int().positive().max(36_500);

export const RetentionOptions = z
  .object({
    /** Days per class; a class not named keeps its default. */
    days: z.partialRecord(RetentionClass, Days).default({}),
    /** Minutes between the end of one purge and the next (the first runs at start). */
    intervalMinutes: z
      .number()
      .positive()
      .max(7 * 24 * 60)
      .default(6 * 60),
  })
  .strict();
export type RetentionOptions = z.input<typeof RetentionOptions>;

/** The actor of the purge's audit entries. */
const ACTOR = 'system:retention';

/** Rows per statement when a purge rewrites rows one by one (purchase payloads). */
const CHUNK = 500;

/** What a purge removed (or anonymized) per class. */
export type PurgeCounts = Record<RetentionClass, number>;

/** The metrics the purge reports, registered on the cloud's registry. */
export class RetentionMetrics {
  readonly purged: Counter<'class'>;
  readonly lastRun: Gauge;

  constructor(registry: Registry) {
    this.purged = new Counter({
      name: 'aisle_cloud_retention_purged_total',
      help: 'Rows deleted or anonymized by the retention purge, per data class',
      labelNames: ['class'],
      registers: [registry],
    });
    // every class shows from the start, at 0
    for (const c of RetentionClass.options) this.purged.inc({ class: c }, 0);
    this.lastRun = new Gauge({
      name: 'aisle_cloud_retention_last_run_timestamp_seconds',
      help: 'When the retention purge last finished (Unix time, seconds)',
      registers: [registry],
    });
  }
}

/** Deletes (or anonymizes) what each class holds past its retention, as of `now`. */
const purgers: Record<RetentionClass, (trx: Trx, cutoff: number) => Promise<number>> = {
  async web_events(trx, cutoff) {
    const r = await trx.deleteFrom('web_events').where('received_at', '<', cutoff).executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  // only below each store's watermark: the seqs above it are how the cloud knows its gaps
  async store_inbox(trx, cutoff) {
    const watermark = (table: 'store_inbox' | 'store_batches') =>
      trx
        .selectFrom('store_sync')
        .select('highest_contiguous')
        .whereRef('store_sync.store_id', '=', sql.ref(`${table}.store_id`));
    const inbox = await trx
      .deleteFrom('store_inbox')
      .where('received_at', '<', cutoff)
      .where('seq', '<=', watermark('store_inbox'))
      .executeTakeFirst();
    const batches = await trx
      .deleteFrom('store_batches')
      .where('received_at', '<', cutoff)
      .where('last_seq', '<=', watermark('store_batches'))
      .executeTakeFirst();
    return Number(inbox.numDeletedRows) + Number(batches.numDeletedRows);
  },

  async cart_conflicts(trx, cutoff) {
    const r = await trx
      .deleteFrom('cart_edits')
      .where('status', '=', 'lost')
      .where('received_at', '<', cutoff)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  async training_logs(trx, cutoff) {
    // the newest successful run says which data the serving model was trained up to: never purged
    const newest = await trx
      .selectFrom('training_runs')
      .select('id')
      .where('status', '=', 'succeeded')
      .orderBy('finished_at', 'desc')
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    let q = trx
      .deleteFrom('training_runs')
      .where('status', 'in', ['succeeded', 'failed'])
      .where('finished_at', '<', cutoff);
    if (newest) q = q.where('id', '!=', newest.id);
    return Number((await q.executeTakeFirst()).numDeletedRows);
  },

  async dsr_closed(trx, cutoff) {
    const r = await trx
      .deleteFrom('dsr_requests')
      .where('status', 'in', ['completed', 'rejected'])
      .where('completed_at', '<', cutoff)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  async purchase_links(trx, cutoff) {
    let count = 0;
    for (;;) {
      const rows = await trx
        .selectFrom('purchases')
        .select(['event_id', 'payload'])
        .where('customer_id', 'is not', null)
        .where('ts', '<', cutoff)
        .orderBy('event_id')
        .limit(CHUNK)
        .execute();
      for (const r of rows)
        await trx
          .updateTable('purchases')
          .set({ customer_id: null, payload: scrubPurchase(r.payload) })
          .where('event_id', '=', r.event_id)
          .execute();
      count += rows.length;
      if (rows.length < CHUNK) return count;
    }
  },
};

/**
 * One purge of every class as of `now`: each in its own transaction with its audit entry (when it removed
 * anything), so a failing class neither undoes nor blocks the others. Returns the counts; a class that failed is
 * logged and counts 0.
 */
export async function purgeExpired(
  ctx: FeatureContext,
  days: Readonly<Record<RetentionClass, number>>,
  metrics?: RetentionMetrics,
): Promise<PurgeCounts> {
  const now = ctx.now();
  const counts = Object.fromEntries(RetentionClass.options.map((c) => [c, 0])) as PurgeCounts;
  for (const c of RetentionClass.options) {
    const cutoff = now - days[c] * DAY_MS;
    try {
      counts[c] = await ctx.store.db.transaction().execute(async (trx) => {
        const n = await purgers[c](trx, cutoff);
        if (n > 0)
          await appendAudit(trx, {
            actor: ACTOR,
            action: 'retention.purged',
            subject: c,
            detail: { rows: n, days: days[c], before: cutoff },
            at: now,
          });
        return n;
      });
    } catch (err) {
      ctx.logger.error({ err, class: c }, 'retention purge failed');
    }
    metrics?.purged.inc({ class: c }, counts[c]);
  }
  metrics?.lastRun.set(now / 1000);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total > 0) ctx.logger.info({ module: 'retention', counts }, 'retention purge removed expired data');
  return counts;
}

/**
 * The options from the environment: `AISLE_CLOUD_RETENTION_<CLASS>_DAYS` (e.g. `AISLE_CLOUD_RETENTION_WEB_EVENTS_DAYS`)
 * and `AISLE_CLOUD_RETENTION_INTERVAL_MINUTES`. Throws an Error naming the variable when a value is not valid.
 */
export function retentionFromEnv(env: Readonly<Record<string, string | undefined>>): RetentionOptions {
  const days: Partial<Record<RetentionClass, number>> = {};
  for (const c of RetentionClass.options) {
    const name = `AISLE_CLOUD_RETENTION_${c.toUpperCase()}_DAYS`;
    const text = env[name];
    if (text === undefined || text === '') continue;
    const parsed = Days.safeParse(Number(text));
    if (!parsed.success) throw new Error(`${name} must be a whole number of days from 1 to 36500, got "${text}"`);
    days[c] = parsed.data;
  }
  const interval = env.AISLE_CLOUD_RETENTION_INTERVAL_MINUTES;
  const parsed = RetentionOptions.safeParse({
    days,
    ...(interval !== undefined && interval !== '' && { intervalMinutes: Number(interval) }),
  });
  if (!parsed.success)
    throw new Error(
      `AISLE_CLOUD_RETENTION_INTERVAL_MINUTES must be a number of minutes > 0 (at most a week), got "${interval}"`,
    );
  return parsed.data;
}

/** The days of every class: the defaults overridden by `opts`. */
export function retentionDays(opts: RetentionOptions | undefined): Record<RetentionClass, number> {
  return { ...RETENTION_DEFAULT_DAYS, ...RetentionOptions.parse(opts ?? {}).days };
}

/**
 * Runs the first purge (so a cloud serves no expired data from its first request, and tests start from a settled
 * database), then every `intervalMinutes` after the end of the last. Resolves with what stops it, waiting for a purge
 * in progress. Metrics go to `registry` when given.
 */
export async function startRetention(
  ctx: FeatureContext,
  opts?: RetentionOptions,
  registry?: Registry,
): Promise<() => Promise<void>> {
  const settings = RetentionOptions.parse(opts ?? {});
  const days = retentionDays(settings);
  const metrics = registry && new RetentionMetrics(registry);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const schedule = () => {
    if (!stopped) timer = setTimeout(tick, settings.intervalMinutes * 60_000);
  };
  const tick = () => {
    running = purgeExpired(ctx, days, metrics)
      .catch((err) => ctx.logger.error({ err }, 'retention purge failed'))
      .finally(() => {
        running = undefined;
        schedule();
      });
  };
  await purgeExpired(ctx, days, metrics);
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
