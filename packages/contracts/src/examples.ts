import type { z } from 'zod';
import { Catalog, Product, StoreAssortment } from './catalog';
import {
  BeaconSighting,
  DeadLetterNotice,
  DeviceStatus,
  PosHandover,
  PosPurchase,
  ProductInteraction,
  RfidRead,
  SensorReading,
} from './devices';
import { PresenceEvent } from './presence';
import {
  CartItemHere,
  ConnectRefusal,
  CustomerCard,
  CustomerCardRequest,
  CustomerCardResult,
  CustomerInStore,
  Delivery,
  EndSessionRequest,
  GarmentVariant,
  HandoverRequest,
  HandoverResult,
  HandoverStatus,
  HelloResult,
  IdentifyRequest,
  IdentifyResult,
  KioskSession,
  MirrorGarment,
  MyDataLinkRequest,
  MyDataLinkResult,
  PersonalizationRequest,
  PersonalizationResult,
  RecommendationsPush,
  type RecommendedItem,
  ResolveRequest,
  ScreenAck,
  ScreenAuth,
  ScreenHello,
  SimpleResult,
  SizeRequest,
  SizeRequestResult,
  StaffAlert,
  StaffCustomersRequest,
  StaffCustomersResult,
  StaffInsights,
  StaffInsightsRequest,
  StaffInsightsResult,
  StaffLoginRequest,
  StaffLoginResult,
  StaffLogoutRequest,
  StaffRequest,
  StaffRole,
  StoreOverview,
  ViewItemRequest,
  ZoneContext,
} from './screens';
import { FloorPlan } from './store';
import {
  ApiError,
  CustomerProfile,
  ModelRelease,
  ModelReleases,
  ProfilePage,
  PurchaseBatch,
  PurchaseBatchResult,
  StoreSyncStatus,
} from './sync';

const ts = 1_764_400_000_000;

const product: Product = {
  id: 'sku-000001',
  name: { en: 'Hydrating Cushion Foundation', ko: '수분 쿠션 파운데이션' },
  category: 'beauty',
  brand: 'Lumi',
  price: 32.5,
  currency: 'USD',
  attributes: { shade: '21 light', finish: 'dewy' },
};

/** A recommendation card, as kiosks, mirrors and staff screens show it. */
const card: RecommendedItem = {
  itemId: product.id,
  name: product.name,
  category: product.category,
  brand: product.brand,
  price: product.price,
  currency: product.currency,
  score: 0.82,
  reason: {
    code: 'popular_on_your_path',
    text: { en: 'Popular with shoppers on your path', ko: '같은 동선의 고객에게 인기' },
  },
  aisle: 'A1',
  inStock: 12,
};

const lookCard: RecommendedItem = {
  itemId: 'sku-000074-m',
  name: { en: 'Linen Wide Trousers', ko: '린넨 와이드 팬츠' },
  category: 'apparel',
  brand: 'Norde',
  price: 59,
  currency: 'USD',
  score: 0.64,
  reason: { code: 'completes_your_look', text: { en: 'Completes your look', ko: '룩을 완성해 줘요' } },
  aisle: 'C3',
  inStock: 4,
};

const cartItem: CartItemHere = {
  itemId: 'sku-000002',
  name: { en: 'Vitamin C Serum', ko: '비타민 C 세럼' },
  price: 28,
  currency: 'USD',
  quantity: 1,
  inStock: 5,
  aisle: 'A2',
};

const session: KioskSession = {
  sessionId: 'ks-2f8e1a7c',
  customer: { ref: 'c7d2', firstName: 'Jiwoo', personalized: true },
  onlineCart: [cartItem],
};

const customerInStore: CustomerInStore = {
  customerRef: 'c7d2',
  firstName: 'Jiwoo',
  segment: 'loyal',
  zoneId: 'beauty',
  arrivedAt: ts - 300_000,
  onlineCartItems: 1,
};

const customerCard: CustomerCard = {
  ...customerInStore,
  favouriteCategories: ['beauty', 'skincare'],
  recentPurchases: [{ itemId: 'sku-000001', name: product.name, channel: 'online', at: ts - 86_400_000 }],
  onlineCart: [cartItem],
  talkingPoints: [
    { en: 'Has a serum in her online cart, in stock here', ko: '온라인 장바구니의 세럼이 매장에 있어요' },
  ],
  bundles: [card],
};

