import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel, ONNX_IR_VERSION } from '../onnx/builder';
import { basketHistory } from '../pipelines/holdout';
import { createRng } from '../random';
import {
  basketMetrics,
  basketsFromPadded,
  exportNextBasketOnnx,
  type History,
  historyVector,
  NEXT_BASKET_IO,
  type NextBasketModel,
  neighborVector,
  nextBasketInputs,
  rankNextBasket,
  trainNextBasket,
  tuneNextBasket,
  userVector,
  validationSplit,
} from './next-basket';

const ITEMS = ['a', 'b', 'c', 'd', 'e'];

function vectorOf(model: NextBasketModel, baskets: History): Record<string, number> {
  const v = userVector(model, baskets);
  return Object.fromEntries(model.items.map((id, i) => [id, v[i]!]).filter(([, x]) => x !== 0));
}

function expectCloseRecord(actual: Record<string, number>, expected: Record<string, number>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [id, v] of Object.entries(expected)) expect(actual[id]).toBeCloseTo(v, 6);
}

/** Shoppers with a personal taste (a few favourite items) plus store-wide noise skewed to low item ids. */
function syntheticHistories(users: number, items: number, seed: number): Map<string, string[][]> {
  const r = createRng(seed);
  const out = new Map<string, string[][]>();
  for (let u = 0; u < users; u++) {
    const favourites = Array.from({ length: 4 }, () => Math.floor(r() * items));
    const baskets: string[][] = [];
    const n = 1 + Math.floor(r() * 8);
    for (let b = 0; b < n; b++) {
      const basket: string[] = [];
      for (const f of favourites) if (r() < 0.5) basket.push(`i${f}`);
      const extra = 1 + Math.floor(r() * 4);
      for (let e = 0; e < extra; e++) basket.push(`i${Math.floor(r() ** 2 * items)}`);
      baskets.push(basket);
    }
    out.set(`u${u}`, baskets);
  }
  return out;
}

describe('userVector', () => {
  const model = trainNextBasket(
    { x: [['a'], ['b']] },
    { items: ITEMS, groupSize: 2, withinDecay: 0.5, groupDecay: 0.5, neighbors: 1, alpha: 1 },
  );

  it('decays within and across groups of m baskets counted from the most recent', () => {
    // Groups (newest first): {[c], [a,c]} and {[a], [a,b]}.
    // newest group: [a,c]·1 + [c]·0.5, / 2           → a 0.5,  c 0.75
    // older group:  ([a,b]·1 + [a]·0.5) / 2 · r_g=0.5 → a 0.375, b 0.25
    // sum / G=2                                       → a 0.4375, b 0.125, c 0.375
    expectCloseRecord(vectorOf(model, [['a'], ['a', 'b'], ['c'], ['a', 'c']]), { a: 0.4375, b: 0.125, c: 0.375 });
  });

  it('lets only the oldest group be short, counts an item once per basket and ignores unknown items', () => {
    // Groups: {[b, b, z], [a]} and {[c]} (short). newest: a 1, b 0.5, / 2; oldest: c 1 / 1 · 0.5; all / 2.
    expectCloseRecord(vectorOf(model, [['c'], ['b', 'b', 'z'], ['a']]), { a: 0.25, b: 0.125, c: 0.25 });
  });

  it('reads a serving history by age: one basket per age, ages without entries are empty baskets', () => {
    const baskets: History = [['a'], ['a', 'b'], ['c'], ['a', 'c']];
    const record = (h: Parameters<typeof historyVector>[1]) => {
      const v = historyVector(model, h);
      return Object.fromEntries(Array.from(v.idx, (i, j) => [model.items[i]!, v.val[j]!]));
    };
    expect(record(basketHistory(baskets))).toEqual(vectorOf(model, baskets));
    const gap = [{ item: 'a', age: 3 }, { item: 'b', age: 3 }, { item: 'c', age: 1 }, 'c']; // 'c': age 0 (its position)
    expect(record(gap)).toEqual(vectorOf(model, [['a', 'b'], [], ['c'], ['c']]));
    expect(() => historyVector(model, [{ item: 'a', age: -1 }])).toThrow(RangeError);
  });

  it('is zero without baskets, and the stored vector of a trained user is the same as from their history', () => {
    expect(vectorOf(model, [])).toEqual({});
    expect(nextBasketInputs(model, 'x').userVector).toEqual(userVector(model, [['a'], ['b']]));
  });
});

describe('padded json format', () => {
  it('drops the [-1] markers', () => {
    expect(basketsFromPadded([[-1], [1, 2], [3], [-1]])).toEqual([['1', '2'], ['3']]);
  });
});

describe('metrics', () => {
  it('computes recall and NDCG with ideal DCG over min(k, |target|)', () => {
    const m = basketMetrics(['x', 'a', 'y', 'b'], ['a', 'b', 'c'], 10);
    expect(m.recall).toBeCloseTo(2 / 3, 9);
    expect(m.ndcg).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3) + 1 / Math.log2(4)), 9);
  });
});

