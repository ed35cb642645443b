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
 *
 * Serving: saveModel writes the graph, the user vectors as a sidecar (`users.bin`, `encodeUserVectors`) and a card
 * listing both checksums; loadRecommender rebuilds the shopper's vector from the request's history
 * (`historyVector`), searches the neighbours in the sidecar and runs the graph.
 */

import type { ModelCard } from '../card';
import { buildModel, floatTensor, node, type TensorSpec } from '../onnx/builder';
import type { RankedItem } from '../types';
import { EXCLUDE_PENALTY, EXCLUDED_BELOW, effectiveK, RANKING_IO, rankingSignature, rankingTail } from './ranking';
import { excludeMaskOf, type HistoryEntry, historyItem, paramsFrom, scorerCard } from './scorer';

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

export interface NextBasketModel extends UserMatrix {
  kind: typeof NEXT_BASKET_KIND;
  version: string;
  trainedAt: number;
  params: NextBasketParams;
  items: string[];
  /** Trained users, in the order of the user vectors' rows. */
  users: string[];
  /** Baskets containing each item, scaled so the most popular item is 1. */
  popularity: Float32Array;
  /** events: item entries in the baskets; skipped: entries outside `items` (only with the `items` option). */
  stats: { users: number; baskets: number; events: number; skipped: number };
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

/** A sparse vector over the items: positions ascending, with their values. */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/** One basket as item positions, `age` baskets before the shopper's latest one (0 = the latest). */
interface AgedBasket {
  age: number;
  items: readonly number[];
}

type DecayParams = Pick<NextBasketParams, 'groupSize' | 'withinDecay' | 'groupDecay'>;

/**
 * Weight of the basket `age` baskets before the latest in a history of n baskets. Groups of m are counted back
 * from the latest, so the basket sits in group g = ⌊age / m⌋ at position age − g·m, and only the oldest group can
 * be short: weight = r_g^g · r_b^(age − g·m) / (G · |group g|).
 */
function basketWeight(age: number, n: number, p: DecayParams): number {
  const m = p.groupSize;
  const g = Math.floor(age / m);
  const groupLength = Math.min(m, n - g * m);
  return (p.groupDecay ** g / (Math.ceil(n / m) * groupLength)) * p.withinDecay ** (age - g * m);
}

/** Stamps wrap before they leave int32. */
const MAX_STAMP = 0x7fffffff;

/** Builds one TIFU vector at a time over N items; its scratch is reused from vector to vector. */
class VectorBuilder {
  readonly #dense: Float64Array;
  readonly #touched: number[] = [];
  /** Per item, the stamp of the last basket that added it, so an item counts once per basket. */
  readonly #seen: Int32Array;
  #stamp = 0;

  constructor(n: number) {
    this.#dense = new Float64Array(n);
    this.#seen = new Int32Array(n);
  }

