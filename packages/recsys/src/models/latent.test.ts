import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { expectScorerParity } from '../testing/scorer-parity';
import { type AlsModel, trainAls } from './latent';
import { rankScorer } from './scorer';

/** Two disjoint groups of 10 items; each of 60 users takes 6 items from one group (group a twice as popular). */
function twoGroups(seed = 3): string[][] {
  const rand = createRng(seed);
  return Array.from({ length: 60 }, (_, u) => {
    const group = u % 3 === 2 ? 'b' : 'a';
    return Array.from({ length: 6 }, () => `${group}${Math.floor(rand() * 10)}`);
  });
}

// Two factors for two groups: more would also fit the noise of 60 random histories.
const small = { factors: 2, iterations: 8, now: 0 };

describe('trainAls', () => {
  const histories = twoGroups();
  const model = trainAls(histories, small);

  it('learns the item groups: a history in one group ranks that group first', () => {
    for (const [history, group] of [
      [['b1', 'b2'], 'b'],
      [['a7'], 'a'],
    ] as const) {
      const top = rankScorer(model, history, 8).map((r) => r.itemId[0]);
      expect(top).toEqual(Array(8).fill(group));
    }
  });

  it('ranks an empty or unknown history by popularity', () => {
    const counts = new Map<string, number>();
    for (const h of histories) for (const id of h) counts.set(id, (counts.get(id) ?? 0) + 1);
    const byCount = [...counts].sort((x, y) => y[1] - x[1] || model.items.indexOf(x[0]) - model.items.indexOf(y[0]));
    expect(rankScorer(model, ['unknown'], 5).map((r) => r.itemId)).toEqual(byCount.slice(0, 5).map(([id]) => id));
    expect(Math.max(...model.popularity)).toBe(1);
  });

  it('stores A = (YᵀY + λI)⁻¹ as the fold-in matrix', () => {
    const { factors: d, itemFactors: Y, foldIn: A } = model;
    const gram = (a: number, b: number) => {
      let s = a === b ? model.params.lambda : 0;
      for (let i = 0; i < model.items.length; i++) s += Y[i * d + a]! * Y[i * d + b]!;
      return s;
    };
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += gram(a, k) * A[k * d + b]!;
        expect(s).toBeCloseTo(a === b ? 1 : 0, 4);
      }
  });

  it('records stats, skips items outside the catalogue and reports progress', () => {
    expect(model.stats).toEqual({ users: 60, events: 360, skipped: 0 });
    expect(model.itemFactors).toHaveLength(model.items.length * 2);
    const done: number[] = [];
    const m = trainAls([['a', 'zz', { item: 'b', weight: 2 }], ['b']], {
      items: ['a', 'b', 'c'],
      factors: 2,
      iterations: 3,
      now: 0,
      progress: (n, total) => done.push(n / total),
    });
    expect(m.stats).toEqual({ users: 2, events: 3, skipped: 1 });
    expect(Array.from(m.popularity)).toEqual([0.5, 1, 0]);
    expect(done).toEqual([1 / 3, 2 / 3, 1]);
    expect(m.version).toBe('als-19700101T000000Z');
  });

  it('is deterministic for a seed', () => {
    const again = trainAls(histories, small);
    expect(again.itemFactors).toEqual(model.itemFactors);
    expect(trainAls(histories, { ...small, seed: 2 }).itemFactors).not.toEqual(model.itemFactors);
  });

  it('rejects invalid params and empty catalogues', () => {
    for (const bad of [
      { factors: 0 },
      { factors: 2.5 },
      { lambda: 0 },
      { alpha: -1 },
      { iterations: 0 },
      { cgSteps: 0 },
      { gamma: 0 },
      { gamma: 1.5 },
      { epsilon: Number.NaN },
      { seed: 0.5 },
    ])
      expect(() => trainAls([['a']], bad)).toThrow(RangeError);
    expect(() => trainAls([])).toThrow(RangeError);
    expect(() => trainAls([['a']], { items: ['a', 'a'] })).toThrow(RangeError);
    expect(() => trainAls([[{ item: 'a', weight: -1 }]])).toThrow(RangeError);
  });

  it('serves the same scores through onnxruntime', async () => {
    const m: AlsModel = trainAls(histories, { ...small, factors: 5, gamma: 0.7 });
    expect(await expectScorerParity(m)).toBeGreaterThan(0);
  });
});