describe('rankNextBasket', () => {
  const histories = syntheticHistories(300, 80, 7);
  const model = trainNextBasket(histories, { groupSize: 2, withinDecay: 0.9, groupDecay: 0.8, neighbors: 20 });

  it('gives a shopper without history the most popular items, unknown ids included', () => {
    const counts = new Map<string, number>();
    for (const h of histories.values())
      for (const b of h) for (const id of new Set(b)) counts.set(id, (counts.get(id) ?? 0) + 1);
    const popular = [...counts.entries()]
      .sort((x, y) => y[1] - x[1] || model.items.indexOf(x[0]) - model.items.indexOf(y[0]))
      .slice(0, 5)
      .map(([id]) => id);
    expect(rankNextBasket(model, [], 5).map((r) => r.itemId)).toEqual(popular);
    expect(rankNextBasket(model, 'nobody', 5).map((r) => r.itemId)).toEqual(popular);
    expect(neighborVector(model, userVector(model, [])).every((v) => v === 0)).toBe(true);
  });

  it('averages exactly the k most cosine-similar users (ties: lower user position)', () => {
    const users = [...histories.keys()];
    const N = model.items.length;
    const cosine = (x: Float32Array, y: Float32Array) => {
      let dot = 0;
      let nx = 0;
      let ny = 0;
      for (let i = 0; i < N; i++) {
        dot += x[i]! * y[i]!;
        nx += x[i]! * x[i]!;
        ny += y[i]! * y[i]!;
      }
      return dot / (Math.sqrt(nx) * Math.sqrt(ny));
    };
    const stored = users.map((u) => nextBasketInputs(model, u).userVector);
    const r = createRng(9);
    for (let t = 0; t < 20; t++) {
      const query = userVector(
        model,
        Array.from({ length: 1 + Math.floor(r() * 4) }, () => [`i${Math.floor(r() * 80)}`, `i${Math.floor(r() * 80)}`]),
      );
      const best = stored
        .map((v, u) => ({ u, s: cosine(query, v) }))
        .filter((x) => x.s > 0)
        .sort((a, b) => b.s - a.s || a.u - b.u)
        .slice(0, model.params.neighbors);
      const expected = new Float64Array(N);
      for (const { u } of best) for (let i = 0; i < N; i++) expected[i]! += stored[u]![i]!;
      const actual = neighborVector(model, query);
      for (let i = 0; i < N; i++) expect(actual[i]).toBeCloseTo(expected[i]! / model.params.neighbors, 6);
    }
  });

  it('ranks a repeat item first and honours exclusions', () => {
    const history: History = [['i3', 'i50'], ['i50'], ['i50', 'i7']];
    expect(rankNextBasket(model, history, 3)[0]!.itemId).toBe('i50');
    const ranked = rankNextBasket(model, history, model.items.length, ['i50', 'i3']);
    expect(ranked).toHaveLength(model.items.length - 2);
    expect(ranked.map((r) => r.itemId)).not.toContain('i50');
  });

  it('tunes on the validation split only', () => {
    const { train, targets } = validationSplit(histories);
    expect(train.size).toBe(histories.size);
    for (const [id, t] of targets) expect(t).toEqual(histories.get(id)!.at(-1));
    const results = tuneNextBasket(histories, {
      groupSize: [1, 3],
      withinDecay: [1],
      groupDecay: [0.8],
      neighbors: [5, 20],
      alpha: [0.5, 1],
    });
    expect(results).toHaveLength(8);
    expect(results[0]!.recall).toBeGreaterThan(0);
  });
});

describe('exportNextBasketOnnx', () => {
  const histories = syntheticHistories(400, 120, 11);
  const model = trainNextBasket(histories, { groupSize: 3, withinDecay: 0.8, groupDecay: 0.7, neighbors: 15 });

  it('writes the expected signature', () => {
    const decoded = decodeModel(exportNextBasketOnnx(model));
    expect(Number(decoded.irVersion)).toBe(ONNX_IR_VERSION);
    expect(decoded.graph?.input?.map((i) => i.name)).toEqual(['user_vector', 'neighbor_vector', 'exclude_mask', 'k']);
    expect(decoded.graph?.output?.map((o) => o.name)).toEqual(['scores', 'indices']);
  });

  it('matches the reference ranker in onnxruntime', async () => {
    const session = await InferenceSession.create(exportNextBasketOnnx(model));
    const N = model.items.length;
    const r = createRng(3);
    const users = [...histories.keys()];
    try {
      for (let t = 0; t < 60; t++) {
        // Known users by id, fresh profiles from random baskets, and the empty profile.
        const user: string | History =
          t % 3 === 0
            ? users[Math.floor(r() * users.length)]!
            : t % 3 === 1
              ? Array.from({ length: Math.floor(r() * 5) }, () =>
                  Array.from({ length: 1 + Math.floor(r() * 4) }, () => `i${Math.floor(r() * 130)}`),
                )
              : [];
        const exclude = t % 4 === 0 ? model.items.slice(0, 3) : [];
        const k = 1 + Math.floor(r() * 15);
        const inputs = nextBasketInputs(model, user, exclude);
        const io = NEXT_BASKET_IO;
        const out = await session.run({
          [io.userVector]: new Tensor('float32', inputs.userVector, [1, N]),
          [io.neighborVector]: new Tensor('float32', inputs.neighborVector, [1, N]),
          [io.excludeMask]: new Tensor('float32', inputs.excludeMask, [1, N]),
          [io.k]: new Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
        });
        const scores = Array.from(out[io.scores]!.data as Float32Array);
        const indices = Array.from(out[io.indices]!.data as BigInt64Array, Number);
        const reference = rankNextBasket(model, user, k, exclude);
        expect(reference).toHaveLength(k);
        scores.forEach((s, j) => {
          expect(Math.abs(s - reference[j]!.score)).toBeLessThan(1e-4);
        });
        // TopK may order ties differently: compare identities only above the last returned score.
        const last = scores[scores.length - 1]!;
        const above = (ids: string[], ss: number[]) => ids.filter((_, j) => ss[j]! > last + 1e-6).sort();
        expect(
          above(
            indices.map((i) => model.items[i]!),
            scores,
          ),
        ).toEqual(
          above(
            reference.map((x) => x.itemId),
            reference.map((x) => x.score),
          ),
        );
      }
    } finally {
      await session.release();
    }
  });
});