  /** Adds w to each distinct item of the basket. */
  addBasket(items: readonly number[], w: number): void {
    if (!(w > 0)) return;
    if (this.#stamp === MAX_STAMP) {
      this.#seen.fill(0);
      this.#stamp = 0;
    }
    const stamp = ++this.#stamp;
    for (const i of items) {
      if (this.#seen[i] === stamp) continue;
      this.#seen[i] = stamp;
      if (this.#dense[i] === 0) this.#touched.push(i);
      this.#dense[i]! += w;
    }
  }

  /** The vector built so far, values rounded to float32 (zeros dropped); resets the builder. */
  drain(): SparseVector {
    const idx = Int32Array.from(this.#touched).sort();
    const val = new Float32Array(idx.length);
    let n = 0;
    for (const i of idx) {
      val[n] = this.#dense[i]!;
      this.#dense[i] = 0;
      if (val[n] !== 0) idx[n++] = i;
    }
    this.#touched.length = 0;
    return { idx: idx.subarray(0, n), val: val.subarray(0, n) };
  }
}

/** A shopper's baskets, given latest first with `count` baskets in all (empty ones included), as a TIFU vector. */
function decayedVector(
  baskets: readonly AgedBasket[],
  count: number,
  p: DecayParams,
  builder: VectorBuilder,
): SparseVector {
  for (const b of baskets) builder.addBasket(b.items, basketWeight(b.age, count, p));
  return builder.drain();
}

/** Baskets oldest first → latest first with their ages. */
function byAge(baskets: readonly (readonly number[])[]): AgedBasket[] {
  const n = baskets.length;
  return Array.from({ length: n }, (_, age) => ({ age, items: baskets[n - 1 - age]! }));
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

function densify(v: SparseVector, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let j = 0; j < v.idx.length; j++) out[v.idx[j]!] = v.val[j]!;
  return out;
}

function sparsify(dense: Float32Array): SparseVector {
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < dense.length; i++)
    if (dense[i] !== 0) {
      idx.push(i);
      val.push(dense[i]!);
    }
  return { idx: Int32Array.from(idx), val: Float32Array.from(val) };
}

/** What ranking needs of a trained model: its parameters, items and the indexed user vectors (no popularity). */
export type NextBasketVectors = Pick<NextBasketModel, 'params' | 'items'> & UserMatrix;

/** Per model, built on first use: the item index and the reusable scratch of vector building and neighbour search. */
interface Workspace {
  items: Map<string, number>;
  builder: VectorBuilder;
  search: NeighborSearch;
}
const workspaces = new WeakMap<NextBasketVectors, Workspace>();

function workspaceOf(model: NextBasketVectors): Workspace {
  let ws = workspaces.get(model);
  if (!ws) {
    ws = {
      items: new Map(model.items.map((id, i) => [id, i])),
      builder: new VectorBuilder(model.items.length),
      search: new NeighborSearch(model, model.params.neighbors),
    };
    workspaces.set(model, ws);
  }
  return ws;
}

function basketsVector(model: NextBasketVectors, baskets: History): SparseVector {
  const ws = workspaceOf(model);
  return decayedVector(byAge(toPositions(baskets, ws.items)), baskets.length, model.params, ws.builder);
}

/**
 * The shopper's decayed frequency vector (graph input `user_vector`), from their baskets (oldest first) with the
 * model's m, r_b and r_g. Unknown items are ignored; baskets that become empty still count as baskets.
 */
export function userVector(model: NextBasketVectors, baskets: History): Float32Array {
  return densify(basketsVector(model, baskets), model.items.length);
}

/**
 * The same vector from a serving history (ShopperState.history, see models/scorer.ts): entries of one age form
 * one basket (age 0 = the latest; an entry without an age is its position from the end, as for every history
 * model) and there are max age + 1 baskets, so an age without entries counts as an empty basket, like a basket of
 * unknown items. Weights are ignored (a basket is a set). `basketHistory(baskets)` (pipelines/holdout.ts) thus
 * gives `baskets`' own vector whenever the oldest basket is not empty. Throws on an age that is not an integer ≥ 0.
 */
export function historyVector(model: NextBasketVectors, history: readonly HistoryEntry[]): SparseVector {
  const ws = workspaceOf(model);
  const baskets = new Map<number, number[]>();
  let count = 0;
  history.forEach((entry, pos) => {
    const age = (typeof entry === 'string' ? undefined : entry.age) ?? history.length - 1 - pos;
    if (!(Number.isSafeInteger(age) && age >= 0)) throw new RangeError(`history age must be an integer ≥ 0: ${age}`);
    count = Math.max(count, age + 1);
    const i = ws.items.get(historyItem(entry));
    if (i === undefined) return;
    const basket = baskets.get(age);
    if (basket) basket.push(i);
    else baskets.set(age, [i]);
  });
  const latestFirst = [...baskets].map(([age, items]) => ({ age, items })).sort((a, b) => a.age - b.age);
  return decayedVector(latestFirst, count, model.params, ws.builder);
}

const userIndexes = new WeakMap<NextBasketModel, Map<string, number>>();

/** A known user's stored vector (a view into the model), or undefined. */
function storedVector(model: NextBasketModel, userId: string): SparseVector | undefined {
  let users = userIndexes.get(model);
  if (!users) {
    users = new Map(model.users.map((id, u) => [id, u]));
    userIndexes.set(model, users);
  }
  const u = users.get(userId);
  if (u === undefined) return undefined;
  const a = model.userPtr[u]!;
  const b = model.userPtr[u + 1]!;
  return { idx: model.userItems.subarray(a, b), val: model.userValues.subarray(a, b) };
}

/** A known user's stored vector, dense. */
export function storedUserVector(model: NextBasketModel, userId: string): Float32Array | undefined {
  const v = storedVector(model, userId);
  return v && densify(v, model.items.length);
}

// ---------------------------------------------------------------------------------------------------------------
// Training.

/** The trained user vectors, by user and by item. */
export interface UserMatrix {
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
}

type UserRows = Pick<UserMatrix, 'userPtr' | 'userItems' | 'userValues'>;

function concatRows(rows: readonly SparseVector[]): UserRows {
  const nnz = rows.reduce((a, r) => a + r.idx.length, 0);
  const userPtr = new Int32Array(rows.length + 1);
  const userItems = new Int32Array(nnz);
  const userValues = new Float32Array(nnz);
  let at = 0;
  rows.forEach((row, u) => {
    userPtr[u] = at;
    userItems.set(row.idx, at);
    userValues.set(row.val, at);
    at += row.idx.length;
  });
  userPtr[rows.length] = at;
  return { userPtr, userItems, userValues };
}

/** Adds the norms and the inverted index over n items to CSR user rows. */
function indexUsers(rows: UserRows, n: number): UserMatrix {
  const { userPtr, userItems, userValues } = rows;
  const U = userPtr.length - 1;
  const nnz = userItems.length;
  const userNorms = new Float64Array(U);
  const itemPtr = new Int32Array(n + 1);
  for (let u = 0; u < U; u++) {
    let sq = 0;
    for (let j = userPtr[u]!; j < userPtr[u + 1]!; j++) {
      sq += userValues[j]! * userValues[j]!;
      itemPtr[userItems[j]! + 1]!++;
    }
    userNorms[u] = Math.sqrt(sq);
  }
  for (let i = 0; i < n; i++) itemPtr[i + 1]! += itemPtr[i]!;
  const fill = itemPtr.slice(0, n);
  const itemUsers = new Int32Array(nnz);
  const itemValues = new Float32Array(nnz);
  for (let u = 0; u < U; u++) {
    for (let j = userPtr[u]!; j < userPtr[u + 1]!; j++) {
      const pos = fill[userItems[j]!]!++;
      itemUsers[pos] = u;
      itemValues[pos] = userValues[j]!;
    }
  }
  return { ...rows, userNorms, itemPtr, itemUsers, itemValues };
}

function buildMatrix(rows: readonly (readonly (readonly number[])[])[], n: number, p: DecayParams): UserMatrix {
  const builder = new VectorBuilder(n);
  return indexUsers(concatRows(rows.map((baskets) => decayedVector(byAge(baskets), baskets.length, p, builder))), n);
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
  const params = paramsFrom(DEFAULT_NEXT_BASKET_PARAMS, opts);
  checkParams(params);
  const now = opts.now ?? Date.now();
  const entries = entriesOf(histories);
  const items = itemUniverse(entries, opts.items);
  if (items.length === 0) throw new RangeError('no items');
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const rows = entries.map(([, h]) => toPositions(h, itemIndex));
  const count = (baskets: readonly (readonly unknown[])[]) => baskets.reduce((a, b) => a + b.length, 0);
  const events = rows.reduce((a, r) => a + count(r), 0);
  return {
    kind: NEXT_BASKET_KIND,
    version: opts.version ?? `${NEXT_BASKET_KIND}-${new Date(now).toISOString().replace(/[-:]|\.\d+/g, '')}`,
    trainedAt: now,
    params,
    items,
    users: entries.map(([id]) => id),
    ...buildMatrix(rows, items.length, params),
    popularity: popularityOf(rows, items.length),
    stats: {
      users: entries.length,
      baskets: rows.reduce((a, r) => a + r.length, 0),
      events,
      skipped: entries.reduce((a, [, h]) => a + count(h), 0) - events,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Neighbour search over the inverted index.

/**
 * Reusable scratch for neighbour search over the users of one matrix: dot products through the inverted index,
 * then a quickselect of the k best and a heap sort of those (no allocation per query).
 */
class NeighborSearch {
  readonly #m: UserMatrix;
  readonly #dot: Float64Array;
  readonly #touched: Int32Array;
  /** Candidates (users with a positive similarity) of the current query. */
  readonly #candU: Int32Array;
  readonly #candS: Float64Array;
  /** The result of the last `search`, best first. */
  readonly bestU: Int32Array;
  readonly bestS: Float64Array;

  constructor(m: UserMatrix, maxK: number) {
    const U = m.userNorms.length;
    this.#m = m;
    this.#dot = new Float64Array(U);
    this.#touched = new Int32Array(U);
    this.#candU = new Int32Array(U);
    this.#candS = new Float64Array(U);
    this.bestU = new Int32Array(Math.min(maxK, U));
    this.bestS = new Float64Array(Math.min(maxK, U));
  }

  /**
   * Up to k users with positive cosine similarity to the query, best first (ties: lower user position first).
   * Returns the count; the users/sims are in bestU/bestS[0 .. count).
   */
  search(qIdx: Int32Array, qVal: Float32Array, k: number): number {
    const { itemPtr, itemUsers, itemValues, userNorms } = this.#m;
    let qn = 0;
    for (let j = 0; j < qVal.length; j++) qn += qVal[j]! * qVal[j]!;
    if (!(qn > 0) || k <= 0) return 0;
    qn = Math.sqrt(qn);
    const dot = this.#dot;
    const touched = this.#touched;
    let nt = 0;
    for (let j = 0; j < qIdx.length; j++) {
      const i = qIdx[j]!;
      const q = qVal[j]!;
      for (let t = itemPtr[i]!, end = itemPtr[i + 1]!; t < end; t++) {
        const u = itemUsers[t]!;
        if (dot[u] === 0) touched[nt++] = u;
        dot[u]! += q * itemValues[t]!;
      }
    }
    const cu = this.#candU;
    const cs = this.#candS;
    let n = 0;
    for (let t = 0; t < nt; t++) {
      const u = touched[t]!;
      const s = dot[u]! / (qn * userNorms[u]!);
      dot[u] = 0;
      if (!(s > 0)) continue;
      cu[n] = u;
      cs[n++] = s;
    }
    const size = Math.min(k, n, this.bestU.length);
    if (n > size) selectBest(cs, cu, n, size);
    this.#sortBest(size);
    return size;
  }

  /** Copies the first `size` candidates to bestU/bestS, best first (heap sort: the worst goes to the back). */
  #sortBest(size: number): void {
    const hu = this.bestU;
    const hs = this.bestS;
    hu.set(this.#candU.subarray(0, size));
    hs.set(this.#candS.subarray(0, size));
    for (let c = (size >> 1) - 1; c >= 0; c--) siftDown(hs, hu, c, size, hs[c]!, hu[c]!);
    for (let end = size - 1; end > 0; end--) {
      const s = hs[end]!;
      const u = hu[end]!;
      hs[end] = hs[0]!;
      hu[end] = hu[0]!;
      siftDown(hs, hu, 0, end, s, u);
    }
  }
}

/**
 * Places (s, u) at position c or below in the heap hs/hu[0 .. size) whose root is the worst entry (lowest
 * similarity; on equal similarity the higher user position).
 */
function siftDown(hs: Float64Array, hu: Int32Array, c: number, size: number, s: number, u: number): void {
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

/**
 * Quickselect: reorders cs/cu[0 .. n) so that the k best (by similarity, then lower user position) come first, in
 * no particular order. Expected O(n); the pairs are all distinct (one per user), so the order is strict.
 */
function selectBest(cs: Float64Array, cu: Int32Array, n: number, k: number): void {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const ps = cs[mid]!;
    const pu = cu[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (worse(ps, pu, cs[i]!, cu[i]!)) i++;
      while (worse(cs[j]!, cu[j]!, ps, pu)) j--;
      if (i <= j) {
        const ts = cs[i]!;
        const tu = cu[i]!;
        cs[i] = cs[j]!;
        cu[i] = cu[j]!;
        cs[j] = ts;
        cu[j] = tu;
        i++;
        j--;
      }
    }
    // Now [lo, j] are better than or equal to the pivot and [i, hi] worse or equal.
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}

function worse(sa: number, ua: number, sb: number, ub: number): boolean {
  return sa < sb || (sa === sb && ua > ub);
}

/** Mean of the vectors of the k users nearest to `q` (divided by k even when fewer overlap), dense. */
function neighborMean(model: NextBasketVectors, q: SparseVector): Float32Array {
  const { search } = workspaceOf(model);
  const k = model.params.neighbors;
  const count = search.search(q.idx, q.val, k);
  const N = model.items.length;
  const sum = new Float64Array(N);
  const { userPtr, userItems, userValues } = model;
  for (let j = 0; j < count; j++) {
    const u = search.bestU[j]!;
    for (let t = userPtr[u]!, end = userPtr[u + 1]!; t < end; t++) sum[userItems[t]!]! += userValues[t]!;
  }
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) if (sum[i] !== 0) out[i] = sum[i]! / k;
  return out;
}

/**
 * The neighbour vector (graph input `neighbor_vector`): the mean of the vectors of the k trained users most
 * cosine-similar to `user` (divided by k even when fewer users overlap at all; a zero vector has no neighbours).
 */
export function neighborVector(model: NextBasketVectors, user: Float32Array): Float32Array {
  const N = model.items.length;
  if (user.length !== N) throw new RangeError(`user vector has ${user.length} values, expected ${N}`);
  return neighborMean(model, sparsify(user));
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs and reference ranker.

export interface NextBasketInputs {
  userVector: Float32Array;
  neighborVector: Float32Array;
  excludeMask: Float32Array;
}

function inputsOf(model: NextBasketVectors, user: SparseVector, exclude: Iterable<string>): NextBasketInputs {
  const N = model.items.length;
  return {
    userVector: densify(user, N),
    neighborVector: neighborMean(model, user),
    excludeMask: excludeMaskOf(workspaceOf(model).items, N, exclude),
  };
}

/** Graph inputs for a known user id (stored vector; unknown id = no history) or a profile's baskets. */
export function nextBasketInputs(
  model: NextBasketModel,
  user: string | History,
  exclude: readonly string[] = [],
): NextBasketInputs {
  const vector =
    typeof user === 'string'
      ? (storedVector(model, user) ?? { idx: new Int32Array(0), val: new Float32Array(0) })
      : basketsVector(model, user);
  return inputsOf(model, vector, exclude);
}

/** Graph inputs for a serving history (see `historyVector`); nothing is excluded unless `exclude` says so. */
export function historyInputs(
  model: NextBasketVectors,
  history: readonly HistoryEntry[],
  exclude: Iterable<string> = [],
): NextBasketInputs {
  return inputsOf(model, historyVector(model, history), exclude);
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
  const tail = rankingTail('raw_scores');
  return buildModel({
    name: NEXT_BASKET_KIND,
    doc: `TIFU-KNN next basket ${model.version}: α·user + (1−α)·neighbors + ε·popularity − 1e9·exclude, then TopK.`,
    inputs: sig.inputs,
    outputs: sig.outputs,
    initializers: [
      floatTensor('alpha', [], Float32Array.of(model.params.alpha)),
      floatTensor('one_minus_alpha', [], Float32Array.of(1 - model.params.alpha)),
      floatTensor('popularity_term', [1, N], popularityTerm(model)),
      ...tail.initializers,
    ],
    nodes: [
      node('Mul', [io.userVector, 'alpha'], ['personal']),
      node('Mul', [io.neighborVector, 'one_minus_alpha'], ['neighbours']),
      node('Add', ['personal', 'neighbours'], ['blend']),
      node('Add', ['blend', 'popularity_term'], ['raw_scores']),
      ...tail.nodes,
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
// The model folder: model.onnx, users.bin (the user vectors the neighbour search needs) and the card.

/** The sidecar file with the trained user vectors, next to model.onnx. */
export const NEXT_BASKET_USERS_FILE = 'users.bin';

const USERS_MAGIC = 'TIFUCSR1';
const USERS_HEADER = 24;

/**
 * users.bin: the trained user vectors as CSR, little-endian. Header (24 bytes): "TIFUCSR1", uint32 users U,
 * uint32 items N, uint32 nnz, uint32 0; then int32 userPtr[U + 1], int32 userItems[nnz], float32 userValues[nnz].
 * Norms and the inverted index are rebuilt on load. User ids are not stored: serving ranks from the history a
 * request brings (a known shopper's history rebuilds exactly their stored vector).
 */
export function encodeUserVectors(model: Pick<NextBasketModel, 'items'> & UserRows): Uint8Array {
  const U = model.userPtr.length - 1;
  const nnz = model.userItems.length;
  const bytes = new Uint8Array(sectionsOf(U, nnz).end);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(USERS_MAGIC));
  view.setUint32(8, U, true);
  view.setUint32(12, model.items.length, true);
  view.setUint32(16, nnz, true);
  const at = sectionsOf(U, nnz);
  for (const [j, x] of model.userPtr.entries()) view.setInt32(at.ptr + 4 * j, x, true);
  for (const [j, x] of model.userItems.entries()) view.setInt32(at.items + 4 * j, x, true);
  for (const [j, x] of model.userValues.entries()) view.setFloat32(at.values + 4 * j, x, true);
  return bytes;
}

/** Byte offsets of the three arrays in users.bin, and its length. */
function sectionsOf(users: number, nnz: number): { ptr: number; items: number; values: number; end: number } {
  const ptr = USERS_HEADER;
  const items = ptr + 4 * (users + 1);
  const values = items + 4 * nnz;
  return { ptr, items, values, end: values + 4 * nnz };
}

/** Reads users.bin for a model of `items` items, checking its structure; the caller names the file in errors. */
export function decodeUserVectors(bytes: Uint8Array, items: number): UserMatrix {
  const bad = (why: string) => new Error(`invalid user vectors: ${why}`);
  if (bytes.length < USERS_HEADER || new TextDecoder().decode(bytes.subarray(0, 8)) !== USERS_MAGIC)
    throw bad(`not a ${NEXT_BASKET_USERS_FILE} file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const U = view.getUint32(8, true);
  const N = view.getUint32(12, true);
  const nnz = view.getUint32(16, true);
  if (N !== items) throw bad(`${N} items, the card has ${items}`);
  const at = sectionsOf(U, nnz);
  if (bytes.length !== at.end) throw bad(`${bytes.length} bytes, expected ${at.end} for ${U} users and ${nnz} values`);
  const userPtr = Int32Array.from({ length: U + 1 }, (_, j) => view.getInt32(at.ptr + 4 * j, true));
  const userItems = Int32Array.from({ length: nnz }, (_, j) => view.getInt32(at.items + 4 * j, true));
  const userValues = Float32Array.from({ length: nnz }, (_, j) => view.getFloat32(at.values + 4 * j, true));
  if (userPtr[0] !== 0 || userPtr[U] !== nnz) throw bad('row pointers do not span the values');
  for (let u = 0; u < U; u++) {
    const a = userPtr[u]!;
    const b = userPtr[u + 1]!;
    if (b < a) throw bad(`row pointers decrease at user ${u}`);
    for (let j = a; j < b; j++) {
      const i = userItems[j]!;
      if (!(i >= 0 && i < N && (j === a || i > userItems[j - 1]!))) throw bad(`user ${u}: item ${i} out of order`);
      if (!(userValues[j]! > 0 && Number.isFinite(userValues[j]!))) throw bad(`user ${u}: value ${userValues[j]}`);
    }
  }
  return indexUsers({ userPtr, userItems, userValues }, N);
}

/** The card of a next-basket model; `files` holds the sha256 of users.bin. */
export function nextBasketCard(
  model: NextBasketModel,
  sha256: string,
  files: Record<string, string>,
  metrics?: Record<string, number>,
): ModelCard {
  return scorerCard({ ...model, params: { ...model.params } }, sha256, metrics, {
    signature: nextBasketSignature(model.items.length),
    files,
  });
}

/** The parameters a card records, checked. */
export function nextBasketParamsOf(params: Readonly<Record<string, number>>): NextBasketParams {
  const out: NextBasketParams = { ...DEFAULT_NEXT_BASKET_PARAMS };
  for (const key of Object.keys(DEFAULT_NEXT_BASKET_PARAMS) as (keyof NextBasketParams)[]) {
    const v = params[key];
    if (v === undefined) throw new RangeError(`params.${key} is missing`);
    out[key] = v;
  }
  checkParams(out);
  return out;
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
              const v = search.bestU[added]!;
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
