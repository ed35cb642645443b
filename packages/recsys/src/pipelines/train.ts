/**
 * Training as the CLI and the cloud run it: load a data file in one of three formats, hold out a validation
 * split, train the chosen model (or every part of the hybrid, then tune the blend) on the rest, measure it on the
 * validation targets, train again on everything with the same settings, and write model.onnx + model.json with
 * the validation metrics in the card.
 */

import type { ModelCard } from '../card';
import { type DataSource, loadBaskets, loadCatalog, loadEvents, loadSequences } from '../data';
import { evaluate } from '../eval';
import { trainBundles } from '../models/bundles';
import { type CatalogItem, CONTENT_KIND, trainContent } from '../models/content';
import { blendModels, HYBRID_KIND, tuneBlend } from '../models/hybrid';
import { trainAls } from '../models/latent';
import { rankNextBasket, trainNextBasket, validationSplit } from '../models/next-basket';
import { catalogue, trainPopularity } from '../models/popularity';
import { trainRepeat } from '../models/repeat';
import type { HistoryEntry, HistoryEvent, ScorerModel } from '../models/scorer';
import { trainSeqKnn } from '../models/seq-knn';
import { trainSession } from '../models/session';
import type { Progress } from '../progress';
import { saveModel } from '../save';
import { basketHistory, basketHoldout, evaluateServed, type Holdout, sequenceHoldout } from './holdout';

/** Validation shoppers scored for a card's metrics. */
const METRIC_USERS = 5000;

export const DATA_FORMATS = ['seq', 'nbr', 'events'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** Trains one history model on `histories`, ranking exactly `items`. */
export type HistoryTrainer = (
  histories: readonly (readonly HistoryEntry[])[],
  opts: { items: readonly string[]; now: number; catalog: readonly CatalogItem[] },
) => ScorerModel;

/** Every history model by kind. The hybrid blends all of them (content only when there is a catalogue). */
export const HISTORY_TRAINERS: Readonly<Record<string, HistoryTrainer>> = {
  popularity: (h, o) => trainPopularity(h, o),
  'seq-knn': (h, o) => trainSeqKnn(h, o),
  repeat: (h, o) => trainRepeat(h, o),
  als: (h, o) => trainAls(h, o),
  session: (h, o) => trainSession(h, o),
  bundles: (h, o) => trainBundles(h, o),
  content: (h, o) => trainContent(h, o),
};

/** TIFU-KNN (models/next-basket.ts): basket data only, and not a history model (it ships its user vectors). */
export const NEXT_BASKET_CHOICE = 'next-basket';

export const MODEL_CHOICES = [HYBRID_KIND, ...Object.keys(HISTORY_TRAINERS), NEXT_BASKET_CHOICE];

/** A data file as shopper histories, plus the validation split that belongs to its format. */
export interface TrainingData {
  users: string[];
  histories: HistoryEntry[][];
  /** Targets cut from the end of the histories (the last item, or the last basket). */
  validation: Holdout;
  stats: { users: number; events: number };
}

export async function loadTrainingData(file: DataSource, format: DataFormat): Promise<TrainingData> {
  if (format === 'nbr') {
    const baskets = await loadBaskets(file);
    const users = [...baskets.keys()];
    const histories = users.map((u) => basketHistory(baskets.get(u)!));
    return withStats(users, histories, basketHoldout(baskets));
  }
  if (format === 'seq') {
    const { users, sequences } = await loadSequences(file);
    return withStats(users, sequences, sequenceHoldout(users, sequences));
  }
  const byUser = new Map<string, { item: string; weight: number; ts: number }[]>();
  for (const e of await loadEvents(file)) {
    const list = byUser.get(e.userId) ?? [];
    list.push({ item: e.itemId, weight: e.weight, ts: e.ts });
    byUser.set(e.userId, list);
  }
  const users = [...byUser.keys()];
  const histories = users.map((u) =>
    byUser
      .get(u)!
      .sort((a, b) => a.ts - b.ts)
      .map((e): HistoryEvent => ({ item: e.item, weight: e.weight })),
  );
  return withStats(users, histories, sequenceHoldout(users, histories));
}

function withStats(users: string[], histories: HistoryEntry[][], validation: Holdout): TrainingData {
  return {
    users,
    histories,
    validation,
    stats: { users: users.length, events: histories.reduce((a, h) => a + h.length, 0) },
  };
}

export interface FitOptions {
  /** A kind of HISTORY_TRAINERS, or 'hybrid'. */
  model: string;
  progress: Progress;
  now?: number;
  /** Validation shoppers scored for the card's metrics (sampled, seeded). Default 5000. */
  metricUsers?: number;
  /**
   * Item descriptions for the content model. Its items are ranked too, seen in the data or not (new items), and
   * the hybrid then includes the content model.
   */
  catalog?: readonly CatalogItem[];
}

export interface Fitted {
  model: ScorerModel;
  /** Validation metrics, keys prefixed `validation.`. */
  metrics: Record<string, number>;
  /** The hybrid's weights per part. */
  weights?: Record<string, number>;
}

/**
 * Validation first (train on the histories without their targets, tune the hybrid, measure), then the final
 * model on `histories` with the same settings.
 */
export async function fitModel(
  data: Pick<TrainingData, 'histories' | 'validation'>,
  opts: FitOptions,
): Promise<Fitted> {
  const { progress } = opts;
  const now = opts.now ?? Date.now();
  const catalog = opts.catalog ?? [];
  const kinds =
    opts.model === HYBRID_KIND
      ? Object.keys(HISTORY_TRAINERS).filter((kind) => kind !== CONTENT_KIND || catalog.length > 0)
      : [opts.model];
  for (const kind of kinds)
    if (!HISTORY_TRAINERS[kind]) throw new Error(`unknown model '${kind}' (known: ${MODEL_CHOICES.join(', ')})`);
  const { items } = catalogue([catalog.map((c) => c.id), ...data.histories]);
  const trainAll = async (histories: readonly (readonly HistoryEntry[])[], label: string, only = kinds) => {
    const models: ScorerModel[] = [];
    for (const kind of only)
      models.push(
        await progress.stage(`${label} ${kind}`, 0, () => HISTORY_TRAINERS[kind]!(histories, { items, now, catalog })),
      );
    return models;
  };

  const val = data.validation;
  const valParts = await trainAll(val.histories, 'train (validation)');
  let weights: number[] = [1];
  if (opts.model === HYBRID_KIND) {
    const tuning = await progress.stage('tune blend', 1, (tick) =>
      tuneBlend(valParts, val, { progress: (d, t) => d === t && tick() }),
    );
    weights = tuning.weights;
  }
  const valModel = opts.model === HYBRID_KIND ? blendModels(valParts, weights, { now }) : valParts[0]!;
  const sample = sampleHoldout(val, opts.metricUsers ?? METRIC_USERS);
  const measured = await progress.stage('validate (served)', 0, () => evaluateServed(valModel, sample));
  const metrics = prefixed(measured);

  // The final model: the parts the blend kept (weight > 0), trained on everything.
  const kept = kinds.filter((_, j) => weights[j]! > 0);
  const parts = await trainAll(data.histories, 'train', kept);
  if (opts.model !== HYBRID_KIND) return { model: parts[0]!, metrics };
  return {
    model: blendModels(
      parts,
      kept.map((kind) => weights[kinds.indexOf(kind)]!),
      { now },
    ),
    metrics,
    weights: Object.fromEntries(kinds.map((k, j) => [k, weights[j]!])),
  };
}

/** Validation metrics as the card keeps them: `validation.<metric>`, finite values only. */
function prefixed(measured: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(measured)
      .filter(([, v]) => Number.isFinite(v))
      .map(([key, v]) => [`validation.${key}`, v]),
  );
}

