/** A small store with its screens for the screen services' tests: real decisions, SQLite, profiles; a fake sender. */
import { createHash } from 'node:crypto';
import {
  type CustomerProfile,
  type CustomerProfileInput,
  CustomerProfile as CustomerProfileSchema,
  type FloorPlan,
  phoneDigits,
  type StoreAssortment,
  screenEventSchemas,
} from '@aisle/contracts';
import { createRng } from '@aisle/recsys';
import type { Recommender } from '@aisle/recsys/serve';
import pino from 'pino';
import { Assortment } from '../decide/assortment';
import { ThompsonBandit } from '../decide/bandit';
import { ARMS, createDecider, servedModel } from '../decide/decide';
import { createDecisionFeed } from '../decide/feed';
import { DecisionLog } from '../decide/log';
import { byId, DAY, NOW, stockAll, zones } from '../decide/testing';
import { createMetrics } from '../metrics';
import { PresenceEngine } from '../presence/engine';
import { ProfileCache } from '../profiles/cache';
import type { ScreenSender, ScreenTarget, ServerEvent } from '../realtime/types';
import { ShopperMemory } from '../shoppers/memory';
import { GatewayStore } from '../store/db';
import { createScreenServices, type ScreenServicesDeps } from './index';

export { DAY, NOW };

export const plan: FloorPlan = {
  storeId: 'test',
  name: 'Test store',
  zones: [...zones.values()],
  scanners: [...zones.keys()].map((z) => ({ id: `scanner-${z}`, zoneId: z })),
  shelves: [],
  screens: [
    { id: 'kiosk-1', kind: 'kiosk', zoneId: 'beauty' },
    { id: 'mirror-1', kind: 'mirror', zoneId: 'fitting' },
    { id: 'staff-1', kind: 'staff' },
  ],
};

export const phoneHash = (phone: string) => createHash('sha256').update(phoneDigits(phone)).digest('hex');

/** cus-1: loyal, consented, two cart items in stock (t1-m, p2), two purchases. cus-2: loyal, no consent. */
export function customers(): CustomerProfile[] {
  const p = (over: Partial<CustomerProfileInput>) =>
    CustomerProfileSchema.parse({
      consent: { personalization: true, location: true },
      favouriteCategories: [],
      updatedAt: NOW,
      ...over,
    });
  return [
    p({
      customerId: 'cus-1',
      firstName: 'Minji',
      loyaltyId: 'AISLE-0001',
      phoneHash: phoneHash('+82 10-0000-0001'),
      segment: 'loyal',
      favouriteCategories: ['tops'],
      recentPurchases: [
        { itemId: 'l1', at: NOW - 40 * DAY, channel: 'online' },
        { itemId: 'p3', at: NOW - 35 * DAY, channel: 'store' },
      ],
      onlineCart: [
        { itemId: 't1-m', quantity: 1, addedAt: NOW - DAY },
        { itemId: 'p2', quantity: 2, addedAt: NOW - DAY },
        { itemId: 't2-l', quantity: 1, addedAt: NOW - DAY }, // not in stock here
      ],
      appDevices: ['shp-app00001'],
    }),
    p({
      customerId: 'cus-2',
      firstName: 'Jiho',
      loyaltyId: 'AISLE-0002',
      segment: 'loyal',
      consent: { personalization: false, location: true },
      onlineCart: [{ itemId: 'p1', quantity: 1, addedAt: NOW - DAY }],
      appDevices: ['shp-app00002'],
    }),
    p({ customerId: 'cus-3', firstName: 'Seoyeon', loyaltyId: 'AISLE-0003', segment: 'new' }),
  ];
}

export interface Sent {
  target: ScreenTarget;
  event: ServerEvent;
  payload: unknown;
}

