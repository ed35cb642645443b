import { createHash } from 'node:crypto';
import {
  type CartLine,
  type CustomerProfile,
  type FloorPlan,
  type Product,
  type ProfilePurchase,
  phoneDigits,
} from '@aisle/contracts';
import { demoAssortment } from './assortment';
import { CATEGORIES, demoCatalog } from './catalog';
import { createRng, pick, type Rng, shortId } from './random';
import type { Publish } from './shoppers';

const DAY = 86_400_000;

/** The demo store: six zones with a BLE scanner each, a kiosk in Beauty, a mirror in the fitting rooms, a staff screen. */
export function demoFloorPlan(storeId = 'seoul-01'): FloorPlan {
  const zones: FloorPlan['zones'] = [
    { id: 'beauty', name: { en: 'Beauty', ko: '뷰티' }, categories: ['skincare', 'makeup'] },
    { id: 'womenswear', name: { en: 'Womenswear', ko: '여성 의류' }, categories: ['women-tops', 'women-dresses'] },
    { id: 'menswear', name: { en: 'Menswear', ko: '남성 의류' }, categories: ['men-tops', 'men-pants'] },
    { id: 'footwear', name: { en: 'Footwear', ko: '신발' }, categories: ['sneakers', 'boots-sandals'] },
    { id: 'accessories', name: { en: 'Accessories', ko: '액세서리' }, categories: ['bags', 'jewelry'] },
    { id: 'fitting-rooms', name: { en: 'Fitting rooms', ko: '피팅룸' }, categories: [] },
  ];
  return {
    storeId,
    name: 'Aisle Seoul Gangnam',
    zones,
    scanners: zones.map((z) => ({ id: `scanner-${z.id}`, zoneId: z.id })),
    shelves: zones.map((z) => ({ id: z.categories.length > 0 ? `shelf-${z.id}` : `rfid-${z.id}`, zoneId: z.id })),
    screens: [
      { id: 'kiosk-1', kind: 'kiosk', zoneId: 'beauty' },
      { id: 'mirror-1', kind: 'mirror', zoneId: 'fitting-rooms' },
      { id: 'staff-1', kind: 'staff' },
    ],
  };
}

/** First names of the demo customers (Korean names in Latin letters). */
const FIRST_NAMES = [
  'Minji',
  'Seoyeon',
  'Jiho',
  'Haeun',
  'Doyun',
  'Jiwoo',
  'Seojun',
  'Yuna',
  'Hajun',
  'Eunwoo',
  'Sua',
  'Minjun',
  'Chaewon',
  'Junho',
  'Dahyun',
  'Taeyang',
];

/** The loyalty id on the n-th demo customer's card (its QR code and NFC tag): `AISLE-0001`, … */
export const demoLoyaltyId = (n: number) => `AISLE-${String(n).padStart(4, '0')}`;
/** The n-th demo customer's phone number: `+82 10-0000-0001`, … (profiles carry only its hash). */
export const demoPhone = (n: number) => `+82 10-0000-${String(n).padStart(4, '0')}`;
const phoneHash = (phone: string) => createHash('sha256').update(phoneDigits(phone)).digest('hex');

/**
 * A few known customers for the cloud's profile service: first name, loyalty id and phone hash, segment, consent,
 * favourite categories and a taste for them, recent purchases online and in store, an open online cart for about
 * half, and the app device id their phone advertises (give those to `withKnownShoppers` so some simulated shoppers
 * are these customers).
 *
 * `cus-0001` (Minji: card `AISLE-0001`, phone +82 10-0000-0001) is the same in every demo: loyal, consented to
 * personalization and location, at least two recent purchases, and an online cart whose items the demo store
 * (`demoAssortment`) has in stock.
 */
export function demoCustomers(
  count = 20,
  seed = 11,
  now = Date.now(),
  catalog: readonly Product[] = demoCatalog(),
): CustomerProfile[] {
  const rng = createRng(seed);
  const more = createRng(seed + 1_000_003); // the later fields draw from their own stream: earlier ones stay as they were
  const names = createRng(seed + 2_000_003); // and so do the identities
  const customers: CustomerProfile[] = Array.from({ length: count }, (_, i) => {
    const favouriteCategories = [pick(rng, CATEGORIES), pick(rng, CATEGORIES)].filter((c, j, a) => a.indexOf(c) === j);
    return {
      customerId: `cus-${String(i + 1).padStart(4, '0')}`,
      firstName: pick(names, FIRST_NAMES),
      loyaltyId: demoLoyaltyId(i + 1),
      phoneHash: phoneHash(demoPhone(i + 1)),
      // the demo store (demoFloorPlan's) is their home: its gateway caches them
      homeStoreId: 'seoul-01',
      segment: pick(rng, ['new', 'regular', 'loyal']),
      consent: { personalization: rng() < 0.8, location: rng() < 0.7 },
      favouriteCategories,
      tastes: tastesFor(more, favouriteCategories),
      excludedCategories: [],
      recentPurchases: recentPurchases(more, catalog, favouriteCategories, now),
      onlineCart: more() < 0.5 ? onlineCart(more, catalog, favouriteCategories, now) : [],
      appDevices: [`shp-${shortId(more, 10)}`],
      updatedAt: now,
    };
  });
  const first = customers[0];
  if (first) customers[0] = showcase(first, catalog, now);
  return customers;
}

