import {
  type DecisionExplanation,
  DecisionTrigger,
  type LocalizedText,
  type Product,
  ReasonCode,
  ScreenKind,
  type Zone,
} from '@aisle/contracts';
import type Database from 'better-sqlite3';
import { z } from 'zod';

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

/** A row of the decisions table (store/migrations.ts), as SQLite returns it. */
export interface DecisionRow {
  id: string;
  at: number;
  zone_id: string;
  screen_kind: string | null;
  trigger: string;
  shopper_ref: string | null;
  personalized: number;
  model_version: string;
  context: string;
  items: string;
}

/** The decision logged under `id`, or undefined. */
export function decisionRow(db: Database.Database, id: string): DecisionRow | undefined {
  return db
    .prepare<[string], DecisionRow>(
      `SELECT id, at, zone_id, screen_kind, trigger, shopper_ref, personalized, model_version, context, items
       FROM decisions WHERE id = ?`,
    )
    .get(id);
}

/** The logged context features an explanation reads (decide.ts ContextFeatures); anything else is ignored. */
const LoggedContext = z.object({
  hour: z.number().int().min(0).max(23),
  dwellMs: z.number().nonnegative(),
  screen: z.union([ScreenKind, z.literal('none')]),
  trigger: DecisionTrigger,
  personalized: z.boolean(),
  identified: z.boolean(),
  promotions: z.array(z.string()),
});
const LoggedItems = z.array(z.object({ itemId: z.string(), reason: ReasonCode, anchor: z.string().optional() }));

const t = (en: string, ko: string): LocalizedText => ({ en, ko });

/** Which part of the day an hour (the gateway's local clock) falls in. */
function partOfDay(hour: number): LocalizedText {
  if (hour < 5) return t('late at night', '늦은 밤');
  if (hour < 12) return t('in the morning', '오전');
  if (hour < 18) return t('in the afternoon', '오후');
  return t('in the evening', '저녁');
}

/** A dwell time said the way a person would, never as a number. */
function howLong(ms: number): LocalizedText {
  if (ms < 60_000) return t('You had just arrived.', '방금 도착하셨어요.');
  if (ms < 10 * 60_000) return t('You had been in the store a few minutes.', '매장에 몇 분 계셨어요.');
  return t('You had been in the store a while.', '매장에 한동안 계셨어요.');
}

const TRIGGER_TEXT: Record<DecisionTrigger, LocalizedText | undefined> = {
  zone: undefined,
  put_back: t('You put an item back on the shelf.', '상품을 진열대에 다시 놓으셨어요.'),
  size_unavailable: t('The size you asked for was not in stock here.', '찾으신 사이즈가 매장에 없었어요.'),
  online_cart_in_stock: t('Items in your online cart are in stock here.', '온라인 장바구니 상품이 매장에 있어요.'),
  cart_emptied: t('You emptied your cart.', '장바구니를 비우셨어요.'),
  lingering: t('You stayed a while at a shelf.', '진열대 앞에 한동안 머무르셨어요.'),
};

/** Reason codes whose sentence names the item they point at (the anchor). */
const ANCHORED = new Set<ReasonCode>([
  'because_you_touched',
  'because_you_bought',
  'similar_item',
  'completes_your_look',
]);

/**
 * A logged decision in plain language for the shopper it was for (en + ko), from the features that produced it:
 * why each item, what was used (the area of the store, the time of day, what they did) and what was not — and
 * whether the list was personal, and why not. It names products and store areas, never the shopper, and shows no
 * identifier or raw measurement (no device reference, no time stamp, no dwell in milliseconds). Throws when the
 * row's logged features cannot be read.
 */
