import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate';
import {
  catalogCoverage,
  hitRate,
  intraListDiversity,
  mrr,
  ndcg,
  ndcgBinary,
  novelty,
  popularityBias,
  precision,
  recall,
  recallAtK,
} from './metrics';

const PRED = ['a', 'b', 'c', 'd', 'e'];

describe('single-target metrics (next-item protocol)', () => {
  it('hitRate: target in the top k', () => {
    expect(hitRate(PRED, 'c', 3)).toBe(1); // c at rank 2 < 3
    expect(hitRate(PRED, 'c', 2)).toBe(0); // top 2 = a, b
    expect(hitRate(PRED, 'z', 5)).toBe(0);
  });

  it('ndcg = 1/log2(rank+2), rank from 0', () => {
    expect(ndcg(PRED, 'a', 10)).toBe(1); // 1/log2(2) = 1
    expect(ndcg(PRED, 'b', 10)).toBeCloseTo(0.6309298, 6); // 1/log2(3) = 1/1.5849625
    expect(ndcg(PRED, 'd', 10)).toBeCloseTo(0.4306766, 6); // 1/log2(5) = 1/2.3219281
    expect(ndcg(PRED, 'd', 3)).toBe(0); // rank 3 is not < 3
  });

  it('mrr = 1/(rank+1)', () => {
    expect(mrr(PRED, 'c', 5)).toBeCloseTo(1 / 3, 12); // rank 2
    expect(mrr(PRED, 'e', 4)).toBe(0); // rank 4 outside top 4
  });

  it('recall and precision with one target', () => {
    expect(recall(PRED, 'b', 2)).toBe(1); // 1 hit / 1 target
    expect(precision(PRED, 'b', 2)).toBe(0.5); // 1 hit / k=2
    expect(precision(PRED, 'b', 10)).toBe(0.1); // divides by k even though only 5 predictions
  });

  it('a repeated prediction counts only at its first position', () => {
    expect(ndcg(['x', 'x', 'b'], 'b', 3)).toBe(0.5); // b at rank 2: 1/log2(4) = 0.5
    expect(recall(['b', 'b'], ['b', 'c'], 2)).toBe(0.5); // 1 distinct hit / 2
  });

  it('rejects a bad k and gives NaN for empty truth', () => {
    expect(() => hitRate(PRED, 'a', 0)).toThrow(RangeError);
    expect(() => ndcg(PRED, 'a', 1.5)).toThrow(RangeError);
    expect(recall(PRED, [], 3)).toBeNaN();
    expect(precision(PRED, [], 3)).toBe(0);
  });
});

describe('basket metrics (next-basket protocol)', () => {
  const truth = ['b', 'd', 'x', 'y'];

  it('recallAtK = |topK ∩ truth| / |truth|', () => {
    expect(recallAtK(PRED, truth, 3)).toBe(0.25); // top3 = a,b,c; ∩ = {b}; 1/4
    expect(recallAtK(PRED, truth, 5)).toBe(0.5); // ∩ = {b, d}; 2/4
    expect(recallAtK(PRED, ['b', 'b', 'd'], 5)).toBe(1); // truth is a set {b, d}: 2/2
  });

  it('ndcgBinary: ideal DCG over min(k, |truth|)', () => {
    // k=5: DCG = 1/log2(3) + 1/log2(5) = 0.6309298 + 0.4306766 = 1.0616064
    // IDCG over min(5,4)=4: 1 + 0.6309298 + 0.5 + 0.4306766 = 2.5616064
    expect(ndcgBinary(PRED, truth, 5)).toBeCloseTo(1.0616064 / 2.5616064, 6); // 0.4144276
    // k=2: DCG = 1/log2(3) = 0.6309298; IDCG over min(2,4)=2: 1 + 0.6309298 = 1.6309298
    expect(ndcgBinary(PRED, truth, 2)).toBeCloseTo(0.6309298 / 1.6309298, 6); // 0.3868528
    // |truth| = 1 < k: IDCG = 1, so it equals the single-target ndcg.
    expect(ndcgBinary(PRED, ['b'], 10)).toBe(ndcg(PRED, 'b', 10));
    // perfect prediction: DCG = IDCG
    expect(ndcgBinary(['b', 'd'], ['d', 'b'], 10)).toBeCloseTo(1, 12);
  });

  it('hitRate, mrr and precision on a basket', () => {
    expect(hitRate(PRED, truth, 1)).toBe(0); // top1 = a
    expect(mrr(PRED, truth, 5)).toBe(0.5); // first hit b at rank 1
    expect(precision(PRED, truth, 5)).toBe(0.4); // 2 hits / 5
  });
});

