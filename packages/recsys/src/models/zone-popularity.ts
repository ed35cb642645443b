/**
 * Zone popularity: "what do shoppers take in the zones this shopper is in?"
 *
 * Training builds a matrix W (zones × items) of time-decayed, per-zone normalised interaction weights blended
 * with store-wide popularity. Scoring a shopper is one vector-matrix product: their zone presence times W.
 * The ONNX graph and `rankReference` compute exactly that; `encodeShopperState` turns a ShopperState into the
 * graph inputs for both, so reference and serving cannot drift apart on input handling.
 */
import type { ModelCard } from '../card';
import { buildModel, floatTensor, node, type TensorSpec } from '../onnx/builder';
import type { RankedItem, ShopperState } from '../types';
import { EXCLUDE_PENALTY, EXCLUDED_BELOW, effectiveK, RANKING_IO, rankingSignature, rankingTail } from './ranking';

export const ZONE_POPULARITY_KIND = 'zone-popularity';

export interface ZoneEvent {
  zoneId: string;
  itemId: string;
  /** Interaction strength, e.g. purchase 1, pick-up 0.3. */
  weight: number;
  /** Epoch ms. */
  ts: number;
}

export interface ZonePopularityModel {
  kind: typeof ZONE_POPULARITY_KIND;
  version: string;
  zones: string[];
  items: string[];
  /** zones.length × items.length, row-major; every row sums to 1. */
  weights: Float32Array;
  /** Epoch ms; the reference time for the decay. */
  trainedAt: number;
  params: { halfLifeDays: number; globalBlend: number };
  /** events: events that were used; skipped: events ignored (unknown zone/item, invalid weight or time). */
  stats: { events: number; skipped: number };
}

export interface TrainZonePopularityOptions {
  zones: string[];
  items: string[];
  /** Default 14. */
  halfLifeDays?: number;
  /** Share of the global popularity row mixed into every zone row, in [0, 1]. Default 0.1. */
  globalBlend?: number;
  /** Epoch ms the decay is measured from. Default Date.now(). */
  now?: number;
  /** Default `zone-popularity-<now as compact ISO>`. */
  version?: string;
}

const DAY_MS = 86_400_000;

export function trainZonePopularity(
  events: Iterable<ZoneEvent>,
  opts: TrainZonePopularityOptions,
): ZonePopularityModel {
  const halfLifeDays = opts.halfLifeDays ?? 14;
  const globalBlend = opts.globalBlend ?? 0.1;
  const now = opts.now ?? Date.now();
  if (!(halfLifeDays > 0 && Number.isFinite(halfLifeDays))) throw new RangeError('halfLifeDays must be positive');
  if (!(globalBlend >= 0 && globalBlend <= 1)) throw new RangeError('globalBlend must be in [0, 1]');
  if (!Number.isFinite(now)) throw new RangeError('now must be a finite epoch ms');
  const zoneIndex = indexIds(opts.zones, 'zone');
  const itemIndex = indexIds(opts.items, 'item');
  const Z = opts.zones.length;
  const N = opts.items.length;

  // Accumulate in float64; only the final matrix is float32.
  const mass = new Float64Array(Z * N);
  const halfLifeMs = halfLifeDays * DAY_MS;
  let used = 0;
  let skipped = 0;
  for (const e of events) {
    const z = zoneIndex.get(e.zoneId);
    const i = itemIndex.get(e.itemId);
    if (z === undefined || i === undefined || !(e.weight >= 0 && Number.isFinite(e.weight)) || !Number.isFinite(e.ts)) {
      skipped++;
      continue;
    }
    // Events stamped after `now` (clock skew) count as fresh rather than being boosted above weight.
    const age = Math.max(0, now - e.ts);
    mass[z * N + i]! += e.weight * 0.5 ** (age / halfLifeMs);
    used++;
  }

  const global = new Float64Array(N);
  for (let z = 0; z < Z; z++) for (let i = 0; i < N; i++) global[i]! += mass[z * N + i]!;
  if (!normalise(global)) global.fill(1 / N); // no usable events at all: every item equally popular

  const weights = new Float32Array(Z * N);
  for (let z = 0; z < Z; z++) {
    const row = mass.subarray(z * N, (z + 1) * N);
    // A zone without events has no distribution of its own: it takes the global one, so it still ranks by
    // global popularity and, like every other row, sums to 1 (which keeps mixed-zone scores comparable).
    if (!normalise(row)) row.set(global);
    for (let i = 0; i < N; i++) weights[z * N + i] = (1 - globalBlend) * row[i]! + globalBlend * global[i]!;
  }

  return {
    kind: ZONE_POPULARITY_KIND,
    version: opts.version ?? `${ZONE_POPULARITY_KIND}-${new Date(now).toISOString().replace(/[-:]|\.\d+/g, '')}`,
    zones: [...opts.zones],
    items: [...opts.items],
    weights,
    trainedAt: now,
    params: { halfLifeDays, globalBlend },
    stats: { events: used, skipped },
  };
}

function indexIds(ids: readonly string[], what: string): Map<string, number> {
  if (ids.length === 0) throw new RangeError(`at least one ${what} is required`);
  const index = new Map<string, number>();
  for (const [i, id] of ids.entries()) {
    if (index.has(id)) throw new RangeError(`duplicate ${what} id: ${id}`);
    index.set(id, i);
  }
  return index;
}

