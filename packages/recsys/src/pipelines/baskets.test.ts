import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '../progress';
import { evaluateBaskets, predictBaskets } from './baskets';

/**
 * Three shoppers, default parameters (α 0.2, 600 neighbours, ε = 1e-6 popularity). Users never share an item with
 * u1, so u1's only neighbour is u1; u2's are u2 and u3 (who bought 3 and 4 together), which lifts item 4.
 */
const HISTORY = {
  u1: [[-1], [1, 2], [1], [1, 2], [-1]],
  u2: [[-1], [3], [3], [4], [-1]],
  u3: [[-1], [3, 4], [-1]],
};
/** u4 has no history: the cold-start list, 1 and 3 first (the most popular, tied). */
const FUTURE = { u1: [[-1], [2, 5], [-1]], u2: [[-1], [4], [-1]], u4: [[-1], [3, 1], [-1]] };

const at2 = 1 / Math.log2(3);

describe('next-basket pipelines (TIFU-KNN)', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recsys-baskets-'));
    await writeFile(file('history.json'), JSON.stringify(HISTORY));
    await writeFile(file('future.json'), JSON.stringify(FUTURE));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('predicts through the saved model, ids as in the file, and can keep the model folder', async () => {
    const { users, card } = await predictBaskets({
      data: file('history.json'),
      k: 3,
      out: file('preds.json'),
      progress: silentProgress(),
      modelDir: file('model'),
      model: 'next-basket',
    });
    expect(users).toBe(3);
    expect(card.kind).toBe('next-basket-tifu');
    expect((await readdir(file('model'))).sort()).toEqual(['model.json', 'model.onnx', 'users.bin']);
    // u1: own items by frequency (1 in 3 baskets, 2 in 2), then popularity (3: 3 baskets, 4: 2).
    // u2: own 3 (and u3's 3), then 4 from u2 and u3, then popularity (1: 3 baskets, 2: 2).
    // u3: own 3 and 4 tie; neighbour u2 bought 3 more often than 4.
    expect(JSON.parse(await readFile(file('preds.json'), 'utf8'))).toEqual({
      u1: [1, 2, 3],
      u2: [3, 4, 1],
      u3: [3, 4, 1],
    });
  });

  it('scores the last history basket, training on the baskets before it', async () => {
    // u1: trained on [1,2],[1] → list 1, 2, …; target {1, 2}: both hits at ranks 0 and 1.
    // u2: trained on [3],[3] → 3, then 4 from its neighbour u3; target {4}: hit at rank 1.
    // u3 has a single basket: training only.
    const m = await evaluateBaskets({ data: file('history.json'), progress: silentProgress(), model: 'next-basket' });
    expect(m.users).toBe(2);
    expect(m['recall@10']).toBeCloseTo(1, 9);
    expect(m['hitRate@10']).toBeCloseTo(1, 9);
    expect(m['ndcg@10']).toBeCloseTo((1 + at2) / 2, 9);
    expect(m['mrr@10']).toBeCloseTo(0.75, 9);
    expect(m['precision@10']).toBeCloseTo((2 / 10 + 1 / 10) / 2, 9);
    expect(m['precision@20']).toBeCloseTo((2 / 20 + 1 / 20) / 2, 9);
  });

  it('scores a future file, cold start included', async () => {
    // u1: 1, 2, …; target {2, 5}: one hit at rank 1 of an ideal two.
    // u2: 3, 4, …; target {4}: hit at rank 1.
    // u4: no history → 1 and 3 (the most popular) in some order; target {3, 1}: both hits.
    const m = await evaluateBaskets({
      data: file('history.json'),
      future: file('future.json'),
      progress: silentProgress(),
      model: 'next-basket',
    });
    expect(m.users).toBe(3);
    expect(m['recall@10']).toBeCloseTo((0.5 + 1 + 1) / 3, 9);
    expect(m['hitRate@10']).toBeCloseTo(1, 9);
    expect(m['ndcg@10']).toBeCloseTo((at2 / (1 + at2) + at2 + 1) / 3, 9);
    expect(m['mrr@10']).toBeCloseTo((0.5 + 0.5 + 1) / 3, 9);
    expect(m['precision@10']).toBeCloseTo((0.1 + 0.1 + 0.2) / 3, 9);
  });

  it('trains the hybrid by default, tuned on the last history baskets', async () => {
    const { card } = await predictBaskets({
      data: file('history.json'),
      k: 3,
      out: file('preds-hybrid.json'),
      progress: silentProgress(),
    });
    expect(card.kind).toBe('hybrid');
    expect(card.metrics?.['validation.users']).toBe(2);
    const preds = JSON.parse(await readFile(file('preds-hybrid.json'), 'utf8')) as Record<string, number[]>;
    expect(Object.keys(preds).sort()).toEqual(['u1', 'u2', 'u3']);
    for (const list of Object.values(preds)) expect(list).toHaveLength(3);
  });
});
