/** A small store for decision tests: catalogue, zones, stock, a co-purchase model served by ONNX Runtime. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CustomerProfile,
  type CustomerProfileInput,
  CustomerProfile as CustomerProfileSchema,
  type Product,
  type StoreAssortment,
  type Zone,
} from '@aisle/contracts';
import { createRng, saveModel, trainBundles, trainPopularity } from '@aisle/recsys';
import { loadRecommender, type Recommender } from '@aisle/recsys/serve';
import { ShopperMemory } from '../shoppers/memory';
import { Assortment } from './assortment';
import { ThompsonBandit } from './bandit';
import { ARMS, createDecider, type DecisionShopper, servedModel } from './decide';

export const NOW = Date.UTC(2026, 10, 29, 14, 0);
export const DAY = 86_400_000;

function product(id: string, category: string, brand: string, attributes: Record<string, string> = {}): Product {
  return { id, name: { en: `Item ${id}`, ko: `상품 ${id}` }, category, brand, price: 10, currency: 'KRW', attributes };
}

// Two styles of top in three sizes, plain tops, trousers, eight near-identical lipsticks and a few others.
export const catalog: Product[] = [
  ...['s', 'm', 'l'].map((size) => product(`t1-${size}`, 'tops', 'Nori', { style: 't1', size: size.toUpperCase() })),
  ...['s', 'm', 'l'].map((size) => product(`t2-${size}`, 'tops', 'Nori', { style: 't2', size: size.toUpperCase() })),
  ...[3, 4, 5, 6].map((i) => product(`t${i}`, 'tops', i % 2 ? 'Mono' : 'Nori', { colour: 'black' })),
  ...[1, 2, 3, 4].map((i) => product(`p${i}`, 'pants', 'Mono')),
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => product(`l${i}`, 'lipstick', 'Rouge', { finish: 'matte' })),
  ...[1, 2].map((i) => product(`e${i}`, 'eyes', 'Oro')),
  ...[1, 2].map((i) => product(`b${i}`, 'bags', 'Oro')),
];
export const byId = new Map(catalog.map((p) => [p.id, p]));
export const zones = new Map<string, Zone>(
  [
    { id: 'apparel', name: { en: 'Apparel', ko: '의류' }, categories: ['tops', 'pants'] },
    { id: 'beauty', name: { en: 'Beauty', ko: '뷰티' }, categories: ['lipstick', 'eyes'] },
    { id: 'fitting', name: { en: 'Fitting rooms', ko: '피팅룸' }, categories: [] },
  ].map((z) => [z.id, z]),
);

/** Baskets where tops go with trousers and lipsticks with each other; lipsticks sell most. */
function baskets(): string[][] {
  const rng = createRng(3);
  const out: string[][] = [];
  const pick = (ids: string[]) => ids[Math.floor(rng() * ids.length)]!;
  const tops = catalog.filter((p) => p.category === 'tops').map((p) => p.id);
  const pants = ['p1', 'p2', 'p3', 'p4'];
  const lips = catalog.filter((p) => p.category === 'lipstick').map((p) => p.id);
  for (let i = 0; i < 300; i++) {
    if (i % 3 === 0) out.push([pick(tops), pick(pants)]);
    else out.push([pick(lips), pick(lips), rng() < 0.3 ? pick(['e1', 'e2']) : pick(lips)]);
  }
  out.push(['b1', 'e1'], ['b2', 't3']);
  return out;
}

export const stockAll = (overrides: Record<string, number> = {}): StoreAssortment => ({
  storeId: 'test',
  stock: catalog.map((p) => ({ itemId: p.id, onHand: overrides[p.id] ?? 5, aisle: `A${p.category.length}` })),
  promotions: [],
  updatedAt: NOW,
});

/** The co-purchase model trained on `baskets()` (or plain popularity over them), loaded with ONNX Runtime. */
export async function loadTestModel(kind: 'bundles' | 'popularity' = 'bundles'): Promise<Recommender> {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-decide-'));
  const items = catalog.map((p) => p.id);
  const model =
    kind === 'bundles'
      ? trainBundles(baskets(), { items, now: NOW, minSupport: 1, epsilon: 0.5 })
      : trainPopularity(baskets(), { items, now: NOW });
  await saveModel(model, dir);
  return loadRecommender(dir);
}

export function testDecider(
  recommender: Recommender,
  opts: { assortment?: StoreAssortment; diversity?: number; seed?: number; bundles?: Recommender } = {},
) {
  const assortment = new Assortment(byId, 'assortment' in opts ? opts.assortment : stockAll());
  let n = 0;
  return createDecider({
    model: servedModel(recommender),
    ...(opts.bundles && { bundles: servedModel(opts.bundles) }),
    assortment: () => assortment,
    zones,
    count: 4,
    pool: 20,
    diversity: opts.diversity ?? 0.7,
    bandit: new ThompsonBandit(ARMS, createRng(opts.seed ?? 1)),
    recentPurchaseMs: 30 * DAY,
    newId: () => `d-${++n}`,
  });
}

export function profile(p: Partial<CustomerProfileInput> = {}): CustomerProfile {
  return CustomerProfileSchema.parse({
    customerId: 'cus-1',
    consent: { personalization: true, location: true },
    favouriteCategories: [],
    updatedAt: NOW,
    ...p,
  });
}

/** A shopper in `zoneId` who handled these items, with an optional profile. */
export function shopper(zoneId: string, touched: string[] = [], prof?: CustomerProfile): DecisionShopper {
  const memory = new ShopperMemory();
  memory.enterZone('shp-abcd1234', zoneId, NOW - 60_000);
  touched.forEach((itemId, i) => {
    memory.touch('shp-abcd1234', { itemId, zoneId, action: 'picked_up', at: NOW - 50_000 + i });
  });
  return { session: memory.get('shp-abcd1234')!, profile: prof };
}
