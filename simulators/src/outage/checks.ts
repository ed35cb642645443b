/**
 * The scenario's samples and its acceptance rules, apart from the processes, so the rules themselves can be tested:
 * `checkOutage` turns a run's samples and final counts into failures, one sentence each.
 */
import type { StoreSyncStatus } from '@aisle/contracts';

export type Phase = 'warmup' | 'outage' | 'drain' | 'closed';

/** One progress sample: rates since the previous sample, and the gateway's outbox gauges at the moment. */
export interface Sample {
  phase: Phase;
  /** Seconds since the store opened. */
  at_s: number;
  ingest_per_s: number;
  decisions_per_s: number;
  purchases_per_s: number;
  screen_pushes_per_s: number;
  outbox_depth: number;
  /** `aisle_outbox_oldest_age_seconds`; null when /metrics did not have it. */
  backlog_age_s: number | null;
}

/**
 * The value of each metric in Prometheus text exposition, summed over its series. Counters with labels have no
 * series before their first increment, so they read as 0; a missing gauge stays missing.
 */
export function readExposition(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const value = Number(m[2]);
    if (!Number.isFinite(value)) throw new Error(`metric ${m[1]} has no numeric value: "${line.slice(0, 120)}"`);
    values.set(m[1]!, (values.get(m[1]!) ?? 0) + value);
  }
  return values;
}

/** One progress line per sample. */
export function describeSample(s: Sample): string {
  const rate = (x: number) => `${x.toFixed(1)}/s`.padStart(8);
  const age = s.backlog_age_s === null ? 'missing' : `${s.backlog_age_s.toFixed(1)} s`;
  return (
    `[${s.at_s.toFixed(1).padStart(6)} s] ${s.phase.padEnd(6)} ingest ${rate(s.ingest_per_s)}  ` +
    `decisions ${rate(s.decisions_per_s)}  purchases ${rate(s.purchases_per_s)}  ` +
    `screen pushes ${rate(s.screen_pushes_per_s)}  outbox ${String(s.outbox_depth).padStart(5)}  backlog age ${age}`
  );
}

/** What the run saw at its end, beside the samples. */
export interface OutageCounts {
  outageMs: number;
  drainBoundMs: number;
  drainMs: number | null;
  purchasesDuringOutage: number;
  inCloud: number;
  storePurchases: number;
  tillPurchases: number;
  sync: StoreSyncStatus;
  invalidPushes: number;
}

/** The acceptance rules of the scenario: each broken one is a sentence. */
export function checkOutage(samples: readonly Sample[], c: OutageCounts): string[] {
  const failures: string[] = [];
  const outage = samples.filter((s) => s.phase === 'outage');
  if (outage.length === 0) failures.push('no sample was taken during the outage');
  for (const s of outage) {
    const idle = (
      [
        ['ingest', s.ingest_per_s],
        ['decisions', s.decisions_per_s],
        ['purchases', s.purchases_per_s],
        ['screen pushes', s.screen_pushes_per_s],
      ] as const
    ).filter(([, rate]) => !(rate > 0));
    if (idle.length > 0)
      failures.push(`at ${s.at_s} s of the outage the store stopped: no ${idle.map(([n]) => n).join(', ')}`);
  }
  const missing = samples.filter((s) => s.backlog_age_s === null);
  if (missing.length > 0)
    failures.push(`aisle_outbox_oldest_age_seconds was missing from ${missing.length} of ${samples.length} samples`);
  const ages = outage.map((s) => s.backlog_age_s ?? 0);
  if (ages.some((age, i) => i > 0 && age < ages[i - 1]!))
    failures.push(`the backlog age went down while the cloud was away: ${ages.join(', ')} s`);
  const atEnd = ages.at(-1) ?? 0;
  if (atEnd < 0.8 * (c.outageMs / 1000))
    failures.push(
      `the backlog age at the end of the outage was ${atEnd} s, under 80% of the ${c.outageMs / 1000} s outage`,
    );
  if (c.drainMs === null)
    failures.push(`the outage's backlog did not reach the cloud within ${c.drainBoundMs / 1000} s`);
  const last = samples.at(-1);
  if (last?.phase !== 'closed' || last.outbox_depth !== 0 || last.backlog_age_s !== 0)
    failures.push(
      `after closing the outbox did not empty: depth ${last?.outbox_depth}, backlog age ${last?.backlog_age_s} s`,
    );
  if (c.storePurchases !== c.tillPurchases)
    failures.push(`the till made ${c.tillPurchases} sales but the gateway committed ${c.storePurchases}`);
  if (c.inCloud !== c.storePurchases)
    failures.push(`the cloud holds ${c.inCloud} of the store's purchases, the store made ${c.storePurchases}`);
  const { highestContiguousSeq, highestSeenSeq, gaps } = c.sync;
  if (gaps.length > 0 || highestContiguousSeq !== highestSeenSeq || highestContiguousSeq !== c.storePurchases)
    failures.push(
      `the cloud's watermark is not gap-free up to ${c.storePurchases}: contiguous ${highestContiguousSeq}, ` +
        `seen ${highestSeenSeq}, gaps ${JSON.stringify(gaps)}`,
    );
  if (c.purchasesDuringOutage === 0) failures.push('no sale was made during the outage');
  if (c.invalidPushes > 0) failures.push(`${c.invalidPushes} recommendation pushes did not match the contract`);
  return failures;
}
