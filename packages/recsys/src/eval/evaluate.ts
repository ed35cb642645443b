/**
 * `evaluate`: averages the metrics of ./metrics.ts over users.
 *
 * The evaluated users are the keys of `truth`. A user without an entry in `predictions` is scored with an empty
 * list (all zeros) and counted in `missing`; a user whose truth is empty (`[]`) is left out and counted in
 * `skipped`; predictions for users not in `truth` are ignored. If `exclude` is given, a user's excluded items
 * (e.g. their history, as the Beauty protocol requires) are removed from their predictions before the top k.
 *
 * Keys of the result, for each k: `hitRate@k`, `ndcg@k` (binary, ideal DCG over min(k, |truth|); for a single
 * target that is 1/log2(rank+2)), `mrr@k`, `recall@k`, `precision@k`, then `coverage@k` (with `catalogSize`),
 * `novelty@k` and `popularityBias@k` (with `popularity`), `diversity@k` (with `similarity`; mean over lists with at
 * least 2 items); plus `users` (evaluated), `skipped` and `missing`. With no evaluated users the means are NaN.
 */
import {
  catalogCoverage,
  hitRate,
  intraListDiversity,
  mrr,
  ndcgBinary,
  novelty,
  popularityBias,
  precision,
  recall,
  type Truth,
} from './metrics';

export interface EvaluateOptions {
  /** Ranked items per user, best first. */
  predictions: ReadonlyMap<string, readonly string[]>;
  /** One target item (next-item) or the items to predict (next-basket) per user. */
  truth: ReadonlyMap<string, Truth>;
  /** One cut-off or several (e.g. [10, 20]). */
  k: number | readonly number[];
  /** Items to drop from a user's predictions before cutting (e.g. items already in their history). */
  exclude?: ReadonlyMap<string, Iterable<string>>;
  /** For `coverage@k`. */
  catalogSize?: number;
  /** Interaction counts per item, for `novelty@k` and `popularityBias@k`. */
  popularity?: ReadonlyMap<string, number>;
  /** Denominator of p(i) in novelty; default the sum of `popularity`. */
  popularityTotal?: number;
  /** Item-item similarity in [0, 1], for `diversity@k`. */
  similarity?: (a: string, b: string) => number;
}

export function evaluate(opts: EvaluateOptions): Record<string, number> {
  const ks = typeof opts.k === 'number' ? [opts.k] : [...opts.k];
  if (ks.length === 0) throw new RangeError('k must not be empty');
  const maxK = Math.max(...ks);
  for (const k of ks)
    if (!(Number.isInteger(k) && k > 0)) throw new RangeError(`k must be a positive integer, got ${k}`);

  const users: { pred: string[]; truth: Truth }[] = [];
  let skipped = 0;
  let missing = 0;
  for (const [user, truth] of opts.truth) {
    if (typeof truth !== 'string' && truth.length === 0) {
      skipped++;
      continue;
    }
    const raw = opts.predictions.get(user);
    if (raw === undefined) missing++;
    let pred = raw ?? [];
    const ex = opts.exclude?.get(user);
    if (ex !== undefined) {
      const drop = new Set(ex);
      pred = pred.filter((item) => !drop.has(item));
    }
    users.push({ pred: pred.slice(0, maxK), truth });
  }

  const out: Record<string, number> = {};
  const mean = (f: (u: { pred: string[]; truth: Truth }) => number) =>
    users.length === 0 ? Number.NaN : users.reduce((s, u) => s + f(u), 0) / users.length;
  for (const k of ks) {
    out[`hitRate@${k}`] = mean((u) => hitRate(u.pred, u.truth, k));
    out[`ndcg@${k}`] = mean((u) => ndcgBinary(u.pred, u.truth, k));
    out[`mrr@${k}`] = mean((u) => mrr(u.pred, u.truth, k));
    out[`recall@${k}`] = mean((u) => recall(u.pred, u.truth, k));
    out[`precision@${k}`] = mean((u) => precision(u.pred, u.truth, k));
    const lists = users.map((u) => u.pred.slice(0, k));
    if (opts.catalogSize !== undefined) out[`coverage@${k}`] = catalogCoverage(lists, opts.catalogSize);
    if (opts.popularity !== undefined) {
      out[`novelty@${k}`] = novelty(lists, opts.popularity, opts.popularityTotal);
      out[`popularityBias@${k}`] = popularityBias(lists, opts.popularity);
    }
    const similarity = opts.similarity;
    if (similarity !== undefined) {
      const values = lists.filter((l) => l.length >= 2).map((l) => intraListDiversity(l, similarity));
      out[`diversity@${k}`] = values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
    }
  }
  out.users = users.length;
  out.skipped = skipped;
  out.missing = missing;
  return out;
}
