import type { HelloRefusal, LocalizedText } from '@aisle/contracts';

/** The languages every screen supports; the same keys as the contracts' LocalizedText. */
export type Lang = keyof LocalizedText;

/** Order in which the language toggle lists the languages. */
export const LANGS = ['ko', 'en'] as const satisfies readonly Lang[];

/** BCP 47 locale used for number, currency and date formatting in each language. */
export const LOCALES: Record<Lang, string> = { en: 'en-US', ko: 'ko-KR' };

/**
 * English is the reference dictionary: its keys are the message keys, and the
 * `{name}` placeholders in its strings are the parameters `t()` requires.
 */
export const en = {
  languageName: 'English',
  languageToggleLabel: 'Language',

  'connection.connecting': 'Connecting…',
  'connection.online': 'Live',
  'connection.offline': 'Offline',
  'connection.refused': 'Refused',
  'offline.badge': 'Offline: showing the last information received',

  'refusal.title': 'This screen cannot connect to the store',
  'refusal.clientTooOld': 'This screen runs older software than the store gateway. Please update the screen.',
  'refusal.serverTooOld': 'The store gateway runs older software than this screen. Please update the gateway.',
  'refusal.unknownScreen': 'This screen is not registered in the store floor plan.',
  'refusal.invalidMessage': 'The store gateway did not understand this screen.',
  'refusal.screen': 'Screen {screenId}',

  'zone.loading': 'Welcome',
  'zone.shoppersOne': '{count} shopper here now',
  'zone.shoppersOther': '{count} shoppers here now',

  'shopper.label': 'Picked for shopper',
  'shopper.dwell': 'Here for {duration}',
  'attract.title': 'Discover what is popular here',
  'attract.subtitle': 'Stay a moment and the picks adapt to you',

  'recs.forYou': 'Recommended for you',
  'recs.popular': 'Popular in this zone',
  'recs.empty': 'Recommendations will appear here shortly',
  'privacy.on': 'Personalized for you',
  'privacy.off': 'Not personalized',
  'privacy.turnOff': 'Turn off',
  'privacy.turnOn': 'Turn on',
  'card.aisle': 'Aisle {aisle}',
  'card.inStock': '{count} in stock here',
  'card.soldOut': 'Not in stock here',

  'mirror.title': 'Complete the look',
  'mirror.subtitle': 'Pieces that go well with what you are trying on',
  'mirror.empty': 'Suggestions will appear here shortly',

  'staff.title': 'Store floor',
  'staff.inStoreOne': '{count} shopper in the store',
  'staff.inStoreOther': '{count} shoppers in the store',
  'staff.updated': 'Updated {time}',
  'staff.waiting': 'Waiting for store data…',
  'staff.zoneShoppers': 'Shoppers',
} as const satisfies Record<string, string>;

export type MessageKey = keyof typeof en;

/** Every language must translate every key, and nothing else (checked by the compiler). */
export type Dictionary = { readonly [K in MessageKey]: string };

export const ko: Dictionary = {
  languageName: '한국어',
  languageToggleLabel: '언어',

  'connection.connecting': '연결 중…',
  'connection.online': '실시간',
  'connection.offline': '오프라인',
  'connection.refused': '연결 거부됨',
  'offline.badge': '오프라인: 마지막으로 받은 정보를 표시하고 있습니다',

  'refusal.title': '이 화면은 매장에 연결할 수 없습니다',
  'refusal.clientTooOld': '이 화면의 소프트웨어가 매장 게이트웨이보다 오래되었습니다. 화면을 업데이트해 주세요.',
  'refusal.serverTooOld': '매장 게이트웨이의 소프트웨어가 이 화면보다 오래되었습니다. 게이트웨이를 업데이트해 주세요.',
  'refusal.unknownScreen': '이 화면은 매장 평면도에 등록되어 있지 않습니다.',
  'refusal.invalidMessage': '매장 게이트웨이가 이 화면의 요청을 이해하지 못했습니다.',
  'refusal.screen': '화면 {screenId}',

  'zone.loading': '환영합니다',
  'zone.shoppersOne': '현재 {count}명의 고객이 있습니다',
  'zone.shoppersOther': '현재 {count}명의 고객이 있습니다',

  'shopper.label': '고객 맞춤 추천',
  'shopper.dwell': '{duration}째 둘러보는 중',
  'attract.title': '이 구역의 인기 상품을 만나보세요',
  'attract.subtitle': '잠시 머무르시면 고객님께 맞는 상품을 보여드려요',

  'recs.forYou': '고객님을 위한 추천',
  'recs.popular': '이 구역의 인기 상품',
  'recs.empty': '곧 추천 상품이 표시됩니다',
  'privacy.on': '맞춤 추천 사용 중',
  'privacy.off': '맞춤 추천 꺼짐',
  'privacy.turnOff': '끄기',
  'privacy.turnOn': '켜기',
  'card.aisle': '{aisle} 통로',
  'card.inStock': '매장 재고 {count}개',
  'card.soldOut': '매장 재고 없음',

  'mirror.title': '스타일 완성하기',
  'mirror.subtitle': '입어보신 옷과 잘 어울리는 아이템',
  'mirror.empty': '곧 추천 아이템이 표시됩니다',

  'staff.title': '매장 현황',
  'staff.inStoreOne': '매장 내 고객 {count}명',
  'staff.inStoreOther': '매장 내 고객 {count}명',
  'staff.updated': '{time} 업데이트',
  'staff.waiting': '매장 정보를 기다리는 중…',
  'staff.zoneShoppers': '고객 수',
};

export const dictionaries: Record<Lang, Dictionary> = { en, ko };

/** The translated explanation of each reason the gateway can give for refusing a screen. */
export const REFUSAL_KEYS = {
  clientTooOld: 'refusal.clientTooOld',
  serverTooOld: 'refusal.serverTooOld',
  unknownScreen: 'refusal.unknownScreen',
  invalidMessage: 'refusal.invalidMessage',
} as const satisfies Record<HelloRefusal, MessageKey>;

type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

/** The parameters a message needs, derived from its `{placeholders}` in the English text. */
export type MessageParams<K extends MessageKey> = Record<Placeholders<(typeof en)[K]>, string | number>;

export type TranslateArgs<K extends MessageKey> = [Placeholders<(typeof en)[K]>] extends [never]
  ? []
  : [params: MessageParams<K>];

/** The `{placeholders}` of a message text, sorted (tests use it to compare languages). */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
}

export function translate<K extends MessageKey>(lang: Lang, key: K, ...args: TranslateArgs<K>): string {
  const text = dictionaries[lang][key];
  const params = args[0] as Record<string, string | number> | undefined;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Picks the singular or plural variant of a counted message for the language. */
export function pluralKey<One extends MessageKey, Other extends MessageKey>(
  lang: Lang,
  count: number,
  one: One,
  other: Other,
): One | Other {
  return new Intl.PluralRules(LOCALES[lang]).select(count) === 'one' ? one : other;
}

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'ko';
}