/** `n` users evenly spread over the file (all of them when n ≥ users): deterministic and unbiased by order. */
function sampleHoldout(h: Holdout, n: number): Holdout {
  if (h.users.length <= n) return h;
  const step = h.users.length / n;
  const picked = Array.from({ length: n }, (_, j) => Math.floor(j * step));
  return {
    users: picked.map((u) => h.users[u]!),
    histories: picked.map((u) => h.histories[u]!),
    targets: picked.map((u) => h.targets[u]!),
    excludeHistory: h.excludeHistory,
  };
}

export interface TrainRunOptions {
  data: string;
  format: DataFormat;
  model: string;
  out: string;
  progress: Progress;
  now?: number;
  /** A catalogue file (see data/catalog.ts) for the content model. */
  catalog?: DataSource;
}

/** `aisle recsys train`: fit on the whole file and save the model folder. */
export interface Trained {
  card: ModelCard;
  metrics: Record<string, number>;
  /** The hybrid's weights per part. */
  weights?: Record<string, number>;
}

export async function trainFromFile(opts: TrainRunOptions): Promise<Trained> {
  if (opts.model === NEXT_BASKET_CHOICE) return trainNextBasketFromFile(opts);
  const data = await opts.progress.stage('load', 0, () => loadTrainingData(opts.data, opts.format));
  const catalog = opts.catalog === undefined ? undefined : await loadCatalog(opts.catalog);
  const fitted = await fitModel(data, {
    model: opts.model,
    progress: opts.progress,
    ...(opts.now !== undefined && { now: opts.now }),
    ...(catalog && { catalog }),
  });
  const card = await opts.progress.stage('export onnx', 0, () =>
    saveModel(fitted.model, opts.out, { metrics: fitted.metrics }),
  );
  return { card, metrics: fitted.metrics, ...(fitted.weights && { weights: fitted.weights }) };
}

/** TIFU-KNN: validated on each shopper's last basket (reference ranking), then trained on every basket. */
async function trainNextBasketFromFile(opts: TrainRunOptions): Promise<Trained> {
  const { progress } = opts;
  if (opts.format !== 'nbr') throw new Error(`model ${NEXT_BASKET_CHOICE} needs basket data (--format nbr)`);
  const baskets = await progress.stage('load', 0, () => loadBaskets(opts.data));
  const { train, targets } = validationSplit(baskets);
  const validation = await progress.stage('train (validation) next-basket', 0, () => trainNextBasket(train));
  const measured = await progress.stage('validate', 0, () => {
    const predictions = new Map<string, string[]>();
    const truth = new Map<string, string[]>();
    const users = [...targets.keys()];
    const step = Math.max(1, users.length / METRIC_USERS);
    for (let j = 0; j < users.length; j += step) {
      const user = users[Math.floor(j)]!;
      predictions.set(
        user,
        rankNextBasket(validation, train.get(user)!, 20).map((r) => r.itemId),
      );
      truth.set(user, [...new Set(targets.get(user)!)]);
    }
    return evaluate({ predictions, truth, k: [10, 20] });
  });
  const metrics = prefixed(measured);
  const model = await progress.stage('train next-basket', 0, () =>
    trainNextBasket(baskets, { ...(opts.now !== undefined && { now: opts.now }) }),
  );
  const card = await progress.stage('export onnx', 0, () => saveModel(model, opts.out, { metrics }));
  return { card, metrics };
}
