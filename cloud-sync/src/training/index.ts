import {
  CustomerId,
  CustomerRecommendations,
  ModelCardDocument,
  ModelRelease,
  ModelRollout,
  RecommendationsQuery,
  TrainingRun,
  TrainingRunRequest,
  TrainingRuns,
} from '@aisle/contracts';
import { z } from 'zod';
import type { FeatureContext } from '../feature';
import { HttpError, notFound } from '../http';
import { registerFairnessRoute } from './fairness';
import { DEFAULT_ROLLOUT, startRun, trainingState, UnknownStoreError } from './run';
import { getCard, getRun, listRuns, RunInProgressError } from './runs';
import { scheduledRun } from './schedule';
import { recommendationsFor } from './serving';

export { buildTrainingSet, type TrainingSet } from './dataset';
export { runTraining, startRun } from './run';
export { scheduledRun } from './schedule';

const RunPath = z.object({ id: z.string().regex(/^run-[0-9a-f-]{36}$/, 'a run id (run-<uuid>)') });
const RunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });

/** Registers the training routes (all the operator's: the back office, and the web shop for recommendations). */
export function registerTrainingRoutes(ctx: FeatureContext): void {
  const { routes, store } = ctx;
  registerFairnessRoute(ctx);
  routes.add(
    {
      method: 'POST',
      url: '/v1/training/runs',
      tag: 'training',
      summary: 'Start a training run',
      description:
        'Trains the online model on every purchase, registers it with its card and releases it to the stores (default: ' +
        'every store with a credential, canary 10 %). Answers at once with the run; poll it. 409 while a run is in ' +
        'progress; 400 `unknown_store` for a store without a credential.',
      access: 'operator',
      body: TrainingRunRequest.default({}),
      response: TrainingRun,
      status: 202,
      errors: [409],
    },
    async ({ body }) => {
      try {
        const { run } = await startRun(ctx, {
          rollout: body.rollout ?? DEFAULT_ROLLOUT,
          ...(body.stores && { stores: body.stores }),
        });
        return run;
      } catch (err) {
        if (err instanceof RunInProgressError)
          throw new HttpError(409, 'run_in_progress', `${err.message}; wait for it to finish`);
        if (err instanceof UnknownStoreError) throw new HttpError(400, 'unknown_store', err.message);
        throw err;
      }
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/training/runs',
      tag: 'training',
      summary: 'The latest training runs, newest first',
      access: 'operator',
      query: RunsQuery,
      response: TrainingRuns,
    },
    async ({ query }) => ({ runs: await listRuns(store, query.limit) }),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/training/runs/:id',
      tag: 'training',
      summary: 'One training run: its stage, counts, metrics, version or error',
      access: 'operator',
      params: RunPath,
      response: TrainingRun,
      errors: [404],
    },
    async ({ params }) => {
      const run = await getRun(store, params.id);
      if (!run) throw notFound('no such training run');
      return run;
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/models/:version/card',
      tag: 'models',
      summary: 'The model card of a trained version: data, holdout metrics, intended use and model.json',
      access: 'operator',
      params: z.object({ version: ModelRelease.shape.version }),
      response: ModelCardDocument,
      errors: [404],
    },
    async ({ params }) => {
      const card = await getCard(store, params.version);
      if (!card) throw notFound('no model card for this version (only trained versions have one)');
      return card;
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/customers/:customerId/recommendations',
      tag: 'customers',
      summary: "A customer's online recommendations (the web shop)",
      description:
        'Ranked by the newest trained model from the purchase history it was trained on (so the list changes with ' +
        'each training run); items bought in the last 30 days and hidden categories are left out. Without ' +
        'personalization consent the list is not personal. Before the first run: the most bought items, `model: null`.',
      access: 'operator',
      params: z.object({ customerId: CustomerId }),
      query: RecommendationsQuery,
      response: CustomerRecommendations,
      errors: [404],
    },
    async ({ params, query }) => {
      const profile = await store.customer(params.customerId);
      if (!profile) throw notFound('no such customer');
      return recommendationsFor(store, trainingState(ctx).cache, profile, query.limit, ctx.now());
    },
  );
}

/** The schedule's settings (CloudOptions.training); an invalid value stops start-up naming it. */
export const TrainingOptions = z
  .object({
    /** Minutes between the end of one scheduled run and the next check. */
    everyMinutes: z
      .number()
      .positive()
      .max(7 * 24 * 60),
    rollout: ModelRollout.default(DEFAULT_ROLLOUT),
    /** A scheduled run is skipped while fewer purchases than this arrived since the last successful run's data. */
    minPurchases: z.number().int().nonnegative().default(1),
  })
  .strict();
export type TrainingOptions = z.input<typeof TrainingOptions>;

/**
 * Starts the scheduled training runs (when `opts` is given); returns what stops them (called when the app closes):
 * it waits for a run in progress, scheduled or started by hand, and closes the loaded online model.
 */
export function startTrainingSchedule(ctx: FeatureContext, opts: TrainingOptions | undefined): () => Promise<void> {
  const state = trainingState(ctx);
  const settings = opts === undefined ? undefined : TrainingOptions.parse(opts);
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<unknown> | undefined;
  let stopped = false;
  const log = ctx.logger.child({ module: 'training' });
  const next = () => {
    if (stopped || !settings) return;
    timer = setTimeout(() => {
      tick = scheduledRun(ctx, settings)
        .then((outcome) => {
          if ('skipped' in outcome) log.info({ reason: outcome.skipped }, 'scheduled training skipped');
        })
        .catch((err: unknown) => log.error({ err }, 'scheduled training failed to start'))
        .finally(next);
    }, settings.everyMinutes * 60_000).unref();
  };
  if (settings) log.info({ everyMinutes: settings.everyMinutes, rollout: settings.rollout }, 'training scheduled');
  next();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await tick;
    await state.current;
    await state.cache.close();
  };
}