/** `cus-0001` as every demo shows it: loyal, consented, with an online cart the demo store has in stock. */
function showcase(c: CustomerProfile, catalog: readonly Product[], now: number): CustomerProfile {
  const stock = new Map(demoAssortment(demoFloorPlan(), catalog).stock.map((s) => [s.itemId, s.onHand]));
  const inStock = (id: string) => (stock.get(id) ?? 0) > 0;
  const cart = c.onlineCart.filter((l) => inStock(l.itemId));
  // up to two lines: a favourite-category item and an apparel item for the fitting room, in stock here
  const wanted = [
    catalog.find((p) => c.favouriteCategories.includes(p.category) && inStock(p.id)),
    catalog.find((p) => p.attributes.size !== undefined && /^[A-Z]+$/.test(p.attributes.size) && inStock(p.id)),
  ];
  for (const p of wanted)
    if (p && cart.length < 2 && !cart.some((l) => l.itemId === p.id))
      cart.push({ itemId: p.id, quantity: 1, addedAt: Math.max(0, now - 2 * DAY) });
  return {
    ...c,
    firstName: 'Minji',
    segment: 'loyal',
    consent: { personalization: true, location: true },
    onlineCart: cart.sort((a, b) => a.addedAt - b.addedAt),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Strong affinity to the favourite categories, a weak one to a couple of others. */
function tastesFor(rng: Rng, favourites: readonly string[]): Record<string, number> {
  const tastes: Record<string, number> = {};
  for (const c of favourites) tastes[c] = round2(0.6 + 0.4 * rng());
  for (let k = 0; k < 2; k++) {
    const c = pick(rng, CATEGORIES);
    tastes[c] ??= round2(0.05 + 0.3 * rng());
  }
  return tastes;
}

/** A catalog item, from a favourite category three times out of four. */
function likelyItem(rng: Rng, catalog: readonly Product[], favourites: readonly string[]): Product {
  const liked = catalog.filter((p) => favourites.includes(p.category));
  return pick(rng, liked.length > 0 && rng() < 0.75 ? liked : catalog);
}

/** Two to six purchases over the last 90 days, newest last. */
function recentPurchases(
  rng: Rng,
  catalog: readonly Product[],
  favourites: readonly string[],
  now: number,
): ProfilePurchase[] {
  if (catalog.length === 0) return [];
  const n = 2 + Math.floor(rng() * 5);
  return Array.from({ length: n }, () => ({
    itemId: likelyItem(rng, catalog, favourites).id,
    at: Math.max(0, Math.round(now - rng() * 90 * DAY)),
    channel: rng() < 0.5 ? ('online' as const) : ('store' as const),
  })).sort((a, b) => a.at - b.at);
}

/** One to three different items added in the last week. */
function onlineCart(rng: Rng, catalog: readonly Product[], favourites: readonly string[], now: number): CartLine[] {
  if (catalog.length === 0) return [];
  const n = 1 + Math.floor(rng() * 3);
  const lines = new Map<string, CartLine>();
  for (let k = 0; k < n; k++) {
    const item = likelyItem(rng, catalog, favourites);
    lines.set(item.id, {
      itemId: item.id,
      quantity: rng() < 0.8 ? 1 : 2,
      addedAt: Math.max(0, Math.round(now - rng() * 7 * DAY)),
    });
  }
  return [...lines.values()].sort((a, b) => a.addedAt - b.addedAt);
}

export interface KnownShopperOptions {
  /** Share of arriving shoppers who are known customers, 0..1 (0.5), while a known device id is free. */
  share?: number;
  seed?: number;
  /** A shopper not heard from for this long has left and their device id is free again, ms (60 s). */
  goneAfterMs?: number;
}

/**
 * Wraps a simulation's `publish` so that a share of its shoppers are known customers: each new simulated phone is,
 * with probability `share`, published under one of `deviceIds` (e.g. the app devices of `demoCustomers`) for its
 * whole visit, in every sighting, shelf interaction, RFID read and purchase. Two shoppers in the store at once
 * never share an id. Everyone else keeps their random id.
 */
export function withKnownShoppers(
  publish: Publish,
  deviceIds: readonly string[],
  opts: KnownShopperOptions = {},
): Publish {
  const rng = createRng(opts.seed ?? 1);
  const share = opts.share ?? 0.5;
  const goneAfterMs = opts.goneAfterMs ?? 60_000;
  const visits = new Map<string, { as: string; lastTs: number }>(); // simulated id → the id it is published as
  const inUse = new Set<string>();
  const idFor = (simulated: string, ts: number): string => {
    let visit = visits.get(simulated);
    if (!visit) {
      for (const [id, v] of visits)
        if (ts - v.lastTs > goneAfterMs) {
          visits.delete(id);
          inUse.delete(v.as);
        }
      const free = deviceIds.filter((d) => !inUse.has(d));
      const known = free.length > 0 && rng() < share ? pick(rng, free) : undefined;
      if (known) inUse.add(known);
      visit = { as: known ?? simulated, lastTs: ts };
      visits.set(simulated, visit);
    }
    visit.lastTs = Math.max(visit.lastTs, ts);
    return visit.as;
  };
  return (topic, payload) => {
    if ('scannerId' in payload) {
      const { deviceId } = payload;
      return publish(topic, deviceId ? { ...payload, deviceId: idFor(deviceId, payload.ts) } : payload);
    }
    const shopper = 'shopperDeviceId' in payload ? payload.shopperDeviceId : undefined;
    publish(topic, shopper ? { ...payload, shopperDeviceId: idFor(shopper, payload.ts) } : payload);
  };
}
