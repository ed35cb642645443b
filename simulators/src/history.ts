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
