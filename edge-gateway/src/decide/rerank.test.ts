import type { Product } from '@aisle/contracts';
import { createRng } from '@aisle/recsys';
import { describe, expect, it } from 'vitest';
import { applyFilters, type Candidate, intraListSimilarity, mmr, productSimilarity } from './rerank';

function product(id: string, category: string, brand: string, attributes: Record<string, string> = {}): Product {
  return { id, name: { en: id, ko: id }, category, brand, price: 10, currency: 'USD', attributes };
}

describe('filters', () => {
  const catalog = new Map(
    [
      product('a', 'lips', 'Lumi'),
      product('b', 'lips', 'Lumi'),
      product('c', 'eyes', 'Oro'),
      product('d', 'hair', 'Oro'),
    ].map((p) => [p.id, p]),
  );
  const candidates: Candidate[] = ['a', 'b', 'c', 'd', 'zz'].map((itemId, i) => ({ itemId, score: 5 - i }));
  const stockOf = (stock: ReadonlyMap<string, number>) => (id: string) => stock.get(id) ?? 0;
  const stocked = new Map([
    ['a', 3],
    ['b', 1],
    ['c', 2],
    ['d', 4],
  ]);
  const base = {
    catalog,
    onHand: stockOf(stocked),
    purchasedRecently: new Set<string>(),
    excludedCategories: new Set<string>(),
  };

  it('keeps everything shown-able in the model order, and drops unknown items', () => {
    const { kept, dropped } = applyFilters(candidates, base);
    expect(kept.map((c) => c.itemId)).toEqual(['a', 'b', 'c', 'd']);
    expect(dropped).toEqual([{ itemId: 'zz', reason: 'unknown_item' }]);
  });

  it('drops items out of stock at this store (zero or not stocked)', () => {
    const stock = new Map(stocked);
    stock.set('b', 0);
    stock.delete('c');
    const { kept, dropped } = applyFilters(candidates, { ...base, onHand: stockOf(stock) });
    expect(kept.map((c) => c.itemId)).toEqual(['a', 'd']);
    expect(dropped.filter((d) => d.reason === 'out_of_stock').map((d) => d.itemId)).toEqual(['b', 'c']);
  });

  it('drops what the shopper already bought', () => {
    const { kept, dropped } = applyFilters(candidates, { ...base, purchasedRecently: new Set(['a']) });
    expect(kept.map((c) => c.itemId)).toEqual(['b', 'c', 'd']);
    expect(dropped).toContainEqual({ itemId: 'a', reason: 'purchased_recently' });
  });

  it('drops excluded categories', () => {
    const { kept, dropped } = applyFilters(candidates, { ...base, excludedCategories: new Set(['lips']) });
    expect(kept.map((c) => c.itemId)).toEqual(['c', 'd']);
    expect(dropped.filter((d) => d.reason === 'category_excluded').map((d) => d.itemId)).toEqual(['a', 'b']);
  });
});

describe('MMR diversity', () => {
  // 60 products: 6 categories × 2 brands; the model scores one category far above the rest (ten near-identical
  // lipsticks), with noise.
  const rand = createRng(3);
  const products = Array.from({ length: 60 }, (_, i) =>
    product(`p${i}`, `cat${i % 6}`, `brand${i % 2}`, { finish: i % 3 ? 'matte' : 'dewy' }),
  );
  const byId = new Map(products.map((p) => [p.id, p]));
  const sim = (a: string, b: string) => productSimilarity(byId.get(a)!, byId.get(b)!);
  const candidates = products
    .map((p, i) => ({ itemId: p.id, score: (i % 6 === 0 ? 1 : 0.85) + 0.1 * rand() }))
    .sort((a, b) => b.score - a.score);
  const total = (list: Candidate[]) => list.reduce((a, c) => a + c.score, 0);

  it('is the model order at λ = 1', () => {
    expect(mmr(candidates, 8, 1, sim)).toEqual(candidates.slice(0, 8));
  });

  it('lowers intra-list similarity at a bounded cost in predicted score', () => {
    const plain = candidates.slice(0, 8);
    const plainSim = intraListSimilarity(
      plain.map((c) => c.itemId),
      sim,
    );
    let previous = plainSim;
    for (const lambda of [0.9, 0.7, 0.5]) {
      const diverse = mmr(candidates, 8, lambda, sim);
      expect(diverse).toHaveLength(8);
      expect(new Set(diverse.map((c) => c.itemId)).size).toBe(8);
      const diverseSim = intraListSimilarity(
        diverse.map((c) => c.itemId),
        sim,
      );
      // lower λ, more variety: never more alike than the step before, and clearly less alike from 0.7 on
      expect(diverseSim).toBeLessThanOrEqual(previous);
      if (lambda <= 0.7) expect(diverseSim).toBeLessThan(plainSim * 0.8);
      previous = diverseSim;
      // the cost: at most 35 % of the top-8's summed score, and the best item always stays first
      expect(total(diverse)).toBeGreaterThanOrEqual(0.65 * total(plain));
      expect(diverse[0]).toEqual(plain[0]);
    }
  });

  it('rejects λ outside [0, 1] and handles fewer candidates than k', () => {
    expect(() => mmr(candidates, 3, 1.5, sim)).toThrow(RangeError);
    expect(mmr(candidates.slice(0, 2), 5, 0.5, sim)).toHaveLength(2);
    expect(mmr([], 5, 0.5, sim)).toEqual([]);
  });
});

describe('productSimilarity', () => {
  it('weighs category, brand and shared attributes', () => {
    const a = product('a', 'lips', 'Lumi', { finish: 'matte', shade: 'red' });
    expect(productSimilarity(a, a)).toBe(1);
    expect(productSimilarity(a, product('b', 'lips', 'Lumi', { finish: 'matte', shade: 'pink' }))).toBeCloseTo(
      0.5 + 0.3 + 0.2 / 3,
      9,
    );
    expect(productSimilarity(a, product('c', 'hair', 'Oro'))).toBe(0);
  });
});