/** Scales `v` to sum 1 in place; returns false (leaving `v` untouched) when there is nothing to scale. */
function normalise(v: Float64Array): boolean {
  const sum = v.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) return false;
  for (let i = 0; i < v.length; i++) v[i]! /= sum;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs, shared by rankReference and serving.

export interface ZonePopularityIndex {
  zones: ReadonlyMap<string, number>;
  items: ReadonlyMap<string, number>;
}

export function zonePopularityIndex(ids: { zones: readonly string[]; items: readonly string[] }): ZonePopularityIndex {
  return {
    zones: new Map(ids.zones.map((id, i) => [id, i])),
    items: new Map(ids.items.map((id, i) => [id, i])),
  };
}

/**
 * The graph inputs for a shopper. Zone weights are normalised to sum 1 (unknown ids, negative and non-finite
 * weights ignored); when nothing known is left, every zone gets 1/Z, i.e. the shopper gets the average zone
 * row, which is the store-wide fallback. Exclusions become a 0/1 mask over items.
 */
export function encodeShopperState(
  index: ZonePopularityIndex,
  state: ShopperState,
): { zoneWeights: Float32Array; excludeMask: Float32Array } {
  const zoneWeights = new Float32Array(index.zones.size);
  let sum = 0;
  for (const [id, w] of Object.entries(state.zoneWeights ?? {})) {
    const z = index.zones.get(id);
    if (z === undefined || !(w > 0 && Number.isFinite(w))) continue;
    zoneWeights[z]! += w;
    sum += w;
  }
  if (sum > 0) for (let z = 0; z < zoneWeights.length; z++) zoneWeights[z]! /= sum;
  else zoneWeights.fill(1 / zoneWeights.length);

  const excludeMask = new Float32Array(index.items.size);
  for (const id of state.exclude ?? []) {
    const i = index.items.get(id);
    if (i !== undefined) excludeMask[i] = 1;
  }
  return { zoneWeights, excludeMask };
}

/**
 * Plain TypeScript version of the ONNX graph: scores = zoneWeights · W + mask × EXCLUDE_PENALTY, top k, minus the
 * excluded items. Ties are broken by item position here; TopK in onnxruntime makes no such promise.
 */
export function rankReference(model: ZonePopularityModel, state: ShopperState, k: number): RankedItem[] {
  const Z = model.zones.length;
  const N = model.items.length;
  const top = effectiveK(k, N);
  if (top === 0) return [];
  const { zoneWeights, excludeMask } = encodeShopperState(zonePopularityIndex(model), state);
  const scores = new Float64Array(N);
  for (let z = 0; z < Z; z++) {
    const w = zoneWeights[z]!;
    if (w === 0) continue;
    for (let i = 0; i < N; i++) scores[i]! += w * model.weights[z * N + i]!;
  }
  for (let i = 0; i < N; i++) scores[i] = Math.fround(scores[i]! + excludeMask[i]! * EXCLUDE_PENALTY);
  const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order
    .slice(0, top)
    .filter((i) => scores[i]! >= EXCLUDED_BELOW)
    .map((i) => ({ itemId: model.items[i]!, score: scores[i]! }));
}

// ---------------------------------------------------------------------------------------------------------------
// ONNX export and card.

export const ZONE_POPULARITY_IO = {
  zoneWeights: 'zone_weights',
  ...RANKING_IO,
} as const;

export function zonePopularitySignature(zones: number, items: number): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  return rankingSignature([{ name: ZONE_POPULARITY_IO.zoneWeights, type: 'float32', shape: [1, zones] }], items);
}

/**
 * zone_weights [1,Z] ─MatMul(W [Z,N])─▶ raw [1,N] ─Add(exclude_mask × EXCLUDE_PENALTY)─▶ masked ─TopK(k)─▶ scores, indices
 */
export function exportOnnx(model: ZonePopularityModel): Uint8Array {
  const Z = model.zones.length;
  const N = model.items.length;
  if (model.weights.length !== Z * N) throw new Error(`weights has ${model.weights.length} values, expected ${Z * N}`);
  const io = ZONE_POPULARITY_IO;
  const signature = zonePopularitySignature(Z, N);
  const _tail = rankingTail('raw_scores');
  return buildModel({
    name: ZONE_POPULARITY_KIND,
    doc: `Zone popularity ${model.version}: scores = zone_weights · W - 1e9 · exclude_mask, then TopK.`,
    inputs: signature.inputs,
    outputs: signature.outputs,
    initializers: [floatTensor('W', [Z, N], model.weights), ...rankingTail('raw_scores').initializers],
    nodes: [node('MatMul', [io.zoneWeights, 'W'], ['raw_scores']), ...rankingTail('raw_scores').nodes],
    metadata: {
      'aisle.kind': model.kind,
      'aisle.version': model.version,
      'aisle.trainedAt': new Date(model.trainedAt).toISOString(),
    },
  });
}

export function zonePopularityCard(
  model: ZonePopularityModel,
  sha256: string,
  metrics?: Record<string, number>,
): ModelCard {
  return {
    kind: model.kind,
    version: model.version,
    trainedAt: new Date(model.trainedAt).toISOString(),
    data: { ...model.stats, zones: model.zones.length, items: model.items.length },
    params: { ...model.params },
    signature: zonePopularitySignature(model.zones.length, model.items.length),
    zones: [...model.zones],
    items: [...model.items],
    sha256,
    ...(metrics ? { metrics } : {}),
  };
}
