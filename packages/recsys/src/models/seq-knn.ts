/**
 * Sequential item-to-item kNN: "what do people take next after the things this shopper just took?"
 *
 * Training counts co-occurrences of items within a window of each user's sequence, weighted by their distance
 * (decay^(d-1)), by the direction (a later item counts fully, an earlier one `backward` times) and by how recent
 * the pair is in the user's history (recency^(steps from the end)). Each row is normalised
 * sim(i,j) = c(i,j) / (n_i^α · n_j^(1-α)) and cut to its top M neighbours.
 *
 * Scoring a shopper sums, over the history items h, w_h · sim(h, ·) with w_h = γ^(L-1-pos) (the last item counts
 * most), adds ε · popularity (so an empty or unknown history ranks by popularity and ties break towards popular
 * items), removes exclusions and takes the top k. `rankSeqKnn` and the ONNX graph compute exactly that, from the
 * same `encodeSeqKnnHistory`.
 */
import type { ModelCard } from '../card';
import { attr, buildModel, floatTensor, int64Tensor, node, type TensorSpec } from '../onnx/builder';
import type { RankedItem } from '../types';
import { EXCLUDE_PENALTY, EXCLUDED_BELOW, effectiveK, RANKING_IO, rankingSignature } from './ranking';

export const SEQ_KNN_KIND = 'seq-knn';

export interface SeqKnnParams {
  /** Largest distance (in positions) between two co-occurring items. */
  window: number;
  /** A pair at distance d counts decay^(d-1). */
  decay: number;
  /** Weight of the backward direction (j before i) relative to forward (i before j = 1). */
  backward: number;
  /** A pair whose later item is s steps before the end of the sequence counts recency^s. */
  recency: number;
  /** sim(i,j) = c(i,j) / (n_i^α · n_j^(1-α)). */
  alpha: number;
  /** Neighbours kept per item. */
  neighbors: number;
  /** History weight of an item p steps before the last: γ^p. */
  gamma: number;
  /** Popularity (scaled to max 1) times epsilon is added to every score. */
  epsilon: number;
}

/**
 * Tuned on Amazon Beauty's validation split (second-to-last item as target, trained without the last two):
 * HR@10 0.102, NDCG@10 0.066 there. alpha > 0.5 (penalising popular targets less than popular sources) and a long,
 * slowly decaying window mattered most; the rest is within noise around these values.
 */
export const DEFAULT_SEQ_KNN_PARAMS: SeqKnnParams = {
  window: 10,
  decay: 0.9,
  backward: 0.25,
  recency: 1,
  alpha: 0.85,
  neighbors: 200,
  gamma: 0.5,
  epsilon: 0.01,
};

export interface SeqKnnModel {
  kind: typeof SEQ_KNN_KIND;
  version: string;
  items: string[];
  /** Neighbours per item (M). */
  width: number;
  /** items.length × width, row-major; unused slots point at item 0 with weight 0. */
  neighbors: Int32Array;
  neighborWeights: Float32Array;
  /** Interaction counts scaled to max 1. */
  popularity: Float32Array;
  trainedAt: number;
  params: SeqKnnParams;
  /** events: training interactions used; skipped: interactions with an item not in `items`. */
  stats: { sequences: number; events: number; skipped: number };
}

export interface TrainSeqKnnOptions extends Partial<SeqKnnParams> {
  /** The catalogue. Default: every item in the sequences, in order of first appearance. */
  items?: readonly string[];
  /** Epoch ms recorded as trainedAt. Default Date.now(). */
  now?: number;
  version?: string;
}

