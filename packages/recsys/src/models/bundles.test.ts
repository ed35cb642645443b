import { describe, expect, it } from 'vitest';
import { basketHistory } from '../pipelines/holdout';
import { createRng } from '../random';
import { expectScorerParity } from '../testing/scorer-parity';
import { type BundlesModel, bundleFor, trainBundles, transactions } from './bundles';
import { rankScorer } from './scorer';

function strength(model: BundlesModel, from: string, to: string): number {
  const i = model.items.indexOf(from);
  const j = model.items.indexOf(to);
  for (let r = 0; r < model.width; r++)
    if (model.partners[i * model.width + r] === j && model.strengths[i * model.width + r]! > 0)
      return model.strengths[i * model.width + r]!;
  return 0;
}

// Six baskets over three shoppers: {a,b} {a,b,c} | {a,c} {b} | {d} {a,b}.
// T 6; n_a 4, n_b 4, n_c 2, n_d 1; c_ab 3, c_ac 2, c_bc 1.
// lift(a,b) = 3·6/(4·4) = 1.125, lift(a,c) = 2·6/(4·2) = 1.5, lift(b,c) = 1·6/(4·2) = 0.75.
// cosine(a,b) = 3/4, cosine(a,c) = 2/√8, cosine(b,c) = 1/√8.
const shoppers = [
  basketHistory([
    ['a', 'b'],
    ['a', 'b', 'c'],
  ]),
  basketHistory([['a', 'c'], ['b']]),
  basketHistory([['d'], ['a', 'b']]),
];

describe('trainBundles', () => {
  it('computes lift over baskets (same age = same basket)', () => {
    const m = trainBundles(shoppers, { liftWeight: 1, minSupport: 1, now: 0 });
    expect(m.items).toEqual(['a', 'b', 'c', 'd']);
    expect(m.stats).toEqual({ users: 3, events: 11, skipped: 0 });
    expect(strength(m, 'a', 'b')).toBeCloseTo(1.125, 6);
    expect(strength(m, 'a', 'c')).toBeCloseTo(1.5, 6);
    expect(strength(m, 'b', 'c')).toBeCloseTo(0.75, 6);
    expect(strength(m, 'c', 'a')).toBeCloseTo(1.5, 6); // symmetric
    expect(strength(m, 'a', 'd')).toBe(0);
    expect(Array.from(m.partners.subarray(0, 2)).map((j) => m.items[j])).toEqual(['c', 'b']);
    expect(Array.from(m.popularity)).toEqual([1, 1, 0.5, 0.25]);
  });

  it('blends cosine and lift with liftWeight', () => {
    const cosine = trainBundles(shoppers, { liftWeight: 0, minSupport: 1, now: 0 });
    expect(strength(cosine, 'a', 'b')).toBeCloseTo(0.75, 6);
    expect(strength(cosine, 'a', 'c')).toBeCloseTo(2 / Math.sqrt(8), 6);
    const half = trainBundles(shoppers, { liftWeight: 0.5, minSupport: 1, now: 0 });
    expect(strength(half, 'b', 'c')).toBeCloseTo(Math.sqrt(0.75 / Math.sqrt(8)), 6);
  });

  it('drops pairs below the minimum support', () => {
    const m = trainBundles(shoppers, { liftWeight: 1, minSupport: 2, now: 0 });
    expect(strength(m, 'a', 'c')).toBeCloseTo(1.5, 6);
    expect(strength(m, 'b', 'c')).toBe(0);
    expect(strength(m, 'c', 'b')).toBe(0);
  });

  it('treats plain sequences as windows of consecutive items', () => {
    const index = new Map(['a', 'b', 'c', 'x'].map((id, i) => [id, i]));
    const sets = (window: number) => transactions(['a', 'zz', 'b', 'c'], index, window).map((t) => [...t]);
    expect(sets(1)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(sets(2)).toEqual([[0, 1, 2]]);
    expect(sets(5)).toEqual([[0, 1, 2]]);
    // Events without ages are a sequence too; with ages they are baskets.
    expect(transactions([{ item: 'a' }, { item: 'b' }], index, 1).map((t) => [...t])).toEqual([[0, 1]]);
    expect(transactions(basketHistory([['a'], ['b']]), index, 1).map((t) => [...t])).toEqual([[0], [1]]);
  });

  it('ranks the complement bought with X first for X, above a popular staple', () => {
    // Milk is in every basket; the tie is bought with the shirt, the socks with the shoes.
    // n: milk 19, shirt 7, tie 6, shoes 6, socks 6. Strength (λ 0.5) = √(cosine · lift):
    // shirt–tie √(6/√42 · 6·19/42) = 1.585, shoes–socks √(1 · 19/6) = 1.780, shirt–milk 0.779, shoes–milk 0.750.
    const baskets: string[][] = [];
    for (let n = 0; n < 6; n++) baskets.push(['milk', 'shirt', 'tie'], ['milk', 'shoes', 'socks'], ['milk', 'bread']);
    baskets.push(['milk', 'shirt', 'bread']);
    const histories = baskets.map((b) => basketHistory([b]));
    const m = trainBundles(histories, { now: 0 });
    expect(bundleFor(m, ['shirt'], 1)).toEqual([{ itemId: 'tie', score: expect.closeTo(1.585, 3) }]);
    expect(bundleFor(m, ['shoes'], 3).map((r) => r.itemId)).toEqual(['socks', 'milk']);
    expect(bundleFor(m, ['shirt', 'shoes'], 3).map((r) => r.itemId)).toEqual(['socks', 'tie', 'milk']);
    expect(bundleFor(m, ['shirt', 'tie'], 5).map((r) => r.itemId)).toEqual(['milk']);
    expect(bundleFor(m, ['unknown'], 5)).toEqual([]);
    // The history component adds ε · popularity: with a small ε the complement leads, and without a history
    // popularity does.
    const scorer = trainBundles(histories, { epsilon: 0.1, now: 0 });
    expect(rankScorer(scorer, ['shirt'], 1)[0]!.itemId).toBe('tie');
    expect(rankScorer(scorer, [], 1)[0]!.itemId).toBe('milk');
  });

  it('rejects invalid params', () => {
    expect(() => trainBundles([['a']], { window: 0 })).toThrow(RangeError);
    expect(() => trainBundles([['a']], { minSupport: 0 })).toThrow(RangeError);
    expect(() => trainBundles([['a']], { liftWeight: 2 })).toThrow(RangeError);
    expect(() => trainBundles([['a']], { partners: 1.5 })).toThrow(RangeError);
    expect(() => trainBundles([['a']], { gamma: 0 })).toThrow(RangeError);
    expect(() => trainBundles([['a']], { items: ['a', 'a'] })).toThrow(RangeError);
    expect(() => trainBundles([])).toThrow(RangeError);
  });

  it('serves the same ranking through ONNX', async () => {
    const rand = createRng(3);
    const item = () => `i${Math.floor(rand() * rand() * 30)}`;
    const histories = Array.from({ length: 60 }, () =>
      basketHistory(Array.from({ length: 1 + Math.floor(rand() * 4) }, () => Array.from({ length: 4 }, item))),
    );
    const m = trainBundles(histories, { partners: 5, minSupport: 1, now: 0 });
    expect(await expectScorerParity(m)).toBeGreaterThan(0);
  });
});
