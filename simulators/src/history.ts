import type { FloorPlan, Product } from '@aisle/contracts';
import type { ZoneEvent } from '@aisle/recsys';
import { createRng, type Rng, zipf } from './random';

const APPAREL = new Set(['women-tops', 'women-dresses', 'men-tops', 'men-pants']);

function shuffled<T>(rng: Rng, xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Past in-store behaviour to train the first model on: for each zone, pick-ups (weight 0.3)
 * and purchases (weight 1) of the items shelved there, with a long-tailed popularity that
 * differs per zone; fitting rooms see apparel being tried on.
 */
export function demoHistory(
  plan: FloorPlan,
  catalog: readonly Product[],
  opts: { days?: number; perZonePerDay?: number; seed?: number; now?: number } = {},
): ZoneEvent[] {
  const { days = 30, perZonePerDay = 120, seed = 3, now = Date.now() } = opts;
  const rng = createRng(seed);
  const events: ZoneEvent[] = [];
  for (const zone of plan.zones) {
    const shelved = catalog.filter((p) =>
      zone.categories.length > 0 ? zone.categories.includes(p.category) : APPAREL.has(p.category),
    );
    if (shelved.length === 0) continue;
    const ranked = shuffled(rng, shelved); // each zone has its own best sellers
    for (let d = 0; d < days; d++)
      for (let i = 0; i < perZonePerDay; i++) {
        const item = ranked[zipf(rng, ranked.length)]!;
        const purchase = rng() < 0.3;
        events.push({
          zoneId: zone.id,
          itemId: item.id,
          weight: purchase ? 1 : 0.3,
          ts: now - (d + rng()) * 86_400_000,
        });
      }
  }
  return events;
}

/** What goes with what in the demo store's baskets. */
const COMPLEMENTS: Record<string, readonly string[]> = {
  skincare: ['makeup'],
  makeup: ['skincare', 'jewelry'],
  'women-tops': ['women-dresses', 'bags', 'jewelry'],
  'women-dresses': ['boots-sandals', 'bags', 'jewelry'],
  'men-tops': ['men-pants', 'sneakers'],
  'men-pants': ['men-tops', 'sneakers'],
  sneakers: ['men-pants', 'women-tops'],
  'boots-sandals': ['women-dresses', 'bags'],
  bags: ['jewelry', 'women-dresses'],
  jewelry: ['bags', 'makeup'],
};

/**
 * Past baskets to train the co-purchase (bundles) model on: an item and one or two from the categories that go with
 * it (a dress with sandals and a bag), each category with its own best sellers.
 */
export function demoBaskets(catalog: readonly Product[], opts: { baskets?: number; seed?: number } = {}): string[][] {
  const { baskets = 20_000, seed = 5 } = opts;
  const rng = createRng(seed);
  const byCategory = new Map<string, Product[]>();
  for (const p of catalog) byCategory.set(p.category, [...(byCategory.get(p.category) ?? []), p]);
  const ranked = new Map([...byCategory].map(([c, ps]) => [c, shuffled(rng, ps)]));
  const pick = (category: string) => {
    const ps = ranked.get(category) ?? [];
    return ps[zipf(rng, ps.length)]?.id;
  };
  const out: string[][] = [];
  for (let b = 0; b < baskets; b++) {
    // every item starts baskets (so each has partners to learn); partners follow each category's best sellers
    const first = catalog[Math.floor(rng() * catalog.length)]!;
    const partners = shuffled(rng, COMPLEMENTS[first.category] ?? []).slice(0, 1 + Math.floor(rng() * 2));
    out.push([first.id, ...partners.map(pick).filter((id): id is string => id !== undefined)]);
  }
  return out;
}