/** Trains on the sequences as given (the caller holds out targets, e.g. drops each user's last item). */
export function trainSeqKnn(sequences: readonly (readonly string[])[], opts: TrainSeqKnnOptions = {}): SeqKnnModel {
  const params: SeqKnnParams = { ...DEFAULT_SEQ_KNN_PARAMS };
  for (const key of Object.keys(DEFAULT_SEQ_KNN_PARAMS) as (keyof SeqKnnParams)[]) {
    const v = opts[key];
    if (v !== undefined) params[key] = v;
  }
  checkParams(params);
  const now = opts.now ?? Date.now();

  const itemIndex = new Map<string, number>();
  const items: string[] = [];
  if (opts.items) {
    for (const id of opts.items) {
      if (itemIndex.has(id)) throw new RangeError(`duplicate item id: ${id}`);
      itemIndex.set(id, items.length);
      items.push(id);
    }
  } else {
    for (const seq of sequences)
      for (const id of seq)
        if (!itemIndex.has(id)) {
          itemIndex.set(id, items.length);
          items.push(id);
        }
  }
  const N = items.length;
  if (N === 0) throw new RangeError('at least one item is required');

  const counts = new Float64Array(N);
  const rows: Map<number, number>[] = Array.from({ length: N }, () => new Map());
  const { window, decay, backward, recency } = params;
  let events = 0;
  let skipped = 0;
  const seqIdx: number[] = [];
  for (const seq of sequences) {
    seqIdx.length = 0;
    for (const id of seq) {
      const i = itemIndex.get(id);
      if (i === undefined) skipped++;
      else {
        seqIdx.push(i);
        counts[i]! += 1;
        events++;
      }
    }
    const L = seqIdx.length;
    for (let q = 1; q < L; q++) {
      const j = seqIdx[q]!;
      const rec = recency ** (L - 1 - q);
      const from = Math.max(0, q - window);
      for (let p = q - 1; p >= from; p--) {
        const i = seqIdx[p]!;
        if (i === j) continue;
        const w = rec * decay ** (q - p - 1);
        const fwd = rows[i]!;
        fwd.set(j, (fwd.get(j) ?? 0) + w);
        if (backward > 0) {
          const bwd = rows[j]!;
          bwd.set(i, (bwd.get(i) ?? 0) + backward * w);
        }
      }
    }
  }

  const M = params.neighbors;
  const neighbors = new Int32Array(N * M);
  const neighborWeights = new Float32Array(N * M);
  const { alpha } = params;
  const cand: { j: number; s: number }[] = [];
  for (let i = 0; i < N; i++) {
    cand.length = 0;
    const ni = counts[i]! ** alpha;
    for (const [j, c] of rows[i]!) cand.push({ j, s: c / (ni * counts[j]! ** (1 - alpha)) });
    cand.sort((a, b) => b.s - a.s || a.j - b.j);
    const n = Math.min(M, cand.length);
    for (let r = 0; r < n; r++) {
      neighbors[i * M + r] = cand[r]!.j;
      neighborWeights[i * M + r] = cand[r]!.s;
    }
  }

  const popularity = new Float32Array(N);
  const maxCount = counts.reduce((a, b) => Math.max(a, b), 0);
  for (let i = 0; i < N; i++) popularity[i] = maxCount > 0 ? counts[i]! / maxCount : 0;

  return {
    kind: SEQ_KNN_KIND,
    version: opts.version ?? `${SEQ_KNN_KIND}-${new Date(now).toISOString().replace(/[-:]|\.\d+/g, '')}`,
    items,
    width: M,
    neighbors,
    neighborWeights,
    popularity,
    trainedAt: now,
    params,
    stats: { sequences: sequences.length, events, skipped },
  };
}

