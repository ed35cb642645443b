import type { AuditEntry, RetentionClass } from '@aisle/contracts';
import { verifyAuditChain } from '@aisle/contracts/audit-chain';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Cloud, createCloud } from '../app';
import { auditEntries } from '../audit';
import type { FeatureContext } from '../feature';
import { injectAs, TEST_ADMIN_SECRET, testBackends } from '../testing';
import { purgeExpired, RETENTION_DEFAULT_DAYS, RetentionMetrics, retentionDays, retentionFromEnv } from '.';

const DAY = 86_400_000;
const NOW = Date.UTC(2030, 0, 1);
/** Older than every default retention (the longest is three years). */
const OLD = NOW - 4 * 365 * DAY;
const RECENT = NOW - DAY;
const STORE = 'seoul-01';

/** A row of every class, one `OLD` and one `RECENT` (`n` tells them apart), straight into the database. */
async function seedRows(cloud: Cloud) {
  const db = cloud.store.db;
  for (const [n, at] of [
    [1, OLD],
    [2, RECENT],
  ] as const) {
    await db
      .insertInto('web_events')
      .values({
        event_id: `web-${n}`,
        type: 'page_view',
        session_id: `s-${n}`,
        customer_id: 'cus-1',
        payload: '{}',
        at,
        received_at: at,
      })
      .execute();
    await db
      .insertInto('cart_edits')
      .values(
        (['won', 'lost'] as const).map((status) => ({
          edit_id: `edit-${n}-${status}`,
          customer_id: 'cus-1',
          item_id: 'sku-1',
          quantity: 1,
          hlc_wall: at,
          hlc_counter: 0,
          hlc_node: 'web',
          channel: 'web' as const,
          store_id: null,
          at,
          received_at: at,
          status,
          superseded_by: null,
        })),
      )
      .execute();
    await db
      .insertInto('training_runs')
      .values({
        id: `run-${n}-failed`,
        status: 'failed',
        stage: 'train',
        stages: '[]',
        triggered_by: 'schedule',
        rollout: '{"mode":"full"}',
        stores: '[]',
        started_at: at,
        updated_at: at,
        finished_at: at,
        counts: null,
        metrics: null,
        version: null,
        data_until: null,
        error: 'out of memory',
      })
      .execute();
    await db
      .insertInto('dsr_requests')
      .values(
        (['completed', 'received'] as const).map((status) => ({
          request_id: `dsr-${n}-${status}`,
          customer_hash: 'a'.repeat(64),
          kind: 'export',
          status,
          received_at: at,
          due_at: at + 30 * DAY,
          completed_at: status === 'completed' ? at : null,
          reason: null,
          requested_by: 'admin',
          detail: '{}',
        })),
      )
      .execute();
    await db
      .insertInto('purchases')
      .values({
        event_id: `pos-${n}`,
        store_id: STORE,
        customer_id: 'cus-1',
        ts: at,
        payload: JSON.stringify({ eventId: `pos-${n}`, storeId: STORE, customerId: 'cus-1', total: 10 }),
        received_at: at,
      })
      .execute();
  }
  // two old successful runs: the newer one is what serves, so it stays
  for (const [id, finished] of [
    ['run-0-succeeded', OLD - DAY],
    ['run-1-succeeded', OLD],
  ] as const)
    await db
      .insertInto('training_runs')
      .values({
        id,
        status: 'succeeded',
        stage: 'done',
        stages: '[]',
        triggered_by: 'schedule',
        rollout: '{"mode":"full"}',
        stores: '[]',
        started_at: finished,
        updated_at: finished,
        finished_at: finished,
        counts: null,
        metrics: null,
        version: `online-${id}`,
        data_until: finished,
        error: null,
      })
      .execute();
  // seqs 1-3 old, 4 recent, and 6 (above the watermark 4: the cloud still waits for 5) old
  await db
    .insertInto('store_inbox')
    .values(
      [1, 2, 3, 4, 6].map((seq) => ({
        store_id: STORE,
        seq,
        event_id: `pos-x${seq}`,
        received_at: seq === 4 ? RECENT : OLD,
      })),
    )
    .execute();
  await db.insertInto('store_sync').values({ store_id: STORE, highest_contiguous: 4, highest_seen: 6 }).execute();
  await db
    .insertInto('store_batches')
    .values(
      [
        [1, 3, OLD],
        [4, 4, RECENT],
        [6, 6, OLD],
      ].map(([first, last, at]) => ({
        store_id: STORE,
        batch_id: `b-${first}`,
        first_seq: first!,
        last_seq: last!,
        size: last! - first! + 1,
        accepted: last! - first! + 1,
        duplicates: 0,
        received_at: at!,
      })),
    )
    .execute();
}