describe('list and catalogue metrics', () => {
  it('catalogCoverage = distinct items / catalog size', () => {
    const lists = [
      ['a', 'b', 'c'],
      ['b', 'd', 'e'],
    ];
    expect(catalogCoverage(lists, 10)).toBe(0.5); // {a,b,c,d,e} = 5 / 10
    expect(catalogCoverage(lists, 10, 1)).toBe(0.2); // top1: {a, b} = 2 / 10
    expect(() => catalogCoverage(lists, 0)).toThrow(RangeError);
  });

  it('intraListDiversity = mean pairwise 1 − sim', () => {
    const sims: Record<string, number> = { 'a|b': 0.5, 'a|c': 0, 'b|c': 1 };
    const sim = (x: string, y: string) => sims[[x, y].sort().join('|')] ?? 0;
    // pairs: (a,b) 1−0.5 = 0.5, (a,c) 1−0 = 1, (b,c) 1−1 = 0 → 1.5 / 3 = 0.5
    expect(intraListDiversity(['a', 'b', 'c'], sim)).toBe(0.5);
    expect(intraListDiversity(['c', 'a'], sim)).toBe(1); // one pair: 1 − 0
    expect(intraListDiversity(['a'], sim)).toBeNaN();
  });

  it('novelty = mean −log2 p(item)', () => {
    const pop = new Map([
      ['a', 4],
      ['b', 2],
      ['c', 2],
    ]); // total 8: p(a) = 1/2, p(b) = p(c) = 1/4
    // items a, b, a, z: −log2 of 1/2, 1/4, 1/2, 1/8 (z unknown → count 1) = 1, 2, 1, 3 → 7 / 4 = 1.75
    expect(
      novelty(
        [
          ['a', 'b'],
          ['a', 'z'],
        ],
        pop,
      ),
    ).toBe(1.75);
    // total 16 (e.g. users): a 4/16 → 2, b 2/16 → 3 → 2.5
    expect(novelty([['a', 'b']], pop, 16)).toBe(2.5);
    expect(novelty([], pop)).toBeNaN();
  });

  it('popularityBias = mean mid-rank popularity percentile', () => {
    const pop = new Map([
      ['a', 10],
      ['b', 5],
      ['c', 5],
      ['d', 1],
    ]); // n = 4, sorted counts 1, 5, 5, 10
    // a: (3 below + ½·1)/4 = 0.875; b: (1 + ½·2)/4 = 0.5; d: (0 + ½·1)/4 = 0.125; z (count 0): 0/4 = 0
    expect(popularityBias([['a']], pop)).toBe(0.875);
    expect(
      popularityBias(
        [
          ['a', 'b'],
          ['d', 'z'],
        ],
        pop,
      ),
    ).toBe((0.875 + 0.5 + 0.125 + 0) / 4); // 0.375
    // uniform popularity → every item at 0.5
    expect(
      popularityBias(
        [['x', 'y']],
        new Map([
          ['x', 3],
          ['y', 3],
        ]),
      ),
    ).toBe(0.5);
  });
});

