import { PosPurchase, type PurchaseBatch, type PurchaseBatchResult, type SeqGap } from '@aisle/contracts';
import type { Logger } from 'pino';
import type { GatewayStore } from '../store/db';
import { CloudError } from './cloud-client';

export interface BackoffOptions {
  /** The ceiling of the first delay, ms. */
  baseMs: number;
  /** The largest ceiling, ms. */
  capMs: number;
  /** Uniform in [0, 1) (injectable for tests). */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: after the nth failure in a row the delay is drawn uniformly from
 * [0, min(cap, base · 2^(n-1))], so stores that lost the cloud together do not come back together.
 */
export class Backoff {
  private failures = 0;
  private readonly random: () => number;

  constructor(private readonly opts: BackoffOptions) {
    this.random = opts.random ?? Math.random;
  }

  /** Failures in a row so far. */
  get attempts(): number {
    return this.failures;
  }

  /** Counts one more failure and returns how long to wait before the next attempt, ms. */
  fail(): number {
    this.failures++;
    const ceiling = Math.min(this.opts.capMs, this.opts.baseMs * 2 ** Math.min(this.failures - 1, 30));
    return Math.floor(this.random() * ceiling);
  }

  reset(): void {
    this.failures = 0;
  }
}

/** The id a batch of outbox seqs `first`..`last` is sent under: the same rows always make the same id. */
export const batchIdOf = (storeId: string, first: number, last: number) => `${storeId}:${first}-${last}`;

export interface OutboxSyncOptions {
  store: GatewayStore;
  cloud: { pushPurchases(batch: PurchaseBatch): Promise<PurchaseBatchResult> };
  storeId: string;
  batchSize: number;
  backoff: BackoffOptions;
  logger: Logger;
  now: () => number;
  onResult?(ok: boolean): void;
}

/**
 * Sends the outbox to the cloud in batches, oldest seq first. A batch is marked sent only after the cloud
 * acknowledged it; it carries its seqs and an idempotency key, so one re-sent after a lost answer is ignored by the
 * cloud. After a failure the next attempt waits out an exponential, jittered, capped delay (`tick` skips until
 * then); a success resumes at once. The cloud's answer says whether it misses seqs (gaps): that is logged as an
 * error, since it means sales were lost or the outbox skipped some.
 */
export function createOutboxSync(opts: OutboxSyncOptions) {
  const backoff = new Backoff(opts.backoff);
  let nextAttemptAt = 0;
  let busy: Promise<number> | undefined;
  let failing = false;
  let reportedGaps = '';

  function checkGaps(result: PurchaseBatchResult): void {
    const key = gapKey(result.gaps);
    if (key !== reportedGaps && result.gaps.length > 0)
      opts.logger.error(
        { gaps: result.gaps, highestContiguousSeq: result.highestContiguousSeq, highestSeenSeq: result.highestSeenSeq },
        'the cloud misses outbox seqs below ones it has: sales were lost or skipped',
      );
    reportedGaps = key;
  }

  async function push(): Promise<number> {
    let sent = 0;
    for (;;) {
      const rows = opts.store.pendingOutbox(opts.batchSize);
      if (rows.length === 0) break;
      const first = rows[0]!.seq;
      const last = rows.at(-1)!.seq;
      const batch: PurchaseBatch = {
        storeId: opts.storeId,
        batchId: batchIdOf(opts.storeId, first, last),
        entries: rows.map((r) => ({ seq: r.seq, purchase: PosPurchase.parse(JSON.parse(r.payload)) })),
      };
      let result: PurchaseBatchResult;
      try {
        result = await opts.cloud.pushPurchases(batch);
      } catch (err) {
        if (err instanceof CloudError && err.status === 409)
          opts.logger.error(
            { err: err.message, batchId: batch.batchId },
            "the cloud holds these outbox seqs for other sales: this store's database was reset or restored",
          );
        else if (!failing)
          opts.logger.warn({ err: (err as Error).message, pending: rows.length }, 'cloud push failed; will retry');
        failing = true;
        opts.onResult?.(false);
        throw err;
      }
      if (failing) opts.logger.info({ batchId: batch.batchId }, 'cloud push recovered');
      failing = false;
      opts.onResult?.(true);
      opts.store.markOutboxSent(last, opts.now());
      checkGaps(result);
      sent += rows.length;
      if (rows.length < opts.batchSize) break;
    }
    return sent;
  }

  /** Pushes now, whatever the backoff says; a failure is thrown and starts (or extends) the backoff. */
  async function flush(): Promise<number> {
    while (busy) await busy.catch(() => 0);
    busy = push();
    try {
      const sent = await busy;
      backoff.reset();
      nextAttemptAt = 0;
      return sent;
    } catch (err) {
      nextAttemptAt = opts.now() + backoff.fail();
      throw err;
    } finally {
      busy = undefined;
    }
  }

  return {
    flush,
    /** One timer tick: pushes unless a push is running or the backoff delay has not passed. */
    async tick(): Promise<void> {
      if (busy || opts.now() < nextAttemptAt) return;
      await flush().catch(() => {});
    },
    /** When the next tick will push (0: at once). */
    get nextAttemptAt(): number {
      return nextAttemptAt;
    },
    /** Failed pushes in a row. */
    get failures(): number {
      return backoff.attempts;
    },
    /** How long the oldest unsent row has waited, seconds (0 when the outbox is empty). */
    oldestAgeSeconds(): number {
      const at = opts.store.oldestOutboxAt();
      return at === undefined ? 0 : Math.max(0, opts.now() - at) / 1000;
    },
  };
}
export type OutboxSync = ReturnType<typeof createOutboxSync>;

const gapKey = (gaps: readonly SeqGap[]) => gaps.map((g) => `${g.from}-${g.to}`).join(',');
