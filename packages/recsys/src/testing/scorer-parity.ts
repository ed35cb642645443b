/**
 * The parity check every history model's tests run (test-only code): save the model, load it through the serving
 * module (onnxruntime-node) and compare with the TypeScript reference on random histories — weights, ages,
 * unknown ids, exclusions, k — plus the cold-start cases.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ModelCardSchema } from '../card';
import { type HistoryEntry, rankScorer, type ScorerModel } from '../models/scorer';
import { createRng } from '../random';
import { saveModel } from '../save';
import { loadRecommender } from '../serve';
import type { RankedItem } from '../types';

const TOLERANCE = 1e-4;

/**
 * onnxruntime's TopK does not order ties, so scores must match rank by rank, each returned item must carry its
 * reference score, and the items clearly above the last score must be the same set.
 */
export function expectSameRanking(actual: RankedItem[], expected: RankedItem[], all: Map<string, number>): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((r, j) => {
    expect(Math.abs(r.score - expected[j]!.score)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(r.score)));
    expect(Math.abs(r.score - all.get(r.itemId)!)).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(r.score)));
  });
  const cutoff = (expected.at(-1)?.score ?? 0) + TOLERANCE;
  const clear = (list: RankedItem[]) => new Set(list.filter((r) => r.score > cutoff).map((r) => r.itemId));
  expect(clear(actual)).toEqual(clear(expected));
  expect(new Set(actual.map((r) => r.itemId)).size).toBe(actual.length);
}

/** Runs the served model against the reference; returns the number of cases compared. */
export async function expectScorerParity(model: ScorerModel, opts: { cases?: number; seed?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), `aisle-parity-${model.kind}-`));
  const card = await saveModel(model, dir);
  expect(ModelCardSchema.safeParse(card).success).toBe(true);
  expect(card.kind).toBe(model.kind);
  const served = await loadRecommender(dir);
  const rand = createRng(opts.seed ?? 7);
  const N = model.items.length;
  const pick = () => (rand() < 0.1 ? `unknown-${Math.floor(rand() * 5)}` : model.items[Math.floor(rand() * N)]!);
  let cases = 0;
  try {
    for (let t = 0; t < (opts.cases ?? 60); t++) {
      const len = Math.floor(rand() * 9);
      const history: HistoryEntry[] = Array.from({ length: len }, (_, j) =>
        rand() < 0.5 ? pick() : { item: pick(), weight: 0.1 + rand(), age: len - 1 - j + Math.floor(rand() * 3) },
      );
      const exclude = rand() < 0.3 ? Array.from({ length: Math.floor(rand() * 10) }, pick) : undefined;
      const k = 1 + Math.floor(rand() * 25);
      const expected = rankScorer(model, history, k, exclude);
      const actual = await served.recommend({ history, ...(exclude && { exclude }) }, k);
      const all = new Map(rankScorer(model, history, N, exclude).map((r) => [r.itemId, r.score]));
      expectSameRanking(actual, expected, all);
      cases++;
    }
    // Cold start: nothing known about the shopper still gives a full, valid list.
    for (const history of [[], ['never-seen', 'also-new']]) {
      const k = Math.min(10, N);
      const actual = await served.recommend({ history }, k);
      expect(actual).toHaveLength(k);
      expect(new Set(actual.map((r) => r.itemId)).size).toBe(k);
      for (const r of actual) expect(Number.isFinite(r.score)).toBe(true);
      cases++;
    }
    // Excluded items never come back, even when k exceeds what is left.
    const banned = model.items.slice(0, Math.max(0, N - 2));
    const left = await served.recommend({ history: [], exclude: banned }, N);
    expect(left.map((r) => r.itemId).sort()).toEqual(model.items.slice(-2).sort());
  } finally {
    await served.close();
    await rm(dir, { recursive: true, force: true });
  }
  return cases;
}
