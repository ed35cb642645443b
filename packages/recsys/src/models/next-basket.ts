/**
 * Next-basket recommendation, TIFU-KNN style (Hu et al., SIGIR 2020, "Modeling Personalized Item Frequency
 * Information for Next-basket Recommendation").
 *
 * Personal part: a shopper's baskets (oldest first) are split into groups of m consecutive baskets counted back
 * from the most recent one (so only the oldest group can be short). Inside a group the basket at position p from
 * the group's newest gets r_b^p and the group vector is the average of its weighted 0/1 baskets; group g (0 =
 * newest) gets r_g^g and the user vector is the average of the weighted group vectors:
 *
 *     u = (1/G) Σ_g r_g^g · (1/|group g|) Σ_p r_b^p · basket_{g,p}
 *
 * Neighbour part: the k users with the highest cosine similarity to u (over all trained users, the shopper
 * themself included when known, as in the reference implementation), averaged: n = (1/k) Σ v_neighbour.
 *
 * Score: α·u + (1 − α)·n + ε·popularity (popularity = basket count, scaled to max 1; ε is tiny, so popularity only
 * orders the items the two other parts leave at zero, i.e. it pads the list and serves shoppers without history).
 *
 * ONNX: the trained user vectors (13,858 × 11,997 on Ta-Feng) are far too large as a dense initializer (~665 MB),
 * and standard ONNX has no sparse MatMul that onnxruntime runs on CPU. Restricting the item space would change the
 * model. So the neighbour search runs in TypeScript (`neighborVector`, an inverted index over the sparse user
 * vectors, which also works for a new shopper's profile), and the graph takes `user_vector` and `neighbor_vector`
 * as inputs and does the blend, the popularity padding, the exclusion mask and TopK.
 */

import { attr, buildModel, floatTensor, node, type TensorSpec } from '../onnx/builder';
import type { RankedItem } from '../types';
import { EXCLUDE_PENALTY, EXCLUDED_BELOW, effectiveK, RANKING_IO, rankingSignature } from './ranking';

export const NEXT_BASKET_KIND = 'next-basket-tifu';

/** A basket: item ids (duplicates count once). */
export type Basket = readonly string[];
/** Baskets of one shopper, oldest first. */
export type History = readonly Basket[];

export interface NextBasketParams {
  /** m: baskets per group. */
  groupSize: number;
  /** r_b: decay per basket inside a group, in (0, 1]. */
  withinDecay: number;
  /** r_g: decay per group, in (0, 1]. */
  groupDecay: number;
  /** k: neighbours averaged into the neighbour vector. */
  neighbors: number;
  /** α: weight of the personal vector, in [0, 1]. */
  alpha: number;
  /** ε: weight of the popularity vector (max 1); keep it far below any real score. */
  popularityWeight: number;
}

/**
 * Tuned on Ta-Feng with `tuneNextBasket` (history only: each user's last history basket as the target; grid m
 * {1,2,4,7}, r_b {0.8,1}, r_g {0.6,0.8,0.9,1}, k {100,300,600}, α {0.05..0.9}). Validation liked no decay at all
 * (recall@10 0.1191 vs 0.1147 for frequency + popularity) and a strong neighbour share; on tafeng_future.json
 * this gives recall@10 0.1466 / NDCG@10 0.1293 (GP-TopFreq 0.1350 / 0.1236). Re-tune for other data.
 */
export const DEFAULT_NEXT_BASKET_PARAMS: NextBasketParams = {
  groupSize: 1,
  withinDecay: 1,
  groupDecay: 1,
  neighbors: 600,
  alpha: 0.2,
  popularityWeight: 1e-6,
};

export interface NextBasketModel {
  kind: typeof NEXT_BASKET_KIND;
  version: string;
  trainedAt: number;
  params: NextBasketParams;
  items: string[];
  users: string[];
  /** User vectors, CSR: row u is userItems/userValues[userPtr[u] .. userPtr[u+1]), items ascending. */
  userPtr: Int32Array;
  userItems: Int32Array;
  userValues: Float32Array;
  /** Euclidean norm of each user vector (0 for a user without baskets). */
  userNorms: Float64Array;
  /** The same vectors by item (inverted index), CSC: column i is itemUsers/itemValues[itemPtr[i] .. itemPtr[i+1]). */
  itemPtr: Int32Array;
  itemUsers: Int32Array;
  itemValues: Float32Array;
  /** Baskets containing each item, scaled so the most popular item is 1. */
  popularity: Float32Array;
  stats: { users: number; baskets: number };
}