const insights: StaffInsights = {
  k: 5,
  zones: [
    { zoneId: 'beauty', name: { en: 'Beauty', ko: '뷰티' }, visitors: 23, medianDwellMs: 95_000 },
    { zoneId: 'fitting-rooms', name: { en: 'Fitting rooms', ko: '피팅룸' }, visitors: null, medianDwellMs: null },
  ],
  topCategories: [{ category: 'beauty', shoppers: 17 }],
  windowMs: 3_600_000,
  at: ts,
};

const purchase: PosPurchase = {
  eventId: 'pos-7f3a9c2e',
  storeId: 'seoul-01',
  terminalId: 'pos-1',
  shopperDeviceId: 'shp-4b1e',
  lines: [{ itemId: 'sku-000001', quantity: 2, unitPrice: 32.5 }],
  total: 65,
  currency: 'USD',
  ts,
};

const release: ModelRelease = {
  version: 'seq-knn-2026-11-29',
  kind: 'seq-knn',
  files: {
    'model.json': 'a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef',
    'model.onnx': '5e6f7a8b9c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b',
  },
  rollout: { mode: 'canary', percent: 10 },
  createdAt: ts,
};

/** Every schema of this package, each with one valid example (tests and docs use them). */
export const schemaExamples = {
  BeaconSighting: {
    schema: BeaconSighting,
    example: {
      eventId: 'ble-9a8b7c6d',
      scannerId: 'scanner-beauty',
      deviceId: 'shp-4b1e',
      rssi: -61,
      txPower: -59,
      ts,
    },
  },
  RawBeaconSighting: {
    schema: BeaconSighting,
    example: {
      eventId: 'ble-0a1b2c3d',
      scannerId: 'scanner-beauty',
      advertisement: '0201061aff4c000215e2c56db5dffb48d2b060d0f5a71096e000000000c5',
      rssi: -67,
      ts,
    },
  },
  RfidRead: {
    schema: RfidRead,
    example: {
      eventId: 'rfid-3c4d5e6f',
      readerId: 'mirror-reader-1',
      zoneId: 'fitting-rooms',
      tags: [{ epc: '3034257BF400B7800004CB2F', itemId: 'sku-000001', rssi: -48 }],
      shopperDeviceId: 'shp-4b1e',
      ts,
    },
  },
  DeviceStatus: {
    schema: DeviceStatus,
    example: { deviceId: 'scanner-beauty', state: 'online', firmware: '2.4.1', uptimeS: 3600, ts },
  },
  DeadLetterNotice: {
    schema: DeadLetterNotice,
    example: {
      topic: 'aisle/v1/seoul-01/ble/scanner-beauty/sighting',
      clientId: 'scanner-beauty',
      reason: 'invalid_payload',
      detail: 'rssi: Too big: expected number to be <=0',
      receivedAt: ts,
    },
  },
  PresenceEvent: {
    schema: PresenceEvent,
    example: { type: 'zone_enter', deviceId: 'shp-4b1e', zoneId: 'beauty', at: ts, sourceTs: ts - 40 },
  },
  ProductTouch: {
    schema: PresenceEvent,
    example: {
      type: 'product_touch',
      deviceId: 'shp-4b1e',
      zoneId: 'beauty',
      itemId: 'sku-000001',
      action: 'picked_up',
      at: ts,
    },
  },
  SensorReading: {
    schema: SensorReading,
    example: { eventId: 'env-1c2d3e4f', sensorId: 'door-1', metric: 'footfall_in', value: 3, unit: 'count', ts },
  },
  ProductInteraction: {
    schema: ProductInteraction,
    example: {
      eventId: 'shelf-5e6f7a8b',
      shelfId: 'shelf-beauty-1',
      zoneId: 'beauty',
      itemId: 'sku-000001',
      action: 'picked_up',
      shopperDeviceId: 'shp-4b1e',
      ts,
    },
  },
  PosPurchase: { schema: PosPurchase, example: purchase },
  HandedOverPurchase: {
    schema: PosPurchase,
    example: {
      ...purchase,
      eventId: 'pos-8a4b0d3f',
      lines: [{ itemId: 'sku-000002', quantity: 1, unitPrice: 28 }],
      total: 28,
      handoverId: 'ho-5c1e9b2a',
    },
  },
  PosHandover: {
    schema: PosHandover,
    example: {
      handoverId: 'ho-5c1e9b2a',
      storeId: 'seoul-01',
      terminalId: 'pos-1',
      code: '4821',
      customerId: 'cus-0001',
      lines: [{ itemId: 'sku-000002', quantity: 1, unitPrice: 28 }],
      currency: 'USD',
      ts,
    },
  },
  Product: { schema: Product, example: product },
  Catalog: { schema: Catalog, example: { items: [product] } },
  FloorPlan: {
    schema: FloorPlan,
    example: {
      storeId: 'seoul-01',
      name: 'Aisle Seoul Gangnam',
      zones: [{ id: 'beauty', name: { en: 'Beauty', ko: '뷰티' }, categories: ['beauty'] }],
      scanners: [{ id: 'scanner-beauty', zoneId: 'beauty' }],
      screens: [
        { id: 'kiosk-1', kind: 'kiosk', zoneId: 'beauty' },
        { id: 'staff-1', kind: 'staff' },
      ],
    },
  },
  ScreenAuth: { schema: ScreenAuth, example: { token: 'scr_7Qm2xK9pLr4Vt8Nw3Bz6Hy1Dc5Fj0Gs' } },
  ConnectRefusal: { schema: ConnectRefusal, example: 'invalidToken' },
  ScreenHello: {
    schema: ScreenHello,
    example: { protocolVersion: 1, screenId: 'kiosk-1', kind: 'kiosk', storeId: 'seoul-01', lastSeq: 41 },
  },
  HelloResult: {
    schema: HelloResult,
    example: {
      ok: true,
      storeId: 'seoul-01',
      storeName: 'Aisle Seoul Gangnam',
      zoneId: 'beauty',
      lastSeq: 44,
      replaying: 3,
      resync: false,
    },
  },
  HelloRefused: {
    schema: HelloResult,
    example: { ok: false, reason: 'wrongStore', message: 'this gateway serves store seoul-01, not busan-02' },
  },
  Delivery: { schema: Delivery, example: { seq: 42, sentAt: ts } },
  ScreenAck: { schema: ScreenAck, example: { seq: 44 } },
  RecommendationsPush: {
    schema: RecommendationsPush,
    example: {
      decisionId: '0b9e8a52-5c1d-4a57-9f0e-2d1c3b4a5e6f',
      trigger: 'zone',
      personalized: true,
      zoneId: 'beauty',
      shopper: { ref: '4b1e', dwellMs: 12_000 },
      items: [card],
      modelVersion: 'zone-popularity@2026-11-29T04:00:00Z',
      generatedAt: ts,
    },
  },
  SizeRequest: { schema: SizeRequest, example: { itemId: 'sku-000073-m', size: 'S' } },
  PersonalizationRequest: { schema: PersonalizationRequest, example: { on: false } },
  PersonalizationResult: { schema: PersonalizationResult, example: { ok: true, personalized: false, shopper: '4b1e' } },
  SizeRequestResult: { schema: SizeRequestResult, example: { ok: true, inStock: false, variantId: 'sku-000073-s' } },
  IdentifyRequest: { schema: IdentifyRequest, example: { method: 'qr', code: 'LOY-2048-7731' } },
  IdentifyByPhone: { schema: IdentifyRequest, example: { method: 'phone', phone: '+82 10-1234-5678' } },
  IdentifyAnonymously: { schema: IdentifyRequest, example: { method: 'anonymous' } },
  IdentifyResult: { schema: IdentifyResult, example: { ok: true, session } },
  IdentifyUnknown: {
    schema: IdentifyResult,
    example: { ok: false, reason: 'unknown', message: 'no customer with this loyalty card' },
  },
  KioskSession: { schema: KioskSession, example: session },
  CartItemHere: { schema: CartItemHere, example: cartItem },
  ViewItemRequest: { schema: ViewItemRequest, example: { itemId: 'sku-000001' } },
  EndSessionRequest: { schema: EndSessionRequest, example: { reason: 'inactivity' } },
  HandoverRequest: { schema: HandoverRequest, example: {} },
  HandoverResult: {
    schema: HandoverResult,
    example: { ok: true, handoverId: 'ho-5c1e9b2a', terminalId: 'pos-1', code: '4821', lines: 1 },
  },
  HandoverStatus: {
    schema: HandoverStatus,
    example: { handoverId: 'ho-5c1e9b2a', terminalId: 'pos-1', status: 'received', at: ts },
  },
  MyDataLinkRequest: { schema: MyDataLinkRequest, example: {} },
  MyDataLinkResult: {
    schema: MyDataLinkResult,
    example: {
      ok: true,
      url: 'https://cloud.aisle.example/my-data#t=eyJzIjoiYyIsImlkIjoiY3VzLTAwMDEiLCJleHAiOjE3NjQ0MDA5MDAwMDB9.c2ln',
      expiresAt: ts + 15 * 60_000,
    },
  },
  SimpleResult: { schema: SimpleResult, example: { ok: true } },
  SimpleRefusal: { schema: SimpleResult, example: { ok: false, message: 'no shopper session at this kiosk' } },
  GarmentVariant: {
    schema: GarmentVariant,
    example: { itemId: 'sku-000073-s', size: 'S', colour: 'navy', inStock: 3 },
  },
  MirrorGarment: {
    schema: MirrorGarment,
    example: {
      zoneId: 'fitting-rooms',
      itemId: 'sku-000073-m',
      name: { en: 'Oversized Cotton Shirt', ko: '오버사이즈 코튼 셔츠' },
      brand: 'Norde',
      price: 49,
      currency: 'USD',
      size: 'M',
      colour: 'navy',
      variants: [
        { itemId: 'sku-000073-s', size: 'S', colour: 'navy', inStock: 3 },
        { itemId: 'sku-000073-l', size: 'L', colour: 'navy', inStock: 0 },
      ],
      look: [lookCard],
      history: [
        {
          itemId: 'sku-000071-m',
          name: { en: 'Striped Tee', ko: '스트라이프 티셔츠' },
          kind: 'bought',
          at: ts - 864_000_000,
        },
      ],
      at: ts,
    },
  },
  StaffRole: { schema: StaffRole, example: 'manager' },
  StaffLoginRequest: { schema: StaffLoginRequest, example: { pin: '482913' } },
  StaffLoginResult: { schema: StaffLoginResult, example: { ok: true, staff: { name: 'Minji', role: 'manager' } } },
  StaffLoginLocked: {
    schema: StaffLoginResult,
    example: { ok: false, reason: 'locked', message: 'too many wrong PINs', retryAfterMs: 60_000 },
  },
  StaffLogoutRequest: { schema: StaffLogoutRequest, example: {} },
  StaffRequest: {
    schema: StaffRequest,
    example: {
      requestId: 'req-8d3f2a1b',
      kind: 'size',
      mirrorId: 'mirror-1',
      zoneId: 'fitting-rooms',
      itemId: 'sku-000073-s',
      name: { en: 'Oversized Cotton Shirt', ko: '오버사이즈 코튼 셔츠' },
      size: 'S',
      status: 'open',
      at: ts,
    },
  },
  ResolveRequest: { schema: ResolveRequest, example: { requestId: 'req-8d3f2a1b', status: 'accepted' } },
  StaffAlert: {
    schema: StaffAlert,
    example: {
      alertId: 'al-1a2b3c4d',
      kind: 'loyal_arrived',
      zoneId: 'beauty',
      customerRef: 'c7d2',
      text: { en: 'A loyal customer is in Beauty', ko: '단골 고객이 뷰티 존에 있어요' },
      at: ts,
    },
  },
  CustomerInStore: { schema: CustomerInStore, example: customerInStore },
  StaffCustomersRequest: { schema: StaffCustomersRequest, example: {} },
  StaffCustomersResult: { schema: StaffCustomersResult, example: { ok: true, customers: [customerInStore] } },
  CustomerCardRequest: { schema: CustomerCardRequest, example: { customerRef: 'c7d2' } },
  CustomerCard: { schema: CustomerCard, example: customerCard },
  CustomerCardResult: { schema: CustomerCardResult, example: { ok: true, card: customerCard } },
  StaffInsightsRequest: { schema: StaffInsightsRequest, example: {} },
  StaffInsights: { schema: StaffInsights, example: insights },
  StaffInsightsResult: { schema: StaffInsightsResult, example: { ok: true, insights } },
  ZoneContext: {
    schema: ZoneContext,
    example: { zoneId: 'beauty', name: { en: 'Beauty', ko: '뷰티' }, shoppers: 2, updatedAt: ts },
  },
  StoreOverview: {
    schema: StoreOverview,
    example: {
      storeId: 'seoul-01',
      storeName: 'Aisle Seoul Gangnam',
      zones: [{ zoneId: 'beauty', name: { en: 'Beauty', ko: '뷰티' }, shoppers: 2 }],
      updatedAt: ts,
    },
  },
  PurchaseBatch: {
    schema: PurchaseBatch,
    example: { storeId: 'seoul-01', batchId: 'seoul-01:41-41', entries: [{ seq: 41, purchase }] },
  },
  PurchaseBatchResult: {
    schema: PurchaseBatchResult,
    example: { accepted: 1, duplicates: 0, highestContiguousSeq: 41, highestSeenSeq: 41, gaps: [] },
  },
  StoreSyncStatus: {
    schema: StoreSyncStatus,
    example: {
      storeId: 'seoul-01',
      highestContiguousSeq: 41,
      highestSeenSeq: 45,
      gaps: [{ from: 42, to: 43 }],
    },
  },
  CustomerProfile: {
    schema: CustomerProfile,
    example: {
      customerId: 'cus-0001',
      firstName: 'Jiwoo',
      loyaltyId: 'LOY-2048-7731',
      // sha256 of phoneDigits('+82 10-1234-5678')
      phoneHash: '5d639079300bfabb1fa81139c823d324b2a67e9dd4157475190a31fb17528bc0',
      segment: 'loyal',
      consent: { personalization: true, location: true },
      favouriteCategories: ['beauty'],
      tastes: { beauty: 0.8 },
      excludedCategories: [],
      recentPurchases: [{ itemId: 'sku-000001', at: ts - 86_400_000, channel: 'online' }],
      onlineCart: [{ itemId: 'sku-000002', quantity: 1, addedAt: ts - 3_600_000 }],
      appDevices: ['shp-4b1e'],
      updatedAt: ts,
    },
  },
  ProfilePage: {
    schema: ProfilePage,
    example: {
      profiles: [
        {
          customerId: 'cus-0002',
          consent: { personalization: false, location: true },
          favouriteCategories: [],
          tastes: {},
          excludedCategories: [],
          recentPurchases: [],
          onlineCart: [],
          appDevices: [],
          updatedAt: ts,
        },
      ],
      cursor: 42,
      more: false,
    },
  },
  StoreAssortment: {
    schema: StoreAssortment,
    example: {
      storeId: 'seoul-01',
      stock: [
        { itemId: 'sku-000001', onHand: 12, aisle: 'A1' },
        { itemId: 'sku-000073-s', onHand: 0, aisle: 'A2' },
      ],
      promotions: [
        {
          id: 'skincare-week',
          label: { en: 'Skincare week: 20% off', ko: '스킨케어 위크 20% 할인' },
          itemIds: [],
          category: 'skincare',
          boost: 0.2,
          startsAt: ts,
          endsAt: ts + 7 * 86_400_000,
        },
      ],
      updatedAt: ts,
    },
  },
  ModelRelease: { schema: ModelRelease, example: release },
  ModelReleases: { schema: ModelReleases, example: { releases: [release] } },
  ApiError: {
    schema: ApiError,
    example: {
      error: { code: 'invalid_body', message: 'body does not match PurchaseBatch', issues: ['storeId: required'] },
    },
  },
} satisfies Record<string, { schema: z.ZodType; example: unknown }>;
