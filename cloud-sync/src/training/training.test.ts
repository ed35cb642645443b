import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelCardDocument, ModelReleases, TrainingRun } from '@aisle/contracts';
import { loadRecommender } from '@aisle/recsys/serve';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testBackends } from '../testing';
import {
  buyHistory,
  type Chain,
  CUSTOMER,
  recommendations,
  STORE_A,
  STORE_B,
  startChain,
  tokens,
  trainAndWait,
} from './fixture';
import { ABANDONED_AFTER_MS } from './runs';

const ids = (list: { items: { itemId: string }[] }) => list.items.map((i) => i.itemId);

describe.each(testBackends())('training on $name', (backend) => {
  let chain: Chain | undefined;
  const start = async (extra = {}) => {
    chain = await startChain(await backend.fresh(), extra);
    return chain;
  };
  afterEach(async () => {
    await chain?.cloud.app.close();
    chain = undefined;
  });
  afterAll(() => backend.cleanup());

  it("a purchase in store changes that customer's online recommendations after the next training run", async () => {
    const c = await start();
    await buyHistory(c);
    const first = await trainAndWait(c);
    expect(first.status).toBe('succeeded');
    const before = await recommendations(c);
    expect(before.model).toBe(first.version);
    expect(before.personalized).toBe(true);
    // the customer bought beauty: the list is beauty, nothing of the fashion part of the catalog
    expect(ids(before)).toHaveLength(5);
    expect(ids(before).every((id) => id.startsWith('b'))).toBe(true);

    // at the other store, the customer buys f01, which other customers buy together with f02 and f03
    await c.buy(STORE_B, [{ customerId: CUSTOMER, items: ['f01'], ts: c.clock.now }]);
    expect(await recommendations(c)).toEqual(before);

    const second = await trainAndWait(c);
    expect(second.status).toBe('succeeded');
    expect(second.version).not.toBe(first.version);
    const after = await recommendations(c);
    expect(after.model).toBe(second.version);
    expect(ids(after)).not.toEqual(ids(before));
    expect(new Set(ids(after).slice(0, 2))).toEqual(new Set(['f02', 'f03']));
    expect(ids(after)).not.toContain('f01'); // bought within 30 days
  });

  it('trains on web purchases too (stored under store id web, as the web shop records them)', async () => {
    const c = await start();
    await buyHistory(c);
    const ts = c.clock.now;
    const purchase = {
      eventId: 'web-purchase-0001',
      storeId: 'web',
      terminalId: 'web',
      customerId: CUSTOMER,
      lines: [{ itemId: 'f01', quantity: 1, unitPrice: 10 }],
      total: 10,
      currency: 'USD',
      ts,
    };
    await c.cloud.store.db
      .insertInto('purchases')
      .values({
        event_id: purchase.eventId,
        store_id: 'web',
        customer_id: CUSTOMER,
        ts,
        payload: JSON.stringify(purchase),
        received_at: ts,
      })
      .execute();
    const run = await trainAndWait(c);
    expect(run.counts).toMatchObject({ purchases: 30, customers: 9 });
    const list = await recommendations(c);
    expect(new Set(ids(list).slice(0, 2))).toEqual(new Set(['f02', 'f03']));
  });

  it('records the run, releases the model to every store with the rollout, and serves its card', async () => {
    const c = await start();
    await buyHistory(c);
    const run = await trainAndWait(c);
    expect(TrainingRun.parse(run)).toMatchObject({
      status: 'succeeded',
      stage: 'done',
      trigger: 'manual',
      rollout: { mode: 'canary', percent: 10 },
      stores: [STORE_B, STORE_A],
      error: null,
    });
    expect(run.stages.map((s) => s.stage)).toEqual([
      'build training set',
      'train holdout model',
      'evaluate on holdout',
      'train',
      'export onnx',
      'register',
      'release',
    ]);
    expect(run.version).toMatch(/^online-\d{14}$/);
    expect(run.counts).toMatchObject({ purchases: 29, customers: 9, anonymousBaskets: 5, skipped: 0, items: 24 });
    expect(run.metrics?.['holdout.hitRate@10']).toBeGreaterThanOrEqual(0);

    const listed = await c.operator.inject({ method: 'GET', url: '/v1/training/runs' });
    expect(listed.json().runs.map((r: TrainingRun) => r.id)).toEqual([run.id]);

    for (const storeId of [STORE_A, STORE_B] as const) {
      const res = await c.as(tokens[storeId]).inject({ method: 'GET', url: `/v1/stores/${storeId}/models` });
      const { releases } = ModelReleases.parse(res.json());
      expect(releases).toEqual([
        expect.objectContaining({ version: run.version, kind: 'seq-knn', rollout: { mode: 'canary', percent: 10 } }),
      ]);
    }

    const card = ModelCardDocument.parse(
      (await c.operator.inject({ method: 'GET', url: `/v1/models/${run.version}/card` })).json(),
    );
    expect(card).toMatchObject({ version: run.version, kind: 'seq-knn', runId: run.id, data: run.counts });
    expect(card.intendedUse).toMatch(/recommendations/);
    expect(card.metrics).toEqual(run.metrics);
    expect(card.holdout.customers).toBeGreaterThan(0);
    expect(card.model).toMatchObject({ kind: 'seq-knn', version: run.version, metrics: run.metrics });

    // a store downloads the release and serves it as its gateway would
    const dir = await mkdtemp(join(tmpdir(), 'aisle-release-'));
    try {
      for (const name of ['model.json', 'model.onnx']) {
        const file = await c
          .as(tokens[STORE_A])
          .inject({ method: 'GET', url: `/v1/models/${run.version}/files/${name}` });
        expect(file.statusCode).toBe(200);
        await writeFile(join(dir, name), file.rawPayload);
      }
      const served = await loadRecommender(dir);
      expect((await served.recommend({ history: ['f01'] }, 2)).map((r) => r.itemId).sort()).toEqual(['f02', 'f03']);
      await served.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // a full rollout to one store only
    const full = await trainAndWait(c, { rollout: { mode: 'full', percent: 100 }, stores: [STORE_A] });
    expect(full).toMatchObject({ status: 'succeeded', stores: [STORE_A], rollout: { mode: 'full', percent: 100 } });
    const a = ModelReleases.parse(
      (await c.as(tokens[STORE_A]).inject({ method: 'GET', url: `/v1/stores/${STORE_A}/models` })).json(),
    );
    expect(a.releases.at(-1)).toMatchObject({ version: full.version, rollout: { mode: 'full', percent: 100 } });
    const b = ModelReleases.parse(
      (await c.as(tokens[STORE_B]).inject({ method: 'GET', url: `/v1/stores/${STORE_B}/models` })).json(),
    );
    expect(b.releases.map((r) => r.version)).toEqual([run.version]);
  });

  it('answers popularity with model null before any run, 404 for an unknown customer, and no personal list without consent', async () => {
    const c = await start();
    await buyHistory(c);
    const early = await recommendations(c, CUSTOMER, 3);
    expect(early).toMatchObject({ model: null, personalized: false });
    // f01, f02, f03 and b01…b03 are the most bought (7, 7, 7 / 6, 6, 6 purchases)
    expect(ids(early)).toEqual(['f01', 'f02', 'f03']);
    expect(early.items.map((i) => i.score)).toEqual([7, 7, 7]);

    const unknown = await c.operator.inject({ method: 'GET', url: '/v1/customers/cus-9999/recommendations' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');

    const run = await trainAndWait(c);
    const noConsent = await recommendations(c, 'cus-nope', 24);
    expect(noConsent).toMatchObject({ model: run.version, personalized: false });
    // not ranked from their purchase of b09 and f09; what they bought in the last 30 days is still left out
    expect(ids(noConsent)).not.toContain('b09');
    expect(ids(noConsent).slice(0, 3).sort()).toEqual(['f01', 'f02', 'f03']);
  });

  it('a failed run records its error and releases nothing', async () => {
    const c = await start();
    await buyHistory(c);
    // the database loses the model cards table: the release transaction fails after the files were uploaded
    await sql`DROP TABLE model_cards`.execute(c.cloud.store.db);
    const run = await trainAndWait(c);
    expect(run.status).toBe('failed');
    expect(run.stage).toBe('release');
    expect(run.error).toMatch(/model_cards/);
    expect(run.version).toBeNull();
    for (const storeId of [STORE_A, STORE_B] as const) {
      const res = await c.as(tokens[storeId]).inject({ method: 'GET', url: `/v1/stores/${storeId}/models` });
      expect(res.json().releases).toEqual([]);
    }
    const files = await c.cloud.store.db.selectFrom('model_files').select('version').execute();
    expect(files).toEqual([]);
    expect((await recommendations(c)).model).toBeNull();
  });

  it('a run fails with a clear error on an empty catalog', async () => {
    const c = await start({ seed: { catalog: { items: [] } } });
    const run = await trainAndWait(c);
    expect(run).toMatchObject({
      status: 'failed',
      version: null,
      error: 'the catalog is empty: there is nothing to rank',
    });
  });

  it('refuses a second run while one is in progress (409), and takes over a run abandoned by a stopped process', async () => {
    const c = await start();
    const now = c.clock.now;
    const row = {
      id: 'run-00000000-0000-4000-8000-000000000000',
      status: 'running',
      stage: 'train',
      stages: '[]',
      triggered_by: 'schedule',
      rollout: JSON.stringify({ mode: 'canary', percent: 10 }),
      stores: JSON.stringify([STORE_A]),
      started_at: now,
      updated_at: now,
      finished_at: null,
      counts: null,
      metrics: null,
      version: null,
      data_until: null,
      error: null,
    };
    // another process sharing the database is training
    await c.cloud.store.db.insertInto('training_runs').values(row).execute();
    const refused = await c.operator.inject({ method: 'POST', url: '/v1/training/runs', payload: {} });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'run_in_progress' });
    expect(refused.json().error.message).toContain(row.id);

    // that process stopped long ago without finishing
    c.clock.now += ABANDONED_AFTER_MS + 1;
    const run = await trainAndWait(c);
    expect(run.status).toBe('succeeded');
    const old = await c.operator.inject({ method: 'GET', url: `/v1/training/runs/${row.id}` });
    expect(old.json()).toMatchObject({ status: 'failed', error: expect.stringMatching(/abandoned/) });
  });

  it('lets only the operator train, list runs, read cards and recommendations, and refuses bad input', async () => {
    const c = await start();
    const run = await trainAndWait(c);
    const operatorOnly = [
      { method: 'POST' as const, url: '/v1/training/runs', payload: {} },
      { method: 'GET' as const, url: '/v1/training/runs' },
      { method: 'GET' as const, url: `/v1/training/runs/${run.id}` },
      { method: 'GET' as const, url: `/v1/models/${run.version}/card` },
      { method: 'GET' as const, url: `/v1/customers/${CUSTOMER}/recommendations` },
    ];
    for (const request of operatorOnly) {
      const store = await c.as(tokens[STORE_A]).inject(request);
      expect([request.url, store.statusCode, store.json().error.code]).toEqual([request.url, 403, 'forbidden']);
      const anonymous = await c.cloud.app.inject(request);
      expect([request.url, anonymous.statusCode]).toEqual([request.url, 401]);
    }
    expect(
      (await c.operator.inject({ method: 'GET', url: `/v1/training/runs/${run.id}` })).json<TrainingRun>().status,
    ).toBe('succeeded');

    const bad = async (request: InjectOptions, status: number, code: string) => {
      const res = await c.operator.inject(request);
      expect([res.statusCode, res.json().error.code]).toEqual([status, code]);
    };
    const post = (payload: object) => ({ method: 'POST' as const, url: '/v1/training/runs', payload });
    await bad(post({ rollout: { mode: 'canary', percent: 150 } }), 400, 'invalid_body');
    await bad(post({ rollout: { mode: 'everywhere', percent: 10 } }), 400, 'invalid_body');
    await bad(post({ stores: [] }), 400, 'invalid_body');
    await bad(post({ stores: ['nowhere-01'] }), 400, 'unknown_store');
    await bad(post({ model: 'hybrid' }), 400, 'invalid_body');
    await bad({ method: 'GET', url: `/v1/customers/${CUSTOMER}/recommendations?limit=0` }, 400, 'invalid_query');
    await bad({ method: 'GET', url: `/v1/customers/${CUSTOMER}/recommendations?limit=lots` }, 400, 'invalid_query');
    await bad({ method: 'GET', url: '/v1/customers/bad%20id/recommendations' }, 400, 'invalid_id');
    await bad({ method: 'GET', url: '/v1/training/runs/42' }, 400, 'invalid_id');
    await bad({ method: 'GET', url: '/v1/training/runs?limit=0' }, 400, 'invalid_query');
    await bad({ method: 'GET', url: '/v1/training/runs/run-00000000-0000-4000-8000-000000000000' }, 404, 'not_found');
    await bad({ method: 'GET', url: '/v1/models/nb-1/card' }, 404, 'not_found');
    await bad({ method: 'GET', url: '/v1/models/..bad/card' }, 400, 'invalid_id');
  });
});