/** Everything a store needs for the screen services, with a clock the test moves and a sender that records. */
export function screenStore(
  recommender: Recommender,
  opts: {
    assortment?: StoreAssortment;
    tills?: string[];
    k?: number;
    /** The cloud's "my data" links (none: the kiosk answers `unavailable`). */
    myDataLink?: ScreenServicesDeps['myDataLink'];
  } = {},
) {
  const clock = { t: NOW };
  const now = () => clock.t;
  const store = new GatewayStore(':memory:');
  const assortment = new Assortment(byId, opts.assortment ?? stockAll({ 't1-l': 0, 't2-l': 0 }));
  const profiles = new ProfileCache(store.db, { now });
  profiles.upsert(customers());
  const memory = new ShopperMemory();
  const presence = new PresenceEngine(new Map(plan.scanners.map((s) => [s.id, s.zoneId])), {
    windowMs: 5_000,
    leaveAfterMs: 15_000,
    hysteresisDb: 6,
    confirmMs: 0,
  });
  const bandit = new ThompsonBandit(ARMS, createRng(1));
  const decisionLog = new DecisionLog(store.db, { bandit, horizonMs: 600_000 });
  let n = 0;
  const newId = () => `id-${++n}`;
  const decide = createDecider({
    model: servedModel(recommender),
    bundles: servedModel(recommender),
    assortment: () => assortment,
    zones,
    count: 4,
    pool: 20,
    diversity: 0.7,
    bandit,
    recentPurchaseMs: 30 * DAY,
    newId,
  });
  const sent: Sent[] = [];
  const sender: ScreenSender = {
    send(target, event, payload) {
      // every payload must be what the contract says screens receive
      screenEventSchemas.serverToClient[event].parse(payload);
      sent.push({ target, event, payload });
    },
  };
  const logger = pino({ level: 'silent' });
  const feed = createDecisionFeed({
    decide,
    decisionLog,
    memory,
    profiles,
    presence,
    catalog: byId,
    assortment: () => assortment,
    screenKinds: new Map(plan.screens.flatMap((s) => (s.zoneId ? [[s.zoneId, s.kind] as const] : []))),
    triggers: { longTouchMs: 5_000, holdMs: 30_000, cartAtRiskMs: 300_000 },
    metrics: createMetrics({
      outboxDepth: () => 0,
      screensConnected: () => 0,
      shoppersPresent: () => 0,
      storage: () => ({ rows: {}, bytes: 0 }),
      queues: () => ({}),
    }),
    logger,
    now,
    push: (msg) => services.zonePush(msg),
  });
  const published: { topic: string; payload: string }[] = [];
  const services = createScreenServices({
    storeId: plan.storeId,
    floorPlan: plan,
    zones,
    catalog: byId,
    assortment: () => assortment,
    profiles,
    memory,
    decide,
    decisionLog,
    sender,
    db: store.db,
    logger,
    now,
    newId,
    feed,
    tills: () => opts.tills ?? ['pos-1'],
    publish: (topic, payload) => published.push({ topic, payload }),
    cartAtRiskMs: 300_000,
    insightsK: opts.k ?? 3,
    insightsWindowMs: 3_600_000,
    myDataLink: opts.myDataLink,
  });

  /** A shopper in the store: in `zoneId`, identified as `customerId` when given. */
  function shopperIn(deviceId: string, zoneId: string, customerId?: string) {
    memory.enterZone(deviceId, zoneId, clock.t);
    if (customerId) memory.identify(deviceId, customerId, clock.t);
    return memory.get(deviceId)!;
  }

  /** What was sent (of one event) and not yet taken. */
  function take(event?: ServerEvent): Sent[] {
    const out = sent.filter((s) => !event || s.event === event);
    const rest = sent.filter((s) => event && s.event !== event);
    sent.splice(0, sent.length, ...rest);
    return out;
  }

  return { clock, store, assortment, profiles, memory, presence, feed, services, sent, published, take, shopperIn };
}

export const kiosk = { screenId: 'kiosk-1', kind: 'kiosk', zoneId: 'beauty', staff: undefined } as const;
export const mirror = { screenId: 'mirror-1', kind: 'mirror', zoneId: 'fitting', staff: undefined } as const;
export const associate = {
  screenId: 'staff-1',
  kind: 'staff',
  zoneId: undefined,
  staff: { id: 'st-1', name: 'Hana', role: 'associate' },
} as const;
export const manager = { ...associate, staff: { id: 'st-2', name: 'Joon', role: 'manager' } } as const;
