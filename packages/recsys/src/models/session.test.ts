import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { expectScorerParity } from '../testing/scorer-parity';
import { type HistoryEntry, rankScorer } from './scorer';
import { type SessionModel, trainSession } from './session';

/** Items 0…n-1 on a ring; every user walks forward one item per step from a random start. */
function ringWalks(n: number, users: number, seed: number): string[][] {
  const rand = createRng(seed);
  return Array.from({ length: users }, () => {
    const start = Math.floor(rand() * n);
    const length = 3 + Math.floor(rand() * 6);
    return Array.from({ length }, (_, j) => `i${(start + j) % n}`);
  });
}

const RING = 24;
const SMALL = { dim: 8, epochs: 15, negatives: 5, learningRate: 0.2, now: 0 };

describe('trainSession', () => {
  const model = trainSession(ringWalks(RING, 300, 1), SMALL);

  it('learns order: after item i comes item i+1', () => {
    for (let i = 0; i < RING; i++) expect(rankScorer(model, [`i${i}`], 1)[0]!.itemId).toBe(`i${(i + 1) % RING}`);
  });

  it('lets the latest item dominate the history', () => {
    // What follows the latest item outranks what follows the one before it, whichever that is.
    const ahead = (history: HistoryEntry[], a: string, b: string) => {
      const scores = new Map(rankScorer(model, history, RING).map((r) => [r.itemId, r.score]));
      return scores.get(a)! > scores.get(b)!;
    };
    expect(ahead(['i3', 'i15'], 'i16', 'i4')).toBe(true);
    expect(ahead(['i15', 'i3'], 'i4', 'i16')).toBe(true);
    // Explicit ages: the entry with age 0 is the latest, wherever it is in the list.
    expect(
      ahead(
        [
          { item: 'i15', age: 0 },
          { item: 'i3', age: 1 },
        ],
        'i16',
        'i4',
      ),
    ).toBe(true);
  });

  it('ranks by the learned prior without a usable history and records its data', () => {
    const skewed = trainSession([['a', 'b'], ['a', 'b'], ['c', 'b'], ['zz']], { ...SMALL, items: ['a', 'b', 'c'] });
    expect(skewed.popularity).toEqual(Float32Array.of(2 / 3, 1, 1 / 3));
    expect(skewed.stats).toEqual({ users: 4, events: 6, skipped: 1 });
    expect(skewed.inputEmbeddings).toHaveLength(3 * SMALL.dim);
    // s = 0: score = b + ε · popularity, and b is the only item that ever comes next.
    expect(rankScorer(skewed, ['unknown'], 1)[0]!.itemId).toBe('b');
    expect(rankScorer(skewed, [], 3)).toHaveLength(3);
  });

  it('takes each target context from the steps before it (a basket is one step)', () => {
    const items = ['x', 'y', 'z'];
    const baskets = Array.from({ length: 20 }, () => [
      { item: 'x', age: 1 },
      { item: 'y', age: 1 },
      { item: 'z', age: 0 },
    ]);
    const row = (m: SessionModel, id: string) => {
      const at = items.indexOf(id) * SMALL.dim;
      return Array.from(m.inputEmbeddings.subarray(at, at + SMALL.dim));
    };
    const initial = trainSession([['x'], ['y'], ['z']], { ...SMALL, items }); // no pairs: embeddings as initialised
    const m = trainSession(baskets, { ...SMALL, items, window: 1 });
    // Only z has an earlier step; with window 1 its context is y alone, and x (y's basket mate) is never context.
    expect(row(m, 'x')).toEqual(row(initial, 'x'));
    expect(row(m, 'y')).not.toEqual(row(initial, 'y'));
    expect(rankScorer(m, ['y'], 1)[0]!.itemId).toBe('z');
    // The same items as a plain sequence make x the context of y.
    const sequence = trainSession(
      baskets.map((b) => b.map((e) => e.item)),
      { ...SMALL, items, window: 1 },
    );
    expect(row(sequence, 'x')).not.toEqual(row(initial, 'x'));
  });

  it('rejects invalid params and an empty catalogue', () => {
    const h = [['a', 'b']];
    expect(() => trainSession(h, { dim: 0 })).toThrow(RangeError);
    expect(() => trainSession(h, { window: 1.5 })).toThrow(RangeError);
    expect(() => trainSession(h, { gamma: 0 })).toThrow(RangeError);
    expect(() => trainSession(h, { gamma: 1.2 })).toThrow(RangeError);
    expect(() => trainSession(h, { epochs: 0 })).toThrow(RangeError);
    expect(() => trainSession(h, { negatives: 0 })).toThrow(RangeError);
    expect(() => trainSession(h, { learningRate: -0.1 })).toThrow(RangeError);
    expect(() => trainSession(h, { epsilon: Number.NaN })).toThrow(RangeError);
    expect(() => trainSession(h, { items: ['a', 'a'] })).toThrow(RangeError);
    expect(() => trainSession([])).toThrow(RangeError);
  });

  it('reports progress once per epoch and is deterministic for a seed', () => {
    const seen: number[] = [];
    const a = trainSession(ringWalks(8, 20, 2), {
      ...SMALL,
      epochs: 3,
      progress: (done, total) => seen.push(done / total),
    });
    const b = trainSession(ringWalks(8, 20, 2), { ...SMALL, epochs: 3 });
    expect(seen).toEqual([1 / 3, 2 / 3, 1]);
    expect(a.outputEmbeddings).toEqual(b.outputEmbeddings);
  });

  it('serves the same ranking through onnxruntime', async () => {
    expect(await expectScorerParity(model)).toBeGreaterThan(0);
  });
});
