import type { CustomerProfile, FloorPlan } from '@aisle/contracts';
import { CATEGORIES } from './catalog';
import { createRng, pick } from './random';

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

/** A few known customers for the cloud's profile service. */
export function demoCustomers(count = 20, seed = 11, now = Date.now()): CustomerProfile[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, i) => ({
    customerId: `cus-${String(i + 1).padStart(4, '0')}`,
    segment: pick(rng, ['new', 'regular', 'loyal']),
    consent: { personalization: rng() < 0.8, location: rng() < 0.7 },
    favouriteCategories: [pick(rng, CATEGORIES), pick(rng, CATEGORIES)].filter((c, j, a) => a.indexOf(c) === j),
    updatedAt: now,
  }));
}
