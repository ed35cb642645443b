/**
 * Fairness and transparency of a recommender's lists (issue #8, point 7): popularity bias, exposure across brands
 * and price tiers, and calibration (Steck 2018). Every metric is computed from what the lists show, the catalog,
 * and the interactions the model learnt from; docs/privacy/fairness.md defines each one and says how to read it.
 */

/** The catalog fields the report groups by. Prices are compared as numbers: one catalog, one currency. */
export interface FairnessItem {
  id: string;
  brand: string;
  category: string;
  price: number;
}

/** One user as the report sees them: what they interacted with, and the list the model gave them, best first. */
export interface FairnessUser {
  history: readonly string[];
  recommended: readonly string[];
}

export interface FairnessInput {
  catalog: readonly FairnessItem[];
  /** How often each item occurs in the training interactions (absent = 0). */
  popularity: ReadonlyMap<string, number>;
  users: readonly FairnessUser[];
}

export interface PopularityBias {
  /** Mean (over users) of the mean popularity percentile of their recommended items, 0..1 (1 = most popular). */
  recommendedPercentile: number;
  /** The same over the items in their histories. */
  historyPercentile: number;
  /**
   * Relative change of the mean interaction count from history to recommendations (Abdollahpouri et al. 2019,
   * ΔGAP): 0 = the lists are as popular as what users chose, 1 = twice as popular. Null when histories are empty.
   */
  lift: number | null;
  /** Distinct recommended items / catalog items. */
  coverage: number;
  /** Gini coefficient of how often each catalog item is recommended: 0 = every item equally, → 1 = one item. */
  gini: number;
  /** Share of recommendation slots taken by the 20 % most popular catalog items (the short head). */
  shortHeadShare: number;
  /** 1 − shortHeadShare: the share going to the long tail. */
  longTailShare: number;
}

export interface GroupExposure {
  group: string;
  items: number;
  /** Position-discounted exposure (1/log2(1+rank)) of the group's items / that of every item shown. */
  exposureShare: number;
  /** The group's items / catalog items. */
  catalogShare: number;
  /** The group's interactions / all interactions. */
  interactionShare: number;
  /** exposureShare / catalogShare (1 = exposed as much as its size in the catalog). */
  catalogRatio: number;
  /** exposureShare / interactionShare; null when the group has no interactions. */
  interactionRatio: number | null;
  /** Exposed under UNDER_EXPOSED_RATIO of both its catalog share and its interaction share. */
  underExposed: boolean;
}

export interface CalibrationSummary {
  /** Users with both a history and a list. */
  users: number;
  mean: number;
  median: number;
  p90: number;
  max: number;
}

export interface FairnessMetrics {
  users: number;
  catalogItems: number;
  /** The longest list evaluated (lists may be shorter when items are excluded). */
  k: number;
  popularity: PopularityBias;
  exposure: {
    brands: GroupExposure[];
    priceTiers: GroupExposure[];
    /** Upper price bounds of the low and mid tiers (the catalog's price tertiles). */
    priceTierBounds: [number, number];
    underExposedRatio: number;
  };
  calibration: { alpha: number; categories: CalibrationSummary; priceTiers: CalibrationSummary };
}

/**
 * A group is flagged when its exposure is below four fifths of both its catalog share and its interaction share.
 * Four fifths is the "80 % rule" used to screen for disparate impact (US EEOC Uniform Guidelines, 1978): a
 * selection rate under 80 % of the reference is the conventional first sign of adverse impact. Requiring both
 * shares keeps a group that shoppers rarely buy from being flagged only for reflecting that demand.
 */
export const UNDER_EXPOSED_RATIO = 0.8;

/** The mixing weight of Steck's q̃ = (1−α)q + αp, which keeps KL finite when a list misses a category. */
export const CALIBRATION_ALPHA = 0.01;

/** The short head: this share of the catalog, most popular first. */
export const SHORT_HEAD_SHARE = 0.2;

export const PRICE_TIERS = ['low', 'mid', 'high'] as const;

/** Position discount of the 1-based rank r, as in DCG. */
export const positionWeight = (rank: number): number => 1 / Math.log2(1 + rank);

/** Gini coefficient of non-negative values (sorted ascending: Σ (2i − n − 1)·x_i / (n·Σx), i from 1); 0 if all 0. */
export function gini(values: readonly number[]): number {
  const xs = [...values].sort((a, b) => a - b);
  const n = xs.length;
  const total = xs.reduce((s, x) => s + x, 0);
  if (n === 0 || total === 0) return 0;
  return xs.reduce((s, x, i) => s + (2 * (i + 1) - n - 1) * x, 0) / (n * total);
}

