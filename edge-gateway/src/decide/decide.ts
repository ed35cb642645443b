import type { LocalizedText, Product, RecommendationsPush, RecommendedItem, Zone } from '@aisle/contracts';
import type { Recommender } from '@aisle/recsys/serve';
import type { ShopperPresence } from '../presence/engine';

export interface DeciderOptions {
  recommender: Recommender;
  catalog: ReadonlyMap<string, Product>;
  zones: ReadonlyMap<string, Zone>;
  count: number;
}

export interface DecisionRequest {
  zoneId: string;
  shopper: ShopperPresence | undefined;
  /** Items not to show (e.g. already bought by this shopper). */
  exclude: readonly string[];
  now: number;
}

/**
 * Zone weights for the model from the shopper's path: the current zone weighs 1,
 * each earlier zone half the one after it. With no shopper, the screen's zone alone.
 */
export function zoneWeights(zoneId: string, shopper: ShopperPresence | undefined): Record<string, number> {
  if (!shopper) return { [zoneId]: 1 };
  const weights: Record<string, number> = {};
  const path = [...shopper.path].reverse();
  path.forEach((z, i) => {
    weights[z] = Math.max(weights[z] ?? 0, 0.5 ** i);
  });
  return weights;
}

/** Candidates from the ONNX model, mapped to catalog products, each with the reason it is shown. */
export function createDecider(opts: DeciderOptions) {
  const zoneOfCategory = new Map<string, Zone>();
  for (const zone of opts.zones.values()) for (const c of zone.categories) zoneOfCategory.set(c, zone);

  function reasonFor(product: Product, zoneId: string, shopper: ShopperPresence | undefined) {
    const home = zoneOfCategory.get(product.category);
    if (home && home.id !== zoneId && shopper?.path.includes(home.id))
      return { code: 'popular_on_your_path' as const, text: onYourPath(home.name) };
    const here = opts.zones.get(zoneId)!;
    return { code: 'popular_in_zone' as const, text: popularIn(here.name) };
  }

  return async function decide(req: DecisionRequest): Promise<RecommendationsPush> {
    // Ask for a few more than needed: items missing from the store's catalog are skipped.
    const ranked = await opts.recommender.recommend(
      { zoneWeights: zoneWeights(req.zoneId, req.shopper), exclude: req.exclude },
      opts.count + 4,
    );
    const items: RecommendedItem[] = [];
    for (const { itemId, score } of ranked) {
      const p = opts.catalog.get(itemId);
      if (!p) continue;
      items.push({
        itemId,
        name: p.name,
        category: p.category,
        brand: p.brand,
        price: p.price,
        currency: p.currency,
        score,
        reason: reasonFor(p, req.zoneId, req.shopper),
      });
      if (items.length === opts.count) break;
    }
    return {
      zoneId: req.zoneId,
      shopper: req.shopper
        ? { ref: shopperRef(req.shopper.deviceId), dwellMs: Math.max(0, req.now - req.shopper.enteredAt) }
        : null,
      items,
      modelVersion: opts.recommender.version,
      generatedAt: req.now,
    };
  };
}

/** What a screen may show of a shopper: the last four characters of their rotating pseudonym. */
export function shopperRef(deviceId: string): string {
  return deviceId.slice(-4);
}

function popularIn(zone: LocalizedText): LocalizedText {
  return { en: `Popular in ${zone.en} right now`, ko: `지금 ${zone.ko} 코너에서 인기` };
}

function onYourPath(zone: LocalizedText): LocalizedText {
  return { en: `Because you visited ${zone.en}`, ko: `${zone.ko} 코너를 둘러보셔서 추천해요` };
}
