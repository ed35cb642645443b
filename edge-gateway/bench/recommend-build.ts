/**
 * Child process of `bench:recommend` (recommend.ts forks it): writes the world into the folder given as argv[2] —
 * the gateway database (catalogue, assortment, 100k profiles through ProfileCache), zones.json and the model
 * folders — then exits, so that what training and generating cost never shows in the measured process's RSS.
 * Prints one progress line per stage; the last line is a JSON summary for the parent.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CustomerProfile, Product, StoreAssortment, Zone } from '@aisle/contracts';
import { createRng, DEFAULT_SEQ_KNN_PARAMS, saveModel, trainSeqKnn } from '@aisle/recsys';
import { brokenModelDir, historyModelDir, syntheticSequences } from '../src/models/testing';
import { ProfileCache } from '../src/profiles/cache';
import { GatewayStore } from '../src/store/db';
import {
  assortment,
  catalogue,
  itemIds,
  NOW,
  PROFILES,
  profile,
  TRAINING_SHOPPERS,
  VERSIONS,
  WORLD_FILES,
  ZONES,
} from './recommend-world';

const dir = process.argv[2];
if (!dir) throw new Error('usage: recommend-build.ts <folder>');

async function stage<T>(what: string, work: () => T | Promise<T>, detail: (r: T) => string = () => ''): Promise<T> {
  const t0 = performance.now();
  const result = await work();
  const extra = detail(result);
  console.log(
    `  [build] ${what.padEnd(34)} ${((performance.now() - t0) / 1000).toFixed(2).padStart(6)} s${extra ? `  ${extra}` : ''}`,
  );
  return result;
}

const products = await stage(
  'catalogue (Product.parse each)',
  () => catalogue().map((p) => Product.parse(p)),
  (ps) => {
    const styles = new Set(ps.map((p) => p.attributes.style).filter(Boolean)).size;
    return `${ps.length} items, ${new Set(ps.map((p) => p.category)).size} categories, ${new Set(ps.map((p) => p.brand)).size} brands, ${styles} styles with sizes`;
  },
);
const stock = await stage(
  'assortment (StoreAssortment.parse)',
  () => StoreAssortment.parse(assortment(products)),
  (a) =>
    `${a.stock.filter((s) => s.onHand === 0).length} sold out, ${a.promotions.length} promotions (${a.promotions.filter((p) => p.startsAt <= NOW && NOW < p.endsAt).length} running)`,
);
const zones = ZONES.map((z) => Zone.parse(z));
writeFileSync(join(dir, WORLD_FILES.zones), JSON.stringify(zones));

const ids = itemIds();
const models = WORLD_FILES.models;
for (const [name, seed] of [
  ['v1', 1],
  ['v2', 2],
] as const) {
  const sequences = await stage(
    `${name}: synthetic sequences`,
    () => syntheticSequences(ids, seed, TRAINING_SHOPPERS),
    (s) => `${s.length} shoppers, ${s.reduce((a, x) => a + x.length, 0)} events`,
  );
  const model = await stage(`${name}: trainSeqKnn`, () =>
    trainSeqKnn(sequences, { items: ids, now: NOW - 86_400_000, version: VERSIONS[name] }),
  );
  await stage(
    `${name}: saveModel`,
    () => saveModel(model, join(dir, models[name])),
    (card) =>
      `${card.version} (${card.kind}, ${card.items.length} items, neighbours ${DEFAULT_SEQ_KNN_PARAMS.neighbors})`,
  );
}
// the broken versions derive from a historyModelDir model (same 20k items); they load and pass an empty-shopper
// warm-up, then fail every request with a history
await stage('template for the broken versions', () =>
  historyModelDir(join(dir, models.template), { items: ids.length, seed: 1 }),
);
for (const name of ['brokenCanary', 'brokenFull'] as const)
  await stage(`${name}: brokenModelDir(failOn history)`, () =>
    brokenModelDir(join(dir, models[name]), join(dir, models.template), VERSIONS[name], { failOn: 'history' }),
  );

const store = new GatewayStore(join(dir, WORLD_FILES.db));
await stage('catalogue + assortment into SQLite', () => {
  store.replaceCatalog(products);
  store.saveAssortment(stock);
});
const cache = new ProfileCache(store.db, { now: () => NOW });
const rand = createRng(13);
const BATCH = 5_000;
let parseMs = 0;
let upsertMs = 0;
await stage(
  `${PROFILES / 1000}k profiles (generate, parse 1 in 10, upsert)`,
  () => {
    for (let from = 0; from < PROFILES; from += BATCH) {
      const t0 = performance.now();
      // every 10th is checked against the contract here; ProfileCache checks each one again when it reads it,
      // and recommend.ts fails the run if an identified shopper's profile does not load
      const batch = Array.from({ length: Math.min(BATCH, PROFILES - from) }, (_, k) => {
        const p = profile(from + k, rand);
        return (from + k) % 10 === 0 ? CustomerProfile.parse(p) : p;
      });
      const t1 = performance.now();
      cache.upsert(batch);
      parseMs += t1 - t0;
      upsertMs += performance.now() - t1;
    }
    return cache.size;
  },
  (n) =>
    `${n} cached; generated and 1 in 10 parsed ${(parseMs / 1000).toFixed(1)} s, ProfileCache.upsert ${(upsertMs / 1000).toFixed(1)} s`,
);
const devices = store.db.prepare('SELECT count(*) FROM profile_devices').pluck().get() as number;
const dbBytes = store.usage().bytes;
store.db.pragma('wal_checkpoint(TRUNCATE)');
store.close();
console.log(JSON.stringify({ devices, dbBytes, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