/**
 * Popularity percentile of each catalog item, 0..1: the share of other catalog items strictly less popular, with
 * ties counted half (mid-rank), scaled so the least popular item of a catalog without ties is 0 and the most 1.
 */
export function popularityPercentiles(
  ids: readonly string[],
  popularity: ReadonlyMap<string, number>,
): Map<string, number> {
  const counts = ids.map((id) => popularity.get(id) ?? 0);
  const sorted = [...counts].sort((a, b) => a - b);
  const out = new Map<string, number>();
  if (ids.length === 1) out.set(ids[0]!, 0.5);
  if (ids.length <= 1) return out;
  ids.forEach((id, i) => {
    const c = counts[i]!;
    const below = bound(sorted, (x) => x < c);
    const equal = bound(sorted, (x) => x <= c) - below;
    out.set(id, (below + (equal - 1) / 2) / (ids.length - 1));
  });
  return out;
}

/** The first index of a sorted array where `before` no longer holds. */
function bound(sorted: readonly number[], before: (x: number) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(sorted[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The p-quantile of sorted values, linear between order statistics (Hyndman & Fan type 7, R's default). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]!);
}

/** The tier of a price: low ≤ the 1/3 quantile of catalog prices < mid ≤ the 2/3 quantile < high. */
export function priceTier(price: number, bounds: readonly [number, number]): (typeof PRICE_TIERS)[number] {
  return price <= bounds[0] ? 'low' : price <= bounds[1] ? 'mid' : 'high';
}

/** KL(p‖q̃) in nats with q̃ = (1−α)q + αp (Steck 2018, eq. 4); p and q are distributions over the same keys. */
export function calibrationKl(
  p: ReadonlyMap<string, number>,
  q: ReadonlyMap<string, number>,
  alpha = CALIBRATION_ALPHA,
): number {
  let kl = 0;
  for (const [g, pg] of p) {
    if (pg <= 0) continue;
    const qg = (1 - alpha) * (q.get(g) ?? 0) + alpha * pg;
    kl += pg * Math.log(pg / qg);
  }
  return Math.max(0, kl);
}

/** The distribution of `groupOf` over items (each counts once per occurrence); unknown items are skipped. */
function distribution(items: readonly string[], groupOf: (id: string) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  let n = 0;
  for (const id of items) {
    const g = groupOf(id);
    if (g === undefined) continue;
    counts.set(g, (counts.get(g) ?? 0) + 1);
    n++;
  }
  for (const [g, c] of counts) counts.set(g, c / n);
  return counts;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

function summary(values: number[]): CalibrationSummary {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { users: 0, mean: 0, median: 0, p90: 0, max: 0 };
  return {
    users: sorted.length,
    mean: mean(sorted),
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    max: sorted.at(-1)!,
  };
}

/** Exposure, catalog and interaction shares of each group, largest exposure first (ties by name). */
function groupExposure(
  catalog: readonly FairnessItem[],
  groupOf: (item: FairnessItem) => string,
  popularity: ReadonlyMap<string, number>,
  exposure: ReadonlyMap<string, number>,
): GroupExposure[] {
  const groups = new Map<string, { items: number; interactions: number; exposure: number }>();
  let interactions = 0;
  let exposed = 0;
  for (const item of catalog) {
    const key = groupOf(item);
    const g = groups.get(key) ?? { items: 0, interactions: 0, exposure: 0 };
    g.items++;
    g.interactions += popularity.get(item.id) ?? 0;
    g.exposure += exposure.get(item.id) ?? 0;
    groups.set(key, g);
    interactions += popularity.get(item.id) ?? 0;
    exposed += exposure.get(item.id) ?? 0;
  }
  return [...groups]
    .map(([group, g]) => {
      const exposureShare = exposed > 0 ? g.exposure / exposed : 0;
      const catalogShare = g.items / catalog.length;
      const interactionShare = interactions > 0 ? g.interactions / interactions : 0;
      const catalogRatio = exposureShare / catalogShare;
      const interactionRatio = interactionShare > 0 ? exposureShare / interactionShare : null;
      return {
        group,
        items: g.items,
        exposureShare,
        catalogShare,
        interactionShare,
        catalogRatio,
        interactionRatio,
        underExposed:
          exposed > 0 &&
          catalogRatio < UNDER_EXPOSED_RATIO &&
          (interactionRatio === null || interactionRatio < UNDER_EXPOSED_RATIO),
      };
    })
    .sort((a, b) => b.exposureShare - a.exposureShare || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

/**
 * The fairness report of a set of lists. Items not in the catalog are ignored everywhere (a list or history that
 * names one is read without it). Throws on an empty catalog: nothing could be measured against it.
 */
export function fairnessReport(input: FairnessInput): FairnessMetrics {
  const { catalog, popularity } = input;
  if (catalog.length === 0) throw new RangeError('the catalog is empty: there is nothing to measure exposure against');
  const byId = new Map(catalog.map((item) => [item.id, item]));
  const known = (ids: readonly string[]) => ids.filter((id) => byId.has(id));
  const users = input.users.map((u) => ({ history: known(u.history), recommended: known(u.recommended) }));
  const ids = catalog.map((i) => i.id);
  const count = (id: string) => popularity.get(id) ?? 0;

  // popularity bias
  const percentile = popularityPercentiles(ids, popularity);
  const withLists = users.filter((u) => u.recommended.length > 0);
  const withBoth = withLists.filter((u) => u.history.length > 0);
  const meanOf = (list: readonly string[], f: (id: string) => number) => mean(list.map(f));
  const historyPop = mean(withBoth.map((u) => meanOf(u.history, count)));
  const recommendedPop = mean(withBoth.map((u) => meanOf(u.recommended, count)));
  const slots = new Map<string, number>();
  const exposure = new Map<string, number>();
  let totalSlots = 0;
  for (const u of users)
    u.recommended.forEach((id, i) => {
      slots.set(id, (slots.get(id) ?? 0) + 1);
      exposure.set(id, (exposure.get(id) ?? 0) + positionWeight(i + 1));
      totalSlots++;
    });
  const headSize = Math.ceil(catalog.length * SHORT_HEAD_SHARE);
  const head = new Set([...ids].sort((a, b) => count(b) - count(a) || (a < b ? -1 : a > b ? 1 : 0)).slice(0, headSize));
  let headSlots = 0;
  for (const [id, n] of slots) if (head.has(id)) headSlots += n;
  const shortHeadShare = totalSlots > 0 ? headSlots / totalSlots : 0;

  // exposure across brands and price tiers
  const prices = catalog.map((i) => i.price).sort((a, b) => a - b);
  const bounds: [number, number] = [quantile(prices, 1 / 3), quantile(prices, 2 / 3)];
  const tierOf = (id: string) => {
    const item = byId.get(id);
    return item && priceTier(item.price, bounds);
  };

  // calibration
  const categoryOf = (id: string) => byId.get(id)?.category;
  const kl = (groupOf: (id: string) => string | undefined) =>
    withBoth.map((u) => calibrationKl(distribution(u.history, groupOf), distribution(u.recommended, groupOf)));

  return {
    users: users.length,
    catalogItems: catalog.length,
    k: Math.max(0, ...users.map((u) => u.recommended.length)),
    popularity: {
      recommendedPercentile: mean(withLists.map((u) => meanOf(u.recommended, (id) => percentile.get(id)!))),
      historyPercentile: mean(withBoth.map((u) => meanOf(u.history, (id) => percentile.get(id)!))),
      lift: historyPop > 0 ? (recommendedPop - historyPop) / historyPop : null,
      coverage: slots.size / catalog.length,
      gini: gini(ids.map((id) => slots.get(id) ?? 0)),
      shortHeadShare,
      longTailShare: totalSlots > 0 ? 1 - shortHeadShare : 0,
    },
    exposure: {
      brands: groupExposure(catalog, (i) => i.brand, popularity, exposure),
      priceTiers: groupExposure(catalog, (i) => tierOf(i.id)!, popularity, exposure),
      priceTierBounds: bounds,
      underExposedRatio: UNDER_EXPOSED_RATIO,
    },
    calibration: {
      alpha: CALIBRATION_ALPHA,
      categories: summary(kl(categoryOf)),
      priceTiers: summary(kl(tierOf)),
    },
  };
}

/** How often each item occurs in a list of interactions (sequences, baskets, ...), for `popularity`. */
export function interactionCounts(interactions: Iterable<readonly string[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const seq of interactions) for (const id of seq) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
