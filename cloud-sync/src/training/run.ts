import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelCardDocument, ModelRollout, TrainingRun } from '@aisle/contracts';
import { CARD_FILE, saveModel } from '@aisle/recsys';
import type { Logger } from 'pino';
import type { FeatureContext } from '../feature';
import { buildTrainingSet } from './dataset';
import { ONLINE_MODEL_KIND, trainOnlineModel } from './model';
import { discardModel, newVersion, releaseModel, storesWithCredentials, uploadModel } from './release';
import { failRun, getRun, insertRun, setCounts, setStage } from './runs';
import { ModelCache } from './serving';

/** The default rollout of a trained model: a canary the operator promotes (`PUT /v1/stores/:id/models/:version`). */
export const DEFAULT_ROLLOUT: ModelRollout = { mode: 'canary', percent: 10 };

export const INTENDED_USE =
  "Ranks catalog items for one customer from their purchase history across every store and the web: the web shop's " +
  'recommendations (GET /v1/customers/:customerId/recommendations) and next-item suggestions at store gateways. ' +
  'Customers without personalization consent are ranked without their history. Not for decisions about a person ' +
  'beyond which products to show (no pricing, credit or eligibility).';

export interface RunOptions {
  trigger?: TrainingRun['trigger'];
  rollout?: ModelRollout;
  /** The stores to release to (default: every store with a credential). */
  stores?: readonly string[];
  /** Only purchases made at or after this time are trained on (default: all). */
  since?: number;
}

/** What one cloud process keeps for training: the run it executes, and the loaded online model. */
export interface TrainingState {
  current: Promise<void> | undefined;
  cache: ModelCache;
}

const states = new WeakMap<FeatureContext['store'], TrainingState>();

/** The training state of a cloud (one per store handle, so the routes and the schedule share it). */
export function trainingState(ctx: FeatureContext): TrainingState {
  let state = states.get(ctx.store);
  if (!state) {
    state = { current: undefined, cache: new ModelCache(ctx.store) };
    states.set(ctx.store, state);
  }
  return state;
}

/** A store named as a target has no credential: it could never download the model. */
export class UnknownStoreError extends Error {
  constructor(readonly stores: readonly string[]) {
    super(`no credential for store ${stores.join(', ')}: it could not download the model`);
    this.name = 'UnknownStoreError';
  }
}

/**
 * Records a new run and starts it in the background; resolves with the run as recorded (status `running`) once
 * it is, so a caller learns at once of a run already in progress (RunInProgressError) or an unknown store.
 * `finished` resolves with the run once it is over (a failed run is recorded, not thrown).
 */
export async function startRun(
  ctx: FeatureContext,
  opts: RunOptions = {},
): Promise<{ run: TrainingRun; finished: Promise<TrainingRun> }> {
  const state = trainingState(ctx);
  const known = await storesWithCredentials(ctx.store);
  const stores = opts.stores ? [...new Set(opts.stores)] : known;
  const unknown = stores.filter((s) => !known.includes(s));
  if (unknown.length > 0) throw new UnknownStoreError(unknown);
  const run = await insertRun(
    ctx.store,
    { trigger: opts.trigger ?? 'manual', rollout: opts.rollout ?? DEFAULT_ROLLOUT, stores },
    ctx.now(),
  );
  const execution = execute(ctx, run, opts.since);
  state.current = execution;
  void execution.finally(() => {
    if (state.current === execution) state.current = undefined;
  });
  const finished = execution.then(async () => (await getRun(ctx.store, run.id))!);
  // a caller that does not wait (the route) must not turn a closed database into an unhandled rejection
  finished.catch(() => {});
  return { run, finished };
}

/** Runs a training job to its end: the finished run (succeeded, or failed with its error). */
export async function runTraining(ctx: FeatureContext, opts: RunOptions = {}): Promise<TrainingRun> {
  return (await startRun(ctx, opts)).finished;
}

/**
 * Runs a recorded run to its end; never rejects. Any failure is recorded on the run and the files it uploaded are
 * removed: a failed run releases nothing.
 */
async function execute(ctx: FeatureContext, run: TrainingRun, since: number | undefined): Promise<void> {
  const log = ctx.logger.child({ module: 'training', runId: run.id });
  const reached: { version?: string } = {};
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'aisle-training-'));
    await train(ctx, run, { since, dir, reached, log });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error({ err }, 'training run failed; nothing released');
    await fail(ctx, run.id, reached.version, message).catch((e: unknown) =>
      log.error({ err: e }, 'recording the failed training run failed'),
    );
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * The stages of a run: training set → holdout model and metrics → final model → ONNX + card in `dir` → registry
 * upload → one transaction releasing it to the stores with its model card. Each stage is logged and recorded on
 * the run; `reached.version` names the version once its files may be in the registry.
 */
async function train(
  ctx: FeatureContext,
  run: TrainingRun,
  opts: { since: number | undefined; dir: string; reached: { version?: string }; log: Logger },
): Promise<void> {
  const { store } = ctx;
  const { dir, log } = opts;
  const done: TrainingRun['stages'] = [];
  const stage = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    await setStage(store, run.id, name, done, ctx.now());
    const started = performance.now();
    log.info({ stage: name }, 'training stage started');
    const result = await work();
    const ms = Math.round(performance.now() - started);
    done.push({ stage: name, ms });
    log.info({ stage: name, ms }, 'training stage done');
    return result;
  };
  const until = ctx.now();
  const set = await stage('build training set', () =>
    buildTrainingSet(store, { until, ...(opts.since !== undefined && { since: opts.since }) }),
  );
  await setCounts(store, run.id, set.counts, ctx.now());
  log.info({ counts: set.counts }, 'training set built');
  const version = await newVersion(store, until);
  opts.reached.version = version;
  const trained = await trainOnlineModel(set, { version, now: until, stage });
  await stage('export onnx', () => saveModel(trained.model, dir, { metrics: trained.metrics }));
  const files = await stage('register', () => uploadModel(store, version, dir, ctx.now()));
  const at = ctx.now();
  const card: ModelCardDocument = {
    version,
    kind: ONLINE_MODEL_KIND,
    runId: run.id,
    createdAt: at,
    intendedUse: INTENDED_USE,
    data: set.counts,
    holdout: { splitAt: trained.splitAt, customers: trained.holdoutCustomers },
    metrics: trained.metrics,
    model: JSON.parse(await readFile(join(dir, CARD_FILE), 'utf8')),
  };
  await stage('release', () =>
    releaseModel(store, {
      runId: run.id,
      version,
      kind: ONLINE_MODEL_KIND,
      files,
      rollout: run.rollout,
      stores: run.stores,
      card,
      metrics: trained.metrics,
      stages: [...done],
      at,
    }),
  );
  log.info({ version, stores: run.stores.length, rollout: run.rollout, metrics: trained.metrics }, 'model released');
}

async function fail(ctx: FeatureContext, runId: string, version: string | undefined, message: string): Promise<void> {
  if (version !== undefined) await discardModel(ctx.store, version);
  await failRun(ctx.store, runId, message, ctx.now());
}
