import { describe, expect, it } from 'vitest';
import { checkOutage, type OutageCounts, readExposition, type Sample } from './checks';

describe('the outage checks', () => {
  const sample = (over: Partial<Sample>): Sample => ({
    phase: 'outage',
    at_s: 10,
    ingest_per_s: 100,
    decisions_per_s: 5,
    purchases_per_s: 3,
    screen_pushes_per_s: 5,
    outbox_depth: 30,
    backlog_age_s: 9,
    ...over,
  });
  const counts: OutageCounts = {
    outageMs: 10_000,
    drainBoundMs: 120_000,
    drainMs: 4_000,
    purchasesDuringOutage: 30,
    inCloud: 100,
    storePurchases: 100,
    tillPurchases: 100,
    sync: { storeId: 'seoul-01', highestContiguousSeq: 100, highestSeenSeq: 100, gaps: [] },
    invalidPushes: 0,
  };
  const good = [
    sample({ phase: 'warmup', backlog_age_s: 1 }),
    sample({ backlog_age_s: 4 }),
    sample({ backlog_age_s: 9 }),
    sample({ phase: 'closed', outbox_depth: 0, backlog_age_s: 0 }),
  ];

  it('pass a store that kept working and caught up', () => {
    expect(checkOutage(good, counts)).toEqual([]);
  });

  it('name a sample in which the store stopped selling or pushing', () => {
    const stalled = good.with(1, sample({ backlog_age_s: 4, purchases_per_s: 0, screen_pushes_per_s: 0 }));
    expect(checkOutage(stalled, counts)).toEqual([
      'at 10 s of the outage the store stopped: no purchases, screen pushes',
    ]);
  });

  it('fail a backlog age that is missing, too young at the end, or falling', () => {
    expect(checkOutage(good.with(0, sample({ phase: 'warmup', backlog_age_s: null })), counts)[0]).toMatch(
      /missing from 1 of 4 samples/,
    );
    expect(checkOutage(good.with(2, sample({ backlog_age_s: 7 })), counts)).toEqual([
      'the backlog age at the end of the outage was 7 s, under 80% of the 10 s outage',
    ]);
    expect(checkOutage(good.with(2, sample({ backlog_age_s: 3 })), counts)[0]).toMatch(/went down/);
  });

  it('fail a cloud that misses sales, has gaps, or did not catch up in time', () => {
    expect(checkOutage(good, { ...counts, drainMs: null })).toEqual([
      "the outage's backlog did not reach the cloud within 120 s",
    ]);
    expect(checkOutage(good, { ...counts, inCloud: 99 })[0]).toMatch(/holds 99 of the store's purchases/);
    const gap = { ...counts.sync, highestContiguousSeq: 40, gaps: [{ from: 41, to: 41 }] };
    expect(checkOutage(good, { ...counts, sync: gap })[0]).toMatch(/not gap-free/);
    expect(
      checkOutage(good.with(3, sample({ phase: 'closed', outbox_depth: 2, backlog_age_s: 1 })), counts)[0],
    ).toMatch(/did not empty/);
  });

  it('read Prometheus text, summing the series of a metric', () => {
    const text = [
      '# HELP aisle_ingest_messages_total Device messages accepted',
      '# TYPE aisle_ingest_messages_total counter',
      'aisle_ingest_messages_total{family="ble",service="edge-gateway"} 120',
      'aisle_ingest_messages_total{family="pos",service="edge-gateway"} 3',
      'aisle_outbox_oldest_age_seconds{service="edge-gateway"} 12.5',
    ].join('\n');
    const m = readExposition(text);
    expect(m.get('aisle_ingest_messages_total')).toBe(123);
    expect(m.get('aisle_outbox_oldest_age_seconds')).toBe(12.5);
    expect(m.has('aisle_decisions_total')).toBe(false);
  });
});
