import type { z } from 'zod';
import { Catalog, Product, StoreAssortment } from './catalog';
import {
  BeaconSighting,
  DeadLetterNotice,
  DeviceStatus,
  PosPurchase,
  ProductInteraction,
  RfidRead,
  SensorReading,
} from './devices';
import { PresenceEvent } from './presence';
import {
  HelloResult,
  PersonalizationRequest,
  PersonalizationResult,
  RecommendationsPush,
  ScreenHello,
  SizeRequest,
  SizeRequestResult,
  StoreOverview,
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
  ScreenHello: { schema: ScreenHello, example: { protocolVersion: 1, screenId: 'kiosk-1', kind: 'kiosk' } },
  HelloResult: {
    schema: HelloResult,
    example: { ok: true, storeId: 'seoul-01', storeName: 'Aisle Seoul Gangnam', zoneId: 'beauty' },
  },
  RecommendationsPush: {
    schema: RecommendationsPush,
    example: {
      decisionId: '0b9e8a52-5c1d-4a57-9f0e-2d1c3b4a5e6f',
      trigger: 'zone',
      personalized: true,
      zoneId: 'beauty',
      shopper: { ref: '4b1e', dwellMs: 12_000 },
      items: [
        {
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
        },
      ],
      modelVersion: 'zone-popularity@2026-11-29T04:00:00Z',
      generatedAt: ts,
    },
  },
  SizeRequest: { schema: SizeRequest, example: { itemId: 'sku-000073-m', size: 'S' } },
  PersonalizationRequest: { schema: PersonalizationRequest, example: { on: false } },
  PersonalizationResult: { schema: PersonalizationResult, example: { ok: true, personalized: false, shopper: '4b1e' } },
  SizeRequestResult: { schema: SizeRequestResult, example: { ok: true, inStock: false, variantId: 'sku-000073-s' } },
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
  PurchaseBatch: { schema: PurchaseBatch, example: { storeId: 'seoul-01', purchases: [purchase] } },
  PurchaseBatchResult: { schema: PurchaseBatchResult, example: { accepted: 1, duplicates: 0 } },
  CustomerProfile: {
    schema: CustomerProfile,
    example: {
      customerId: 'cus-0001',
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
