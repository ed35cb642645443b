import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCardSchema, sha256Hex } from '../card';
import { decodeModel, ONNX_OPSET } from '../onnx/builder';
import { createRng } from '../random';
import { EXCLUDED_BELOW } from './ranking';
import {
  encodeSeqKnnHistory,
  exportSeqKnnOnnx,
  rankSeqKnn,
  SEQ_KNN_IO,
  type SeqKnnModel,
  seqKnnCard,
  seqKnnItemIndex,
  trainSeqKnn,
} from './seq-knn';

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
    expect(model.stats).toEqual({ sequences: 2, events: 5, skipped: 0 });
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
    expect(m.stats).toEqual({ sequences: 1, events: 2, skipped: 1 });
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

async function runGraph(
  session: InferenceSession,
  model: SeqKnnModel,
  history: readonly string[],
  k: number,
  exclude?: readonly string[],
): Promise<{ itemId: string; score: number }[]> {
  const io = SEQ_KNN_IO;
  const N = model.items.length;
  const enc = encodeSeqKnnHistory(model, seqKnnItemIndex(model), history, exclude);
  const out = await session.run({
    [io.historyItems]: new Tensor('int64', enc.historyItems, [enc.historyItems.length]),
    [io.historyWeights]: new Tensor('float32', enc.historyWeights, [enc.historyWeights.length]),
    [io.excludeMask]: new Tensor('float32', enc.excludeMask, [1, N]),
    [io.k]: new Tensor('int64', BigInt64Array.of(BigInt(Math.min(k, N))), [1]),
  });
  const scores = out[io.scores]!;
  const indices = out[io.indices]!;
  expect(scores.dims).toEqual([1, Math.min(k, N)]);
  expect(indices.dims).toEqual([1, Math.min(k, N)]);
  const s = scores.data as Float32Array;
  const ix = indices.data as BigInt64Array;
  const result: { itemId: string; score: number }[] = [];
  for (let j = 0; j < s.length; j++) {
    if (s[j]! < EXCLUDED_BELOW) continue;
    result.push({ itemId: model.items[Number(ix[j])]!, score: s[j]! });
  }
  return result;
}

describe('exportSeqKnnOnnx', () => {
  const sequences = synthetic(400, 150, 7);
  const model = trainSeqKnn(sequences, { window: 4, neighbors: 20, now: Date.UTC(2025, 0, 1) });
  let bytes: Uint8Array;
  let session: InferenceSession;

  beforeAll(async () => {
    bytes = exportSeqKnnOnnx(model);
    session = await InferenceSession.create(bytes);
  });
  afterAll(async () => {
    await session.release();
  });

  it('writes opset 17 with the documented inputs, outputs and metadata', () => {
    const decoded = decodeModel(bytes);
    expect(Number(decoded.opsetImport[0]?.version)).toBe(ONNX_OPSET);
    expect((decoded.graph?.input ?? []).map((i) => i.name)).toEqual([
      'history_items',
      'history_weights',
      'exclude_mask',
      'k',
    ]);
    expect((decoded.graph?.output ?? []).map((o) => o.name)).toEqual(['scores', 'indices']);
    expect(Array.from(decoded.opsetImport).length).toBe(1);
    const ops = (decoded.graph?.node ?? []).map((n) => n.opType);
    expect(ops).toContain('ScatterElements');
    expect(decoded.metadataProps.find((p) => p.key === 'aisle.kind')?.value).toBe('seq-knn');
    const card = seqKnnCard(model, sha256Hex(bytes), { hr10: 0.1 });
    expect(ModelCardSchema.safeParse(card).success).toBe(true);
    expect(card.kind).toBe('seq-knn');
  });

  it('matches rankSeqKnn on random histories', async () => {
    const rand = createRng(99);
    for (let t = 0; t < 150; t++) {
      const len = Math.floor(rand() * 8);
      const history = Array.from({ length: len }, () => `i${Math.floor(rand() * 170)}`); // some unknown ids
      const k = 1 + Math.floor(rand() * 25);
      const ref = rankSeqKnn(model, history, k);
      const got = await runGraph(session, model, history, k);
      expect(got).toHaveLength(ref.length);
      got.forEach((g, j) => {
        expect(g.score).toBeCloseTo(ref[j]!.score, 4);
      });
      const last = ref.at(-1)?.score ?? 0;
      const strict = (xs: typeof ref) => xs.filter((x) => x.score > last + 1e-5).map((x) => x.itemId);
      expect(strict(got)).toEqual(strict(ref));
    }
  });

  it('falls back to popularity for an empty or unknown history', async () => {
    const byPopularity = Array.from(model.popularity)
      .map((p, i) => ({ p, i }))
      .sort((a, b) => b.p - a.p || a.i - b.i);
    const topPop = byPopularity[0]!.p;
    for (const history of [[], ['nope', 'also-unknown']]) {
      const ref = rankSeqKnn(model, history, 10);
      const got = await runGraph(session, model, history, 10);
      expect(ref).toHaveLength(10);
      expect(got).toHaveLength(10);
      expect(new Set(got.map((g) => g.itemId)).size).toBe(10);
      // Every returned item is at least as popular as the 10th most popular item.
      const tenth = byPopularity[9]!.p;
      for (const g of got) expect(model.popularity[model.items.indexOf(g.itemId)]!).toBeGreaterThanOrEqual(tenth);
      expect(got[0]!.score).toBeCloseTo(model.params.epsilon * topPop, 6);
    }
  });

  it('never returns excluded items, even when k exceeds what is left', async () => {
    const rand = createRng(5);
    for (let t = 0; t < 20; t++) {
      const history = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => `i${Math.floor(rand() * 150)}`);
      const extra = Array.from({ length: 20 }, () => `i${Math.floor(rand() * 150)}`);
      const exclude = [...history, ...extra];
      const banned = new Set(exclude);
      for (const r of [
        ...rankSeqKnn(model, history, 30, exclude),
        ...(await runGraph(session, model, history, 30, exclude)),
      ])
        expect(banned.has(r.itemId)).toBe(false);
      // The history is excluded by default.
      for (const r of await runGraph(session, model, history, 30, undefined)) expect(history).not.toContain(r.itemId);
    }
    const all = model.items;
    expect(await runGraph(session, model, ['i1'], all.length, all)).toEqual([]);
    const allButTwo = all.slice(2);
    const left = await runGraph(session, model, [], all.length, allButTwo);
    expect(left.map((r) => r.itemId).sort()).toEqual(all.slice(0, 2).sort());
  });
});