function checkParams(p: SeqKnnParams): void {
  const ok =
    Number.isInteger(p.window) &&
    p.window >= 1 &&
    p.decay > 0 &&
    p.decay <= 1 &&
    p.backward >= 0 &&
    Number.isFinite(p.backward) &&
    p.recency > 0 &&
    p.recency <= 1 &&
    p.alpha >= 0 &&
    p.alpha <= 1 &&
    Number.isInteger(p.neighbors) &&
    p.neighbors >= 1 &&
    p.gamma > 0 &&
    p.gamma <= 1 &&
    p.epsilon >= 0 &&
    Number.isFinite(p.epsilon);
  if (!ok) throw new RangeError(`invalid seq-knn params: ${JSON.stringify(p)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs, shared by rankSeqKnn and the ONNX path.

/**
 * The graph inputs for a history (oldest first): known items with weight γ^(L-1-pos), where pos counts every
 * history entry (unknown ones too), and a 0/1 exclusion mask. Exclusions default to the history itself.
 */
export function encodeSeqKnnHistory(
  model: Pick<SeqKnnModel, 'items' | 'params'>,
  itemIndex: ReadonlyMap<string, number>,
  history: readonly string[],
  exclude: readonly string[] = history,
): { historyItems: BigInt64Array; historyWeights: Float32Array; excludeMask: Float32Array } {
  const idx: number[] = [];
  const w: number[] = [];
  const L = history.length;
  for (let pos = 0; pos < L; pos++) {
    const i = itemIndex.get(history[pos]!);
    if (i === undefined) continue;
    idx.push(i);
    w.push(model.params.gamma ** (L - 1 - pos));
  }
  const excludeMask = new Float32Array(model.items.length);
  for (const id of exclude) {
    const i = itemIndex.get(id);
    if (i !== undefined) excludeMask[i] = 1;
  }
  return {
    historyItems: BigInt64Array.from(idx, (i) => BigInt(i)),
    historyWeights: Float32Array.from(w),
    excludeMask,
  };
}

export function seqKnnItemIndex(model: Pick<SeqKnnModel, 'items'>): Map<string, number> {
  return new Map(model.items.map((id, i) => [id, i]));
}

/** Dense float32 scores as the graph computes them (before exclusion). */
export function seqKnnScores(model: SeqKnnModel, historyItems: ArrayLike<number | bigint>, weights: Float32Array) {
  const N = model.items.length;
  const M = model.width;
  const scores = new Float32Array(N);
  for (let h = 0; h < historyItems.length; h++) {
    const row = Number(historyItems[h]!) * M;
    const w = weights[h]!;
    for (let r = 0; r < M; r++) scores[model.neighbors[row + r]!]! += w * model.neighborWeights[row + r]!;
  }
  const eps = model.params.epsilon;
  for (let i = 0; i < N; i++) scores[i]! += eps * model.popularity[i]!;
  return scores;
}

/**
 * TypeScript reference ranker. `exclude` defaults to the history. Ties are broken by item position here; TopK in
 * onnxruntime makes no such promise.
 */
export function rankSeqKnn(
  model: SeqKnnModel,
  history: readonly string[],
  k: number,
  exclude?: readonly string[],
  itemIndex: ReadonlyMap<string, number> = seqKnnItemIndex(model),
): RankedItem[] {
  const N = model.items.length;
  const top = effectiveK(k, N);
  if (top === 0) return [];
  const { historyItems, historyWeights, excludeMask } = encodeSeqKnnHistory(model, itemIndex, history, exclude);
  const scores = seqKnnScores(model, historyItems, historyWeights);
  for (let i = 0; i < N; i++) scores[i] = scores[i]! + excludeMask[i]! * EXCLUDE_PENALTY;
  return topK(scores, top)
    .filter((i) => scores[i]! >= EXCLUDED_BELOW)
    .map((i) => ({ itemId: model.items[i]!, score: scores[i]! }));
}

/** Indices of the k largest values, best first, ties by index (partial selection, O(N·k) worst case). */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (top.length === k && s <= scores[top[k - 1]!]!) continue;
    let p = top.length === k ? k - 1 : top.length;
    while (p > 0 && scores[top[p - 1]!]! < s) p--;
    top.splice(p, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

// ---------------------------------------------------------------------------------------------------------------
// ONNX export and card.

export const SEQ_KNN_IO = {
  historyItems: 'history_items',
  historyWeights: 'history_weights',
  ...RANKING_IO,
} as const;

export function seqKnnSignature(items: number): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const io = SEQ_KNN_IO;
  return rankingSignature(
    [
      { name: io.historyItems, type: 'int64', shape: ['L'] },
      { name: io.historyWeights, type: 'float32', shape: ['L'] },
    ],
    items,
  );
}

/**
 * history_items [L] ─Gather(neighbors [N,M])──────▶ idx [L,M] ─Reshape [-1]─┐
 * history_items [L] ─Gather(neighbor_weights)─▶ Mul(history_weights [L,1]) ─Reshape [-1]─┤
 *   ScatterElements(zeros [N], idx, contrib, reduction=add) ─Add(ε·popularity)─Unsqueeze [1,N]
 *   ─Add(exclude_mask × -1e9)─TopK(k)─▶ scores [1,k], indices [1,k]
 */
export function exportSeqKnnOnnx(model: SeqKnnModel): Uint8Array {
  const N = model.items.length;
  const M = model.width;
  if (model.neighbors.length !== N * M || model.neighborWeights.length !== N * M)
    throw new Error(`neighbour tables must have ${N * M} values`);
  const io = SEQ_KNN_IO;
  const signature = seqKnnSignature(N);
  const popEps = Float32Array.from(model.popularity, (p) => Math.fround(model.params.epsilon * p));
  return buildModel({
    name: SEQ_KNN_KIND,
    doc: `Sequential item kNN ${model.version}: scores = Σ_h w_h · sim(h, ·) + ε · popularity - 1e9 · exclude_mask, then TopK.`,
    inputs: signature.inputs,
    outputs: signature.outputs,
    initializers: [
      int64Tensor('neighbors', [N, M], Array.from(model.neighbors)),
      floatTensor('neighbor_weights', [N, M], model.neighborWeights),
      floatTensor('popularity_eps', [N], popEps),
      floatTensor('zeros', [N], new Float32Array(N)),
      int64Tensor('flat_shape', [1], [-1]),
      int64Tensor('axes_last', [1], [-1]),
      int64Tensor('axes_first', [1], [0]),
      floatTensor('exclude_penalty', [], Float32Array.of(EXCLUDE_PENALTY)),
    ],
    nodes: [
      node('Gather', ['neighbors', io.historyItems], ['hist_neighbors'], [attr.int('axis', 0)]),
      node('Gather', ['neighbor_weights', io.historyItems], ['hist_sims'], [attr.int('axis', 0)]),
      node('Unsqueeze', [io.historyWeights, 'axes_last'], ['hist_weights_col']),
      node('Mul', ['hist_sims', 'hist_weights_col'], ['contrib']),
      node('Reshape', ['hist_neighbors', 'flat_shape'], ['flat_neighbors']),
      node('Reshape', ['contrib', 'flat_shape'], ['flat_contrib']),
      node(
        'ScatterElements',
        ['zeros', 'flat_neighbors', 'flat_contrib'],
        ['knn_scores'],
        [attr.int('axis', 0), attr.string('reduction', 'add')],
      ),
      node('Add', ['knn_scores', 'popularity_eps'], ['raw_scores_flat']),
      node('Unsqueeze', ['raw_scores_flat', 'axes_first'], ['raw_scores']),
      node('Mul', [io.excludeMask, 'exclude_penalty'], ['penalty']),
      node('Add', ['raw_scores', 'penalty'], ['masked_scores']),
      node('TopK', ['masked_scores', io.k], [io.scores, io.indices], [attr.int('axis', -1), attr.int('largest', 1)]),
    ],
    metadata: {
      'aisle.kind': model.kind,
      'aisle.version': model.version,
      'aisle.trainedAt': new Date(model.trainedAt).toISOString(),
    },
  });
}

export function seqKnnCard(model: SeqKnnModel, sha256: string, metrics?: Record<string, number>): ModelCard {
  return {
    kind: model.kind,
    version: model.version,
    trainedAt: new Date(model.trainedAt).toISOString(),
    data: { events: model.stats.events, skipped: model.stats.skipped, zones: 0, items: model.items.length },
    params: { ...model.params, sequences: model.stats.sequences },
    signature: seqKnnSignature(model.items.length),
    zones: [],
    items: [...model.items],
    sha256,
    ...(metrics ? { metrics } : {}),
  };
}