describe.each(testBackends())('retention on $name', (backend) => {
  let cloud: Cloud | undefined;
  afterEach(async () => {
    await cloud?.app.close();
    cloud = undefined;
  });
  afterAll(() => backend.cleanup());

  /** The metrics text, once it contains every one of `lines` (the purge runs in the background). */
  async function metricsWith(c: Cloud, ...lines: string[]): Promise<string> {
    const send = injectAs(c.app, {});
    for (;;) {
      const res = await send({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      if (lines.every((line) => res.body.includes(line))) return res.body;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const LAST_RUN = `aisle_cloud_retention_last_run_timestamp_seconds ${NOW / 1000}`;

  /** A cloud (its first purge ran at start, on the empty database); the next purge is `intervalMinutes` later. */
  async function start(intervalMinutes = 60) {
    cloud = await createCloud({
      database: await backend.fresh(),
      logger: pino({ level: 'silent' }),
      adminSecret: TEST_ADMIN_SECRET,
      now: () => NOW,
      retention: { intervalMinutes },
    });
    // the first purge is over before the cloud is returned
    const res = await injectAs(cloud.app, {})({ method: 'GET', url: '/metrics' });
    expect(res.body).toContain(LAST_RUN);
    return cloud;
  }
  const ids = async (table: 'web_events' | 'cart_edits' | 'training_runs' | 'dsr_requests') => {
    const key = { web_events: 'event_id', cart_edits: 'edit_id', training_runs: 'id', dsr_requests: 'request_id' }[
      table
    ] as 'event_id';
    return (await cloud!.store.db.selectFrom(table).select(key).orderBy(key).execute()).map((r) => r[key]);
  };

  it('purges each class past its retention, keeps the rest, anonymizes old purchases and audits each purge', async () => {
    const c = await start();
    await seedRows(c);
    const ctx: FeatureContext = { routes: c.routes, store: c.store, logger: pino({ level: 'silent' }), now: () => NOW };
    const registry = new Registry();
    const counts = await purgeExpired(ctx, retentionDays(undefined), new RetentionMetrics(registry));
    expect(counts).toEqual({
      web_events: 1,
      store_inbox: 4, // inbox seqs 1-3 and batch 1-3; seq 6 is above the watermark
      cart_conflicts: 1,
      training_logs: 2, // the old failed run and the older successful one
      dsr_closed: 1,
      purchase_links: 1,
    } satisfies Record<RetentionClass, number>);

    expect(await ids('web_events')).toEqual(['web-2']);
    expect(await ids('cart_edits')).toEqual(['edit-1-won', 'edit-2-lost', 'edit-2-won']);
    expect(await ids('training_runs')).toEqual(['run-1-succeeded', 'run-2-failed']);
    expect(await ids('dsr_requests')).toEqual(['dsr-1-received', 'dsr-2-completed', 'dsr-2-received']);
    const inbox = await c.store.db.selectFrom('store_inbox').select('seq').orderBy('seq').execute();
    expect(inbox.map((r) => Number(r.seq))).toEqual([4, 6]);
    const batches = await c.store.db.selectFrom('store_batches').select('batch_id').orderBy('batch_id').execute();
    expect(batches.map((r) => r.batch_id)).toEqual(['b-4', 'b-6']);
    // the watermark still finds its gap
    expect(await c.store.syncStatus(STORE)).toEqual({
      highestContiguousSeq: 4,
      highestSeenSeq: 6,
      gaps: [{ from: 5, to: 5 }],
    });
    const purchases = await c.store.db.selectFrom('purchases').selectAll().orderBy('event_id').execute();
    expect(purchases.map((p) => [p.event_id, p.customer_id])).toEqual([
      ['pos-1', null],
      ['pos-2', 'cus-1'],
    ]);
    expect(JSON.parse(purchases[0]!.payload)).toEqual({ eventId: 'pos-1', storeId: STORE, total: 10 });

    const audit: AuditEntry[] = await auditEntries(c.store.db, 0, 100);
    expect(audit.map((e) => [e.action, e.actor, e.subject, e.detail.rows])).toEqual([
      ['retention.purged', 'system:retention', 'web_events', 1],
      ['retention.purged', 'system:retention', 'store_inbox', 4],
      ['retention.purged', 'system:retention', 'cart_conflicts', 1],
      ['retention.purged', 'system:retention', 'training_logs', 2],
      ['retention.purged', 'system:retention', 'dsr_closed', 1],
      ['retention.purged', 'system:retention', 'purchase_links', 1],
    ]);
    expect(audit[0]!.detail).toEqual({ rows: 1, days: 180, before: NOW - 180 * DAY });
    expect(verifyAuditChain(audit).ok).toBe(true);

    const text = await registry.metrics();
    expect(text).toContain('aisle_cloud_retention_purged_total{class="store_inbox"} 4');
    expect(text).toContain(`aisle_cloud_retention_last_run_timestamp_seconds ${NOW / 1000}`);

    // a second purge finds nothing and writes no audit entry
    expect(Object.values(await purgeExpired(ctx, retentionDays(undefined))).every((n) => n === 0)).toBe(true);
    expect(await auditEntries(c.store.db, 0, 100)).toHaveLength(6);
  });

  it('follows configured days per class', async () => {
    const c = await start();
    await seedRows(c);
    const ctx: FeatureContext = { routes: c.routes, store: c.store, logger: pino({ level: 'silent' }), now: () => NOW };
    // two days keeps nothing of the old rows, and still keeps yesterday's
    const counts = await purgeExpired(ctx, retentionDays({ days: { web_events: 2, purchase_links: 10_000 } }));
    expect(counts.web_events).toBe(1);
    expect(counts.purchase_links).toBe(0);
    expect(await ids('web_events')).toEqual(['web-2']);
    const shorter = await purgeExpired({ ...ctx, now: () => NOW + DAY }, retentionDays({ days: { web_events: 1 } }));
    expect(shorter.web_events).toBe(1);
  });

  it('runs on its schedule and reports on GET /metrics (operator only)', async () => {
    const c = await start(0.001);
    expect(await metricsWith(c, LAST_RUN)).toContain('aisle_cloud_retention_purged_total{class="web_events"} 0');
    // rows added now go at the following runs (a run may meet them half-inserted: the totals still add up)
    await seedRows(c);
    const expected = Object.entries({
      web_events: 1,
      store_inbox: 4,
      cart_conflicts: 1,
      training_logs: 2,
      dsr_closed: 1,
      purchase_links: 1,
    }).map(([k, n]) => `aisle_cloud_retention_purged_total{class="${k}"} ${n}`);
    const text = await metricsWith(c, ...expected);
    expect(text).toMatch(/^# TYPE aisle_cloud_retention_purged_total counter$/m);
    expect(await ids('web_events')).toEqual(['web-2']);
    const res = await injectAs(c.app, {})({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect((await c.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });
});

describe('retention settings', () => {
  it('reads days per class and the interval from the environment, refusing bad values by name', () => {
    expect(
      retentionFromEnv({
        AISLE_CLOUD_RETENTION_WEB_EVENTS_DAYS: '30',
        AISLE_CLOUD_RETENTION_PURCHASE_LINKS_DAYS: '730',
        AISLE_CLOUD_RETENTION_INTERVAL_MINUTES: '15',
      }),
    ).toEqual({ days: { web_events: 30, purchase_links: 730 }, intervalMinutes: 15 });
    expect(retentionDays(retentionFromEnv({}))).toEqual(RETENTION_DEFAULT_DAYS);
    expect(() => retentionFromEnv({ AISLE_CLOUD_RETENTION_WEB_EVENTS_DAYS: 'soon' })).toThrow(
      'AISLE_CLOUD_RETENTION_WEB_EVENTS_DAYS must be a whole number of days',
    );
    expect(() => retentionFromEnv({ AISLE_CLOUD_RETENTION_DSR_CLOSED_DAYS: '0' })).toThrow(/DSR_CLOSED/);
    expect(() => retentionFromEnv({ AISLE_CLOUD_RETENTION_INTERVAL_MINUTES: '-1' })).toThrow(/INTERVAL_MINUTES/);
  });
});
