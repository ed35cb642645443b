/**
 * History models: every model that ranks items from what the shopper did (as opposed to where they stand) is a
 * `ScoreComponent` over one shared input, the shopper's history as three parallel tensors:
 *
 *   history_items   int64 [L]  item positions (unknown ids are dropped before the graph)
 *   history_weights float [L]  strength of each interaction (purchase 1, cart add 0.5, view 0.1, … or 1)
 *   history_ages    float [L]  how long ago: 0 = the latest step, 1 = the one before, … (sequence steps or baskets)
 *
 * A component has a TypeScript reference (`scores`) and emits ONNX nodes that compute the same raw score vector
 * [N]; `exportScorer` adds the shared tail (exclusion mask, TopK) so a single component or a blend of several
 * (the hybrid) becomes one graph with one signature, and serving needs one code path for all of them.
 */
import type { ModelCard } from '../card';
import { attr, buildModel, floatTensor, int64Tensor, node, type TensorSpec } from '../onnx/builder';
import type { onnx } from '../onnx/proto';
import type { RankedItem } from '../types';
import { EXCLUDE_PENALTY, EXCLUDED_BELOW, effectiveK, RANKING_IO, rankingSignature, rankingTail } from './ranking';

/** One interaction in a shopper's history. A bare string is `{ item, weight: 1 }` with its position as age. */
export interface HistoryEvent {
  item: string;
  /** Strength, ≥ 0. Default 1. */
  weight?: number;
  /** Steps before the latest (0 = latest). Default: position from the end of the list. */
  age?: number;
}
export type HistoryEntry = string | HistoryEvent;

export const HISTORY_IO = {
  items: 'history_items',
  weights: 'history_weights',
  ages: 'history_ages',
  ...RANKING_IO,
} as const;

/** The graph's view of a history: known items only, in the order given. */
export interface EncodedHistory {
  items: Int32Array;
  weights: Float32Array;
  ages: Float32Array;
}

export function itemIndexOf(items: readonly string[]): Map<string, number> {
  return new Map(items.map((id, i) => [id, i]));
}

export function historyItem(entry: HistoryEntry): string {
  return typeof entry === 'string' ? entry : entry.item;
}

/** Encodes a history (oldest first); unknown items are dropped but still count for the others' default ages. */
export function encodeHistory(
  itemIndex: ReadonlyMap<string, number>,
  history: readonly HistoryEntry[],
): EncodedHistory {
  const items: number[] = [];
  const weights: number[] = [];
  const ages: number[] = [];
  const L = history.length;
  for (let pos = 0; pos < L; pos++) {
    const entry = history[pos]!;
    const i = itemIndex.get(historyItem(entry));
    if (i === undefined) continue;
    const weight = typeof entry === 'string' ? 1 : (entry.weight ?? 1);
    const age = typeof entry === 'string' ? L - 1 - pos : (entry.age ?? L - 1 - pos);
    if (!(Number.isFinite(weight) && weight >= 0)) throw new RangeError(`history weight must be ≥ 0, got ${weight}`);
    if (!(Number.isFinite(age) && age >= 0)) throw new RangeError(`history age must be ≥ 0, got ${age}`);
    items.push(i);
    weights.push(weight);
    ages.push(age);
  }
  return { items: Int32Array.from(items), weights: Float32Array.from(weights), ages: Float32Array.from(ages) };
}

/** 0/1 mask over the items; unknown ids are ignored. */
export function excludeMaskOf(
  itemIndex: ReadonlyMap<string, number>,
  n: number,
  exclude: Iterable<string>,
  /** A zeroed mask of length n to fill instead of allocating one. */
  into?: Float32Array,
): Float32Array {
  const mask = into ?? new Float32Array(n);
  for (const id of exclude) {
    const i = itemIndex.get(id);
    if (i !== undefined) mask[i] = 1;
  }
  return mask;
}

/** ONNX nodes and initializers that compute a component's raw scores. */
export interface ScoreGraph {
  initializers: onnx.ITensorProto[];
  nodes: onnx.INodeProto[];
}

