/**
 * `GET /v1/models/:version/fairness` (issue #8, point 7): the fairness and transparency report of a registered
 * model version, measured on the lists it gives a sample of customers, the way the web shop's recommendations are
 * served (training/serving.ts): each customer's purchase history up to the version's snapshot, what they bought
 * left out by the model. The report is computed once per version and list length, then served from memory: a
 * version's files never change, and its snapshot of purchases is fixed by the run that trained it.
 */
import { FairnessQuery, FairnessReport, ModelRelease, Product } from '@aisle/contracts';
import { fairnessReport, interactionCounts, ZONE_POPULARITY_KIND } from '@aisle/recsys';
import { z } from 'zod';
import type { FeatureContext } from '../feature';
import { HttpError, notFound } from '../http';
import type { CloudStore } from '../store';
import { buildTrainingSet, customerHistory } from './dataset';
import { sequencesOf } from './model';
import { loadFromRegistry } from './serving';

/** Most customers whose lists are measured: enough for stable shares, cheap enough to answer in seconds. */
export const FAIRNESS_SAMPLE = 500;

/** A version the report cannot be measured on: its kind ranks without a history, or nobody's history is there. */
export class NotEvaluableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotEvaluableError';
  }
}

const reports = new WeakMap<CloudStore, Map<string, Promise<FairnessReport>>>();

/**
 * The report of `version` (undefined when the registry has no such version). The customers are those the version
 * was trained on with purchases (personalization consent), in id order, at most FAIRNESS_SAMPLE; popularity is
 * what the training set held. A version uploaded to the registry without a training run is measured on today's data.
 */
export async function modelFairness(
  store: CloudStore,
  version: string,
  k: number,
  now: number,
): Promise<FairnessReport | undefined> {
  const known = await store.db
    .selectFrom('model_files')
    .select('version')
    .where('version', '=', version)
    .executeTakeFirst();
  if (!known) return undefined;
  const cache = reports.get(store) ?? new Map<string, Promise<FairnessReport>>();
  reports.set(store, cache);
  const key = `${version}:${k}`;
  let report = cache.get(key);
  if (!report) {
    report = measure(store, version, k, now);
    cache.set(key, report);
    // a failure (a broken upload, the database away) is not remembered: the next request tries again
    report.catch(() => cache.delete(key));
  }
  return report;
}

async function measure(store: CloudStore, version: string, k: number, now: number): Promise<FairnessReport> {
  const run = await store.db
    .selectFrom('training_runs')
    .select('data_until')
    .where('version', '=', version)
    .executeTakeFirst();
  const until = run?.data_until != null ? Number(run.data_until) : now;
  const recommender = await loadFromRegistry(store, version);
  try {
    const { kind } = recommender.card;
    if (kind === ZONE_POPULARITY_KIND)
      throw new NotEvaluableError(
        `a ${kind} model ranks from where a shopper stands, not from a purchase history: it cannot be measured on ` +
          "customers' lists (the report needs a model that ranks from history, such as seq-knn)",
      );
    const set = await buildTrainingSet(store, { until });
    const catalog = (await store.db.selectFrom('products').select('product').orderBy('item_id').execute()).map((r) =>
      Product.parse(JSON.parse(r.product)),
    );
    const customers = [...set.customers.keys()].sort().slice(0, FAIRNESS_SAMPLE);
    // zeros measured on nobody would read as a perfectly fair model
    if (customers.length === 0)
      throw new NotEvaluableError(
        `no customer with personalization consent had bought anything by the data this version was trained on ` +
          `(${set.baskets.length} anonymous baskets only): there are no personal lists to measure`,
      );
    const users = [];
    for (const customerId of customers) {
      const history = await customerHistory(store, customerId, until);
      const recommended = await recommender.recommend({ history }, k);
      users.push({ history, recommended: recommended.map((r) => r.itemId) });
    }
    const metrics = fairnessReport({
      catalog: catalog.map((p) => ({ id: p.id, brand: p.brand, category: p.category, price: p.price })),
      popularity: interactionCounts(sequencesOf(set.customers, set.baskets)),
      users,
    });
    return FairnessReport.parse({
      ...metrics,
      k,
      model: { version, kind: recommender.card.kind },
      generatedAt: now,
    });
  } finally {
    await recommender.close();
  }
}

/** Registers `GET /v1/models/:version/fairness` (operator). */
export function registerFairnessRoute(ctx: FeatureContext): void {
  ctx.routes.add(
    {
      method: 'GET',
      url: '/v1/models/:version/fairness',
      tag: 'models',
      summary: 'Fairness and transparency report of a model version: popularity bias, exposure, calibration',
      description:
        `Measured on the lists the version gives up to ${FAIRNESS_SAMPLE} customers it was trained on (their purchase ` +
        'history up to its snapshot): popularity bias, position-discounted exposure of brands and price tiers ' +
        'against their catalog and interaction shares, and calibration of categories and price tiers (Steck 2018). ' +
        'Computed once per version and `k`. 404 for a version the registry does not hold; 422 `not_evaluable` for a ' +
        'model that does not rank from a purchase history (zone-popularity). Definitions: docs/privacy/fairness.md.',
      access: 'operator',
      params: z.object({ version: ModelRelease.shape.version }),
      query: FairnessQuery,
      response: FairnessReport,
      errors: [404, 422],
    },
    async ({ params, query }) => {
      try {
        const report = await modelFairness(ctx.store, params.version, query.k, ctx.now());
        if (!report) throw notFound('no such model version in the registry');
        return report;
      } catch (err) {
        if (err instanceof NotEvaluableError) throw new HttpError(422, 'not_evaluable', err.message);
        throw err;
      }
    },
  );
}