describe('evaluate', () => {
  it('averages next-item metrics over truth users', () => {
    const predictions = new Map([
      ['u1', ['a', 'b', 'c']], // target b at rank 1
      ['u2', ['c', 'a', 'b']], // target a at rank 1, after excluding c: [a, b] → rank 0
      ['u4', ['z']], // not in truth: ignored
    ]);
    const truth = new Map<string, string | string[]>([
      ['u1', 'b'],
      ['u2', 'a'],
      ['u3', 'a'], // no predictions: scores 0, counted as missing
      ['u5', []], // empty truth: skipped
    ]);
    const r = evaluate({ predictions, truth, k: [1, 2], exclude: new Map([['u2', ['c']]]) });
    // k=1: only u2 hits (rank 0) → hitRate 1/3, ndcg 1/3, mrr 1/3, recall 1/3, precision 1/3
    expect(r['hitRate@1']).toBeCloseTo(1 / 3, 12);
    expect(r['ndcg@1']).toBeCloseTo(1 / 3, 12);
    expect(r['precision@1']).toBeCloseTo(1 / 3, 12);
    // k=2: u1 rank 1 → ndcg 0.6309298, mrr 0.5; u2 rank 0 → 1, 1; u3 → 0
    expect(r['hitRate@2']).toBeCloseTo(2 / 3, 12);
    expect(r['ndcg@2']).toBeCloseTo((0.6309298 + 1) / 3, 6); // 0.5436433
    expect(r['mrr@2']).toBeCloseTo(1.5 / 3, 12);
    expect(r['recall@2']).toBeCloseTo(2 / 3, 12);
    expect(r['precision@2']).toBeCloseTo(1 / 3, 12); // (1/2 + 1/2 + 0) / 3
    expect([r.users, r.skipped, r.missing]).toEqual([3, 1, 1]);
    expect(r['coverage@2']).toBeUndefined();
  });

  it('averages basket metrics and adds the list metrics when given their inputs', () => {
    const predictions = new Map([
      ['u1', ['a', 'b']],
      ['u2', ['c', 'd']],
    ]);
    const truth = new Map([
      ['u1', ['b', 'x']], // hit b at rank 1: recall 1/2; ndcg 0.6309298 / (1 + 0.6309298) = 0.3868528
      ['u2', ['c']], // hit c at rank 0: recall 1; ndcg 1
    ]);
    const popularity = new Map([
      ['a', 4],
      ['b', 2],
      ['c', 1],
      ['d', 1],
    ]); // total 8
    const r = evaluate({
      predictions,
      truth,
      k: 2,
      catalogSize: 8,
      popularity,
      similarity: (x, y) => (x === 'a' && y === 'b' ? 1 : 0),
    });
    expect(r['recall@2']).toBe(0.75); // (0.5 + 1) / 2
    expect(r['ndcg@2']).toBeCloseTo((0.3868528 + 1) / 2, 6); // 0.6934264
    expect(r['coverage@2']).toBe(0.5); // {a,b,c,d} / 8
    // −log2: a 4/8 → 1, b 2/8 → 2, c 1/8 → 3, d → 3; mean 9/4
    expect(r['novelty@2']).toBe(2.25);
    // n=4, sorted 1,1,2,4: a (3+0.5)/4 = 0.875, b (2+0.5)/4 = 0.625, c = d = (0+1)/4 = 0.25 → 2/4 = 0.5
    expect(r['popularityBias@2']).toBe(0.5);
    // u1 pair (a,b): 1 − 1 = 0; u2 pair (c,d): 1 − 0 = 1 → 0.5
    expect(r['diversity@2']).toBe(0.5);
  });

  it('rejects a bad k', () => {
    expect(() => evaluate({ predictions: new Map(), truth: new Map(), k: [] })).toThrow(RangeError);
    expect(() => evaluate({ predictions: new Map(), truth: new Map(), k: 0 })).toThrow(RangeError);
  });
});
