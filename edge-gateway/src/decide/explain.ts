import type { DecisionTrigger, LocalizedText, Product, ReasonCode } from '@aisle/contracts';

export interface ReasonFacts {
  product: Product;
  /** The item the reason points at: the one picked up, bought, held at the mirror, in the cart. */
  anchor?: Product;
  zone?: LocalizedText;
  aisle?: string;
}

/** One plain sentence per reason code, in English and Korean, from the facts that produced the recommendation. */
export function reasonText(code: ReasonCode, f: ReasonFacts): LocalizedText {
  const a = f.anchor?.name;
  const aisle = f.aisle ? { en: ` — aisle ${f.aisle}`, ko: ` — ${f.aisle} 통로` } : { en: '', ko: '' };
  switch (code) {
    case 'because_you_touched':
      return a
        ? { en: `Because you picked up the ${a.en}`, ko: `${a.ko} 상품을 살펴보셔서 추천해요` }
        : { en: 'Because of what you picked up', ko: '살펴보신 상품을 바탕으로 추천해요' };
    case 'because_you_bought':
      return a
        ? { en: `Goes with the ${a.en} you bought`, ko: `구매하신 ${a.ko} 상품과 어울려요` }
        : { en: 'Goes with what you bought', ko: '구매하신 상품과 어울려요' };
    case 'similar_item':
      return a
        ? { en: `Like the ${a.en}`, ko: `${a.ko} 상품과 비슷해요` }
        : { en: 'A similar item', ko: '비슷한 상품' };
    case 'other_size': {
      const size = f.product.attributes.size ?? '';
      return { en: `Size ${size}, in stock here${aisle.en}`, ko: `${size} 사이즈 매장 재고 있음${aisle.ko}` };
    }
    case 'completes_your_look':
      return a
        ? { en: `Completes your look with the ${a.en}`, ko: `${a.ko} 상품과 함께 코디해 보세요` }
        : { en: 'Completes your look', ko: '코디를 완성해 보세요' };
    case 'in_your_online_cart':
      return {
        en: `In your online cart, in stock here${aisle.en}`,
        ko: `온라인 장바구니 상품, 매장에 있어요${aisle.ko}`,
      };
    case 'matches_your_taste':
      return {
        en: `Picked for your taste in ${f.product.category}`,
        ko: `좋아하시는 ${f.product.category} 취향에 맞춰 골랐어요`,
      };
    case 'on_promotion':
      return { en: 'On promotion here', ko: '매장 프로모션 상품' };
    case 'popular_on_your_path':
      return f.zone
        ? { en: `Because you visited ${f.zone.en}`, ko: `${f.zone.ko} 코너를 둘러보셔서 추천해요` }
        : { en: 'Popular on your way through the store', ko: '둘러보신 코너에서 인기' };
    case 'popular_in_zone':
      return f.zone
        ? { en: `Popular in ${f.zone.en} right now`, ko: `지금 ${f.zone.ko} 코너에서 인기` }
        : { en: 'Popular here right now', ko: '지금 인기 있는 상품' };
  }
}

/** The sentence above a list a trigger produced. */
export function headlineFor(
  trigger: DecisionTrigger,
  anchor: Product | undefined,
  size: string | undefined,
): LocalizedText | undefined {
  const a = anchor?.name;
  switch (trigger) {
    case 'put_back':
      return a ? { en: `Not quite the ${a.en}? Try these`, ko: `${a.ko} 대신 이런 상품은 어떠세요` } : undefined;
    case 'size_unavailable':
      return {
        en: `Size ${size ?? ''} is not in stock here. Nearest sizes and similar items:`,
        ko: `${size ?? ''} 사이즈는 매장에 재고가 없어요. 가까운 사이즈와 비슷한 상품이에요`,
      };
    case 'online_cart_in_stock':
      return { en: 'From your online cart, in stock in this store', ko: '온라인 장바구니 상품이 이 매장에 있어요' };
    case 'cart_emptied':
      return a
        ? { en: `Still looking? Alternatives to the ${a.en}`, ko: `${a.ko} 대신 이런 상품은 어떠세요` }
        : { en: 'Still looking? Alternatives', ko: '이런 상품은 어떠세요' };
    case 'lingering':
      return a ? { en: `Goes well with the ${a.en}`, ko: `${a.ko} 상품과 잘 어울려요` } : undefined;
    case 'zone':
      return undefined;
  }
}
