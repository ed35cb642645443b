/**
 * The store `bench:recommend` decides for: a 20k-item catalogue in category blocks, the zones that shelve them, the
 * store's stock and promotions, and 100k customer profiles. Pure, seeded generators (no I/O): recommend-build.ts
 * writes them into a gateway database in a child process, and recommend.ts reads the naming rules (device ids,
 * zones) to build requests against that database.
 */
import type { CustomerProfile, Product, Promotion, StoreAssortment, Zone } from '@aisle/contracts';
import { createRng } from '@aisle/recsys';
import { syntheticItems } from '../src/models/testing';

export const ITEMS = 20_000;
export const PROFILES = 100_000;
/** Items per category: categories are contiguous blocks of item positions, so the synthetic sequences (which mostly
 * step to a nearby position) teach the model neighbours within a category, as real sessions would. */
export const CATEGORY_BLOCK = 500;
/** The bench's clock: every request is decided at this instant, so promotions and purchase ages never drift. */
export const NOW = Date.UTC(2026, 10, 29, 14, 0);
export const DAY = 86_400_000;
export const STORE_ID = 'bench-store';

interface ZoneSpec {
  id: string;
  en: string;
  ko: string;
  categories: string[];
  /** What the items look like: sized garments in styles, shoes in mm sizes, or shades. */
  kind: 'apparel' | 'shoes' | 'beauty' | 'goods';
}

// 8 zones × 5 categories × 500 items = 20k; the fitting rooms shelve nothing.
const ZONE_SPECS: ZoneSpec[] = [
  {
    id: 'women',
    en: 'Women',
    ko: '여성',
    categories: ['tops', 'dresses', 'skirts', 'knitwear', 'outerwear'],
    kind: 'apparel',
  },
  {
    id: 'men',
    en: 'Men',
    ko: '남성',
    categories: ['shirts', 'trousers', 'suits', 'jackets', 'polos'],
    kind: 'apparel',
  },
  {
    id: 'kids',
    en: 'Kids',
    ko: '아동',
    categories: ['kids-tops', 'kids-pants', 'babywear', 'kids-outer', 'school'],
    kind: 'apparel',
  },
  {
    id: 'sport',
    en: 'Sport',
    ko: '스포츠',
    categories: ['running', 'yoga', 'swim', 'training', 'outdoor'],
    kind: 'apparel',
  },
  {
    id: 'shoes',
    en: 'Shoes',
    ko: '신발',
    categories: ['sneakers', 'boots', 'sandals', 'heels', 'loafers'],
    kind: 'shoes',
  },
  {
    id: 'beauty',
    en: 'Beauty',
    ko: '뷰티',
    categories: ['lipstick', 'eyes', 'skincare', 'fragrance', 'nails'],
    kind: 'beauty',
  },
  { id: 'home', en: 'Home', ko: '홈', categories: ['bedding', 'kitchen', 'bath', 'decor', 'lighting'], kind: 'goods' },
  {
    id: 'acc',
    en: 'Accessories',
    ko: '잡화',
    categories: ['bags', 'belts', 'hats', 'scarves', 'jewellery'],
    kind: 'goods',
  },
];

export const ZONES: Zone[] = [
  ...ZONE_SPECS.map((z) => ({ id: z.id, name: { en: z.en, ko: z.ko }, categories: z.categories })),
  { id: 'fitting', name: { en: 'Fitting rooms', ko: '피팅룸' }, categories: [] },
];
export const CATEGORIES = ZONE_SPECS.flatMap((z) => z.categories);
const KIND_OF = new Map(ZONE_SPECS.flatMap((z) => z.categories.map((c) => [c, z.kind] as const)));
export const SIZES = ['XS', 'S', 'M', 'L', 'XL'];
const SHOE_SIZES = ['230', '240', '250', '260', '270', '280'];
const COLOURS = ['black', 'white', 'navy', 'grey', 'beige', 'red', 'green', 'blue', 'pink', 'brown'];
const MATERIALS = ['cotton', 'linen', 'wool', 'polyester', 'silk', 'denim', 'leather', 'nylon'];
const FINISHES = ['matte', 'satin', 'gloss', 'sheer'];
const BRANDS = Array.from({ length: 120 }, (_, i) => `Brand${String(i).padStart(3, '0')}`);

export const itemIds = (): string[] => syntheticItems(ITEMS);
export const categoryOf = (position: number): string => CATEGORIES[Math.floor(position / CATEGORY_BLOCK)]!;

