import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FairnessReport } from '@aisle/contracts';
import { saveModel, trainZonePopularity } from '@aisle/recsys';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testBackends } from '../testing';
import { buyHistory, type Chain, startChain, T0, tokens, trainAndWait } from './fixture';

describe.each(testBackends())('model fairness report on $name', (backend) => {
  let chain: Chain | undefined;
  afterEach(async () => {
    await chain?.cloud.app.close();
    chain = undefined;
  });
  afterAll(() => backend.cleanup());

  it("measures a trained version on its customers' lists, and serves the same report again", async () => {
    chain = await startChain(await backend.fresh());
    const c = chain;
    await buyHistory(c);
    const run = await trainAndWait(c);
    expect(run.status).toBe('succeeded');

    const res = await c.operator.inject({ method: 'GET', url: `/v1/models/${run.version}/fairness?k=5` });
    expect(res.statusCode).toBe(200);
    const report = FairnessReport.parse(res.json());
    expect(report.model).toEqual({ version: run.version, kind: 'seq-knn' });
    // the nine consenting customers with purchases (cus-nope did not consent: not in the training sequences)
    expect(report.users).toBe(9);
    expect(report.k).toBe(5);
    expect(report.catalogItems).toBe(24);
    // every item costs 10 and has brand Aisle: one brand, all in the low tier, exposed exactly as its share
    expect(report.exposure.brands).toMatchObject([{ group: 'Aisle', exposureShare: 1, underExposed: false }]);
    expect(report.exposure.priceTiers.map((t) => t.group)).toEqual(['low']);
    // the fashion buyers already bought every fashion item bought with theirs (f01..f03, excluded from their
    // lists): their lists are all beauty, a list without any category of the history, KL = ln(1/α) = ln 100
    expect(report.calibration.categories.users).toBe(9);
    expect(report.calibration.categories.max).toBeCloseTo(Math.log(100), 10);
    expect(report.calibration.categories.mean).toBeGreaterThan(0);
    expect(report.calibration.priceTiers).toMatchObject({ users: 9, mean: 0, max: 0 }); // one tier: nothing to miss
    // seq-knn only knows items somebody bought: b01..b09, f01..f03 and f09, 13 of the 24
    expect(report.popularity.coverage).toBeCloseTo(13 / 24, 10);
    expect(report.popularity.gini).toBeGreaterThan(0);
    expect(report.popularity.shortHeadShare + report.popularity.longTailShare).toBeCloseTo(1, 10);

    const again = await c.operator.inject({ method: 'GET', url: `/v1/models/${run.version}/fairness?k=5` });
    expect(again.json()).toEqual(res.json()); // cached: even generatedAt is the first one's
  });

  it('422s a version trained on anonymous baskets only: there is nobody to measure, not a perfect score', async () => {
    chain = await startChain(await backend.fresh());
    const c = chain;
    await c.buy(
      'seoul-01',
      [1, 2, 3, 4].map((i) => ({ items: ['f01', 'f02', 'f03'], ts: T0 - i * 86_400_000 })),
    );
    const run = await trainAndWait(c);
    expect(run.status).toBe('succeeded');
    const res = await c.operator.inject({ method: 'GET', url: `/v1/models/${run.version}/fairness` });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'not_evaluable', message: expect.stringMatching(/no customer/) });
  });

  it('404s an unknown version, 400s a bad k, refuses stores, and 422s a model that cannot be measured', async () => {
    chain = await startChain(await backend.fresh());
    const c = chain;
    const unknown = await c.operator.inject({ method: 'GET', url: '/v1/models/online-nope/fairness' });
    expect(unknown.statusCode).toBe(404);
    const badK = await c.operator.inject({ method: 'GET', url: '/v1/models/online-nope/fairness?k=0' });
    expect(badK.statusCode).toBe(400);
    expect(badK.json().error.code).toBe('invalid_query');
    const store = await c.as(tokens['seoul-01']).inject({ method: 'GET', url: '/v1/models/online-nope/fairness' });
    expect(store.statusCode).toBe(403);

    // a zone-popularity model ranks from where a shopper stands, not from a history
    const dir = await mkdtemp(join(tmpdir(), 'aisle-fairness-'));
    try {
      const model = trainZonePopularity([{ zoneId: 'z1', itemId: 'b01', weight: 1, ts: T0 }], {
        zones: ['z1'],
        items: ['b01', 'b02'],
        now: T0,
        version: 'zp-1',
      });
      await saveModel(model, dir);
      for (const name of await readdir(dir)) {
        const put = await c.operator.inject({
          method: 'PUT',
          url: `/v1/models/zp-1/files/${name}`,
          payload: await readFile(join(dir, name)),
          headers: { 'content-type': 'application/octet-stream' },
        });
        expect(put.statusCode).toBeLessThan(300);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const zp = await c.operator.inject({ method: 'GET', url: '/v1/models/zp-1/fairness' });
    expect(zp.statusCode).toBe(422);
    expect(zp.json().error).toMatchObject({ code: 'not_evaluable', message: expect.stringMatching(/zone-popularity/) });
  });
});
