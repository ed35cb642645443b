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
import type { RankedItem } from '../types';
import { neighborTableComponent } from './neighbors';
import {
  type HistoryEntry,
  historyItem,
  paramsFrom,
  rankScorer,
  type ScoreComponent,
  type ScorerModel,
  scorerVersion,
} from './scorer';

export const SEQ_KNN_KIND = 'seq-knn';

export type SeqKnnParams = {
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
};

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

export interface SeqKnnModel extends ScorerModel {
  kind: typeof SEQ_KNN_KIND;
  /** Neighbours per item (M). */
  width: number;
  /** items.length × width, row-major; unused slots point at item 0 with weight 0. */
  neighbors: Int32Array;
  neighborWeights: Float32Array;
  /** Interaction counts scaled to max 1. */
  popularity: Float32Array;
  params: SeqKnnParams;
}

export interface TrainSeqKnnOptions extends Partial<SeqKnnParams> {
  /** The catalogue. Default: every item in the sequences, in order of first appearance. */
  items?: readonly string[];
  /** Epoch ms recorded as trainedAt. Default Date.now(). */
  now?: number;
  version?: string;
}

/** Trains on the histories (oldest first) as given (the caller holds out targets, e.g. drops each user's last item). */
export function trainSeqKnn(
  histories: readonly (readonly HistoryEntry[])[],
  opts: TrainSeqKnnOptions = {},
): SeqKnnModel {
  const sequences = histories.map((h) => h.map(historyItem));
  const params = paramsFrom(DEFAULT_SEQ_KNN_PARAMS, opts);
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

  const tables = { items, width: M, neighbors, neighborWeights, popularity, params: { ...params } };
  return {
    kind: SEQ_KNN_KIND,
    version: opts.version ?? scorerVersion(SEQ_KNN_KIND, now),
    trainedAt: now,
    stats: { users: sequences.length, events, skipped },
    ...tables,
    component: seqKnnComponent(tables),
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
// Scoring: the component that rankScorer and the ONNX graph share.

/**
 * scores = Σ_h w_h · γ^age_h · sim(h, ·) + ε · popularity.
 *
 * The graph is the shared neighbour-table one (models/neighbors.ts).
 */
export function seqKnnComponent(
  model: Pick<SeqKnnModel, 'items' | 'width' | 'neighbors' | 'neighborWeights' | 'popularity' | 'params'>,
): ScoreComponent {
  return neighborTableComponent(
    SEQ_KNN_KIND,
    { width: model.width, related: model.neighbors, strengths: model.neighborWeights, popularity: model.popularity },
    model.params,
  );
}

/** TypeScript reference ranker (see rankScorer). `exclude` defaults to the history. */
export function rankSeqKnn(
  model: SeqKnnModel,
  history: readonly HistoryEntry[],
  k: number,
  exclude?: readonly string[],
): RankedItem[] {
  return rankScorer(model, history, k, exclude);
}
