import { describe, expect, it } from 'vitest';
import { decodeModel, ONNX_OPSET } from '../onnx/builder';
import { createRng } from '../random';
import { expectScorerParity } from '../testing/scorer-parity';
import { exportScorer } from './scorer';
import { rankSeqKnn, type SeqKnnModel, trainSeqKnn } from './seq-knn';

function sim(model: SeqKnnModel, from: string, to: string): number {
  const i = model.items.indexOf(from);
  const j = model.items.indexOf(to);
  for (let r = 0; r < model.width; r++) {
    if (model.neighbors[i * model.width + r] === j && model.neighborWeights[i * model.width + r]! > 0)
      return model.neighborWeights[i * model.width + r]!;
  }
  return 0;
}

describe('trainSeqKnn', () => {
  // Sequences a b c and a c; window 2, decay 0.5, backward 0.25, recency 1, alpha 0.5.
  // Forward pairs: a→b 1, b→c 1, a→c 0.5 (distance 2), a→c 1 (second sequence): c(a,c) = 1.5.
  // Backward (×0.25): b→a 0.25, c→b 0.25, c→a 0.125 + 0.25 = 0.375.
  // Counts n_a 2, n_b 1, n_c 2.
  const model = trainSeqKnn(
    [
      ['a', 'b', 'c'],
      ['a', 'c'],
    ],
    { window: 2, decay: 0.5, backward: 0.25, recency: 1, alpha: 0.5, neighbors: 3, now: 0 },
  );

  it('counts distance-weighted, directed co-occurrences and normalises them', () => {
    expect(model.items).toEqual(['a', 'b', 'c']);
    expect(sim(model, 'a', 'b')).toBeCloseTo(1 / Math.sqrt(2 * 1), 6);
    expect(sim(model, 'a', 'c')).toBeCloseTo(1.5 / Math.sqrt(2 * 2), 6);
    expect(sim(model, 'b', 'c')).toBeCloseTo(1 / Math.sqrt(1 * 2), 6);
    expect(sim(model, 'b', 'a')).toBeCloseTo(0.25 / Math.sqrt(1 * 2), 6);
    expect(sim(model, 'c', 'a')).toBeCloseTo(0.375 / Math.sqrt(2 * 2), 6);
    expect(sim(model, 'c', 'b')).toBeCloseTo(0.25 / Math.sqrt(2 * 1), 6);
    expect(sim(model, 'a', 'a')).toBe(0);
    expect(Array.from(model.popularity)).toEqual([1, 0.5, 1]);
    expect(model.stats).toEqual({ users: 2, events: 5, skipped: 0 });
  });

  it('applies window, alpha and recency', () => {
    const w1 = trainSeqKnn([['a', 'b', 'c']], { window: 1, backward: 0, alpha: 1, recency: 0.5, now: 0 });
    expect(sim(w1, 'a', 'c')).toBe(0);
    // a→b is one step before the end: recency 0.5; alpha 1 divides by n_a = 1.
    expect(sim(w1, 'a', 'b')).toBeCloseTo(0.5, 6);
    expect(sim(w1, 'b', 'c')).toBeCloseTo(1, 6);
  });

  it('skips items outside the given catalogue and rejects invalid params', () => {
    const m = trainSeqKnn([['a', 'zz', 'b']], { items: ['a', 'b'], window: 1, backward: 0, alpha: 1, now: 0 });
    expect(m.stats).toEqual({ users: 1, events: 2, skipped: 1 });
    expect(sim(m, 'a', 'b')).toBeCloseTo(1, 6); // adjacent once the unknown item is dropped
    expect(() => trainSeqKnn([['a']], { window: 0 })).toThrow(RangeError);
    expect(() => trainSeqKnn([['a']], { alpha: 1.5 })).toThrow(RangeError);
    expect(() => trainSeqKnn([])).toThrow(RangeError);
  });

  it('keeps only the top M neighbours, best first', () => {
    const m = trainSeqKnn([['x', 'a', 'b', 'c', 'd']], { window: 4, decay: 0.5, backward: 0, neighbors: 2, now: 0 });
    const x = m.items.indexOf('x');
    expect(Array.from(m.neighbors.subarray(x * 2, x * 2 + 2)).map((i) => m.items[i])).toEqual(['a', 'b']);
  });

  it('scores a history with gamma-decayed weights', () => {
    // gamma 0.5: history [a, b] → w_a 0.5, w_b 1. score(c) = 0.5·sim(a,c) + sim(b,c).
    const m = trainSeqKnn(
      [
        ['a', 'b', 'c'],
        ['a', 'c'],
      ],
      { window: 2, decay: 0.5, backward: 0.25, alpha: 0.5, gamma: 0.5, epsilon: 0, now: 0 },
    );
    const ranked = rankSeqKnn(m, ['a', 'b'], 3);
    expect(ranked.map((r) => r.itemId)).toEqual(['c']);
    expect(ranked[0]!.score).toBeCloseTo(0.5 * (1.5 / 2) + 1 / Math.sqrt(2), 5);
  });
});

