import type { Product, Promotion, StoreAssortment } from '@aisle/contracts';

const SIZE_ORDER = ['XXS', 'XS', 'S', 'M', 'L', 'XL', 'XXL', '3XL'];

/**
 * What this store holds: stock and aisle per item, the promotions running, and the size variants of each style
 * (catalogue items sharing `attributes.style`). Without an assortment from the cloud, stock is unknown and every
 * catalogue item counts as available, so screens never go blank for want of inventory data.
 */
export class Assortment {
  readonly known: boolean;
  readonly #stock = new Map<string, { onHand: number; aisle?: string }>();
  readonly #styles = new Map<string, Product[]>();
  readonly #byCategory = new Map<string, Product[]>();
  readonly #promotions: readonly { promotion: Promotion; items: ReadonlySet<string> }[];

  constructor(
    readonly catalog: ReadonlyMap<string, Product>,
    assortment: StoreAssortment | undefined,
  ) {
    this.known = assortment !== undefined;
    for (const s of assortment?.stock ?? []) this.#stock.set(s.itemId, { onHand: s.onHand, aisle: s.aisle });
    // best boost first, each with its items as a set: a lookup per candidate must stay cheap
    this.#promotions = [...(assortment?.promotions ?? [])]
      .sort((a, b) => b.boost - a.boost)
      .map((promotion) => ({ promotion, items: new Set(promotion.itemIds) }));
    for (const p of catalog.values()) {
      const style = p.attributes.style;
      if (style) push(this.#styles, style, p);
      push(this.#byCategory, p.category, p);
    }
  }

  /** Units on hand here; Infinity when stock is unknown. */
  onHand(itemId: string): number {
    if (!this.known) return this.catalog.has(itemId) ? Number.POSITIVE_INFINITY : 0;
    return this.#stock.get(itemId)?.onHand ?? 0;
  }

  inStock(itemId: string): boolean {
    return this.onHand(itemId) > 0;
  }

  aisle(itemId: string): string | undefined {
    return this.#stock.get(itemId)?.aisle;
  }

  /** A sale here: the stock goes down until the cloud's next assortment says otherwise. */
  sold(itemId: string, quantity: number): void {
    const s = this.#stock.get(itemId);
    if (s) s.onHand = Math.max(0, s.onHand - quantity);
  }

  /** The promotion with the best boost running at `now` that covers the product. */
  promotionFor(product: Product, now: number): Promotion | undefined {
    for (const { promotion: p, items } of this.#promotions)
      if (p.startsAt <= now && now < p.endsAt && (items.has(product.id) || p.category === product.category)) return p;
    return undefined;
  }

  activePromotions(now: number): Promotion[] {
    return this.#promotions.map((p) => p.promotion).filter((p) => p.startsAt <= now && now < p.endsAt);
  }

  /**
   * The same style in other sizes, nearest first to `around` (default the item's own size): sizes XS…XL, or numeric
   * like shoe sizes.
   */
  otherSizes(itemId: string, around?: string): Product[] {
    const product = this.catalog.get(itemId);
    const style = product?.attributes.style;
    if (!product || !style) return [];
    const from = sizeRank(around ?? product.attributes.size);
    return (this.#styles.get(style) ?? [])
      .filter((p) => p.id !== itemId)
      .sort((a, b) => Math.abs(sizeRank(a.attributes.size) - from) - Math.abs(sizeRank(b.attributes.size) - from));
  }

  /** The variant of an item's style in `size`, if the catalogue has one. */
  variant(itemId: string, size: string): Product | undefined {
    const product = this.catalog.get(itemId);
    if (!product) return undefined;
    if (product.attributes.size === size) return product;
    const style = product.attributes.style;
    return style ? this.#styles.get(style)?.find((p) => p.attributes.size === size) : undefined;
  }

  inCategory(category: string): readonly Product[] {
    return this.#byCategory.get(category) ?? [];
  }
}

function sizeRank(size: string | undefined): number {
  if (size === undefined) return 0;
  const i = SIZE_ORDER.indexOf(size.toUpperCase());
  if (i >= 0) return i;
  const n = Number.parseFloat(size);
  return Number.isFinite(n) ? n / 10 : 0; // shoe sizes in mm: 10 mm apart is one step
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