export interface TrainNextBasketOptions extends Partial<NextBasketParams> {
  /** Item universe in graph order. Default: items in order of first appearance. Unknown items are ignored. */
  items?: readonly string[];
  now?: number;
  version?: string;
}

export type Histories = ReadonlyMap<string, History> | Readonly<Record<string, History>>;

function entriesOf(histories: Histories): [string, History][] {
  return histories instanceof Map ? [...histories.entries()] : Object.entries(histories as Record<string, History>);
}

/** Drops the `[-1]` padding markers of the Reality Check json format and turns ids into strings. */
export function basketsFromPadded(raw: readonly (readonly (number | string)[])[]): string[][] {
  const out: string[][] = [];
  for (const basket of raw) {
    if (basket.length === 1 && String(basket[0]) === '-1') continue;
    out.push(basket.map(String));
  }
  return out;
}

export function checkParams(p: NextBasketParams): void {
  if (!(Number.isInteger(p.groupSize) && p.groupSize >= 1)) throw new RangeError('groupSize must be an integer ≥ 1');
  if (!(p.withinDecay > 0 && p.withinDecay <= 1)) throw new RangeError('withinDecay must be in (0, 1]');
  if (!(p.groupDecay > 0 && p.groupDecay <= 1)) throw new RangeError('groupDecay must be in (0, 1]');
  if (!(Number.isInteger(p.neighbors) && p.neighbors >= 1)) throw new RangeError('neighbors must be an integer ≥ 1');
  if (!(p.alpha >= 0 && p.alpha <= 1)) throw new RangeError('alpha must be in [0, 1]');
  if (!(p.popularityWeight >= 0 && Number.isFinite(p.popularityWeight)))
    throw new RangeError('popularityWeight must be ≥ 0');
}

// ---------------------------------------------------------------------------------------------------------------
// Decayed frequency vectors.

/** Scratch for building one sparse vector at a time over N items. */
class SparseAccumulator {
  readonly dense: Float64Array;
  readonly touched: number[] = [];
  constructor(n: number) {
    this.dense = new Float64Array(n);
  }
  add(i: number, v: number): void {
    if (this.dense[i] === 0) this.touched.push(i);
    this.dense[i]! += v;
  }
  /** Sorted indices and values as float32; resets the scratch. */
  drain(): { idx: Int32Array; val: Float32Array } {
    const idx = Int32Array.from(this.touched).sort();
    const val = new Float32Array(idx.length);
    for (let j = 0; j < idx.length; j++) {
      val[j] = this.dense[idx[j]!]!;
      this.dense[idx[j]!] = 0;
    }
    this.touched.length = 0;
    return { idx, val };
  }
}

/** Adds the TIFU decayed vector of `baskets` (item positions, oldest first) into `acc`. */
function accumulateDecayed(
  baskets: readonly (readonly number[])[],
  p: Pick<NextBasketParams, 'groupSize' | 'withinDecay' | 'groupDecay'>,
  acc: SparseAccumulator,
  seen: Int32Array,
  stamp: { value: number },
): void {
  const n = baskets.length;
  if (n === 0) return;
  const m = p.groupSize;
  const groups = Math.ceil(n / m);
  for (let g = 0; g < groups; g++) {
    const end = n - g * m; // exclusive
    const start = Math.max(0, end - m);
    const scale = p.groupDecay ** g / (groups * (end - start));
    for (let b = end - 1; b >= start; b--) {
      const w = scale * p.withinDecay ** (end - 1 - b);
      const s = ++stamp.value; // dedupe items within a basket
      for (const i of baskets[b]!) {
        if (seen[i] === s) continue;
        seen[i] = s;
        acc.add(i, w);
      }
    }
  }
}

interface ItemIndex {
  items: Map<string, number>;
  users: Map<string, number>;
}
const indexCache = new WeakMap<NextBasketModel, ItemIndex>();
function indexOf(model: NextBasketModel): ItemIndex {
  let ix = indexCache.get(model);
  if (!ix) {
    ix = {
      items: new Map(model.items.map((id, i) => [id, i])),
      users: new Map(model.users.map((id, u) => [id, u])),
    };
    indexCache.set(model, ix);
  }
  return ix;
}