// Seeded synthetic data: items on a ring, users walk forward with noise.

function synthetic(users: number, items: number, seed: number): string[][] {
  const rand = createRng(seed);
  return Array.from({ length: users }, () => {
    let cur = Math.floor(rand() * items);
    const len = 2 + Math.floor(rand() * 10);
    return Array.from({ length: len }, () => {
      cur = rand() < 0.8 ? (cur + 1 + Math.floor(rand() * 3)) % items : Math.floor(rand() * items);
      return `i${cur}`;
    });
  });
}

describe('seq-knn through ONNX', () => {
  const model = trainSeqKnn(synthetic(400, 150, 3), { now: 0, neighbors: 30 });

  it('writes opset 17 with the history inputs, and a valid card', () => {
    const decoded = decodeModel(exportScorer(model));
    expect(Number(decoded.opsetImport[0]?.version)).toBe(ONNX_OPSET);
    expect((decoded.graph?.input ?? []).map((i) => i.name)).toEqual([
      'history_items',
      'history_weights',
      'history_ages',
      'exclude_mask',
      'k',
    ]);
    expect((decoded.graph?.output ?? []).map((o) => o.name)).toEqual(['scores', 'indices']);
    expect((decoded.graph?.node ?? []).map((n) => n.opType)).toContain('ScatterElements');
    expect(decoded.metadataProps.find((p) => p.key === 'aisle.kind')?.value).toBe('seq-knn');
  });

  it('serves exactly the reference ranking, cold start included', async () => {
    expect(await expectScorerParity(model, { cases: 120 })).toBe(122);
  });

  it('ranks by popularity for an empty or unknown history', () => {
    const byPopularity = Array.from(model.popularity)
      .map((p, i) => ({ p, i }))
      .sort((a, b) => b.p - a.p || a.i - b.i);
    const tenth = byPopularity[9]!.p;
    for (const history of [[], ['nope', 'also-unknown']]) {
      const ref = rankSeqKnn(model, history, 10);
      expect(ref).toHaveLength(10);
      for (const g of ref) expect(model.popularity[model.items.indexOf(g.itemId)]!).toBeGreaterThanOrEqual(tenth);
      expect(ref[0]!.score).toBeCloseTo(model.params.epsilon * byPopularity[0]!.p, 6);
    }
  });

  it('weights a history entry by weight · γ^age', () => {
    const plain = rankSeqKnn(model, ['i1', 'i40'], 5);
    const same = rankSeqKnn(
      model,
      [
        { item: 'i1', age: 1 },
        { item: 'i40', weight: 1, age: 0 },
      ],
      5,
    );
    expect(same).toEqual(plain);
    // Making i1 the latest and strongest moves the list towards i1's neighbours.
    const flipped = rankSeqKnn(
      model,
      [
        { item: 'i1', weight: 3, age: 0 },
        { item: 'i40', age: 5 },
      ],
      5,
    );
    expect(flipped.map((r) => r.itemId)).not.toEqual(plain.map((r) => r.itemId));
  });
});
