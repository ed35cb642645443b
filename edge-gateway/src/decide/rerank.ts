/**
 * The steps between a model's ranking and what a screen shows (issue #5, point 3): business filters, then
 * diversity by maximal marginal relevance. Pure functions over candidates, so each step is testable alone and the
 * decision pipeline composes them.
 */
import type { Product } from '@aisle/contracts';

export interface Candidate {
  itemId: string;
  /** The model's score; higher is better. */
  score: number;
}

export const FILTER_REASONS = ['unknown_item', 'out_of_stock', 'purchased_recently', 'category_excluded'] as const;
export type FilterReason = (typeof FILTER_REASONS)[number];

export interface FilterContext {
  /** The store's catalogue; an item outside it cannot be shown. */
  catalog: ReadonlyMap<string, Product>;
  /** Units on hand at this store. */
  onHand: (itemId: string) => number;
  /** Items this shopper bought recently (online or in a store). */
  purchasedRecently: ReadonlySet<string>;
  /** Categories this shopper (or the screen) must not be shown. */
  excludedCategories: ReadonlySet<string>;
}

/** Keeps candidates in order; every dropped one is returned with the first rule it broke. */
export function applyFilters(
  candidates: readonly Candidate[],
  ctx: FilterContext,
): { kept: Candidate[]; dropped: { itemId: string; reason: FilterReason }[] } {
  const kept: Candidate[] = [];
  const dropped: { itemId: string; reason: FilterReason }[] = [];
  for (const c of candidates) {
    const reason = filterReason(c.itemId, ctx);
    if (reason) dropped.push({ itemId: c.itemId, reason });
    else kept.push(c);
  }
  return { kept, dropped };
}

function filterReason(itemId: string, ctx: FilterContext): FilterReason | undefined {
  const product = ctx.catalog.get(itemId);
  if (!product) return 'unknown_item';
  if (!(ctx.onHand(itemId) > 0)) return 'out_of_stock';
  if (ctx.purchasedRecently.has(itemId)) return 'purchased_recently';
  if (ctx.excludedCategories.has(product.category)) return 'category_excluded';
  return undefined;
}

/**
 * How alike two products are, in [0, 1]: same category 0.5, same brand 0.3, and 0.2 × the share of attribute
 * values they have in common (Jaccard over `name=value` pairs). Ten lipsticks of one brand score near 1.
 */
export function productSimilarity(a: Product, b: Product): number {
  if (a.id === b.id) return 1;
  const pa = attributePairs(a);
  const pb = attributePairs(b);
  let shared = 0;
  for (let i = 0, j = 0; i < pa.length && j < pb.length; ) {
    if (pa[i] === pb[j]) {
      shared++;
      i++;
      j++;
    } else if (pa[i]! < pb[j]!) i++;
    else j++;
  }
  const union = pa.length + pb.length - shared;
  return (a.category === b.category ? 0.5 : 0) + (a.brand === b.brand ? 0.3 : 0) + (union ? (0.2 * shared) / union : 0);
}

// Products are immutable once loaded: each one's `name=value` pairs become a sorted list of interned numbers once,
// and two lists are compared by merging them.
const pairIds = new Map<string, number>();
const pairsOf = new WeakMap<Product, Int32Array>();
function attributePairs(p: Product): Int32Array {
  let pairs = pairsOf.get(p);
  if (!pairs) {
    const ids = new Set<number>();
    for (const [k, v] of Object.entries(p.attributes)) {
      const key = `${k}=${v}`;
      if (!pairIds.has(key)) pairIds.set(key, pairIds.size);
      ids.add(pairIds.get(key)!);
    }
    pairs = Int32Array.from(ids).sort();
    pairsOf.set(p, pairs);
  }
  return pairs;
}

/**
 * Maximal marginal relevance (Carbonell & Goldstein 1998): pick k items greedily, each maximising
 * λ · relevance − (1 − λ) · (its highest similarity to the items already picked), relevance being the score
 * rescaled to [0, 1] over the candidates. λ = 1 is the model's order; lower λ trades score for variety.
 */
export function mmr(
  candidates: readonly Candidate[],
  k: number,
  lambda: number,
  similarity: (a: string, b: string) => number,
): Candidate[] {
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`lambda must be in [0, 1], got ${lambda}`);
  const scores = candidates.map((c) => c.score);
  const min = Math.min(...scores);
  const span = Math.max(...scores) - min || 1;
  const relevance = candidates.map((c) => (c.score - min) / span);
  const closest = candidates.map(() => 0); // highest similarity to the picked items so far
  const left = new Set(candidates.map((_, i) => i));
  const picked: Candidate[] = [];
  while (picked.length < k && left.size > 0) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const i of left) {
      const value = lambda * relevance[i]! - (1 - lambda) * closest[i]!;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    left.delete(best);
    const chosen = candidates[best]!;
    picked.push(chosen);
    for (const i of left) closest[i] = Math.max(closest[i]!, similarity(candidates[i]!.itemId, chosen.itemId));
  }
  return picked;
}

/** Mean pairwise similarity of a list (0 for fewer than two items). */
export function intraListSimilarity(itemIds: readonly string[], similarity: (a: string, b: string) => number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < itemIds.length; i++)
    for (let j = i + 1; j < itemIds.length; j++) {
      sum += similarity(itemIds[i]!, itemIds[j]!);
      pairs++;
    }
  return pairs ? sum / pairs : 0;
}
