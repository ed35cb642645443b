import { describe, expect, it } from 'vitest';
import { sequenceHoldout } from '../pipelines/holdout';
import { createRng } from '../random';
import { expectScorerParity } from '../testing/scorer-parity';
import { blendModels, tuneBlend } from './hybrid';
import { trainPopularity } from './popularity';
import { trainRepeat } from './repeat';
import { constantComponent, rankScorer, type ScorerModel, topK } from './scorer';
import { trainSeqKnn } from './seq-knn';

/** Users walk a ring of 60 items forward (the next item is predictable from the last). */
function ringWalks(users: number, seed: number): string[][] {
  const rand = createRng(seed);
  return Array.from({ length: users }, () => {
    let cur = Math.floor(rand() * 60);
    return Array.from({ length: 3 + Math.floor(rand() * 6) }, () => {
      cur = rand() < 0.85 ? (cur + 1) % 60 : Math.floor(rand() * 60);
      return `i${cur}`;
    });
  });
}

describe('hybrid', () => {
  const sequences = ringWalks(500, 11);
  const users = sequences.map((_, u) => `u${u}`);
  const validation = sequenceHoldout(users, sequences);
  const items = Array.from({ length: 60 }, (_, i) => `i${i}`);
  const knn = trainSeqKnn(validation.histories, { items, now: 0 });
  const popularity = trainPopularity(validation.histories, { items, now: 0 });
  const rand = createRng(5);
  const noise: ScorerModel = {
    ...popularity,
    kind: 'noise',
    component: constantComponent(
      'noise',
      Float32Array.from(items, () => rand()),
    ),
  };

  it('tunes weights on validation that favour the informative model and drop pure noise', () => {
    const tuning = tuneBlend([popularity, knn, noise], validation, { users: 400 });
    const [wPop, wKnn, wNoise] = tuning.weights;
    expect(wKnn).toBeGreaterThan(0);
    expect(wNoise!).toBeLessThan(wKnn!);
    expect(tuning.ndcg).toBeGreaterThanOrEqual(Math.max(...tuning.single) - 1e-9);
    expect(tuning.single[1]).toBeGreaterThan(tuning.single[0]!); // knn alone beats popularity alone
    expect(wPop).toBeGreaterThanOrEqual(0);
  });

  it('blends normalised scores with the given weights', () => {
    const hybrid = blendModels([popularity, knn], [0.5, 2], { now: 0, version: 'h1' });
    const history = ['i3', 'i4'];
    const ranked = rankScorer(hybrid, history, 3);
    const alone = rankScorer(knn, history, 1);
    expect(ranked[0]!.itemId).toBe(alone[0]!.itemId);
    // the score is 0.5·pop/max(pop) + 2·knn/max(knn): at most 2.5
    expect(ranked[0]!.score).toBeLessThanOrEqual(2.5 + 1e-6);
    expect(hybrid.params['w1_seq-knn']).toBe(2);
    expect(() => blendModels([popularity, knn], [1])).toThrow(RangeError);
    const other = trainPopularity([['x', 'y']], { now: 0 });
    expect(() => blendModels([popularity, other], [1, 1])).toThrow(/different item list/);
  });

  it('serves the blend through ONNX exactly as the reference', async () => {
    const hybrid = blendModels([popularity, knn, noise], [0.3, 1, 0], { now: 0 });
    expect(await expectScorerParity(hybrid)).toBeGreaterThan(0);
  });
});

describe('popularity', () => {
  it('counts weighted interactions with a half-life over history steps', () => {
    const model = trainPopularity([['a', 'b'], [{ item: 'b', weight: 2, age: 0 }], ['c']], { halfLife: 1, now: 0 });
    // a: age 1 → 0.5; b: age 0 → 1, plus 2; c: 1. Scaled by b's 3.
    const scores = model.component.scores({
      items: new Int32Array(),
      weights: new Float32Array(),
      ages: new Float32Array(),
    });
    expect(Array.from(scores)).toEqual([0.5 / 3, 1, 1 / 3].map((v) => expect.closeTo(v, 6)));
    expect(model.stats).toEqual({ events: 4, skipped: 0, users: 3 });
    expect(() => trainPopularity([['a']], { halfLife: 0 })).toThrow(RangeError);
  });

  it('serves the same ranking through ONNX', async () => {
    expect(await expectScorerParity(trainPopularity(ringWalks(50, 3), { now: 0 }))).toBeGreaterThan(0);
  });
});

describe('repeat', () => {
  it('scores the shopper’s own items by decayed frequency', async () => {
    const model = trainRepeat([['a', 'b', 'c', 'd']], { gamma: 0.5, now: 0 });
    const ranked = rankScorer(
      model,
      [
        { item: 'a', age: 2 },
        { item: 'b', age: 1 },
        { item: 'a', age: 0 },
      ],
      2,
      [],
    );
    expect(ranked).toEqual([
      { itemId: 'a', score: expect.closeTo(1.25, 6) },
      { itemId: 'b', score: expect.closeTo(0.5, 6) },
    ]);
    expect(await expectScorerParity(model)).toBeGreaterThan(0);
  });
});

describe('topK', () => {
  it('equals a full sort (score desc, index asc) on random scores with many ties', () => {
    const rand = createRng(17);
    for (let t = 0; t < 200; t++) {
      const scores = Array.from({ length: 1 + Math.floor(rand() * 60) }, () => Math.floor(rand() * 8) / 2);
      const k = Math.floor(rand() * 70);
      const sorted = scores
        .map((s, i) => ({ s, i }))
        .sort((a, b) => b.s - a.s || a.i - b.i)
        .slice(0, k)
        .map((x) => x.i);
      expect(topK(scores, k)).toEqual(sorted);
    }
  });
});
