/**
 * Content-based model for cold start: "more like what this shopper took", from what the catalogue says about the
 * items (category, brand, colour, price tier, name) rather than from who bought what. A new item — in the catalogue,
 * never bought — gets a score like any other, and so does a shopper with a single interaction.
 *
 * Item embeddings. Each catalogue item becomes two bags of tokens:
 *   - attributes: `key=value` for strings and booleans, `key#tier` for numbers (tier = catalogue quantile of the
 *     value among that key's values, `numericBins` tiers, so price 12.99 and 14.99 share a tier);
 *   - text: lower-cased NFKC words; words in Hangul, Han or Kana also give their character bigrams (Korean
 *     writes compounds without spaces: 수분크림 shares 수분 with 수분 세럼), and the whole word when 3+ characters.
 * Tokens in fewer than `minDf` items are dropped (they cannot link two items). Each bag is TF-IDF weighted
 * (idf = ln((1+n)/(1+df)) + 1) and L2-normalised; the item vector is attributes + textWeight · text, projected to
 * d = min(dims, vocabulary) dimensions (identity when the vocabulary fits, else a seeded ±1 random projection)
 * and L2-normalised: E [N,d].
 *
 * Scoring. profile p = Σ_h w_h · γ^age_h · E[h], normalised to unit length (left at 0 when it is 0); scores =
 * E · p + ε · popularity (interaction counts scaled to max 1). History items missing from the catalogue have a zero
 * embedding: they count for popularity only. Trained without attributes or text (Amazon Beauty and Ta-Feng ship
 * only ids) every embedding is 0 and the model is plain popularity.
 */
import { attr, floatTensor, node } from '../onnx/builder';
import { createRng } from '../random';
import {
  decayedWeights,
  decayedWeightsGraph,
  type HistoryEntry,
  historyItem,
  paramsFrom,
  rowScoresGraph,
  type ScoreComponent,
  type ScorerModel,
  scorerVersion,
  weightedRowSumGraph,
} from './scorer';

export const CONTENT_KIND = 'content';

/** What the catalogue says about an item. */
export interface CatalogItem {
  id: string;
  /** Name and/or description, any language. */
  text?: string;
  /** Category, brand, colour, price, … Numbers are bucketed into catalogue quantile tiers. */
  attributes?: Record<string, string | number | boolean>;
}

export type ContentParams = {
  /** Largest embedding dimension; a smaller vocabulary is used as is. */
  dims: number;
  /** Weight of the (unit-length) text part relative to the (unit-length) attribute part. */
  textWeight: number;
  /** Tokens found in fewer catalogue items are dropped. */
  minDf: number;
  /** Quantile tiers per numeric attribute. */
  numericBins: number;
  /** History weight of an interaction `age` steps back: γ^age. */
  gamma: number;
  /** Popularity (scaled to max 1) times epsilon is added to every score. */
  epsilon: number;
  /** Seed of the random projection (used when the vocabulary exceeds dims). */
  seed: number;
};

/**
 * Not tuned on data (the public datasets have no item content): attributes and name count alike, and popularity
 * only breaks ties and fills the list for a shopper without known content (a content match scores 0.2–1). 512
 * dims keep the demo catalogue's vocabulary (424 tokens over 360 products) exact, at 2 KB per item.
 */
export const DEFAULT_CONTENT_PARAMS: ContentParams = {
  dims: 512,
  textWeight: 1,
  minDf: 2,
  numericBins: 5,
  gamma: 0.8,
  epsilon: 0.05,
  seed: 1,
};

export interface ContentModel extends ScorerModel {
  kind: typeof CONTENT_KIND;
  /** Embedding dimension d. */
  dim: number;
  /** items.length × dim, row-major, unit rows (zero rows for items without content). */
  embeddings: Float32Array;
  /** Interaction counts scaled to max 1. */
  popularity: Float32Array;
  params: ContentParams;
}

export interface TrainContentOptions extends Partial<ContentParams> {
  catalog: readonly CatalogItem[];
  /**
   * Items to score (catalogue entries outside it are ignored). Default: the catalogue, then history items missing
   * from it, in order of first appearance.
   */
  items?: readonly string[];
  /** Epoch ms recorded as trainedAt. Default Date.now(). */
  now?: number;
  version?: string;
}

