/**
 * Offline evaluation metrics. All pure; `k` is always a parameter (a positive integer).
 *
 * Per-user ranking metrics take the ranked predictions (best first) and the truth: one target item (the
 * next-item protocol, e.g. Beauty) or a set of items (the next-basket protocol, e.g. Ta-Feng). Only the top `k`
 * predictions count. Predictions are expected to be unique; a repeated item counts only at its first position.
 * Truth is treated as a set. With empty truth, recall/ndcg/mrr/hitRate are undefined and return NaN (`evaluate`
 * skips such users); precision is hits / k, so 0.
 *
 * For a single target t at 0-based rank r (r < k): hitRate = 1, ndcg = 1/log2(r+2), mrr = 1/(r+1), recall = 1,
 * precision = 1/k. With a one-item truth, `recallAtK` equals `hitRate` and `ndcgBinary` equals `ndcg`.
 *
 * List / catalogue metrics (beyond accuracy):
 * - catalogCoverage: distinct recommended items over all lists / catalogue size.
 * - intraListDiversity: mean over unordered pairs of a list of 1 − similarity (NaN for lists under 2 items).
 * - novelty: mean over all recommended items (every position of every list) of −log2 p(i), with
 *   p(i) = popularity(i) / total (total defaults to the sum of all popularity counts). Items with a count below 1
 *   (including unknown ones) are counted as 1, so the value stays finite.
 * - popularityBias: mean popularity PERCENTILE of the recommended items (every position of every list), where the
 *   percentile of an item with count c among the n items of `popularity` is (#{count < c} + ½·#{count = c}) / n
 *   (mid-rank; unknown items have count 0). 0.5 ≈ items as popular as a random catalogue item; near 1 = only
 *   blockbusters. Scale-free, unlike the raw average recommendation popularity (ARP).
 */

export type Truth = string | readonly string[];

function checkK(k: number): void {
  if (!(Number.isInteger(k) && k > 0)) throw new RangeError(`k must be a positive integer, got ${k}`);
}

/** Metric value for empty truth (after still validating k). */
function undefinedFor(k: number): number {
  checkK(k);
  return Number.NaN;
}

function truthSet(truth: Truth): Set<string> {
  return new Set(typeof truth === 'string' ? [truth] : truth);
}

/** 0-based ranks (within the top k, first occurrences only) of the predictions that are in the truth. */
function hitRanks(pred: readonly string[], truth: ReadonlySet<string>, k: number): number[] {
  checkK(k);
  const ranks: number[] = [];
  const seen = new Set<string>();
  const n = Math.min(k, pred.length);
  for (let r = 0; r < n; r++) {
    const item = pred[r]!;
    if (seen.has(item)) continue;
    seen.add(item);
    if (truth.has(item)) ranks.push(r);
  }
  return ranks;
}

/** 1 if any truth item is in the top k, else 0. */
export function hitRate(pred: readonly string[], truth: Truth, k: number): number {
  const t = truthSet(truth);
  if (t.size === 0) return undefinedFor(k);
  return hitRanks(pred, t, k).length > 0 ? 1 : 0;
}

/** |top-k ∩ truth| / |truth|. */
export function recall(pred: readonly string[], truth: Truth, k: number): number {
  const t = truthSet(truth);
  if (t.size === 0) return undefinedFor(k);
  return hitRanks(pred, t, k).length / t.size;
}

/** Next-basket name for `recall`: |top-k ∩ truth| / |truth|. */
export const recallAtK = recall;

/** |top-k ∩ truth| / k (k, not the list length, so short lists are penalised). */
export function precision(pred: readonly string[], truth: Truth, k: number): number {
  return hitRanks(pred, truthSet(truth), k).length / k;
}

/** 1/(r+1) for the first truth item at 0-based rank r < k, else 0. */
export function mrr(pred: readonly string[], truth: Truth, k: number): number {
  const t = truthSet(truth);
  if (t.size === 0) return undefinedFor(k);
  const first = hitRanks(pred, t, k)[0];
  return first === undefined ? 0 : 1 / (first + 1);
}

/**
 * Binary-relevance NDCG@k: DCG = Σ over hits at 0-based rank r of 1/log2(r+2); ideal DCG = Σ_{r<min(k,|truth|)}
 * 1/log2(r+2). The Ta-Feng protocol.
 */
export function ndcgBinary(pred: readonly string[], truth: Truth, k: number): number {
  const t = truthSet(truth);
  if (t.size === 0) return undefinedFor(k);
  let dcg = 0;
  for (const r of hitRanks(pred, t, k)) dcg += 1 / Math.log2(r + 2);
  let idcg = 0;
  for (let r = 0; r < Math.min(k, t.size); r++) idcg += 1 / Math.log2(r + 2);
  return dcg / idcg;
}

/**
 * NDCG@k for one target (the Beauty protocol): 1/log2(rank+2) if the target is at 0-based rank < k, else 0.
 * Given several truth items it is `ndcgBinary`.
 */
export function ndcg(pred: readonly string[], truth: Truth, k: number): number {
  return ndcgBinary(pred, truth, k);
}

/** Distinct items over all lists (top k of each if `k` is given) / catalogSize. */
export function catalogCoverage(lists: Iterable<readonly string[]>, catalogSize: number, k?: number): number {
  if (!(catalogSize > 0)) throw new RangeError('catalogSize must be positive');
  if (k !== undefined) checkK(k);
  const seen = new Set<string>();
  for (const list of lists) for (const item of k === undefined ? list : list.slice(0, k)) seen.add(item);
  return seen.size / catalogSize;
}

/** Mean over unordered pairs {i, j} of the list of 1 − similarity(i, j); NaN if the list has fewer than 2 items. */
export function intraListDiversity(list: readonly string[], similarity: (a: string, b: string) => number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      sum += 1 - similarity(list[i]!, list[j]!);
      pairs++;
    }
  }
  return pairs === 0 ? Number.NaN : sum / pairs;
}

function sumCounts(popularity: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const c of popularity.values()) total += c;
  return total;
}

/**
 * Mean −log2 p(i) over every recommended item, p(i) = max(1, popularity(i)) / total; `total` defaults to the sum
 * of the counts (so p is the item's share of interactions; pass the user count for "share of users"). NaN if the
 * lists are empty.
 */
export function novelty(
  lists: Iterable<readonly string[]>,
  popularity: ReadonlyMap<string, number>,
  total: number = sumCounts(popularity),
): number {
  if (!(total > 0)) throw new RangeError('total popularity must be positive');
  let sum = 0;
  let n = 0;
  for (const list of lists) {
    for (const item of list) {
      sum += -Math.log2(Math.max(1, popularity.get(item) ?? 0) / total);
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

/**
 * Mean popularity percentile of every recommended item: (#{items with count < c} + ½·#{count = c}) / n over the
 * n items of `popularity`. NaN if the lists are empty.
 */
export function popularityBias(lists: Iterable<readonly string[]>, popularity: ReadonlyMap<string, number>): number {
  const counts = [...popularity.values()].sort((a, b) => a - b);
  const n = counts.length;
  if (n === 0) throw new RangeError('popularity must not be empty');
  // #{count < c} and #{count <= c} by binary search.
  const below = (c: number, inclusive: boolean) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const v = counts[mid]!;
      if (v < c || (inclusive && v === c)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let sum = 0;
  let m = 0;
  for (const list of lists) {
    for (const item of list) {
      const c = popularity.get(item) ?? 0;
      const less = below(c, false);
      sum += (less + 0.5 * (below(c, true) - less)) / n;
      m++;
    }
  }
  return m === 0 ? Number.NaN : sum / m;
}
