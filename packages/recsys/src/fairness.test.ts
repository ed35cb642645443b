import { describe, expect, it } from 'vitest';
import {
  calibrationKl,
  type FairnessItem,
  fairnessReport,
  gini,
  interactionCounts,
  popularityPercentiles,
  positionWeight,
  quantile,
} from './fairness';

/*
 * The hand-computed case: four items, two brands, two categories, prices 10..40, interactions a 4, b 3, c 2, d 1.
 * Price tertiles (type 7) of [10, 20, 30, 40]: h = 3·⅓ = 1 → 20, h = 3·⅔ = 2 → 30; tiers a, b low; c mid; d high.
 * Popularity percentiles (mid-rank / (n − 1)): d 0, c ⅓, b ⅔, a 1.
 */
const CATALOG: FairnessItem[] = [
  { id: 'a', brand: 'X', category: 'c1', price: 10 },
  { id: 'b', brand: 'X', category: 'c1', price: 20 },
  { id: 'c', brand: 'Y', category: 'c2', price: 30 },
  { id: 'd', brand: 'Y', category: 'c2', price: 40 },
];
const POPULARITY = new Map([
  ['a', 4],
  ['b', 3],
  ['c', 2],
  ['d', 1],
]);
const USERS = [
  { history: ['a', 'b'], recommended: ['c', 'd'] },
  { history: ['c'], recommended: ['a', 'c'] },
];
const L3 = 1 / Math.log2(3); // 0.6309298, the weight of rank 2

describe('fairnessReport on a hand-computed case', () => {
  const r = fairnessReport({ catalog: CATALOG, popularity: POPULARITY, users: USERS });

  it('popularity bias', () => {
    expect(r.users).toBe(2);
    expect(r.k).toBe(2);
    // user 1: rec (⅓ + 0)/2 = ⅙, history (1 + ⅔)/2 = ⅚; user 2: rec (1 + ⅓)/2 = ⅔, history ⅓
    expect(r.popularity.recommendedPercentile).toBeCloseTo((1 / 6 + 2 / 3) / 2, 10); // 5/12
    expect(r.popularity.historyPercentile).toBeCloseTo((5 / 6 + 1 / 3) / 2, 10); // 7/12
    // mean interactions: history (3.5 + 2)/2 = 2.75, lists (1.5 + 3)/2 = 2.25 → (2.25 − 2.75)/2.75 = −0.181818
    expect(r.popularity.lift).toBeCloseTo(-0.5 / 2.75, 10);
    // a, c, d of four items recommended
    expect(r.popularity.coverage).toBe(0.75);
    // slots per item sorted [0 (b), 1 (a), 1 (d), 2 (c)]: (−1·1 + 1·1 + 3·2)/(4·4) = 6/16
    expect(r.popularity.gini).toBeCloseTo(0.375, 10);
    // short head = ceil(4 · 0.2) = 1 item: a, shown once in 4 slots
    expect(r.popularity.shortHeadShare).toBe(0.25);
    expect(r.popularity.longTailShare).toBe(0.75);
  });

  it('exposure by brand: X is under-exposed against its catalog share and its interactions', () => {
    // exposure: c 1 + L3 (rank 1 for user 1, rank 2 for user 2), d L3, a 1; total 2 + 2·L3 = 3.2618596
    const total = 2 + 2 * L3;
    const [y, x] = r.exposure.brands;
    expect(y).toMatchObject({ group: 'Y', items: 2, catalogShare: 0.5, interactionShare: 0.3, underExposed: false });
    expect(y!.exposureShare).toBeCloseTo((1 + 2 * L3) / total, 10); // 0.693428
    expect(x).toMatchObject({ group: 'X', items: 2, catalogShare: 0.5, interactionShare: 0.7, underExposed: true });
    expect(x!.exposureShare).toBeCloseTo(1 / total, 10); // 0.306572
    expect(x!.catalogRatio).toBeCloseTo(2 / total, 10); // 0.613144 < 0.8
    expect(x!.interactionRatio).toBeCloseTo(1 / total / 0.7, 10); // 0.437960 < 0.8
  });

  it('exposure by price tier: low is flagged, high is not (its few sales explain its low exposure)', () => {
    expect(r.exposure.priceTierBounds).toEqual([20, 30]);
    const tier = (name: string) => r.exposure.priceTiers.find((t) => t.group === name)!;
    const total = 2 + 2 * L3;
    expect(tier('mid').exposureShare).toBeCloseTo(0.5, 10); // (1 + L3) / (2 + 2·L3)
    expect(tier('mid').catalogRatio).toBeCloseTo(2, 10); // 0.5 / 0.25
    expect(tier('low')).toMatchObject({ items: 2, underExposed: true });
    // high: L3/total = 0.193428 → 0.773712 of its catalog share, but 1.934 of its 10 % of interactions
    expect(tier('high').catalogRatio).toBeCloseTo((L3 / total) * 4, 10);
    expect(tier('high').interactionRatio).toBeCloseTo(L3 / total / 0.1, 10);
    expect(tier('high').underExposed).toBe(false);
    expect(r.exposure.priceTiers.map((t) => t.group)).toEqual(['mid', 'low', 'high']);
  });

  it('calibration (Steck 2018, α = 0.01)', () => {
    // user 1: p = {c1: 1}, q = {c2: 1}, q̃(c1) = 0.01 → ln 100 = 4.605170
    // user 2: p = {c2: 1}, q = {c1: ½, c2: ½}, q̃(c2) = 0.99·0.5 + 0.01 = 0.505 → −ln 0.505 = 0.683197
    const [u1, u2] = [Math.log(100), -Math.log(0.505)];
    const c = r.calibration.categories;
    expect(c.users).toBe(2);
    expect(c.mean).toBeCloseTo((u1 + u2) / 2, 10); // 2.644184
    expect(c.median).toBeCloseTo((u1 + u2) / 2, 10);
    expect(c.p90).toBeCloseTo(u2 + 0.9 * (u1 - u2), 10); // 4.212973
    expect(c.max).toBeCloseTo(u1, 10);
    // price tiers: user 1 history low/low vs list mid/high; user 2 history mid vs low/mid: the same two values
    expect(r.calibration.priceTiers.mean).toBeCloseTo((u1 + u2) / 2, 10);
  });
});

