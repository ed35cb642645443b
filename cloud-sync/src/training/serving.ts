import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CustomerProfile, type CustomerRecommendations, Product } from '@aisle/contracts';
import { loadRecommender, type Recommender } from '@aisle/recsys/serve';
import type { CloudStore } from '../store';
import { customerHistory, itemsBoughtSince, popularItems } from './dataset';
import { latestModel } from './runs';

/** Items a customer bought this recently are not recommended to them again. */
export const RECENTLY_BOUGHT_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Loads a version from the registry's storage (the database, so every cloud process and every restart serves the
 * same bytes): its files are written to a temporary folder, checked and loaded by recsys serving, and the folder is
 * removed (the session holds the verified bytes).
 */
export async function loadFromRegistry(store: CloudStore, version: string): Promise<Recommender> {
  const files = await store.db
    .selectFrom('model_files')
    .select(['name', 'bytes'])
    .where('version', '=', version)
    .execute();
  const dir = await mkdtemp(join(tmpdir(), 'aisle-online-'));
  try {
    for (const f of files) await writeFile(join(dir, f.name), f.bytes);
    return await loadRecommender(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Entry {
  version: string;
  recommender: Promise<Recommender>;
  /** Requests using it now: a replaced model is closed when the last one is done. */
  users: number;
}

/**
 * The newest trained model, loaded once and shared by every request; a newer version replaces it (the old one is
 * closed once no request uses it). A version that failed to load is tried again on the next request.
 */
export class ModelCache {
  #entry: Entry | undefined;
  #closed = false;

  constructor(private readonly store: CloudStore) {}

  async with<T>(version: string, use: (recommender: Recommender) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('the recommendation service is stopping');
    if (this.#entry?.version !== version) {
      const previous = this.#entry;
      const entry: Entry = { version, recommender: loadFromRegistry(this.store, version), users: 0 };
      entry.recommender.catch(() => {
        if (this.#entry === entry) this.#entry = undefined;
      });
      this.#entry = entry;
      if (previous && previous.users === 0) release(previous);
    }
    const entry = this.#entry!;
    entry.users++;
    try {
      return await use(await entry.recommender);
    } finally {
      entry.users--;
      if (entry !== this.#entry && entry.users === 0) release(entry);
    }
  }

  /** Closes the loaded model (requests in flight finish first). */
  async close(): Promise<void> {
    this.#closed = true;
    const entry = this.#entry;
    this.#entry = undefined;
    if (entry && entry.users === 0) await entry.recommender.then((r) => r.close()).catch(() => {});
    else if (entry) release(entry);
  }
}

function release(entry: Entry): void {
  entry.recommender.then((r) => r.close()).catch(() => {});
}

/** What a customer is never shown: what they bought in the last 30 days and the categories they asked to hide. */
async function excludedItems(store: CloudStore, profile: CustomerProfile, now: number): Promise<Set<string>> {
  const exclude = await itemsBoughtSince(store, profile.customerId, now - RECENTLY_BOUGHT_MS);
  if (profile.excludedCategories.length > 0) {
    const hidden = new Set(profile.excludedCategories);
    for (const r of await store.db.selectFrom('products').select(['item_id', 'product']).execute())
      if (hidden.has(Product.parse(JSON.parse(r.product)).category)) exclude.add(r.item_id);
  }
  return exclude;
}

/**
 * A customer's online recommendations: the newest trained model ranks from their purchase history (every store
 * and the web, newest last) as the cloud had it when that model was trained, so the list changes with each run,
 * not with each purchase; what they bought in the last 30 days and their hidden categories are left out at once.
 * Without personalization consent the history is not used (the model's non-personal ranking). Before any model,
 * the list is the items most bought in the newest purchases, with `model: null`.
 */
export async function recommendationsFor(
  store: CloudStore,
  cache: ModelCache,
  profile: CustomerProfile,
  limit: number,
  now: number,
): Promise<CustomerRecommendations> {
  const personalized = profile.consent.personalization;
  const exclude = await excludedItems(store, profile, now);
  const latest = await latestModel(store);
  if (!latest) {
    const catalog = new Set((await store.db.selectFrom('products').select('item_id').execute()).map((r) => r.item_id));
    const items = (await popularItems(store))
      .filter((p) => catalog.has(p.itemId) && !exclude.has(p.itemId))
      .slice(0, limit)
      .map((p) => ({ itemId: p.itemId, score: p.count }));
    return { customerId: profile.customerId, model: null, personalized: false, items };
  }
  const history = personalized ? await customerHistory(store, profile.customerId, latest.dataUntil) : [];
  const items = await cache.with(latest.version, (rec) => rec.recommend({ history, exclude: [...exclude] }, limit));
  return { customerId: profile.customerId, model: latest.version, personalized, items };
}
