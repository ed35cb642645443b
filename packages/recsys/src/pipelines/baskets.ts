import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelCard } from '../card';
import { loadBaskets } from '../data';
import { evaluate } from '../eval';
import { type History, trainNextBasket, validationSplit } from '../models/next-basket';
import type { Progress } from '../progress';
import { saveModel } from '../save';
import { loadRecommender } from '../serve';
import { basketHistory, basketHoldout } from './holdout';
import { fitModel, NEXT_BASKET_CHOICE } from './train';

export interface BasketRunOptions {
  /** A next-basket history file (`{"uid": [[-1], basket, …, [-1]]}`). */
  data: string;
  k: number;
  out: string;
  progress: Progress;
  /** Keep the exported model (model.onnx, users.bin, model.json) here; a temporary folder otherwise. */
  modelDir?: string;
  /** 'next-basket' (TIFU-KNN), 'hybrid' or a history model kind. Default DEFAULT_BASKET_MODEL. */
  model?: string;
}

/** What `predict --format nbr` trains unless told otherwise. */
export const DEFAULT_BASKET_MODEL = 'hybrid';

export interface BasketEvalOptions extends Omit<BasketRunOptions, 'k' | 'out'> {
  /**
   * The baskets to predict, same format (`{"uid": [[-1], basket, [-1]]}`; a user's first basket counts). Default:
   * each user's last history basket, the model trained on the baskets before it.
   */
  future?: string;
}

/**
 * The next-basket protocol through the served model: train the chosen model on `training`, save it (model.onnx, users.bin,
 * card), load it with the serving module, and rank k items for every user of `queries` from their baskets, sent
 * as a history (one age per basket). Nothing is excluded: buying again is what is predicted. `onUser` receives
 * each user's list, best first.
 */
async function runBaskets(
  opts: Pick<BasketRunOptions, 'progress' | 'modelDir' | 'model'>,
  training: ReadonlyMap<string, History>,
  queries: ReadonlyMap<string, History>,
  k: number,
  onUser: (user: string, items: string[]) => void,
): Promise<ModelCard> {
  const { progress } = opts;
  const choice = opts.model ?? DEFAULT_BASKET_MODEL;
  let save: (dir: string) => Promise<ModelCard>;
  if (choice === NEXT_BASKET_CHOICE) {
    const model = await progress.stage('train next-basket', 0, () => trainNextBasket(training));
    save = (dir) => saveModel(model, dir);
  } else {
    // History models see the baskets as one history (age = baskets ago), tuned on each last basket.
    const fitted = await fitModel(
      { histories: [...training.values()].map(basketHistory), validation: basketHoldout(training) },
      { model: choice, progress },
    );
    save = (dir) => saveModel(fitted.model, dir, { metrics: fitted.metrics });
  }
  const dir = opts.modelDir ?? (await mkdtemp(join(tmpdir(), 'aisle-model-')));
  try {
    const card = await progress.stage('export onnx', 0, () => save(dir));
    const recommender = await progress.stage('load onnx session', 0, () => loadRecommender(dir));
    try {
      await progress.stage('score users', queries.size, async (tick) => {
        let done = 0;
        for (const [user, baskets] of queries) {
          const ranked = await recommender.recommend({ history: basketHistory(baskets), exclude: [] }, k);
          onUser(
            user,
            ranked.map((r) => r.itemId),
          );
          if (++done % 256 === 0) tick(256);
        }
        tick(done % 256);
      });
    } finally {
      await recommender.close();
    }
    return card;
  } finally {
    if (!opts.modelDir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Trains on the history file alone and writes `{"<uid>": [k item ids, best first]}`, ids as the file wrote them
 * (JSON numbers stay numbers).
 */
export async function predictBaskets(opts: BasketRunOptions): Promise<{ users: number; card: ModelCard }> {
  const histories = await opts.progress.stage('load', 0, () => loadBaskets(opts.data));
  const asInFile = (id: string) => (/^-?\d+$/.test(id) ? Number(id) : id);
  const result: Record<string, (string | number)[]> = {};
  const card = await runBaskets(opts, histories, histories, opts.k, (user, items) => {
    result[user] = items.map(asInFile);
  });
  await writeFile(opts.out, JSON.stringify(result));
  return { users: histories.size, card };
}

/** What an evaluation trains on, whose next basket it ranks (from which baskets), and what each one bought. */
interface BasketSplit {
  training: ReadonlyMap<string, History>;
  queries: Map<string, History>;
  truth: Map<string, string[]>;
}

/** With `future`: train on all history, rank every future user. Without: hold out each last basket. */
function basketSplit(histories: ReadonlyMap<string, History>, future?: ReadonlyMap<string, History>): BasketSplit {
  const queries = new Map<string, History>();
  const truth = new Map<string, string[]>();
  if (future) {
    for (const [user, baskets] of future) {
      queries.set(user, histories.get(user) ?? []);
      truth.set(user, [...new Set(baskets[0] ?? [])]);
    }
    return { training: histories, queries, truth };
  }
  const { train, targets } = validationSplit(histories);
  for (const [user, target] of targets) {
    queries.set(user, train.get(user)!);
    truth.set(user, [...new Set(target)]);
  }
  return { training: train, queries, truth };
}

/**
 * recall, NDCG, precision, hit rate and MRR at 10 and 20 (plus users / skipped / missing, see eval/evaluate.ts),
 * through the served model. With `future`: trained on the whole history file, every user of the future file is
 * scored (one without history gets the cold-start list). Without: trained on every history without its last basket
 * (users with a single basket keep it for training), each user with at least two baskets is scored against their
 * last one.
 */
export async function evaluateBaskets(opts: BasketEvalOptions): Promise<Record<string, number>> {
  const { progress } = opts;
  const histories = await progress.stage('load', 0, () => loadBaskets(opts.data));
  const futureFile = opts.future;
  const future =
    futureFile === undefined ? undefined : await progress.stage('load future', 0, () => loadBaskets(futureFile));
  const { training, queries, truth } = basketSplit(histories, future);
  const predictions = new Map<string, string[]>();
  await runBaskets(opts, training, queries, 20, (user, items) => predictions.set(user, items));
  return evaluate({ predictions, truth, k: [10, 20] });
}