/** Trains on the catalogue and the histories (oldest first; the histories only give popularity). */
export function trainContent(histories: readonly (readonly HistoryEntry[])[], opts: TrainContentOptions): ContentModel {
  const params = paramsFrom(DEFAULT_CONTENT_PARAMS, opts);
  checkParams(params);
  const now = opts.now ?? Date.now();
  const catalog = uniqueCatalog(opts.catalog);
  const items = itemList(histories, catalog, opts.items);
  const index = new Map(items.map((id, i) => [id, i]));
  const { counts, events, skipped } = countInteractions(histories, index);
  const described = catalog.filter((c) => index.has(c.id));
  const { dim, vectors } = embedCatalog(described, params);
  const embeddings = new Float32Array(items.length * dim);
  described.forEach((c, r) => {
    embeddings.set(vectors.subarray(r * dim, (r + 1) * dim), index.get(c.id)! * dim);
  });
  const max = counts.reduce((a, b) => Math.max(a, b), 0);
  const popularity = Float32Array.from(counts, (c) => (max > 0 ? c / max : 0));
  const tables = { items, dim, embeddings, popularity, params: { ...params } };
  return {
    kind: CONTENT_KIND,
    version: opts.version ?? scorerVersion(CONTENT_KIND, now),
    trainedAt: now,
    stats: { users: histories.length, events, skipped },
    ...tables,
    component: contentComponent(tables),
  };
}

function checkParams(p: ContentParams): void {
  const ok =
    Number.isInteger(p.dims) &&
    p.dims >= 1 &&
    Number.isFinite(p.textWeight) &&
    p.textWeight >= 0 &&
    Number.isInteger(p.minDf) &&
    p.minDf >= 1 &&
    Number.isInteger(p.numericBins) &&
    p.numericBins >= 1 &&
    p.gamma > 0 &&
    p.gamma <= 1 &&
    Number.isFinite(p.epsilon) &&
    p.epsilon >= 0 &&
    Number.isInteger(p.seed);
  if (!ok) throw new RangeError(`invalid content params: ${JSON.stringify(p)}`);
}

function uniqueCatalog(catalog: readonly CatalogItem[]): readonly CatalogItem[] {
  const seen = new Set<string>();
  for (const c of catalog) {
    if (seen.has(c.id)) throw new RangeError(`duplicate catalogue id: ${c.id}`);
    seen.add(c.id);
  }
  return catalog;
}

function itemList(
  histories: readonly (readonly HistoryEntry[])[],
  catalog: readonly CatalogItem[],
  given: readonly string[] | undefined,
): string[] {
  if (given) {
    if (new Set(given).size !== given.length) throw new RangeError('duplicate item id in items');
    if (given.length === 0) throw new RangeError('at least one item is required');
    return [...given];
  }
  const items = new Set(catalog.map((c) => c.id));
  for (const history of histories) for (const entry of history) items.add(historyItem(entry));
  if (items.size === 0) throw new RangeError('at least one item is required');
  return [...items];
}

function countInteractions(histories: readonly (readonly HistoryEntry[])[], index: ReadonlyMap<string, number>) {
  const counts = new Float64Array(index.size);
  let events = 0;
  let skipped = 0;
  for (const history of histories)
    for (const entry of history) {
      const i = index.get(historyItem(entry));
      if (i === undefined) skipped++;
      else {
        counts[i]! += 1;
        events++;
      }
    }
  return { counts, events, skipped };
}

// ---------------------------------------------------------------------------------------------------------------
// Item embeddings.

const EAST_ASIAN = /[\p{Script=Hangul}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** Text tokens: `w:word`, and for Hangul/Han/Kana words `g:` character bigrams (a 1-character word is its own). */
export function textTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const word of text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}]+/u)) {
    if (!word) continue;
    if (!EAST_ASIAN.test(word)) {
      tokens.push(`w:${word}`);
      continue;
    }
    const chars = [...word];
    if (chars.length >= 3) tokens.push(`w:${word}`);
    if (chars.length === 1) tokens.push(`g:${word}`);
    for (let c = 0; c + 1 < chars.length; c++) tokens.push(`g:${chars[c]}${chars[c + 1]}`);
  }
  return tokens;
}