/**
 * The catalogue: item `item-NNNNN` is in category block NNNNN / 500. Garments come in styles of 3–5 consecutive
 * sizes (same style id, brand, colour), shoes in 4–6 mm sizes; every product has 2–4 attributes.
 */
export function catalogue(): Product[] {
  const ids = itemIds();
  const rand = createRng(11);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const products: Product[] = [];
  let style: { id: string; left: number; sizes: string[]; brand: string; colour: string; material: string } | undefined;
  let styles = 0;
  for (let i = 0; i < ids.length; i++) {
    const category = categoryOf(i);
    const kind = KIND_OF.get(category)!;
    const catIndex = Math.floor(i / CATEGORY_BLOCK);
    // 8 brands per category, consecutive blocks of them, so neighbours share brands as a shop's shelves do
    const brands = BRANDS.slice((catIndex * 3) % 112, ((catIndex * 3) % 112) + 8);
    const blockStart = i % CATEGORY_BLOCK === 0;
    if (blockStart) style = undefined;
    const attributes: Record<string, string> = {};
    let brand = pick(brands);
    if (kind === 'apparel' || kind === 'shoes') {
      if (!style || style.left === 0) {
        const sizes =
          kind === 'apparel'
            ? SIZES.slice(0, 3 + Math.floor(rand() * 3))
            : SHOE_SIZES.slice(0, 4 + Math.floor(rand() * 3));
        style = {
          id: `st-${String(styles++).padStart(5, '0')}`,
          left: sizes.length,
          sizes,
          brand,
          colour: pick(COLOURS),
          material: pick(MATERIALS),
        };
      }
      brand = style.brand;
      attributes.style = style.id;
      attributes.size = style.sizes[style.sizes.length - style.left]!;
      attributes.colour = style.colour;
      if (kind === 'apparel') attributes.material = style.material;
      style.left--;
    } else if (kind === 'beauty') {
      attributes.finish = pick(FINISHES);
      attributes.shade = `${pick(COLOURS)}-${1 + Math.floor(rand() * 5)}`;
    } else {
      attributes.colour = pick(COLOURS);
      attributes.material = pick(MATERIALS);
    }
    const n = i % CATEGORY_BLOCK;
    products.push({
      id: ids[i]!,
      name: { en: `${brand} ${category} ${n}`, ko: `${brand} ${category} ${n}번` },
      category,
      brand,
      price: 1_000 * (5 + Math.floor(rand() * 195)),
      currency: 'KRW',
      attributes,
    });
  }
  return products;
}

/** Stock for every item (8 % sold out, the rest 1–30 on hand, shelved in the zone's aisles) and 15 promotions. */
export function assortment(products: readonly Product[]): StoreAssortment {
  const rand = createRng(12);
  const zoneIndex = new Map(ZONE_SPECS.flatMap((z, zi) => z.categories.map((c) => [c, zi] as const)));
  const stock = products.map((p) => ({
    itemId: p.id,
    onHand: rand() < 0.08 ? 0 : 1 + Math.floor(rand() * 30),
    aisle: `${String.fromCharCode(65 + zoneIndex.get(p.category)!)}${1 + Math.floor(rand() * 12)}`,
  }));
  const promotions: Promotion[] = [];
  const label = (en: string) => ({ en, ko: `${en} (할인)` });
  // 6 category-wide promotions, 6 on lists of 50–300 items, 3 that ended or have not started
  for (let p = 0; p < 6; p++) {
    const category = CATEGORIES[(p * 7) % CATEGORIES.length]!;
    promotions.push({
      id: `promo-cat-${p}`,
      label: label(`${category}: 20% off`),
      itemIds: [],
      category,
      boost: 0.2 + 0.05 * p,
      startsAt: NOW - 7 * DAY,
      endsAt: NOW + 7 * DAY,
    });
  }
  for (let p = 0; p < 9; p++) {
    const size = 50 + Math.floor(rand() * 250);
    const start = Math.floor(rand() * (products.length - size));
    const active = p < 6;
    promotions.push({
      id: `promo-items-${p}`,
      label: label(`Selected items ${p}: 1+1`),
      itemIds: products.slice(start, start + size).map((x) => x.id),
      boost: 0.3,
      startsAt: active ? NOW - 2 * DAY : p === 6 ? NOW - 30 * DAY : NOW + 2 * DAY,
      endsAt: active ? NOW + 5 * DAY : p === 6 ? NOW - 20 * DAY : NOW + 9 * DAY,
    });
  }
  return { storeId: STORE_ID, stock, promotions, updatedAt: NOW };
}