export interface ScoreComponent {
  /** Model family, e.g. 'seq-knn', 'als'. */
  readonly kind: string;
  readonly params: Readonly<Record<string, number>>;
  /** Number of items scored (the length of `scores`). */
  readonly size: number;
  /** TypeScript reference: raw float32 scores over all items, before exclusion. */
  scores(history: EncodedHistory): Float32Array;
  /**
   * Nodes reading the graph inputs HISTORY_IO.items/weights/ages and writing the same scores to tensor `output`,
   * shape [N]. Every other name the component creates must start with `prefix` (so components can share a graph).
   */
  graph(prefix: string, output: string): ScoreGraph;
}

/** A trained history model: a component plus what the card records. */
export interface ScorerModel {
  kind: string;
  version: string;
  items: string[];
  /** Epoch ms. */
  trainedAt: number;
  params: Record<string, number>;
  /** events: interactions trained on; skipped: interactions with an item outside `items`; users: histories. */
  stats: { events: number; skipped: number; users: number };
  component: ScoreComponent;
}

/**
 * A model's parameters: `defaults` overridden by the options that name a parameter and are set. Other options
 * (items, now, version, …) are ignored; the caller validates the result.
 */
export function paramsFrom<P extends { [K in keyof P]: number }>(defaults: P, opts: Partial<P>): P {
  const params = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof P)[]) {
    const v = opts[key];
    if (v !== undefined) params[key] = v;
  }
  return params;
}

export function scorerVersion(kind: string, now: number): string {
  return `${kind}-${new Date(now).toISOString().replace(/[-:]|\.\d+/g, '')}`;
}

export function historySignature(items: number): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  return rankingSignature(
    [
      { name: HISTORY_IO.items, type: 'int64', shape: ['L'] },
      { name: HISTORY_IO.weights, type: 'float32', shape: ['L'] },
      { name: HISTORY_IO.ages, type: 'float32', shape: ['L'] },
    ],
    items,
  );
}

/** raw [N] ─Unsqueeze─▶ [1,N] ─Add(exclude_mask × -1e9)─TopK(k)─▶ scores, indices. */
export function exportScorer(model: ScorerModel): Uint8Array {
  const N = model.items.length;
  if (model.component.size !== N) throw new Error(`component scores ${model.component.size} items, model has ${N}`);
  const signature = historySignature(N);
  const body = model.component.graph('m_', 'raw_scores');
  const tail = rankingTail('tail_scores_row');
  return buildModel({
    name: model.kind,
    doc: `${model.kind} ${model.version}: scores from the shopper's history, exclusions removed, then TopK.`,
    inputs: signature.inputs,
    outputs: signature.outputs,
    initializers: [...body.initializers, int64Tensor('tail_axes_first', [1], [0]), ...tail.initializers],
    nodes: [...body.nodes, node('Unsqueeze', ['raw_scores', 'tail_axes_first'], ['tail_scores_row']), ...tail.nodes],
    metadata: {
      'aisle.kind': model.kind,
      'aisle.version': model.version,
      'aisle.trainedAt': new Date(model.trainedAt).toISOString(),
    },
  });
}

export function scorerCard(
  model: Pick<ScorerModel, 'kind' | 'version' | 'trainedAt' | 'params' | 'stats' | 'items'>,
  sha256: string,
  metrics?: Record<string, number>,
  /** For models whose graph takes more than the history (next-basket): their signature and extra files. */
  extra: { signature?: ModelCard['signature']; files?: Record<string, string> } = {},
): ModelCard {
  return {
    kind: model.kind,
    version: model.version,
    trainedAt: new Date(model.trainedAt).toISOString(),
    data: {
      events: model.stats.events,
      skipped: model.stats.skipped,
      users: model.stats.users,
      zones: 0,
      items: model.items.length,
    },
    params: { ...model.params },
    signature: extra.signature ?? historySignature(model.items.length),
    zones: [],
    items: [...model.items],
    sha256,
    ...(extra.files && { files: extra.files }),
    ...(metrics ? { metrics } : {}),
  };
}

/**
 * TypeScript reference ranking of a history model: raw scores, exclusions (default: the history's items) removed,
 * top k by score, ties by item position (TopK in onnxruntime makes no promise about ties).
 */
