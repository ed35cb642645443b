import {
  CustomerCard,
  KioskSession,
  RecommendationsPush,
  StaffAlert,
  StaffInsights,
  StaffRequest,
  StoreOverview,
  schemaExamples,
  ZoneContext,
} from '@aisle/contracts';
import { INITIAL_SNAPSHOT, type Lang, LanguageProvider, type ScreenSnapshot } from '@aisle/ui';
import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

/** Shared fixtures of the kiosk-app render tests; every value is parsed with its contract schema. */
export const recs = RecommendationsPush.parse(schemaExamples.RecommendationsPush.example);
export const zone = ZoneContext.parse(schemaExamples.ZoneContext.example);
export const overview = StoreOverview.parse(schemaExamples.StoreOverview.example);
export const item = recs.items[0]!;
export const threeItems = [
  { ...item, aisle: 'A3', inStock: 12 },
  { ...item, itemId: 'sku-000002', reason: { ...item.reason, code: 'popular_in_zone' as const } },
  { ...item, itemId: 'sku-000003' },
];

export const online: ScreenSnapshot = {
  ...INITIAL_SNAPSHOT,
  garment: null,
  staffRequests: [],
  alerts: [],
  handover: null,
  lastSeq: 0,
  seqGaps: 0,
  state: 'online',
  store: { storeId: 'seoul-01', storeName: 'Aisle Seoul Gangnam', zoneId: 'beauty' },
  zone,
  recommendations: { ...recs, items: threeItems },
  recommendationsAt: Date.now(),
  overview,
};

export const session = KioskSession.parse({
  sessionId: 'session-1',
  customer: { ref: 'c7f2', firstName: 'Minji', personalized: true },
  onlineCart: [
    {
      itemId: 'sku-000010',
      name: { en: 'Linen Shirt', ko: '린넨 셔츠' },
      price: 49,
      currency: 'USD',
      quantity: 1,
      inStock: 3,
      aisle: 'B2',
    },
    {
      itemId: 'sku-000011',
      name: { en: 'Silk Scarf', ko: '실크 스카프' },
      price: 35,
      currency: 'USD',
      quantity: 2,
      inStock: 0,
    },
  ],
});

export const anonymousSession = KioskSession.parse({ sessionId: 'session-2', customer: null, onlineCart: [] });

export const card = CustomerCard.parse({
  customerRef: 'c7f2',
  firstName: 'Minji',
  segment: 'loyal',
  zoneId: 'beauty',
  arrivedAt: Date.UTC(2025, 5, 1, 10, 0),
  onlineCartItems: 2,
  favouriteCategories: ['skincare', 'denim'],
  recentPurchases: [
    {
      itemId: 'sku-000020',
      name: { en: 'Night Serum', ko: '나이트 세럼' },
      channel: 'online',
      at: Date.UTC(2025, 4, 2),
    },
    { itemId: 'sku-000021', name: { en: 'Wide Jeans', ko: '와이드 진' }, channel: 'store', at: Date.UTC(2025, 3, 9) },
  ],
  onlineCart: session.onlineCart,
  talkingPoints: [{ en: 'Ask how the Night Serum worked out', ko: '나이트 세럼 사용 후기를 물어보세요' }],
  bundles: [{ ...item, itemId: 'sku-000030', aisle: 'C1' }],
});

export const staffRequest = StaffRequest.parse({
  requestId: 'req-1',
  kind: 'size',
  mirrorId: 'mirror-1',
  zoneId: 'beauty',
  itemId: 'sku-000040',
  name: { en: 'Oxford Shirt', ko: '옥스퍼드 셔츠' },
  size: 'M',
  status: 'open',
  at: Date.UTC(2025, 5, 1, 10, 5),
});

export const alert = StaffAlert.parse({
  alertId: 'alert-1',
  kind: 'loyal_arrived',
  zoneId: 'beauty',
  customerRef: 'c7f2',
  text: { en: 'A loyal customer is in Beauty', ko: '단골 고객이 뷰티 구역에 있어요' },
  at: Date.UTC(2025, 5, 1, 10, 6),
});

export const insights = StaffInsights.parse({
  k: 5,
  zones: [
    { zoneId: 'beauty', name: { en: 'Beauty', ko: '뷰티' }, visitors: 42, medianDwellMs: 185_000 },
    { zoneId: 'denim', name: { en: 'Denim', ko: '데님' }, visitors: null, medianDwellMs: null },
  ],
  topCategories: [{ category: 'skincare', shoppers: 17 }],
  windowMs: 3_600_000,
  at: Date.UTC(2025, 5, 1, 11, 0),
});

export const render = (element: ReactElement, lang: Lang = 'en') =>
  renderToStaticMarkup(<LanguageProvider initialLang={lang}>{element}</LanguageProvider>);
export const count = (html: string, testId: string) => html.split(`data-testid="${testId}"`).length - 1;