/** A bijective 32-bit mix (murmur3's finaliser): distinct inputs give distinct, well-spread pseudonyms. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

export const customerId = (i: number): string => `cus-${String(i).padStart(6, '0')}`;
/** The j-th (0 or 1) shopper-app pseudonym of customer i. */
export const profileDevice = (i: number, j: number): string => `shp-${hex8(mix32(2 * i + j))}`;
/** Phones without the shopper app (or whose owner the store does not know): never in profile_devices. */
export const anonymousDevice = (n: number): string => `shp-${hex8(mix32(0x8000_0000 + (n % 0x4000_0000)))}`;
/** How many pseudonyms customer i has (1 or 2), without generating the profile. */
export const deviceCount = (i: number): number => (mix32(i ^ 0x5bd1e995) % 3 === 0 ? 2 : 1);

/**
 * Customer i's profile as the cloud sends it: consent (95 % personalization), 2–6 tastes, 1–4 favourite categories,
 * 0–40 recent purchases over 180 days (mostly in the categories they like, a quarter within the last 30 days),
 * an online cart for 40 %, one excluded category for 10 %, and 1–2 app pseudonyms.
 */
export function profile(i: number, rand: () => number): CustomerProfile {
  const liked = Array.from({ length: 2 + Math.floor(rand() * 5) }, () => Math.floor(rand() * CATEGORIES.length));
  const itemIn = (cat: number) =>
    `item-${String(cat * CATEGORY_BLOCK + Math.floor(rand() * CATEGORY_BLOCK)).padStart(5, '0')}`;
  const anyItem = () => `item-${String(Math.floor(rand() * ITEMS)).padStart(5, '0')}`;
  const likedItem = () => (rand() < 0.8 ? itemIn(liked[Math.floor(rand() * liked.length)]!) : anyItem());
  const tastes: Record<string, number> = {};
  for (const c of liked) tastes[CATEGORIES[c]!] = Math.round(rand() * 100) / 100;
  const purchases = Math.floor(rand() ** 1.5 * 41);
  const recentPurchases = Array.from({ length: purchases }, () => ({
    itemId: likedItem(),
    at: NOW - Math.floor((rand() < 0.25 ? rand() * 30 : 30 + rand() * 150) * DAY),
    channel: rand() < 0.6 ? ('online' as const) : ('store' as const),
  })).sort((a, b) => a.at - b.at);
  const cart = rand() < 0.4 ? 1 + Math.floor(rand() * 5) : 0;
  const onlineCart = Array.from({ length: cart }, () => ({
    itemId: likedItem(),
    quantity: 1 + Math.floor(rand() * 2),
    addedAt: NOW - Math.floor(rand() * 14 * DAY),
  }));
  return {
    customerId: customerId(i),
    segment: ['new', 'regular', 'vip'][Math.floor(rand() * 3)]!,
    consent: { personalization: rand() < 0.95, location: rand() < 0.9 },
    favouriteCategories: [...new Set(liked.slice(0, 4).map((c) => CATEGORIES[c]!))],
    tastes,
    excludedCategories: rand() < 0.1 ? [CATEGORIES[Math.floor(rand() * CATEGORIES.length)]!] : [],
    recentPurchases,
    onlineCart,
    appDevices: Array.from({ length: deviceCount(i) }, (_, j) => profileDevice(i, j)),
    updatedAt: NOW - Math.floor(rand() * 30 * DAY),
  };
}

/** Where bench:recommend's world lives inside its temporary folder. */
export const WORLD_FILES = {
  db: 'gateway.db',
  zones: 'zones.json',
  /** Model folders: the served v1, the v2 of the hot swap, two broken versions and the template they derive from. */
  models: {
    v1: 'models/v1',
    v2: 'models/v2',
    template: 'models/template',
    brokenCanary: 'models/broken-canary',
    brokenFull: 'models/broken-full',
  },
} as const;

/** Versions of the bench's models. */
export const VERSIONS = {
  v1: 'seq-knn-20k-v1',
  v2: 'seq-knn-20k-v2',
  brokenCanary: 'seq-knn-20k-broken-canary',
  brokenFull: 'seq-knn-20k-broken-full',
} as const;

/** Synthetic shoppers whose item sequences train the served models. */
export const TRAINING_SHOPPERS = 20_000;
