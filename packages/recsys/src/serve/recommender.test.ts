import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCardSchema, sha256Hex } from '../card';
import {
  rankReference,
  trainZonePopularity,
  type ZoneEvent,
  type ZonePopularityModel,
} from '../models/zone-popularity';
import { createRng } from '../random';
import { saveModel } from '../save';
import type { RankedItem, ShopperState } from '../types';
import { loadRecommender, type Recommender } from './index';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1);
const ZONES = Array.from({ length: 5 }, (_, z) => `zone-${z}`);
const ITEMS = Array.from({ length: 300 }, (_, i) => `sku-${String(i).padStart(3, '0')}`);

/** Each zone favours its own 60 items (skewed to the first), plus store-wide noise and a few bad events. */
function makeEvents(rand: () => number, count: number): ZoneEvent[] {
  return Array.from({ length: count }, () => {
    const z = Math.floor(rand() * ZONES.length);
    const local = rand() < 0.8;
    const i = local ? z * 60 + Math.floor(60 * rand() ** 2) : Math.floor(ITEMS.length * rand());
    const bad = rand() < 0.01;
    return {
      zoneId: bad ? 'zone-unknown' : ZONES[z]!,
      itemId: ITEMS[i]!,
      weight: rand() < 0.3 ? 1 : 0.3,
      ts: NOW - Math.floor(rand() * 60 * DAY),
    };
  });
}

function randomState(rand: () => number): ShopperState {
  const zoneWeights: Record<string, number> = {};
  const zoneCount = Math.floor(rand() * 4); // 0 → the uniform fallback
  for (let j = 0; j < zoneCount; j++) zoneWeights[ZONES[Math.floor(rand() * ZONES.length)]!] = rand() * 10;
  if (rand() < 0.2) zoneWeights['zone-unknown'] = 5;
  const exclude = Array.from({ length: Math.floor(rand() * 20) }, () => ITEMS[Math.floor(rand() * ITEMS.length)]!);
  if (rand() < 0.2) exclude.push('sku-unknown');
  return { zoneWeights, exclude };
}

/**
 * onnxruntime's TopK does not promise an order among equal scores, so: scores must match rank by rank, every
 * returned item must carry its reference score, and items scoring clearly above the last returned score must
 * be the same on both sides.
 */
function expectParity(actual: RankedItem[], expected: RankedItem[], allScores: Map<string, number>): void {
  const tol = 1e-4;
  expect(actual).toHaveLength(expected.length);
  actual.forEach((r, j) => {
    expect(Math.abs(r.score - expected[j]!.score)).toBeLessThanOrEqual(tol);
    expect(Math.abs(r.score - allScores.get(r.itemId)!)).toBeLessThanOrEqual(tol);
  });
  const cutoff = (expected.at(-1)?.score ?? 0) + tol;
  const clear = (list: RankedItem[]) => new Set(list.filter((r) => r.score > cutoff).map((r) => r.itemId));
  expect(clear(actual)).toEqual(clear(expected));
  expect(new Set(actual.map((r) => r.itemId)).size).toBe(actual.length);
}

