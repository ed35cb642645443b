import { describe, expect, it } from 'vitest';
import { runOutage } from './outage';

describe('a store whose cloud is away', () => {
  it('keeps ingesting, recommending and selling, shows the backlog age growing, and catches the cloud up', async () => {
    const lines: string[] = [];
    const { summary, samples, failures } = await runOutage(
      { outageMs: 15_000, warmupMs: 6_000, sampleMs: 5_000, drainBoundMs: 60_000 },
      (line) => lines.push(line),
    );
    const log = `\n${lines.join('\n')}`;
    expect(failures, log).toEqual([]);
    const outage = samples.filter((s) => s.phase === 'outage');
    expect(outage.length, log).toBe(3);
    for (const s of outage) {
      expect(s.ingest_per_s, log).toBeGreaterThan(0);
      expect(s.decisions_per_s, log).toBeGreaterThan(0);
      expect(s.purchases_per_s, log).toBeGreaterThan(0);
      expect(s.screen_pushes_per_s, log).toBeGreaterThan(0);
    }
    expect(samples.every((s) => s.backlog_age_s !== null)).toBe(true);
    expect(summary.backlog_age_at_outage_end_s, log).toBeGreaterThanOrEqual(0.8 * 15);
    expect(summary.drain_s, log).not.toBeNull();
    expect(samples.at(-1), log).toMatchObject({ phase: 'closed', outbox_depth: 0, backlog_age_s: 0 });
    expect(summary.purchases_during_outage).toBeGreaterThan(0);
    expect(summary.in_cloud).toBe(summary.store_purchases);
    expect(summary.store_purchases).toBe(summary.till_purchases);
    expect(summary.seq_gaps).toBe(0);
    expect(summary.ok).toBe(true);
  }, 150_000);
});
