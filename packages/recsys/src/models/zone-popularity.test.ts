import { describe, expect, it } from 'vitest';
import { decodeModel, ONNX_IR_VERSION, ONNX_OPSET, readFloatTensor } from '../onnx/builder';
import {
  exportOnnx,
  rankReference,
  trainZonePopularity,
  type ZoneEvent,
  type ZonePopularityModel,
} from './zone-popularity';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 0, 31);
const ZONES = ['produce', 'dairy', 'bakery'];
const ITEMS = ['apple', 'milk', 'bread'];

// Half-life 1 day, so an event d days old counts 0.5^d of its weight.
const EVENTS: ZoneEvent[] = [
  { zoneId: 'produce', itemId: 'apple', weight: 1, ts: NOW }, // 1
  { zoneId: 'produce', itemId: 'milk', weight: 1, ts: NOW - DAY }, // 0.5
  { zoneId: 'produce', itemId: 'apple', weight: 0.3, ts: NOW - 2 * DAY }, // 0.075
  { zoneId: 'dairy', itemId: 'bread', weight: 1, ts: NOW }, // 1
  { zoneId: 'checkout', itemId: 'apple', weight: 1, ts: NOW }, // unknown zone
  { zoneId: 'produce', itemId: 'kiwi', weight: 1, ts: NOW }, // unknown item
];

function train(events: ZoneEvent[] = EVENTS, globalBlend = 0.2): ZonePopularityModel {
  return trainZonePopularity(events, { zones: ZONES, items: ITEMS, halfLifeDays: 1, globalBlend, now: NOW });
}

function row(model: ZonePopularityModel, zone: string): number[] {
  const z = model.zones.indexOf(zone);
  const n = model.items.length;
  return Array.from(model.weights.subarray(z * n, (z + 1) * n));
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i]!, 6);
  });
}

describe('trainZonePopularity', () => {
  // produce: apple 1.075, milk 0.5, bread 0 (sum 1.575); dairy: bread 1; bakery: nothing.
  // global:  apple 1.075, milk 0.5, bread 1   (sum 2.575).
  const global = [1.075 / 2.575, 0.5 / 2.575, 1 / 2.575];

  it('decays by half-life, normalises each zone row and blends in the global row', () => {
    const model = train();
    expectClose(row(model, 'produce'), [
      0.8 * (1.075 / 1.575) + 0.2 * global[0]!,
      0.8 * (0.5 / 1.575) + 0.2 * global[1]!,
      0.2 * global[2]!,
    ]);
    expectClose(row(model, 'dairy'), [0.2 * global[0]!, 0.2 * global[1]!, 0.8 + 0.2 * global[2]!]);
    for (const zone of ZONES) expect(row(model, zone).reduce((a, b) => a + b)).toBeCloseTo(1, 6);
  });

  it('counts events for unknown zones or items (and invalid ones) as skipped', () => {
    const invalid: ZoneEvent[] = [
      { zoneId: 'dairy', itemId: 'milk', weight: -1, ts: NOW },
      { zoneId: 'dairy', itemId: 'milk', weight: Number.NaN, ts: NOW },
    ];
    const model = train([...EVENTS, ...invalid]);
    expect(model.stats).toEqual({ events: 4, skipped: 4 });
    expectClose(row(model, 'dairy'), row(train(), 'dairy'));
  });

  it('gives a zone without events the global popularity ranking', () => {
    const model = train();
    expectClose(row(model, 'bakery'), global);
    const ranked = rankReference(model, { zoneWeights: { bakery: 1 } }, 3);
    expect(ranked.map((r) => r.itemId)).toEqual(['apple', 'bread', 'milk']);
    // produce itself ranks differently, so the fallback is not an accident of the data.
    expect(rankReference(model, { zoneWeights: { produce: 1 } }, 3).map((r) => r.itemId)).toEqual([
      'apple',
      'milk',
      'bread',
    ]);
  });

  it('treats events stamped after now as fresh, not as boosted', () => {
    const future = train([{ zoneId: 'dairy', itemId: 'milk', weight: 1, ts: NOW + 3 * DAY }], 0);
    const fresh = train([{ zoneId: 'dairy', itemId: 'milk', weight: 1, ts: NOW }], 0);
    expect(future.weights).toEqual(fresh.weights);
  });

  it('uses the defaults and records the parameters', () => {
    const model = trainZonePopularity(EVENTS, { zones: ZONES, items: ITEMS, now: NOW });
    expect(model.params).toEqual({ halfLifeDays: 14, globalBlend: 0.1 });
    expect(model.trainedAt).toBe(NOW);
    expect(model.version).toBe('zone-popularity-20250131T000000Z');
    expect(model.weights).toHaveLength(ZONES.length * ITEMS.length);
  });

  it('refuses duplicate ids, empty lists and bad parameters', () => {
    expect(() => trainZonePopularity([], { zones: ['a', 'a'], items: ['x'] })).toThrow(/duplicate zone id: a/);
    expect(() => trainZonePopularity([], { zones: ['a'], items: [] })).toThrow(/item/);
    expect(() => trainZonePopularity([], { zones: ['a'], items: ['x'], halfLifeDays: 0 })).toThrow(/halfLifeDays/);
    expect(() => trainZonePopularity([], { zones: ['a'], items: ['x'], globalBlend: 2 })).toThrow(/globalBlend/);
  });

  it('with no events at all, every item is equally popular', () => {
    const model = train([]);
    for (const zone of ZONES) expectClose(row(model, zone), [1 / 3, 1 / 3, 1 / 3]);
  });
});

