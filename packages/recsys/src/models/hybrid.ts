/**
 * The hybrid: a weighted blend of history models (models/scorer.ts `blendComponents`: each model's scores scaled
 * to max |score| = 1, then summed with its weight), exported as one ONNX graph.
 *
 * The weights are tuned on a validation split (never on the test targets) by coordinate ascent over a grid:
 * for a sample of validation shoppers each model's normalised scores are computed once, the candidates are the
 * union of every model's top `candidates` items (an item outside all of them cannot reach a blended top 10 unless
 * the blend is very flat), and each trial blend re-ranks only those. A weight of 0 drops the model from the graph.
 */
import type { Holdout } from '../pipelines/holdout';
import { createRng } from '../random';
import { blendComponents, encodeHistory, itemIndexOf, type ScorerModel, scorerVersion, topK } from './scorer';

export const HYBRID_KIND = 'hybrid';

export interface TuneBlendOptions {
  /** Weights tried for each model. */
  grid?: readonly number[];
  /** Passes of coordinate ascent over the models. */
  rounds?: number;
  /** Validation shoppers sampled (seeded). */
  users?: number;
  /** Per-model top items pooled as candidates. */
  candidates?: number;
  /** Cut-off of the tuned NDCG. */
  k?: number;
  seed?: number;
  /** Called after each sweep over one model's weights: (sweeps done, sweeps in all). */
  progress?: (done: number, total: number) => void;
}

export interface BlendTuning {
  /** One weight per model, in the models' order. */
  weights: number[];
  /** Validation NDCG@k of the tuned blend and of each model alone (same sample, same candidates). */
  ndcg: number;
  single: number[];
  users: number;
}

const DEFAULT_GRID = [0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5];

/** Chooses blend weights for `models` (same items, same order) that maximise NDCG@k on `validation`. */
export function tuneBlend(
  models: readonly ScorerModel[],
  validation: Holdout,
  opts: TuneBlendOptions = {},
): BlendTuning {
  checkSameItems(models);
  const grid = opts.grid ?? DEFAULT_GRID;
  const rounds = opts.rounds ?? 2;
  const k = opts.k ?? 10;
  const pool = collectCandidates(models, validation, {
    users: opts.users ?? 4000,
    candidates: opts.candidates ?? 50,
    seed: opts.seed ?? 1,
  });
  const M = models.length;
  const zeros = models.map(() => 0);
  const single = models.map((_, m) => pool.sweep(zeros, m, [1], k)[0]!);
  let weights = models.map(() => 1);
  let best = pool.sweep(weights, 0, [1], k)[0]!;
  const total = rounds * M;
  let done = 0;
  for (let round = 0; round < rounds; round++) {
    for (let m = 0; m < M; m++) {
      const others = weights.some((w, j) => j !== m && w > 0);
      const scores = pool.sweep(weights, m, grid, k);
      grid.forEach((g, t) => {
        // keep the first grid value that improves; an all-zero blend ranks nothing
        if (scores[t]! > best + 1e-9 && (g > 0 || others)) {
          best = scores[t]!;
          weights = weights.map((w, j) => (j === m ? g : w));
        }
      });
      opts.progress?.(++done, total);
    }
  }
  return { weights, ndcg: best, single, users: pool.users };
}

/** One ScorerModel that blends `models` with `weights` (see blendComponents). */
export function blendModels(
  models: readonly ScorerModel[],
  weights: readonly number[],
  opts: { now?: number; version?: string } = {},
): ScorerModel {
  checkSameItems(models);
  if (weights.length !== models.length) throw new RangeError('one weight per model is required');
  const now = opts.now ?? Date.now();
  const component = blendComponents(
    HYBRID_KIND,
    models.map((m, j) => ({ component: m.component, weight: weights[j]! })),
  );
  const first = models[0]!;
  return {
    kind: HYBRID_KIND,
    version: opts.version ?? scorerVersion(HYBRID_KIND, now),
    items: first.items,
    trainedAt: now,
    params: component.params,
    stats: first.stats,
    component,
  };
}