function toPositions(history: History, items: ReadonlyMap<string, number>): number[][] {
  return history.map((b) => {
    const out: number[] = [];
    for (const id of b) {
      const i = items.get(id);
      if (i !== undefined) out.push(i);
    }
    return out;
  });
}

/**
 * The shopper's decayed frequency vector (graph input `user_vector`), from their baskets (oldest first) with the
 * model's m, r_b and r_g. Unknown items are ignored; baskets that become empty still count as baskets.
 */
export function userVector(model: NextBasketModel, baskets: History): Float32Array {
  const N = model.items.length;
  const acc = new SparseAccumulator(N);
  accumulateDecayed(toPositions(baskets, indexOf(model).items), model.params, acc, new Int32Array(N), { value: 0 });
  const { idx, val } = acc.drain();
  const out = new Float32Array(N);
  for (let j = 0; j < idx.length; j++) out[idx[j]!] = val[j]!;
  return out;
}

/** A known user's stored vector, dense. */
export function storedUserVector(model: NextBasketModel, userId: string): Float32Array | undefined {
  const u = indexOf(model).users.get(userId);
  if (u === undefined) return undefined;
  const out = new Float32Array(model.items.length);
  for (let j = model.userPtr[u]!; j < model.userPtr[u + 1]!; j++) out[model.userItems[j]!] = model.userValues[j]!;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Training.

interface SparseMatrix {
  userPtr: Int32Array;
  userItems: Int32Array;
  userValues: Float32Array;
  userNorms: Float64Array;
  itemPtr: Int32Array;
  itemUsers: Int32Array;
  itemValues: Float32Array;
}

function buildMatrix(
  rows: readonly (readonly (readonly number[])[])[],
  n: number,
  p: Pick<NextBasketParams, 'groupSize' | 'withinDecay' | 'groupDecay'>,
): SparseMatrix {
  const U = rows.length;
  const acc = new SparseAccumulator(n);
  const seen = new Int32Array(n);
  const stamp = { value: 0 };
  const parts: { idx: Int32Array; val: Float32Array }[] = [];
  let nnz = 0;
  for (const baskets of rows) {
    accumulateDecayed(baskets, p, acc, seen, stamp);
    const part = acc.drain();
    parts.push(part);
    nnz += part.idx.length;
  }
  const userPtr = new Int32Array(U + 1);
  const userItems = new Int32Array(nnz);
  const userValues = new Float32Array(nnz);
  const userNorms = new Float64Array(U);
  const itemCount = new Int32Array(n + 1);
  let at = 0;
  parts.forEach((part, u) => {
    userPtr[u] = at;
    userItems.set(part.idx, at);
    userValues.set(part.val, at);
    let sq = 0;
    for (let j = 0; j < part.idx.length; j++) {
      sq += part.val[j]! * part.val[j]!;
      itemCount[part.idx[j]! + 1]!++;
    }
    userNorms[u] = Math.sqrt(sq);
    at += part.idx.length;
  });
  userPtr[U] = at;
  const itemPtr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) itemPtr[i + 1] = itemPtr[i]! + itemCount[i + 1]!;
  const fill = itemPtr.slice(0, n);
  const itemUsers = new Int32Array(nnz);
  const itemValues = new Float32Array(nnz);
  for (let u = 0; u < U; u++) {
    for (let j = userPtr[u]!; j < userPtr[u + 1]!; j++) {
      const i = userItems[j]!;
      const pos = fill[i]!++;
      itemUsers[pos] = u;
      itemValues[pos] = userValues[j]!;
    }
  }
  return { userPtr, userItems, userValues, userNorms, itemPtr, itemUsers, itemValues };
}

function popularityOf(rows: readonly (readonly (readonly number[])[])[], n: number): Float32Array {
  const count = new Float64Array(n);
  const seen = new Int32Array(n);
  let stamp = 0;
  for (const baskets of rows)
    for (const b of baskets) {
      stamp++;
      for (const i of b) {
        if (seen[i] === stamp) continue;
        seen[i] = stamp;
        count[i]!++;
      }
    }
  const max = count.reduce((a, b) => Math.max(a, b), 0);
  return Float32Array.from(count, (c) => (max > 0 ? c / max : 0));
}

function itemUniverse(entries: readonly [string, History][], items?: readonly string[]): string[] {
  if (items) {
    if (new Set(items).size !== items.length) throw new RangeError('duplicate item ids');
    return [...items];
  }
  const seen = new Set<string>();
  for (const [, h] of entries) for (const b of h) for (const id of b) seen.add(id);
  return [...seen];
}