describe('rankReference', () => {
  const model = train();

  it('mixes zones by normalised weight', () => {
    const ranked = rankReference(model, { zoneWeights: { produce: 3, dairy: 1 } }, 3);
    const expected = row(model, 'produce').map((p, i) => 0.75 * p + 0.25 * row(model, 'dairy')[i]!);
    const byItem = Object.fromEntries(ranked.map((r) => [r.itemId, r.score]));
    expectClose(
      ITEMS.map((id) => byItem[id]!),
      expected,
    );
    expect(ranked.map((r) => r.score)).toEqual([...ranked.map((r) => r.score)].sort((a, b) => b - a));
  });

  it('falls back to uniform zone weights when no known zone has weight', () => {
    const uniform = rankReference(model, { zoneWeights: { produce: 1, dairy: 1, bakery: 1 } }, 3);
    expect(rankReference(model, { zoneWeights: {} }, 3)).toEqual(uniform);
    expect(rankReference(model, { zoneWeights: { checkout: 5, produce: 0, dairy: -1 } }, 3)).toEqual(uniform);
  });

  it('drops excluded items, clamps k and ignores unknown ids', () => {
    const state = { zoneWeights: { produce: 1 }, exclude: ['apple', 'kiwi'] };
    expect(rankReference(model, state, 10).map((r) => r.itemId)).toEqual(['milk', 'bread']);
    expect(rankReference(model, state, 1).map((r) => r.itemId)).toEqual(['milk']);
    expect(rankReference(model, state, 0)).toEqual([]);
    expect(() => rankReference(model, state, -1)).toThrow(/k must be/);
    expect(() => rankReference(model, state, 1.5)).toThrow(/k must be/);
  });
});

describe('exportOnnx', () => {
  it('writes opset 17 with W as little-endian raw data and the version in metadata', () => {
    const model = train();
    const proto = decodeModel(exportOnnx(model));
    expect(Number(proto.irVersion)).toBe(ONNX_IR_VERSION);
    expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    expect(Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]))).toMatchObject({
      'aisle.version': model.version,
      'aisle.kind': 'zone-popularity',
    });
    const graph = proto.graph!;
    expect(graph.input!.map((i) => i.name)).toEqual(['zone_weights', 'exclude_mask', 'k']);
    expect(graph.output!.map((o) => o.name)).toEqual(['scores', 'indices']);
    expect(graph.node!.map((n) => n.opType)).toEqual(['MatMul', 'Mul', 'Add', 'TopK']);
    const w = graph.initializer!.find((t) => t.name === 'W')!;
    expect(w.dims!.map(Number)).toEqual([3, 3]);
    expect(w.rawData).toHaveLength(9 * 4);
    expect(w.floatData).toHaveLength(0);
    expect(readFloatTensor(w)).toEqual(model.weights);
  });

  it('refuses weights of the wrong size', () => {
    expect(() => exportOnnx({ ...train(), weights: new Float32Array(4) })).toThrow(/expected 9/);
  });
});