export function explainDecision(
  row: DecisionRow,
  catalog: ReadonlyMap<string, Product>,
  zones: ReadonlyMap<string, Zone> = new Map(),
): DecisionExplanation {
  const context = LoggedContext.parse(JSON.parse(row.context));
  const logged = LoggedItems.parse(JSON.parse(row.items));
  const personalized = row.personalized === 1;
  const present = row.shopper_ref !== null;
  const zone = zones.get(row.zone_id)?.name;
  const homeOf = (category: string) => [...zones.values()].find((z) => z.categories.includes(category))?.name;

  const items = logged.map(({ itemId, reason, anchor }) => {
    const product = catalog.get(itemId);
    if (!product)
      return {
        itemId,
        name: t('An item no longer sold', '더 이상 판매하지 않는 상품'),
        reason,
        text: t('This item is no longer in the catalog.', '이 상품은 더 이상 판매하지 않아요.'),
      };
    const anchorProduct = anchor && ANCHORED.has(reason) ? catalog.get(anchor) : undefined;
    const where = reason === 'popular_on_your_path' ? homeOf(product.category) : zone;
    const text = reasonText(reason, {
      product,
      ...(anchorProduct && { anchor: anchorProduct }),
      ...(where && { zone: where }),
    });
    return { itemId, name: product.name, reason, text };
  });

  const summary = personalized
    ? context.identified
      ? t(
          'This list was picked for you, from what you did in the store today and your membership (your purchases and saved tastes).',
          '오늘 매장에서 하신 활동과 회원 정보(구매 내역, 저장한 취향)를 바탕으로 고른 목록이에요.',
        )
      : t(
          'This list was picked for you, from what you did in the store today only.',
          '오늘 매장에서 하신 활동만으로 고른 목록이에요.',
        )
    : present
      ? t(
          'This list is not personal: personalization is off for you, so it shows what is popular here.',
          '개인 맞춤이 꺼져 있어 개인화되지 않은 목록이에요. 이곳에서 인기 있는 상품을 보여드려요.',
        )
      : t(
          'This list is not personal: nobody was recognised at the screen, so it shows what is popular here.',
          '화면 앞에서 인식된 분이 없어 개인화되지 않은 목록이에요. 이곳에서 인기 있는 상품을 보여드려요.',
        );

  const used: LocalizedText[] = [
    zone
      ? t(`The area of the store: ${zone.en}.`, `매장 구역: ${zone.ko}.`)
      : t('The area of the store the screen is in.', '화면이 있는 매장 구역.'),
    t(`The time of day: ${partOfDay(context.hour).en}.`, `시간대: ${partOfDay(context.hour).ko}.`),
  ];
  const trigger = TRIGGER_TEXT[context.trigger];
  if (trigger) used.push(trigger);
  if (personalized) {
    used.push(howLong(context.dwellMs));
    if (logged.some((i) => i.reason === 'because_you_touched'))
      used.push(t('The products you picked up today.', '오늘 살펴보신 상품.'));
    // the model weighs the zones of this visit's path whenever the list is personal (decide.ts zoneWeights)
    used.push(t('The areas of the store you walked through today.', '오늘 둘러보신 매장 구역.'));
    if (context.identified) used.push(t('Your recent purchases and saved tastes.', '최근 구매 내역과 저장한 취향.'));
  }
  if (context.promotions.length > 0)
    used.push(t('Promotions running in the store today.', '오늘 매장에서 진행 중인 프로모션.'));
  used.push(t('What is in stock in this store.', '이 매장의 재고.'));

  const notUsed: LocalizedText[] = [
    t(
      'Your name, contact details and device identifiers: they are never used to choose what is shown.',
      '이름, 연락처, 기기 식별자는 상품 선택에 절대 사용하지 않아요.',
    ),
    t('Where you went on earlier visits: no location history is used.', '이전 방문 때의 이동 경로는 사용하지 않아요.'),
  ];
  if (!personalized)
    notUsed.push(
      t(
        'Anything about you: what you picked up, your path through the store and your purchases.',
        '살펴보신 상품, 매장 내 이동 경로, 구매 내역 등 고객님에 관한 정보.',
      ),
    );
  else if (!context.identified)
    notUsed.push(
      t(
        'Purchases online or in other stores: you are not signed in as a member here.',
        '온라인이나 다른 매장 구매 내역: 이 매장에서 회원으로 확인되지 않았어요.',
      ),
    );
  notUsed.push(
    t(
      'Price, credit or eligibility: this list only chooses products to show.',
      '가격, 신용, 자격 판단: 이 목록은 보여드릴 상품만 골라요.',
    ),
  );

  return { decisionId: row.id, at: row.at, personalized, summary, items, used, notUsed };
}
