import type { CustomerProfile, Product, RecommendationsPush, StoreAssortment } from '@aisle/contracts';
import {
  cartEmptied,
  cartItemsInStock,
  lingering,
  onlineCart,
  putBack,
  type ScenarioContext,
  type ScenarioResult,
  sizeUnavailable,
} from '@aisle/simulators';
import { until } from '@aisle/testkit';
import mqtt from 'mqtt';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectScreen, type Fixture, type ScreenSocket, startFixture } from './fixture';

/**
 * The five recommendation triggers (issue #5, point 4), each played by its simulator scenario against a real gateway
 * with the demo store's stock, customers and bundles model, and checked on the screen of the shopper's zone.
 */

const TIMING = { longTouchMs: 400, dwellThresholdMs: 2_000, holdMs: 1_500 };

let fx: Fixture;
let device: mqtt.MqttClient;
let assortment: StoreAssortment;
let catalog: Map<string, Product>;
const sockets: Socket[] = [];

interface Screen {
  socket: ScreenSocket;
  pushes: RecommendationsPush[];
}
const screens: Record<'beauty' | 'womenswear' | 'mirror', Screen> = {} as never;

async function screen(screenId: string, kind: 'kiosk' | 'mirror'): Promise<Screen> {
  const pushes: RecommendationsPush[] = [];
  const s = await connectScreen(fx, screenId, {
    kind,
    before: (t) => t.socket.on('recommendations', (m) => pushes.push(m)),
  });
  sockets.push(s.socket);
  expect(s.hello?.ok).toBe(true);
  return { socket: s.socket, pushes };
}

function context(): ScenarioContext {
  return {
    storeId: fx.plan.storeId,
    plan: fx.plan,
    catalog: fx.catalog,
    assortment,
    customers: fx.customers,
    publish: (topic, payload) => {
      device.publish(topic, JSON.stringify(payload));
    },
    mirror: {
      sizeRequest: (req) => new Promise((resolve) => screens.mirror.socket.emit('sizeRequest', req, resolve)),
    },
    cloud: {
      async putProfile(profile) {
        const res = await fetch(`${fx.cloudUrl}/v1/customers/${profile.customerId}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${fx.operatorCredential}` },
          body: JSON.stringify(profile),
        });
        expect(res.status).toBe(200);
      },
    },
    placed: async (deviceId, zoneId) => {
      await until(`${deviceId} placed in ${zoneId}`, () => fx.gateway.presence.get(deviceId)?.zoneId === zoneId);
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: Date.now,
    timing: TIMING,
  };
}

/** The push of the scenario's trigger for its shopper, once it reaches the screen. */
function pushOf(on: Screen, result: ScenarioResult, timeoutMs = 10_000): Promise<RecommendationsPush> {
  const ref = result.shopperDeviceId.slice(-4);
  return until(
    `"${result.trigger}" push for ${result.shopperDeviceId}`,
    () => on.pushes.find((p) => p.trigger === result.trigger && p.shopper?.ref === ref),
    timeoutMs,
  );
}

const product = (id: string) => catalog.get(id)!;
const onHand = (id: string) => assortment.stock.find((s) => s.itemId === id)?.onHand ?? 0;
const aisleOf = (id: string) => assortment.stock.find((s) => s.itemId === id)?.aisle;
const consenting = (c: CustomerProfile) => c.consent.personalization && c.appDevices.length > 0;

beforeAll(async () => {
  fx = await startFixture(
    {
      triggers: { longTouchMs: TIMING.longTouchMs, holdMs: TIMING.holdMs },
      presence: { dwellThresholdMs: TIMING.dwellThresholdMs },
      profiles: { refreshIntervalMs: 600_000 }, // tests pull with refreshProfiles()
    },
    {},
    'test-store',
    {
      assortment: true,
      customers: true,
      bundles: true,
      // a second kiosk, in a zone of sized apparel
      floorPlan: (plan) => ({
        ...plan,
        screens: [...plan.screens, { id: 'kiosk-2', kind: 'kiosk', zoneId: 'womenswear' }],
      }),
    },
  );
  assortment = fx.assortment!;
  catalog = new Map(fx.catalog.map((p) => [p.id, p]));
  device = await mqtt.connectAsync(fx.urls.mqttUrl, { clientId: 'test-trigger-devices' });
  screens.beauty = await screen('kiosk-1', 'kiosk');
  screens.womenswear = await screen('kiosk-2', 'kiosk');
  screens.mirror = await screen('mirror-1', 'mirror');
  // the first profile pull runs at start; customers are known once it is done
  await until('profiles cached', () => fx.gateway.profiles.size >= fx.customers.length);
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await device?.endAsync();
  await fx?.close();
});

