/**
 * Sentences the gateway writes for screens, in both languages every screen supports: the kiosk's "because you
 * looked at", staff alerts (never with a name: the customer card has the rest) and a customer card's talking points.
 */
import type { LocalizedText, Product } from '@aisle/contracts';

export function lookedAt(anchor: Product): LocalizedText {
  return { en: `Because you looked at the ${anchor.name.en}`, ko: `${anchor.name.ko} 상품을 보셔서 추천해요` };
}

export function loyalArrived(zone: LocalizedText): LocalizedText {
  return { en: `A loyal customer arrived in ${zone.en}`, ko: `단골 고객이 ${zone.ko} 코너에 오셨어요` };
}

export function cartAtRisk(zone: LocalizedText, items: number, minutes: number): LocalizedText {
  const plural = items === 1 ? 'item' : 'items';
  return {
    en: `A customer in ${zone.en} has ${items} online-cart ${plural} in stock here and has not bought in ${minutes} min`,
    ko: `${zone.ko} 코너의 고객이 매장에 있는 온라인 장바구니 상품 ${items}개를 ${minutes}분째 구매하지 않았어요`,
  };
}

export function cartInStockPoint(items: number): LocalizedText {
  const plural = items === 1 ? 'item' : 'items';
  return {
    en: `Has ${items} ${plural} from the online cart in stock here`,
    ko: `온라인 장바구니 상품 ${items}개가 매장에 있어요`,
  };
}

export function lovesPoint(category: LocalizedText): LocalizedText {
  return { en: `Loves ${category.en}`, ko: `${category.ko} 상품을 좋아해요` };
}

export function boughtPoint(product: Product, at: number): LocalizedText {
  const en = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' }).format(at);
  const ko = new Intl.DateTimeFormat('ko-KR', { month: 'long', day: 'numeric' }).format(at);
  return { en: `Bought the ${product.name.en} on ${en}`, ko: `${ko}에 ${product.name.ko} 상품을 구매했어요` };
}

export function triedPoint(product: Product): LocalizedText {
  return { en: `Tried on the ${product.name.en} today`, ko: `오늘 ${product.name.ko} 상품을 입어 보셨어요` };
}

export const loyalPoint: LocalizedText = { en: 'A loyal customer', ko: '단골 고객이에요' };