/** Attribute tokens: `a:key=value` (strings, booleans) and `a:key#tier` (numbers; non-finite ones are skipped). */
function attributeTokens(item: CatalogItem, tiers: NumericTiers): string[] {
  const tokens: string[] = [];
  for (const [rawKey, value] of Object.entries(item.attributes ?? {})) {
    const key = normalise(rawKey);
    if (typeof value === 'number') {
      if (Number.isFinite(value)) tokens.push(`a:${key}#${tiers.tier(key, value)}`);
    } else tokens.push(`a:${key}=${normalise(String(value))}`);
  }
  return tokens;
}

function normalise(s: string): string {
  return s.normalize('NFKC').trim().toLowerCase();
}

interface NumericTiers {
  tier(key: string, value: number): number;
}

/** Quantile tiers per numeric attribute key: tier = ⌊bins · (values below it) / values⌋ over the catalogue. */
function numericTiers(catalog: readonly CatalogItem[], bins: number): NumericTiers {
  const values = new Map<string, number[]>();
  for (const item of catalog)
    for (const [key, value] of Object.entries(item.attributes ?? {}))
      if (typeof value === 'number' && Number.isFinite(value)) {
        const k = normalise(key);
        const list = values.get(k) ?? [];
        list.push(value);
        values.set(k, list);
      }
  for (const list of values.values()) list.sort((a, b) => a - b);
  return {
    tier(key, value) {
      const sorted = values.get(key)!;
      return Math.floor((bins * lowerBound(sorted, value)) / sorted.length);
    },
  };
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countTokens(tokens: readonly string[]): Map<string, number> {
  const bag = new Map<string, number>();
  for (const t of tokens) bag.set(t, (bag.get(t) ?? 0) + 1);
  return bag;
}

/** Unit-length embeddings of the catalogue items, row r for catalog[r]; all zero without any shared token. */
function embedCatalog(catalog: readonly CatalogItem[], params: ContentParams): { dim: number; vectors: Float32Array } {
  const tiers = numericTiers(catalog, params.numericBins);
  const bags = catalog.map((item) => ({
    attributes: countTokens(attributeTokens(item, tiers)),
    text: countTokens(textTokens(item.text ?? '')),
  }));
  const df = new Map<string, number>();
  for (const bag of bags)
    for (const t of [...bag.attributes.keys(), ...bag.text.keys()]) df.set(t, (df.get(t) ?? 0) + 1);
  const vocabulary = new Map<string, number>();
  for (const [t, n] of df) if (n >= params.minDf) vocabulary.set(t, vocabulary.size);
  const idf = (t: string) => Math.log((1 + catalog.length) / (1 + df.get(t)!)) + 1;
  const sparse = bags.map((bag) => [
    ...tfidf(bag.attributes, vocabulary, idf, 1),
    ...tfidf(bag.text, vocabulary, idf, params.textWeight),
  ]);
  const V = vocabulary.size;
  const dim = Math.max(1, Math.min(params.dims, V));
  const project = V > dim ? randomProjection(V, dim, params.seed) : undefined;
  const vectors = new Float32Array(catalog.length * dim);
  sparse.forEach((features, r) => {
    const row = new Float64Array(dim);
    for (const { f, x } of features) {
      if (!project) row[f]! += x;
      else for (let k = 0; k < dim; k++) row[k]! += x * project[f * dim + k]!;
    }
    const norm = length(row);
    if (norm > 0) for (let k = 0; k < dim; k++) vectors[r * dim + k] = row[k]! / norm;
  });
  return { dim, vectors };
}

/** A bag's in-vocabulary tokens as TF-IDF weights scaled to length `scale`. */
function tfidf(
  bag: ReadonlyMap<string, number>,
  vocabulary: ReadonlyMap<string, number>,
  idf: (token: string) => number,
  scale: number,
): { f: number; x: number }[] {
  const features: { f: number; x: number }[] = [];
  for (const [t, tf] of bag) {
    const f = vocabulary.get(t);
    if (f !== undefined) features.push({ f, x: tf * idf(t) });
  }
  const norm = length(features.map((e) => e.x));
  return norm > 0 ? features.map((e) => ({ f: e.f, x: (scale * e.x) / norm })) : [];
}

function length(values: ArrayLike<number>): number {
  let sq = 0;
  for (let k = 0; k < values.length; k++) sq += values[k]! ** 2;
  return Math.sqrt(sq);
}

/** V × d matrix of ±1, seeded (inner products are preserved in expectation). */
function randomProjection(V: number, d: number, seed: number): Int8Array {
  const rand = createRng(seed);
  return Int8Array.from({ length: V * d }, () => (rand() < 0.5 ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------------------------
// Scoring: the component that rankScorer and the ONNX graph share.

/** Added to the profile's length before dividing, so an empty profile stays 0. */
const PROFILE_FLOOR = 1e-12;

/**
 * scores = E · normalise(Σ_h w_h · γ^age_h · E[h]) + ε · popularity.
 *
 * history_items ─Gather(E [N,d])─▶ [L,d] ─Mul(w·γ^age [L,1])─ReduceSum(axis 0)─▶ p [d]
 *   p ─Div(Max(Sqrt(ReduceSum(p·p)), floor))─▶ p̂ ─Gemm(p̂ [1,d], Eᵀ, ε·popularity)─▶ [N]
 */
export function contentComponent(
  model: Pick<ContentModel, 'items' | 'dim' | 'embeddings' | 'popularity' | 'params'>,
): ScoreComponent {
  const N = model.items.length;
  const d = model.dim;
  const E = model.embeddings;
  if (E.length !== N * d) throw new Error(`embeddings must have ${N * d} values`);
  const { gamma, epsilon } = model.params;
  const popEps = Float32Array.from(model.popularity, (p) => Math.fround(epsilon * p));
  return {
    kind: CONTENT_KIND,
    params: { ...model.params },
    size: N,
    scores(history) {
      const profile = unitProfile(E, d, history.items, decayedWeights(history, gamma));
      const scores = new Float32Array(N);
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s = Math.fround(s + Math.fround(E[i * d + k]! * profile[k]!));
        scores[i] = s + popEps[i]!;
      }
      return scores;
    },
    graph(prefix, output) {
      const p = (name: string) => `${prefix}${name}`;
      const weights = decayedWeightsGraph(prefix, gamma);
      const profile = weightedRowSumGraph(prefix, p('embeddings'), p('profile'));
      const scoring = rowScoresGraph(prefix, p('embeddings'), p('unit_profile'), p('popularity_eps'), output);
      return {
        initializers: [
          ...weights.initializers,
          ...profile.initializers,
          ...scoring.initializers,
          floatTensor(p('embeddings'), [N, d], E),
          floatTensor(p('popularity_eps'), [N], popEps),
          floatTensor(p('floor'), [], Float32Array.of(PROFILE_FLOOR)),
        ],
        nodes: [
          ...weights.nodes,
          ...profile.nodes,
          node('Mul', [p('profile'), p('profile')], [p('profile_sq')]),
          node('ReduceSum', [p('profile_sq')], [p('profile_sq_sum')], [attr.int('keepdims', 0)]),
          node('Sqrt', [p('profile_sq_sum')], [p('profile_len')]),
          node('Max', [p('profile_len'), p('floor')], [p('profile_norm')]),
          node('Div', [p('profile'), p('profile_norm')], [p('unit_profile')]),
          ...scoring.nodes,
        ],
      };
    },
  };
}

/** float32 Σ_h w_h · E[h], divided by max(its length, floor), as the graph computes it. */
function unitProfile(E: Float32Array, d: number, items: Int32Array, w: Float32Array): Float32Array {
  const profile = new Float32Array(d);
  for (let h = 0; h < items.length; h++) {
    const row = items[h]! * d;
    for (let k = 0; k < d; k++) profile[k] = profile[k]! + Math.fround(w[h]! * E[row + k]!);
  }
  let sq = 0;
  for (let k = 0; k < d; k++) sq = Math.fround(sq + Math.fround(profile[k]! * profile[k]!));
  const norm = Math.max(Math.fround(Math.sqrt(sq)), Math.fround(PROFILE_FLOOR));
  for (let k = 0; k < d; k++) profile[k] = profile[k]! / norm;
  return profile;
}