export function trainNextBasket(histories: Histories, opts: TrainNextBasketOptions = {}): NextBasketModel {
  const params: NextBasketParams = { ...DEFAULT_NEXT_BASKET_PARAMS };
  for (const key of Object.keys(DEFAULT_NEXT_BASKET_PARAMS) as (keyof NextBasketParams)[]) {
    const v = opts[key];
    if (v !== undefined) params[key] = v;
  }
  checkParams(params);
  const now = opts.now ?? Date.now();
  const entries = entriesOf(histories);
  const items = itemUniverse(entries, opts.items);
  if (items.length === 0) throw new RangeError('no items');
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const rows = entries.map(([, h]) => toPositions(h, itemIndex));
  const matrix = buildMatrix(rows, items.length, params);
  return {
    kind: NEXT_BASKET_KIND,
    version: opts.version ?? `${NEXT_BASKET_KIND}-${new Date(now).toISOString().replace(/[-:]|\.\d+/g, '')}`,
    trainedAt: now,
    params,
    items,
    users: entries.map(([id]) => id),
    ...matrix,
    popularity: popularityOf(rows, items.length),
    stats: { users: entries.length, baskets: rows.reduce((a, r) => a + r.length, 0) },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Neighbour search over the inverted index.

/** Reusable scratch for neighbour search over U users. */
class NeighborSearch {
  readonly dot: Float64Array;
  readonly touched: Int32Array;
  readonly heapU: Int32Array;
  readonly heapS: Float64Array;
  constructor(
    readonly m: SparseMatrix,
    readonly maxK: number,
  ) {
    const U = m.userNorms.length;
    this.dot = new Float64Array(U);
    this.touched = new Int32Array(U);
    this.heapU = new Int32Array(maxK);
    this.heapS = new Float64Array(maxK);
  }

  /**
   * Up to k users with positive cosine similarity to the query, best first (ties: lower user position first).
   * Returns the count; the users/sims are in heapU/heapS[0 .. count).
   */
  search(qIdx: ArrayLike<number>, qVal: ArrayLike<number>, k: number): number {
    const { itemPtr, itemUsers, itemValues, userNorms } = this.m;
    let qn = 0;
    for (let j = 0; j < qVal.length; j++) qn += qVal[j]! * qVal[j]!;
    if (!(qn > 0) || k <= 0) return 0;
    qn = Math.sqrt(qn);
    const dot = this.dot;
    const touched = this.touched;
    let nt = 0;
    for (let j = 0; j < qIdx.length; j++) {
      const i = qIdx[j]!;
      const q = qVal[j]!;
      for (let t = itemPtr[i]!; t < itemPtr[i + 1]!; t++) {
        const u = itemUsers[t]!;
        if (dot[u] === 0) touched[nt++] = u;
        dot[u]! += q * itemValues[t]!;
      }
    }
    const hu = this.heapU;
    const hs = this.heapS;
    let size = 0;
    for (let t = 0; t < nt; t++) {
      const u = touched[t]!;
      const s = dot[u]! / (qn * userNorms[u]!);
      dot[u] = 0;
      if (!(s > 0)) continue;
      if (size < k) {
        // sift up (min-heap on "worse": lower sim, or equal sim and higher user position)
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (!worse(s, u, hs[p]!, hu[p]!)) break;
          hs[c] = hs[p]!;
          hu[c] = hu[p]!;
          c = p;
        }
        hs[c] = s;
        hu[c] = u;
      } else if (worse(hs[0]!, hu[0]!, s, u)) {
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          if (l >= size) break;
          const r = l + 1;
          const w = r < size && worse(hs[r]!, hu[r]!, hs[l]!, hu[l]!) ? r : l;
          if (!worse(hs[w]!, hu[w]!, s, u)) break;
          hs[c] = hs[w]!;
          hu[c] = hu[w]!;
          c = w;
        }
        hs[c] = s;
        hu[c] = u;
      }
    }
    // heap → best first
    const order = Array.from({ length: size }, (_, j) => j).sort((a, b) =>
      worse(hs[a]!, hu[a]!, hs[b]!, hu[b]!) ? 1 : -1,
    );
    const su = order.map((j) => hu[j]!);
    const ss = order.map((j) => hs[j]!);
    for (let j = 0; j < size; j++) {
      hu[j] = su[j]!;
      hs[j] = ss[j]!;
    }
    return size;
  }
}