export function rankScorer(
  model: Pick<ScorerModel, 'items' | 'component'>,
  history: readonly HistoryEntry[],
  k: number,
  exclude: Iterable<string> = history.map(historyItem),
  itemIndex: ReadonlyMap<string, number> = itemIndexOf(model.items),
): RankedItem[] {
  const N = model.items.length;
  const top = effectiveK(k, N);
  if (top === 0) return [];
  const scores = model.component.scores(encodeHistory(itemIndex, history));
  const mask = excludeMaskOf(itemIndex, N, exclude);
  for (let i = 0; i < N; i++) if (mask[i]) scores[i] = scores[i]! + EXCLUDE_PENALTY;
  return topK(scores, top)
    .filter((i) => scores[i]! >= EXCLUDED_BELOW)
    .map((i) => ({ itemId: model.items[i]!, score: scores[i]! }));
}

/** Indices of the k largest values, best first, ties by index (a bounded min-heap: O(N log k)). */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  if (k <= 0) return [];
  // heap of indices; root = the worst kept (lowest score, highest index on ties)
  const heap: number[] = [];
  const worse = (a: number, b: number) => scores[a]! < scores[b]! || (scores[a] === scores[b] && a > b);
  const siftUp = (p: number) => {
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (!worse(heap[p]!, heap[parent]!)) break;
      [heap[p], heap[parent]] = [heap[parent]!, heap[p]!];
      p = parent;
    }
  };
  const siftDown = (p: number) => {
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === p) return;
      [heap[p], heap[m]] = [heap[m]!, heap[p]!];
      p = m;
    }
  };
  // Indices rise, so a later item tying the worst kept one loses the tie: only strictly higher scores get in.
  let floor = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < scores.length; i++) {
    if (heap.length < k) {
      heap.push(i);
      siftUp(heap.length - 1);
      if (heap.length === k) floor = scores[heap[0]!]!;
    } else if (scores[i]! > floor) {
      heap[0] = i;
      siftDown(0);
      floor = scores[heap[0]!]!;
    }
  }
  return heap.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

// ---------------------------------------------------------------------------------------------------------------
// Building blocks for components.

/** float32 γ^age · weight per history entry, as the graph computes it (Pow and Mul in float32). */
export function decayedWeights(history: EncodedHistory, gamma: number): Float32Array {
  const g = Math.fround(gamma);
  return Float32Array.from(history.weights, (w, j) => Math.fround(w * Math.fround(g ** history.ages[j]!)));
}

/** Nodes computing `${prefix}w` = history_weights · γ^history_ages. */
export function decayedWeightsGraph(prefix: string, gamma: number): ScoreGraph {
  return {
    initializers: [floatTensor(`${prefix}gamma`, [], Float32Array.of(gamma))],
    nodes: [
      node('Pow', [`${prefix}gamma`, HISTORY_IO.ages], [`${prefix}decay`]),
      node('Mul', [HISTORY_IO.weights, `${prefix}decay`], [`${prefix}w`]),
    ],
  };
}

/**
 * Nodes computing `output` [d] = Σ_h w_h · table[history_items[h]], with w = `${prefix}w` (decayedWeightsGraph):
 * the weighted sum of the history items' rows of an embedding table [N,d].
 */
export function weightedRowSumGraph(prefix: string, table: string, output: string) {
  return {
    initializers: [int64Tensor(`${prefix}sum_axes`, [1], [0]), int64Tensor(`${prefix}col_axes`, [1], [-1])],
    nodes: [
      node('Gather', [table, HISTORY_IO.items], [`${prefix}rows`], [attr.int('axis', 0)]),
      node('Unsqueeze', [`${prefix}w`, `${prefix}col_axes`], [`${prefix}w_col`]),
      node('Mul', [`${prefix}rows`, `${prefix}w_col`], [`${prefix}weighted_rows`]),
      node('ReduceSum', [`${prefix}weighted_rows`, `${prefix}sum_axes`], [output], [attr.int('keepdims', 0)]),
    ],
  } satisfies ScoreGraph;
}

/**
 * Nodes computing `output` [N] = table [N,d] · vector [d] + offset [N] as one Gemm (vector as a [1,d] row, the
 * table transposed). onnxruntime runs MatMul of a matrix by a 1-D vector ~20× slower than this Gemm.
 */
