import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelCard, ModelCardSchema, sha256Hex } from '../card';
import {
  decodeUserVectors,
  encodeUserVectors,
  type History,
  type NextBasketModel,
  rankNextBasket,
  trainNextBasket,
} from '../models/next-basket';
import { basketHistory } from '../pipelines/holdout';
import { createRng } from '../random';
import { saveModel } from '../save';
import type { RankedItem } from '../types';
import { loadRecommender, type Recommender } from './index';

/** Shoppers with a few favourite items each, plus store-wide noise skewed to low item ids. */
function syntheticHistories(users: number, items: number, rand: () => number): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (let u = 0; u < users; u++) {
    const favourites = Array.from({ length: 4 }, () => `i${Math.floor(rand() * items)}`);
    const baskets = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => [
      ...favourites.filter(() => rand() < 0.5),
      ...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => `i${Math.floor(rand() ** 2 * items)}`),
    ]);
    out.set(`u${u}`, baskets);
  }
  return out;
}

/**
 * Same scores rank by rank (within 1e-4) and the same items above the last returned score: onnxruntime's TopK
 * does not promise an order among equal scores.
 */
function expectParity(actual: RankedItem[], expected: RankedItem[]): void {
  const tol = 1e-4;
  expect(actual).toHaveLength(expected.length);
  actual.forEach((r, j) => {
    expect(Math.abs(r.score - expected[j]!.score)).toBeLessThanOrEqual(tol);
  });
  const cutoff = (expected.at(-1)?.score ?? 0) + tol;
  const clear = (list: RankedItem[]) => new Set(list.filter((r) => r.score > cutoff).map((r) => r.itemId));
  expect(clear(actual)).toEqual(clear(expected));
  expect(new Set(actual.map((r) => r.itemId)).size).toBe(actual.length);
}

describe('next-basket serving', () => {
  const rand = createRng(5);
  const histories = syntheticHistories(300, 90, rand);
  const model: NextBasketModel = trainNextBasket(histories, {
    groupSize: 2,
    withinDecay: 0.9,
    groupDecay: 0.7,
    neighbors: 25,
    alpha: 0.4,
    now: Date.UTC(2025, 0, 1),
    version: 'nb-test',
  });
  let dir: string;
  let card: ModelCard;
  let recommender: Recommender;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recsys-nb-'));
    card = await saveModel(model, join(dir, 'model'), { metrics: { 'validation.recall@10': 0.3 } });
    recommender = await loadRecommender(join(dir, 'model'));
  });

  afterAll(async () => {
    await recommender?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes model.onnx, users.bin and a card with both checksums', async () => {
    const folder = join(dir, 'model');
    const onDisk = ModelCardSchema.parse(JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')));
    expect(onDisk).toEqual(card);
    expect(card).toMatchObject({
      kind: 'next-basket-tifu',
      version: 'nb-test',
      data: { users: 300, zones: 0, items: model.items.length, events: model.stats.events, skipped: 0 },
      params: model.params,
      metrics: { 'validation.recall@10': 0.3 },
    });
    expect(card.sha256).toBe(sha256Hex(await readFile(join(folder, 'model.onnx'))));
    expect(card.files).toEqual({ 'users.bin': sha256Hex(await readFile(join(folder, 'users.bin'))) });
  });

  it('round-trips the user vectors through users.bin', () => {
    const decoded = decodeUserVectors(encodeUserVectors(model), model.items.length);
    for (const key of Object.keys(decoded) as (keyof typeof decoded)[]) expect(decoded[key]).toEqual(model[key]);
  });

  it('matches rankNextBasket for known shoppers and fresh baskets', async () => {
    const users = [...histories.keys()];
    for (let t = 0; t < 80; t++) {
      const baskets: History =
        t % 2 === 0
          ? histories.get(users[Math.floor(rand() * users.length)]!)!
          : Array.from({ length: 1 + Math.floor(rand() * 6) }, () =>
              Array.from({ length: 1 + Math.floor(rand() * 4) }, () => `i${Math.floor(rand() * 100)}`),
            );
      const exclude = t % 5 === 0 ? model.items.slice(0, 4) : [];
      const k = 1 + Math.floor(rand() * 20);
      const served = await recommender.recommend({ history: basketHistory(baskets), exclude }, k);
      expectParity(served, rankNextBasket(model, baskets, k, exclude));
    }
  });

  it('excludes nothing by default: the items bought before come back', async () => {
    const baskets = [['i3', 'i50'], ['i50'], ['i50', 'i7']];
    const served = await recommender.recommend({ history: basketHistory(baskets) }, 3);
    expect(served[0]!.itemId).toBe('i50');
    expectParity(served, rankNextBasket(model, baskets, 3));
  });

  it('serves the most popular items without a (known) history', async () => {
    const popular = rankNextBasket(model, [], 10);
    for (const history of [[], [{ item: 'nope', age: 0 }, 'unknown-too']]) {
      const served = await recommender.recommend({ history }, 10);
      expect(served).toHaveLength(10);
      expect(served.every((r) => model.items.includes(r.itemId))).toBe(true);
      expectParity(served, popular);
    }
  });

  it('reads entries without an age as one basket each, and rejects a bad age', async () => {
    const baskets = [['i1'], ['i2'], ['i1']];
    expectParity(await recommender.recommend({ history: ['i1', 'i2', 'i1'] }, 5), rankNextBasket(model, baskets, 5));
    await expect(recommender.recommend({ history: [{ item: 'i1', age: 1.5 }] }, 5)).rejects.toThrow(/age/);
  });

  describe('loadRecommender refuses a broken users.bin', () => {
    async function copy(name: string): Promise<string> {
      const target = join(dir, name);
      await cp(join(dir, 'model'), target, { recursive: true });
      return target;
    }

    it('a tampered file (checksum), named in the error', async () => {
      const target = await copy('tampered');
      const bytes = await readFile(join(target, 'users.bin'));
      bytes[bytes.length - 3]! ^= 0x01;
      await writeFile(join(target, 'users.bin'), bytes);
      await expect(loadRecommender(target)).rejects.toThrow(/users\.bin: sha256 mismatch/);
    });

    it('a missing file', async () => {
      const target = await copy('missing');
      await rm(join(target, 'users.bin'));
      await expect(loadRecommender(target)).rejects.toThrow(/users\.bin: model file not found/);
    });

    it('a card that does not list it', async () => {
      const target = await copy('unlisted');
      await writeFile(join(target, 'model.json'), JSON.stringify({ ...card, files: undefined }));
      await expect(loadRecommender(target)).rejects.toThrow(
        /model\.json: a next-basket-tifu card must list users\.bin/,
      );
    });

    it('a file whose checksum matches but whose content is not user vectors', async () => {
      const target = await copy('truncated');
      const bytes = (await readFile(join(target, 'users.bin'))).subarray(0, 100);
      await writeFile(join(target, 'users.bin'), bytes);
      const patched = { ...card, files: { 'users.bin': sha256Hex(bytes) } };
      await writeFile(join(target, 'model.json'), JSON.stringify(patched));
      await expect(loadRecommender(target)).rejects.toThrow(/users\.bin: invalid user vectors: 100 bytes, expected/);
    });
  });

  it('keeps file names inside the folder', () => {
    const sha = card.sha256;
    for (const name of ['../x.bin', 'a/b', '.hidden', 'model.onnx'])
      expect(ModelCardSchema.safeParse({ ...card, files: { [name]: sha } }).success).toBe(false);
  });
});