function checkSameItems(models: readonly ScorerModel[]): void {
  if (models.length === 0) throw new RangeError('at least one model is required');
  const items = models[0]!.items;
  for (const m of models) {
    if (m.items.length !== items.length || m.items.some((id, i) => id !== items[i]))
      throw new RangeError(`model ${m.kind} ranks a different item list; train every part on the same items`);
  }
}

/** Per sampled shopper: candidate items × models normalised scores, and which candidates are targets. */
function collectCandidates(
  models: readonly ScorerModel[],
  validation: Holdout,
  opts: { users: number; candidates: number; seed: number },
) {
  const M = models.length;
  const index = itemIndexOf(models[0]!.items);
  const rand = createRng(opts.seed);
  const order = validation.users.map((_, u) => u);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const sample = order.slice(0, opts.users);
  const rows: { scores: Float32Array; relevant: Uint8Array; targets: number }[] = [];
  for (const u of sample) {
    const history = validation.histories[u]!;
    const encoded = encodeHistory(index, history);
    const excluded = validation.excludeHistory ? encoded.items : new Int32Array();
    const normalised = models.map((m) => {
      const s = m.component.scores(encoded);
      let max = 0;
      for (const v of s) max = Math.max(max, Math.abs(v));
      const scale = 1 / (max + 1e-12);
      for (let i = 0; i < s.length; i++) s[i] = s[i]! * scale;
      for (const i of excluded) s[i] = Number.NEGATIVE_INFINITY;
      return s;
    });
    const cand = new Set<number>();
    for (const s of normalised)
      for (const i of topK(s, opts.candidates)) if (s[i] !== Number.NEGATIVE_INFINITY) cand.add(i);
    const ids = [...cand];
    const scores = new Float32Array(ids.length * M);
    ids.forEach((i, c) => {
      for (let m = 0; m < M; m++) scores[c * M + m] = normalised[m]![i]!;
    });
    const targets = new Set(validation.targets[u]!.map((id) => index.get(id)).filter((i) => i !== undefined));
    rows.push({ scores, relevant: Uint8Array.from(ids, (i) => (targets.has(i) ? 1 : 0)), targets: targets.size });
  }
  const ideal = (k: number, targets: number) => {
    let sum = 0;
    for (let r = 0; r < Math.min(k, targets); r++) sum += 1 / Math.log2(r + 2);
    return sum;
  };
  const ndcgOf = (blended: Float32Array, relevant: Uint8Array, targets: number, k: number) => {
    let dcg = 0;
    topK(blended, k).forEach((c, rank) => {
      if (relevant[c]) dcg += 1 / Math.log2(rank + 2);
    });
    return dcg / ideal(k, targets);
  };
  return {
    users: rows.length,
    /**
     * Mean NDCG@k over the sampled shoppers (those whose targets are unknown items score 0) of the blends that
     * differ from `weights` only in model m's weight, one per value of `grid`. The rest of the blend is summed
     * once per shopper, so a sweep costs little more than one evaluation.
     */
    sweep(weights: readonly number[], m: number, grid: readonly number[], k: number): number[] {
      const sums = grid.map(() => 0);
      for (const row of rows) {
        if (row.targets === 0) continue;
        const n = row.relevant.length;
        const base = new Float32Array(n);
        const own = new Float32Array(n);
        for (let c = 0; c < n; c++) {
          let v = 0;
          for (let j = 0; j < M; j++) if (j !== m) v += weights[j]! * row.scores[c * M + j]!;
          base[c] = v;
          own[c] = row.scores[c * M + m]!;
        }
        const blended = new Float32Array(n);
        grid.forEach((g, t) => {
          for (let c = 0; c < n; c++) blended[c] = base[c]! + g * own[c]!;
          sums[t]! += ndcgOf(blended, row.relevant, row.targets, k);
        });
      }
      return sums.map((sum) => (rows.length ? sum / rows.length : 0));
    },
  };
}
