import {
  type CartEdit,
  CartView,
  CustomerProfile,
  type PosPurchase,
  type RecommendationsPush,
  topics,
} from '@aisle/contracts';
import { onlineCart, type ScenarioContext } from '@aisle/simulators';
import { until } from '@aisle/testkit';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectScreen, type Fixture, type ScreenSocket, startFixture } from './fixture';

/**
 * Issue #7's acceptance item "an online cart item shows up at that customer's next store visit", against a real
 * cloud-sync and gateway: the web shop edits the cart in the cloud, the gateway pulls the profile, the customer's
 * app is heard in the store and the kiosk of their zone shows the item with its aisle; then the customer buys it at
 * the till and, once the outbox has synced, the cloud's cart no longer has it.
 */

const STORE = 'test-store';
const CUSTOMER = 'cus-cart01';
const APP = 'shp-cart0001';

let fx: Fixture;
let device: mqtt.MqttClient;
let kiosk: { socket: ScreenSocket; pushes: RecommendationsPush[] };
let itemId: string;
let aisle: string;

async function cloud(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${fx.cloudUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${fx.operatorCredential}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}`).toBe(200);
  return res.json();
}

const cartInCloud = async () => CartView.parse(await cloud('GET', `/v1/customers/${CUSTOMER}/cart`));

function context(customer: CustomerProfile): ScenarioContext {
  return {
    storeId: STORE,
    plan: fx.plan,
    catalog: fx.catalog,
    assortment: fx.assortment!,
    customers: [customer],
    publish: (topic, payload) => {
      device.publish(topic, JSON.stringify(payload));
    },
    placed: async (deviceId, zoneId) => {
      await until(`${deviceId} placed in ${zoneId}`, () => fx.gateway.presence.get(deviceId)?.zoneId === zoneId);
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: Date.now,
  };
}

beforeAll(async () => {
  const customer = CustomerProfile.parse({
    customerId: CUSTOMER,
    firstName: 'Dana',
    homeStoreId: STORE,
    consent: { personalization: true, location: true },
    favouriteCategories: [],
    appDevices: [APP],
    updatedAt: Date.now() - 60_000,
  });
  fx = await startFixture({ profiles: { refreshIntervalMs: 600_000 } }, {}, STORE, {
    assortment: true,
    customers: [customer],
  });
  // an item the store has on a shelf, in a known aisle
  const stocked = fx.assortment!.stock.find((s) => s.onHand > 0 && s.aisle)!;
  itemId = stocked.itemId;
  aisle = stocked.aisle!;
  device = await mqtt.connectAsync(fx.urls.mqttUrl, { clientId: 'test-online-cart-devices' });
  const pushes: RecommendationsPush[] = [];
  const s = await connectScreen(fx, 'kiosk-1', {
    kind: 'kiosk',
    before: (t) => t.socket.on('recommendations', (m) => pushes.push(m)),
  });
  expect(s.hello?.ok).toBe(true);
  kiosk = { socket: s.socket, pushes };
  await until('profile cached', () => fx.gateway.profiles.get(CUSTOMER) !== undefined);
});

afterAll(async () => {
  kiosk?.socket.disconnect();
  await device?.endAsync();
  await fx?.close();
});

describe('an online cart, in the store', () => {
  it("shows an item put in the online cart at the customer's next store visit, with its aisle", async () => {
    expect(fx.gateway.profiles.get(CUSTOMER)?.onlineCart).toEqual([]);
    const now = Date.now();
    const edit: CartEdit = {
      editId: `web-${CUSTOMER}-0001`,
      customerId: CUSTOMER,
      itemId,
      quantity: 1,
      hlc: { wallMs: now, counter: 0, node: 'web' },
      origin: { channel: 'web' },
      at: now,
    };
    await cloud('POST', `/v1/customers/${CUSTOMER}/cart/edits`, { edits: [edit] });
    // the gateway's next profile pull brings the cart
    const profile = await until('cart in the gateway', async () => {
      await fx.gateway.refreshProfiles();
      const p = fx.gateway.profiles.get(CUSTOMER);
      return p?.onlineCart.some((l) => l.itemId === itemId) ? p : undefined;
    });
    // the customer's app is heard in the store
    const result = await onlineCart(context(profile), { customerId: CUSTOMER, zoneId: 'beauty' });
    expect(result.anchors).toEqual([itemId]);
    const push = await until('online-cart push on the kiosk', () =>
      kiosk.pushes.find((p) => p.trigger === 'online_cart_in_stock' && p.shopper?.ref === APP.slice(-4)),
    );
    expect(push.personalized).toBe(true);
    expect(push.items.map((i) => i.itemId)).toEqual([itemId]);
    expect(push.items[0]!.aisle).toBe(aisle);
    expect(push.items[0]!.reason.code).toBe('in_your_online_cart');
    expect(push.items[0]!.reason.text.en).toContain(aisle);
  });

  it("takes the item out of the cloud's cart once the customer buys it at the till, and does not call that an emptied cart", async () => {
    const product = fx.catalog.find((p) => p.id === itemId)!;
    const purchase: PosPurchase = {
      eventId: `pos-${CUSTOMER}-0001`,
      storeId: STORE,
      terminalId: 'pos-1',
      // a kiosk hand-over paid at the till names the customer, not their phone
      customerId: CUSTOMER,
      lines: [{ itemId, quantity: 1, unitPrice: product.price }],
      total: product.price,
      currency: product.currency,
      ts: Date.now(),
    };
    expect((await cartInCloud()).lines.map((l) => l.itemId)).toEqual([itemId]);
    device.publish(topics.posPurchase(STORE, 'pos-1'), JSON.stringify(purchase));
    await until('purchase in the cloud', async () => (await fx.cloud.store.purchaseCount(STORE)) === 1);
    const cart = await until('cart without the item', async () => {
      const c = await cartInCloud();
      return c.lines.length === 0 ? c : undefined;
    });
    expect(cart.lines).toEqual([]);
    const audit = (await cloud('GET', `/v1/customers/${CUSTOMER}/cart/audit`)) as {
      superseded: { edit: CartEdit; supersededBy: string }[];
    };
    expect(audit.superseded).toEqual([
      {
        edit: expect.objectContaining({ itemId, quantity: 1 }),
        supersededBy: `cloud:pos:${purchase.eventId}:${itemId}`,
      },
    ]);
    // and the gateway's next pull brings the emptied cart to the store
    await until('emptied cart in the gateway', async () => {
      await fx.gateway.refreshProfiles();
      return fx.gateway.profiles.get(CUSTOMER)?.onlineCart.length === 0;
    });
    // the customer, still in the store, bought what left the cart: no "Still looking?" for it
    await new Promise((r) => setTimeout(r, 500));
    expect(kiosk.pushes.filter((p) => p.trigger === 'cart_emptied')).toEqual([]);
  });
});
