import type { FloorPlan, LocalizedText, Product, Promotion, StockLevel, StoreAssortment } from '@aisle/contracts';
import { APPAREL_CATEGORIES } from './catalog';
import { createRng, pick, type Rng } from './random';

const DAY = 86_400_000;

/** What screens call each demo category, for promotion labels. */
const CATEGORY_NAMES: Record<string, LocalizedText> = {
  skincare: { en: 'Skincare', ko: '스킨케어' },
  makeup: { en: 'Makeup', ko: '메이크업' },
  'women-tops': { en: "Women's tops", ko: '여성 상의' },
  'women-dresses': { en: 'Dresses & skirts', ko: '원피스·스커트' },
  'men-tops': { en: "Men's tops", ko: '남성 상의' },
  'men-pants': { en: "Men's trousers", ko: '남성 하의' },
  sneakers: { en: 'Sneakers', ko: '스니커즈' },
  'boots-sandals': { en: 'Boots & sandals', ko: '부츠·샌들' },
  bags: { en: 'Bags', ko: '가방' },
  jewelry: { en: 'Jewelry', ko: '주얼리' },
};

export interface DemoAssortmentOptions {
  seed?: number;
  now?: number;
  /** Share of items (other than the forced apparel sizes) with nothing on hand (0.1). */
  outOfStock?: number;
}

/**
 * The demo store's stock and promotions, deterministic for a seed and `now`:
 * - every item has a stock level; about 10% have none on hand, and every apparel style is out of stock in one size
 *   (the mirror has something to say about "your size");
 * - an item's aisle is the zone that shelves its category, numbered in floor-plan order ("A3" = third zone);
 * - two promotions valid from a week before `now` to half a year after: a whole category, and a list of picked
 *   styles (every size of each).
 */
export function demoAssortment(
  plan: FloorPlan,
  catalog: readonly Product[],
  opts: DemoAssortmentOptions = {},
): StoreAssortment {
  const { seed = 5, now = Date.now(), outOfStock = 0.1 } = opts;
  const rng = createRng(seed);

  const aisleOf = new Map<string, string>();
  plan.zones.forEach((z, i) => {
    for (const c of z.categories) if (!aisleOf.has(c)) aisleOf.set(c, `A${i + 1}`);
  });

  const soldOutSize = new Set<string>();
  for (const sizes of apparelStyles(catalog).values()) soldOutSize.add(pick(rng, sizes).id);

  const stock: StockLevel[] = catalog.map((p) => {
    const onHand = soldOutSize.has(p.id) || rng() < outOfStock ? 0 : 1 + Math.floor(rng() * 24);
    const aisle = aisleOf.get(p.category);
    return { itemId: p.id, onHand, ...(aisle && { aisle }) };
  });

  return {
    storeId: plan.storeId,
    stock,
    promotions: [categoryPromotion(rng, plan, now), picksPromotion(rng, catalog, now)].filter(
      (p): p is Promotion => p !== undefined,
    ),
    updatedAt: now,
  };
}

/** Apparel items grouped by `attributes.style`, in catalog order. */
function apparelStyles(catalog: readonly Product[]): Map<string, Product[]> {
  const styles = new Map<string, Product[]>();
  for (const p of catalog) {
    const style = p.attributes.style;
    if (!style || !APPAREL_CATEGORIES.includes(p.category)) continue;
    styles.set(style, [...(styles.get(style) ?? []), p]);
  }
  return styles;
}

function categoryPromotion(rng: Rng, plan: FloorPlan, now: number): Promotion | undefined {
  const shelved = plan.zones.flatMap((z) => z.categories);
  if (shelved.length === 0) return undefined;
  const category = pick(rng, shelved);
  const name = CATEGORY_NAMES[category] ?? { en: category, ko: category };
  return {
    id: `promo-${category}-week`,
    label: { en: `${name.en} week`, ko: `${name.ko} 위크` },
    itemIds: [],
    category,
    boost: 0.2,
    startsAt: Math.max(0, now - 7 * DAY),
    endsAt: now + 180 * DAY,
  };
}

/** Six styles picked across the catalog, every size of each. */
function picksPromotion(rng: Rng, catalog: readonly Product[], now: number): Promotion | undefined {
  const styleOf = (p: Product) => p.attributes.style ?? p.id;
  const styles = [...new Set(catalog.map(styleOf))];
  if (styles.length === 0) return undefined;
  const picked = new Set<string>();
  for (let tries = 0; picked.size < Math.min(6, styles.length) && tries < 100; tries++) picked.add(pick(rng, styles));
  return {
    id: 'promo-editors-picks',
    label: { en: "Editor's picks", ko: '에디터 추천' },
    itemIds: catalog.filter((p) => picked.has(styleOf(p))).map((p) => p.id),
    boost: 0.3,
    startsAt: Math.max(0, now - 7 * DAY),
    endsAt: now + 180 * DAY,
  };
}