function worse(sa: number, ua: number, sb: number, ub: number): boolean {
  return sa < sb || (sa === sb && ua > ub);
}

const searchCache = new WeakMap<NextBasketModel, NeighborSearch>();

/**
 * The neighbour vector (graph input `neighbor_vector`): the mean of the vectors of the k trained users most
 * cosine-similar to `user` (divided by k even when fewer users overlap at all; a zero vector has no neighbours).
 */
export function neighborVector(model: NextBasketModel, user: Float32Array): Float32Array {
  const N = model.items.length;
  if (user.length !== N) throw new RangeError(`user vector has ${user.length} values, expected ${N}`);
  const k = model.params.neighbors;
  let search = searchCache.get(model);
  if (!search || search.maxK < k) {
    search = new NeighborSearch(model, k);
    searchCache.set(model, search);
  }
  let nnz = 0;
  for (let i = 0; i < N; i++) if (user[i] !== 0) nnz++;
  const qIdx = new Int32Array(nnz);
  const qVal = new Float64Array(nnz);
  for (let i = 0, j = 0; i < N; i++)
    if (user[i] !== 0) {
      qIdx[j] = i;
      qVal[j++] = user[i]!;
    }
  const count = search.search(qIdx, qVal, k);
  const sum = new Float64Array(N);
  const { userPtr, userItems, userValues } = model;
  for (let j = 0; j < count; j++) {
    const u = search.heapU[j]!;
    for (let t = userPtr[u]!, end = userPtr[u + 1]!; t < end; t++) sum[userItems[t]!]! += userValues[t]!;
  }
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) if (sum[i] !== 0) out[i] = sum[i]! / k;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs and reference ranker.

export interface NextBasketInputs {
  userVector: Float32Array;
  neighborVector: Float32Array;
  excludeMask: Float32Array;
}

/** Graph inputs for a known user id (stored vector; unknown id = no history) or a profile's baskets. */
export function nextBasketInputs(
  model: NextBasketModel,
  user: string | History,
  exclude: readonly string[] = [],
): NextBasketInputs {
  const N = model.items.length;
  const uv =
    typeof user === 'string' ? (storedUserVector(model, user) ?? new Float32Array(N)) : userVector(model, user);
  const excludeMask = new Float32Array(N);
  const items = indexOf(model).items;
  for (const id of exclude) {
    const i = items.get(id);
    if (i !== undefined) excludeMask[i] = 1;
  }
  return { userVector: uv, neighborVector: neighborVector(model, uv), excludeMask };
}

/** The graph's scores in float32 arithmetic, op by op (Mul, Mul, Add, Add, Mul, Add). */
export function blendScores(model: NextBasketModel, inputs: NextBasketInputs): Float32Array {
  const N = model.items.length;
  const a = Math.fround(model.params.alpha);
  const b = Math.fround(1 - model.params.alpha);
  const pop = popularityTerm(model);
  const f = Math.fround;
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const blend = f(f(a * inputs.userVector[i]!) + f(b * inputs.neighborVector[i]!));
    out[i] = f(f(blend + pop[i]!) + f(inputs.excludeMask[i]! * EXCLUDE_PENALTY));
  }
  return out;
}

function popularityTerm(model: NextBasketModel): Float32Array {
  const eps = Math.fround(model.params.popularityWeight);
  return model.popularity.map((p) => Math.fround(eps * p));
}

/**
 * Reference ranker (what the ONNX graph computes, in TypeScript): top k items for a known user id or a history
 * (oldest basket first). Ties are broken by item position; TopK in onnxruntime makes no such promise.
 */
export function rankNextBasket(
  model: NextBasketModel,
  user: string | History,
  k: number,
  exclude: readonly string[] = [],
): RankedItem[] {
  const top = effectiveK(k, model.items.length);
  if (top === 0) return [];
  const scores = blendScores(model, nextBasketInputs(model, user, exclude));
  return topIndices(scores, top)
    .filter((i) => scores[i]! >= EXCLUDED_BELOW)
    .map((i) => ({ itemId: model.items[i]!, score: scores[i]! }));
}