describe('ONNX serving', () => {
  let dir: string;
  let model: ZonePopularityModel;
  let recommender: Recommender;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recsys-'));
    model = trainZonePopularity(makeEvents(createRng(42), 5_000), {
      zones: ZONES,
      items: ITEMS,
      now: NOW,
      version: 'v-test',
    });
    await saveModel(model, join(dir, 'model'), { metrics: { hitRate10: 0.5 } });
    recommender = await loadRecommender(join(dir, 'model'));
  });

  afterAll(async () => {
    await recommender?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a valid card that matches model.onnx', async () => {
    const card = ModelCardSchema.parse(JSON.parse(await readFile(join(dir, 'model', 'model.json'), 'utf8')));
    expect(card.sha256).toBe(sha256Hex(await readFile(join(dir, 'model', 'model.onnx'))));
    expect(card).toMatchObject({
      kind: 'zone-popularity',
      version: 'v-test',
      trainedAt: '2025-06-01T00:00:00.000Z',
      data: { zones: 5, items: 300, events: model.stats.events, skipped: model.stats.skipped },
      params: { halfLifeDays: 14, globalBlend: 0.1 },
      metrics: { hitRate10: 0.5 },
    });
    expect(model.stats.skipped).toBeGreaterThan(0);
    expect(model.stats.events + model.stats.skipped).toBe(5_000);
    expect(recommender.version).toBe('v-test');
    expect(recommender.card.items).toEqual(ITEMS);
  });

  it('matches rankReference on many random states', async () => {
    const rand = createRng(7);
    for (let n = 0; n < 300; n++) {
      const state = randomState(rand);
      const k = 1 + Math.floor(rand() * 30);
      const allScores = new Map(rankReference(model, state, ITEMS.length).map((r) => [r.itemId, r.score]));
      const actual = await recommender.recommend(state, k);
      expectParity(actual, rankReference(model, state, k), allScores);
      const excluded = new Set(state.exclude);
      expect(actual.filter((r) => excluded.has(r.itemId))).toEqual([]);
    }
  });

  it('clamps k to the catalogue and never returns excluded items', async () => {
    const exclude = ITEMS.slice(0, 50);
    const state = { zoneWeights: { 'zone-1': 1 }, exclude };
    const all = await recommender.recommend(state, 10_000);
    expect(all).toHaveLength(ITEMS.length - exclude.length);
    expect(all.some((r) => exclude.includes(r.itemId))).toBe(false);
    expectParity(all, rankReference(model, state, 10_000), new Map(all.map((r) => [r.itemId, r.score])));
    expect(await recommender.recommend(state, 0)).toEqual([]);
    await expect(recommender.recommend(state, -2)).rejects.toThrow(/k must be/);
  });

  it('ignores unknown zone and item ids', async () => {
    const plain = await recommender.recommend({ zoneWeights: { 'zone-2': 2, 'zone-4': 1 }, exclude: ['sku-007'] }, 10);
    const noisy = await recommender.recommend(
      { zoneWeights: { 'zone-2': 2, 'zone-4': 1, 'zone-x': 9 }, exclude: ['sku-007', 'nope'] },
      10,
    );
    expect(noisy).toEqual(plain);
    // Only unknown zones: same as no zones at all, i.e. the uniform fallback.
    expect(await recommender.recommend({ zoneWeights: { 'zone-x': 1 } }, 10)).toEqual(
      await recommender.recommend({ zoneWeights: {} }, 10),
    );
  });

  it('follows the zone: the top items of a zone come from its own slice', async () => {
    const top = await recommender.recommend({ zoneWeights: { 'zone-3': 1 } }, 5);
    for (const r of top) expect(Math.floor(Number(r.itemId.slice(4)) / 60)).toBe(3);
  });

  describe('loadRecommender refuses broken folders', () => {
    async function copy(name: string): Promise<string> {
      const target = join(dir, name);
      await cp(join(dir, 'model'), target, { recursive: true });
      return target;
    }

    it('a tampered model.onnx (checksum)', async () => {
      const target = await copy('tampered');
      const bytes = await readFile(join(target, 'model.onnx'));
      bytes[bytes.length - 10]! ^= 0xff;
      await writeFile(join(target, 'model.onnx'), bytes);
      await expect(loadRecommender(target)).rejects.toThrow(/model\.onnx: sha256 mismatch/);
    });

    it('a missing card', async () => {
      const target = await copy('no-card');
      await rm(join(target, 'model.json'));
      await expect(loadRecommender(target)).rejects.toThrow(/model\.json: model card file not found/);
    });

    it('a missing model.onnx', async () => {
      const target = await copy('no-model');
      await rm(join(target, 'model.onnx'));
      await expect(loadRecommender(target)).rejects.toThrow(/model\.onnx: model file not found/);
    });

    it('an invalid card', async () => {
      const target = await copy('bad-card');
      const card = JSON.parse(await readFile(join(target, 'model.json'), 'utf8'));
      await writeFile(join(target, 'model.json'), JSON.stringify({ ...card, sha256: 'abc', zones: 'zone-0' }));
      await expect(loadRecommender(target)).rejects.toThrow(
        /model\.json: invalid model card:\n(?=[\s\S]*at zones)(?=[\s\S]*at sha256)/,
      );
      await writeFile(join(target, 'model.json'), '{ not json');
      await expect(loadRecommender(target)).rejects.toThrow(/model\.json: invalid model card: not JSON/);
    });

    it('a card whose zones do not match the graph', async () => {
      const target = await copy('wrong-zones');
      const card = JSON.parse(await readFile(join(target, 'model.json'), 'utf8'));
      card.zones.push('zone-extra');
      card.data.zones += 1;
      await writeFile(join(target, 'model.json'), JSON.stringify(card));
      await expect(loadRecommender(target)).rejects.toThrow(/model\.json: signature does not match/);
      // A card consistent in itself but not with the graph is caught once the session is open.
      card.signature.inputs[0].shape = [1, 6];
      await writeFile(join(target, 'model.json'), JSON.stringify(card));
      await expect(loadRecommender(target)).rejects.toThrow(
        /model\.onnx: input 'zone_weights' is float32 \[1, 5\], expected float32 \[1, 6\]/,
      );
    });
  });

  it('refuses to recommend after close', async () => {
    const other = await loadRecommender(join(dir, 'model'));
    await other.close();
    await expect(other.recommend({ zoneWeights: {} }, 3)).rejects.toThrow(/closed/);
  });
});