describe('fairness properties', () => {
  const catalog = Array.from({ length: 10 }, (_, i) => ({
    id: `i${i}`,
    brand: i < 5 ? 'A' : 'B',
    category: i % 2 ? 'odd' : 'even',
    price: 10 + i,
  }));
  const ids = catalog.map((c) => c.id);

  it('a uniform recommender (every item shown equally often) has Gini 0 and full coverage', () => {
    const users = ids.map((_, u) => ({ history: [ids[u]!], recommended: [...ids.slice(u), ...ids.slice(0, u)] }));
    const r = fairnessReport({ catalog, popularity: interactionCounts([ids]), users });
    expect(r.popularity.gini).toBe(0);
    expect(r.popularity.coverage).toBe(1);
    // every rank goes once to every item: every group's exposure equals its catalog share
    for (const g of [...r.exposure.brands, ...r.exposure.priceTiers]) {
      expect(g.catalogRatio).toBeCloseTo(1, 10);
      expect(g.underExposed).toBe(false);
    }
  });

  it('one item shown to everybody: Gini (n − 1)/n, coverage 1/n, the short head takes every slot', () => {
    const popularity = new Map(ids.map((id, i) => [id, 10 - i])); // i0 the most popular
    const users = ids.map((id) => ({ history: [id], recommended: ['i0'] }));
    const r = fairnessReport({ catalog, popularity, users });
    expect(r.popularity.gini).toBeCloseTo(0.9, 10);
    expect(r.popularity.coverage).toBe(0.1);
    expect(r.popularity.shortHeadShare).toBe(1);
    expect(r.popularity.recommendedPercentile).toBe(1);
    expect(r.popularity.lift).toBeGreaterThan(0);
    expect(r.exposure.brands.find((g) => g.group === 'B')).toMatchObject({ exposureShare: 0, underExposed: true });
  });

  it('lists with the category mix of each history are perfectly calibrated (KL 0)', () => {
    const users = [
      { history: ['i0', 'i1'], recommended: ['i2', 'i3'] }, // even/odd → even/odd
      { history: ['i0', 'i2'], recommended: ['i4', 'i6', 'i8'] }, // all even → all even
    ];
    const r = fairnessReport({ catalog, popularity: new Map(), users });
    expect(r.calibration.categories).toMatchObject({ users: 2, mean: 0, max: 0 });
    expect(r.popularity.lift).toBeNull(); // no interactions: nothing to compare to
  });

  it('ignores items outside the catalog and users without a list; rejects an empty catalog', () => {
    const r = fairnessReport({
      catalog,
      popularity: new Map(),
      users: [
        { history: ['ghost', 'i0'], recommended: ['ghost', 'i1'] },
        { history: ['i1'], recommended: [] },
      ],
    });
    expect(r.popularity.coverage).toBe(0.1);
    expect(r.calibration.categories.users).toBe(1);
    expect(() => fairnessReport({ catalog: [], popularity: new Map(), users: [] })).toThrow(/catalog is empty/);
  });
});

describe('fairness building blocks', () => {
  it('gini, quantile, percentiles, position weights, KL', () => {
    expect(gini([])).toBe(0);
    expect(gini([3, 3, 3])).toBe(0);
    expect(gini([0, 0, 0, 4])).toBeCloseTo(0.75, 10); // (3·4)/(4·4)
    expect(quantile([10, 20, 30, 40], 0.5)).toBe(25);
    // ties share the mid-rank: counts [1, 2, 2, 5] → 0, (1 + 0.5)/3, (1 + 0.5)/3, 1
    const p = popularityPercentiles(
      ['w', 'x', 'y', 'z'],
      new Map([
        ['w', 1],
        ['x', 2],
        ['y', 2],
        ['z', 5],
      ]),
    );
    expect([...p.values()]).toEqual([0, 0.5, 0.5, 1]);
    expect(positionWeight(1)).toBe(1);
    expect(positionWeight(3)).toBe(0.5); // 1/log2(4)
    const same = new Map([
      ['a', 0.5],
      ['b', 0.5],
    ]);
    expect(calibrationKl(same, same)).toBe(0);
  });
});