describe('recommendation triggers, played by the simulator scenarios', () => {
  it('shows similar items of the same category when a product is put back after a long touch', async () => {
    const result = await putBack(context(), { zoneId: 'womenswear', seed: 3 });
    const push = await pushOf(screens.womenswear, result);
    const [put] = result.anchors.map(product);
    expect(push.personalized).toBe(true);
    expect(push.headline?.en).toContain(put!.name.en);
    expect(push.items.length).toBeGreaterThan(0);
    for (const item of push.items) {
      expect(item.itemId).not.toBe(put!.id);
      expect(product(item.itemId).attributes.style).not.toBe(put!.attributes.style); // another size is not an alternative
      expect(item.category).toBe(put!.category);
      expect(item.reason.code).toBe('similar_item');
      expect(onHand(item.itemId)).toBeGreaterThan(0);
    }
  });

  it('answers a size not in stock at the mirror with the other sizes in stock, then similar items', async () => {
    const result = await sizeUnavailable(context(), { seed: 5 });
    const [held] = result.anchors.map(product);
    const style = held!.attributes.style!;
    const missing = fx.catalog.find((p) => p.attributes.style === style && p.attributes.size === result.size)!;
    expect(result.sizeResult).toEqual({ ok: true, inStock: false, variantId: missing.id });
    const push = await pushOf(screens.mirror, result);
    expect(push.headline?.en).toContain(`Size ${result.size} is not in stock`);
    const sizesHere = fx.catalog.filter(
      (p) => p.attributes.style === style && p.id !== held!.id && onHand(p.id) > 0,
    ).length;
    expect(sizesHere).toBeGreaterThan(0);
    const first = push.items.slice(0, sizesHere);
    expect(first.length).toBe(Math.min(sizesHere, push.items.length));
    for (const item of first) {
      expect(product(item.itemId).attributes.style).toBe(style);
      expect(item.reason.code).toBe('other_size');
    }
    for (const item of push.items.slice(sizesHere)) {
      expect(product(item.itemId).attributes.style).not.toBe(style);
      expect(item.reason.code).toBe('similar_item');
    }
    for (const item of push.items) {
      expect(item.itemId).not.toBe(held!.id);
      expect(item.inStock).toBeGreaterThan(0);
      expect(onHand(item.itemId)).toBeGreaterThan(0);
    }
  });

  it('tells a customer walking in which online-cart items are in stock here, and in which aisle', async () => {
    const customer = fx.customers.find((c) => consenting(c) && cartItemsInStock(context(), c).length > 0)!;
    const result = await onlineCart(context(), { customerId: customer.customerId });
    expect(result.shopperDeviceId).toBe(customer.appDevices[0]);
    const push = await pushOf(screens.beauty, result);
    expect(push.personalized).toBe(true);
    expect(push.headline?.en).toMatch(/online cart/);
    expect(push.items.map((i) => i.itemId).sort()).toEqual([...result.anchors].sort());
    for (const item of push.items) {
      expect(item.reason.code).toBe('in_your_online_cart');
      expect(item.aisle).toBe(aisleOf(item.itemId));
      expect(item.aisle).toBeDefined();
      expect(item.reason.text.en).toContain(item.aisle);
    }
    // what is in the cart but not on the shelves here is not shown
    const absent = customer.onlineCart.map((l) => l.itemId).filter((id) => onHand(id) === 0);
    for (const id of absent) expect(push.items.map((i) => i.itemId)).not.toContain(id);
    // the zone update the same arrival caused does not replace the cart on the screen while it is held
    await new Promise((r) => setTimeout(r, TIMING.holdMs / 3));
    expect(screens.beauty.pushes.at(-1)?.decisionId).toBe(push.decisionId);
  });

  it('shows alternatives to what was in the online cart when the customer empties it while in the store', async () => {
    const taken = fx.customers.find((c) => consenting(c) && cartItemsInStock(context(), c).length > 0)!;
    const customer = fx.customers.find((c) => consenting(c) && c.onlineCart.length > 0 && c !== taken)!;
    const result = await cartEmptied(context(), { customerId: customer.customerId });
    const removed = result.anchors.map(product);
    expect(removed.map((p) => p.id).sort()).toEqual(customer.onlineCart.map((l) => l.itemId).sort());
    const push = await until('cart_emptied push', async () => {
      await fx.gateway.refreshProfiles(); // pulls the change now instead of on the timer
      return screens.beauty.pushes.find(
        (p) => p.trigger === 'cart_emptied' && p.shopper?.ref === result.shopperDeviceId.slice(-4),
      );
    });
    expect(push.personalized).toBe(true);
    expect(push.headline?.en).toMatch(/^Still looking\?/);
    expect(push.items.length).toBeGreaterThan(0);
    const categories = new Set(removed.map((p) => p.category));
    const styles = new Set(removed.map((p) => p.attributes.style ?? p.id));
    for (const item of push.items) {
      expect(removed.map((p) => p.id)).not.toContain(item.itemId);
      expect(styles.has(product(item.itemId).attributes.style ?? item.itemId)).toBe(false);
      expect(categories.has(item.category)).toBe(true);
      expect(item.reason.code).toBe('similar_item');
      expect(onHand(item.itemId)).toBeGreaterThan(0);
    }
  });

  it('cross-sells what completes the look when a shopper lingers at a shelf with a product', async () => {
    const result = await lingering(context(), { zoneId: 'womenswear', seed: 11 });
    const push = await pushOf(screens.womenswear, result);
    const [held] = result.anchors.map(product);
    expect(push.personalized).toBe(true);
    expect(push.headline?.en).toBe(`Goes well with the ${held!.name.en}`);
    expect(push.items.length).toBeGreaterThan(0);
    for (const item of push.items) {
      expect(item.itemId).not.toBe(held!.id);
      expect(item.category).not.toBe(held!.category);
      expect(item.reason.code).toBe('completes_your_look');
      expect(onHand(item.itemId)).toBeGreaterThan(0);
    }
  });

  it('gives a customer who did not consent to personalization no trigger of their own', async () => {
    const customer = fx.customers.find(
      // with location consent, so their decisions are logged under their pseudonym (privacy/pseudonyms.ts)
      (c) =>
        !c.consent.personalization &&
        c.consent.location &&
        c.appDevices.length > 0 &&
        cartItemsInStock(context(), c).length > 0,
    )!;
    expect(customer).toBeDefined();
    const deviceId = customer.appDevices[0]!;
    const ref = deviceId.slice(-4);
    // walks in with online-cart items in stock: the kiosk shows the zone, not their cart
    await onlineCart(context(), { customerId: customer.customerId });
    const zonePush = await until('zone push for the customer', () =>
      screens.beauty.pushes.find((p) => p.trigger === 'zone' && p.shopper?.ref === ref),
    );
    expect(zonePush.personalized).toBe(false);
    // handles a product for long and puts it back; then a shopper who did not opt out does the same
    await putBack(context(), { zoneId: 'beauty', shopperDeviceId: deviceId, seed: 13 });
    const control = await putBack(context(), { zoneId: 'beauty', seed: 17 });
    await pushOf(screens.beauty, control);
    expect(screens.beauty.pushes.filter((p) => p.shopper?.ref === ref && p.trigger !== 'zone')).toEqual([]);
    fx.gateway.flushDecisions();
    const pseudonyms = fx.gateway.pseudonyms.allOf(deviceId);
    const decided = fx.gateway.store.db
      .prepare<string[], { trigger: string; personalized: number }>(
        `SELECT trigger, personalized FROM decisions WHERE shopper_ref IN (${pseudonyms.map(() => '?').join(',')})`,
      )
      .all(...pseudonyms);
    expect(decided.length).toBeGreaterThan(0);
    expect(decided.every((d) => d.trigger === 'zone' && d.personalized === 0)).toBe(true);
  });
});