export function rowScoresGraph(prefix: string, table: string, vector: string, offset: string, output: string) {
  return {
    initializers: [int64Tensor(`${prefix}row_axes`, [1], [0]), int64Tensor(`${prefix}flat_shape`, [1], [-1])],
    nodes: [
      node('Unsqueeze', [vector, `${prefix}row_axes`], [`${prefix}vector_row`]),
      node('Gemm', [`${prefix}vector_row`, table, offset], [`${prefix}scores_row`], [attr.int('transB', 1)]),
      node('Reshape', [`${prefix}scores_row`, `${prefix}flat_shape`], [output]),
    ],
  } satisfies ScoreGraph;
}

/** A constant score vector (popularity, a prior): ignores the history. */
export function constantComponent(kind: string, values: Float32Array, params: Record<string, number> = {}) {
  const component: ScoreComponent = {
    kind,
    params,
    size: values.length,
    scores: () => Float32Array.from(values),
    graph: (prefix, output) => ({
      initializers: [floatTensor(`${prefix}values`, [values.length], values)],
      nodes: [node('Identity', [`${prefix}values`], [output])],
    }),
  };
  return component;
}

/**
 * Weighted sum of components, each first scaled to max |score| = 1 (so the weights are comparable across
 * components whose raw scales differ by orders of magnitude). A component that scores everything 0 adds 0.
 */
export function blendComponents(
  kind: string,
  parts: readonly { component: ScoreComponent; weight: number }[],
): ScoreComponent {
  if (parts.length === 0) throw new RangeError('a blend needs at least one component');
  const size = parts[0]!.component.size;
  for (const p of parts) {
    if (p.component.size !== size) throw new RangeError('blended components must score the same items');
    if (!(Number.isFinite(p.weight) && p.weight >= 0)) throw new RangeError(`blend weight must be ≥ 0: ${p.weight}`);
  }
  const params: Record<string, number> = {};
  for (const [j, p] of parts.entries()) {
    params[`w${j}_${p.component.kind}`] = p.weight;
    for (const [key, v] of Object.entries(p.component.params)) params[`${p.component.kind}.${key}`] = v;
  }
  return {
    kind,
    params,
    size,
    scores(history) {
      const total = new Float32Array(size);
      for (const p of parts) {
        if (p.weight === 0) continue;
        const s = p.component.scores(history);
        const scale = Math.fround(p.weight / Math.fround(maxAbs(s) + BLEND_FLOOR));
        for (let i = 0; i < size; i++) total[i] = total[i]! + Math.fround(s[i]! * scale);
      }
      return total;
    },
    graph(prefix, output) {
      const initializers: onnx.ITensorProto[] = [];
      const nodes: onnx.INodeProto[] = [];
      const terms: string[] = [];
      for (const [j, p] of parts.entries()) {
        if (p.weight === 0) continue;
        const pre = `${prefix}c${j}_`;
        const sub = p.component.graph(pre, `${pre}raw`);
        initializers.push(...sub.initializers, floatTensor(`${pre}weight`, [], Float32Array.of(p.weight)));
        initializers.push(floatTensor(`${pre}floor`, [], Float32Array.of(BLEND_FLOOR)));
        nodes.push(
          ...sub.nodes,
          node('Abs', [`${pre}raw`], [`${pre}abs`]),
          node('ReduceMax', [`${pre}abs`], [`${pre}max`], [attr.int('keepdims', 0)]),
          node('Add', [`${pre}max`, `${pre}floor`], [`${pre}norm`]),
          node('Div', [`${pre}weight`, `${pre}norm`], [`${pre}scale`]),
          node('Mul', [`${pre}raw`, `${pre}scale`], [`${pre}term`]),
        );
        terms.push(`${pre}term`);
      }
      if (terms.length === 0) {
        initializers.push(floatTensor(`${prefix}zeros`, [size], new Float32Array(size)));
        nodes.push(node('Identity', [`${prefix}zeros`], [output]));
      } else if (terms.length === 1) nodes.push(node('Identity', [terms[0]!], [output]));
      else nodes.push(node('Sum', terms, [output]));
      return { initializers, nodes };
    },
  };
}

/** Added to max |score| before dividing, so an all-zero component stays 0. */
const BLEND_FLOOR = 1e-12;

function maxAbs(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
}