/** Positions of the k largest values, best first, ties by position. */
function topIndices(scores: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (best.length === k && !(s > scores[best[k - 1]!]!)) continue;
    let j = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(i);
    while (j > 0 && s > scores[best[j - 1]!]!) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = i;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// ONNX export.

export const NEXT_BASKET_IO = {
  userVector: 'user_vector',
  neighborVector: 'neighbor_vector',
  ...RANKING_IO,
} as const;

export function nextBasketSignature(items: number): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const io = NEXT_BASKET_IO;
  return rankingSignature(
    [
      { name: io.userVector, type: 'float32', shape: [1, items] },
      { name: io.neighborVector, type: 'float32', shape: [1, items] },
    ],
    items,
  );
}

/**
 * α·user_vector + (1 − α)·neighbor_vector + ε·popularity − 1e9·exclude_mask ─TopK(k)─▶ scores, indices.
 * The neighbour search itself is not in the graph (see the file comment): serving calls `neighborVector`.
 */
export function exportNextBasketOnnx(model: NextBasketModel): Uint8Array {
  const N = model.items.length;
  const io = NEXT_BASKET_IO;
  const sig = nextBasketSignature(N);
  return buildModel({
    name: NEXT_BASKET_KIND,
    doc: `TIFU-KNN next basket ${model.version}: α·user + (1−α)·neighbors + ε·popularity − 1e9·exclude, then TopK.`,
    inputs: sig.inputs,
    outputs: sig.outputs,
    initializers: [
      floatTensor('alpha', [], Float32Array.of(model.params.alpha)),
      floatTensor('one_minus_alpha', [], Float32Array.of(1 - model.params.alpha)),
      floatTensor('popularity_term', [1, N], popularityTerm(model)),
      floatTensor('exclude_penalty', [], Float32Array.of(EXCLUDE_PENALTY)),
    ],
    nodes: [
      node('Mul', [io.userVector, 'alpha'], ['personal']),
      node('Mul', [io.neighborVector, 'one_minus_alpha'], ['neighbours']),
      node('Add', ['personal', 'neighbours'], ['blend']),
      node('Add', ['blend', 'popularity_term'], ['raw_scores']),
      node('Mul', [io.excludeMask, 'exclude_penalty'], ['penalty']),
      node('Add', ['raw_scores', 'penalty'], ['masked_scores']),
      node('TopK', ['masked_scores', io.k], [io.scores, io.indices], [attr.int('axis', -1), attr.int('largest', 1)]),
    ],
    metadata: {
      'aisle.kind': model.kind,
      'aisle.version': model.version,
      'aisle.trainedAt': new Date(model.trainedAt).toISOString(),
      'aisle.params': JSON.stringify(model.params),
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation and tuning (history only).

/** recall@k and NDCG@k (binary relevance, ideal DCG over min(k, |target|)) of one ranked list. */
export function basketMetrics(ranked: readonly string[], target: Basket, k = 10): { recall: number; ndcg: number } {
  const truth = new Set(target);
  if (truth.size === 0) return { recall: 0, ndcg: 0 };
  let hits = 0;
  let dcg = 0;
  for (const [r, id] of ranked.slice(0, k).entries())
    if (truth.has(id)) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
    }
  let idcg = 0;
  for (let r = 0; r < Math.min(k, truth.size); r++) idcg += 1 / Math.log2(r + 2);
  return { recall: hits / truth.size, ndcg: dcg / idcg };
}

/** Validation split from history only: every user's last basket is the target (users with ≥ 2 baskets). */
export function validationSplit(histories: Histories): { train: Map<string, History>; targets: Map<string, Basket> } {
  const train = new Map<string, History>();
  const targets = new Map<string, Basket>();
  for (const [id, h] of entriesOf(histories)) {
    if (h.length >= 2) {
      train.set(id, h.slice(0, -1));
      targets.set(id, h[h.length - 1]!);
    } else train.set(id, h);
  }
  return { train, targets };
}

export interface TuneGrid {
  groupSize: number[];
  withinDecay: number[];
  groupDecay: number[];
  neighbors: number[];
  alpha: number[];
}

export interface TuneResult {
  params: NextBasketParams;
  recall: number;
  ndcg: number;
}

/**
 * Grid search on `validationSplit(histories)`: one vector build and one neighbour search (for the largest k) per
 * (m, r_b, r_g); all k and α are scored from that. Returns every result, best recall@k first.
 */
export function tuneNextBasket(
  histories: Histories,
  grid: TuneGrid,
  opts: { topK?: number; popularityWeight?: number; onResult?: (r: TuneResult) => void } = {},
): TuneResult[] {
  const topK = opts.topK ?? 10;
  const eps = opts.popularityWeight ?? DEFAULT_NEXT_BASKET_PARAMS.popularityWeight;
  const { train, targets } = validationSplit(histories);
  const entries = [...train.entries()];
  const items = itemUniverse(entries);
  const N = items.length;
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const rows = entries.map(([, h]) => toPositions(h, itemIndex));
  const pop = popularityOf(rows, N);
  const popOrder = topIndices(pop, topK);
  const evalUsers: { u: number; target: Basket }[] = [];
  entries.forEach(([id], u) => {
    const t = targets.get(id);
    if (t) evalUsers.push({ u, target: t });
  });
  const ks = [...grid.neighbors].sort((a, b) => a - b);
  const maxK = ks[ks.length - 1] ?? 1;
  const results: TuneResult[] = [];
  const nsum = new Float64Array(N);
  const uvec = new Float64Array(N);
  const mark = new Uint8Array(N);
  for (const groupSize of grid.groupSize)
    for (const withinDecay of grid.withinDecay)
      for (const groupDecay of grid.groupDecay) {
        const vp = { groupSize, withinDecay, groupDecay };
        const m = buildMatrix(rows, N, vp);
        const search = new NeighborSearch(m, maxK);
        const sums = ks.map(() => grid.alpha.map(() => ({ recall: 0, ndcg: 0 })));
        for (const { u, target } of evalUsers) {
          const a = m.userPtr[u]!;
          const b = m.userPtr[u + 1]!;
          // Outside the user's and neighbours' items a score is ε·popularity only, so the globally most popular
          // items are the only others that can make the list.
          const cand: number[] = [];
          for (const i of popOrder) {
            mark[i] = 1;
            cand.push(i);
          }
          for (let j = a; j < b; j++) {
            const i = m.userItems[j]!;
            uvec[i] = m.userValues[j]!;
            if (!mark[i]) {
              mark[i] = 1;
              cand.push(i);
            }
          }
          const count = search.search(m.userItems.subarray(a, b), m.userValues.subarray(a, b), maxK);
          let added = 0;
          ks.forEach((k, ki) => {
            for (; added < Math.min(k, count); added++) {
              const v = search.heapU[added]!;
              for (let t = m.userPtr[v]!; t < m.userPtr[v + 1]!; t++) {
                const i = m.userItems[t]!;
                nsum[i]! += m.userValues[t]!;
                if (!mark[i]) {
                  mark[i] = 1;
                  cand.push(i);
                }
              }
            }
            grid.alpha.forEach((alpha, ai) => {
              const score = (i: number) => alpha * uvec[i]! + ((1 - alpha) * nsum[i]!) / k + eps * pop[i]!;
              const best = topOf(cand, score, topK);
              const r = basketMetrics(
                best.map((i) => items[i]!),
                target,
                topK,
              );
              sums[ki]![ai]!.recall += r.recall;
              sums[ki]![ai]!.ndcg += r.ndcg;
            });
          });
          for (const i of cand) {
            uvec[i] = 0;
            nsum[i] = 0;
            mark[i] = 0;
          }
        }
        ks.forEach((neighbors, ki) => {
          grid.alpha.forEach((alpha, ai) => {
            const s = sums[ki]![ai]!;
            const r: TuneResult = {
              params: { ...vp, neighbors, alpha, popularityWeight: eps },
              recall: s.recall / evalUsers.length,
              ndcg: s.ndcg / evalUsers.length,
            };
            results.push(r);
            opts.onResult?.(r);
          });
        });
      }
  return results.sort((x, y) => y.recall - x.recall || y.ndcg - x.ndcg);
}

function topOf(cand: readonly number[], score: (i: number) => number, k: number): number[] {
  const best: number[] = [];
  const bs: number[] = [];
  for (const i of cand) {
    const s = score(i);
    if (best.length === k && !(s > bs[k - 1]! || (s === bs[k - 1]! && i < best[k - 1]!))) continue;
    let j = best.length === k ? k - 1 : best.length;
    if (best.length < k) {
      best.push(i);
      bs.push(s);
    }
    while (j > 0 && (s > bs[j - 1]! || (s === bs[j - 1]! && i < best[j - 1]!))) {
      best[j] = best[j - 1]!;
      bs[j] = bs[j - 1]!;
      j--;
    }
    best[j] = i;
    bs[j] = s;
  }
  return best;
}
