import {
  type CustomerProfile,
  devicePayloadSchemas,
  type ProductInteraction,
  parseTopic,
  type SizeRequest,
} from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { demoAssortment } from './assortment';
import { demoCatalog } from './catalog';
import { SCENARIO_NAMES, type ScenarioContext, type ScenarioMessage, scenarios } from './scenarios';
import { demoCustomers, demoFloorPlan } from './store';

const NOW = 1_764_000_000_000;
const plan = demoFloorPlan('test-store');
const catalog = demoCatalog();
const assortment = demoAssortment(plan, catalog, { now: NOW });
const customers = demoCustomers(20, 11, NOW, catalog);

/** A context on a fake clock that records what a scenario sends. */
function fakeContext() {
  let clock = NOW;
  const sent: { topic: string; payload: ScenarioMessage; at: number }[] = [];
  const sizeRequests: SizeRequest[] = [];
  const profiles: CustomerProfile[] = [];
  const ctx: ScenarioContext = {
    storeId: plan.storeId,
    plan,
    catalog,
    assortment,
    customers,
    publish: (topic, payload) => {
      sent.push({ topic, payload, at: clock });
    },
    mirror: {
      sizeRequest: async (req) => {
        sizeRequests.push(req);
        return { ok: true, inStock: false };
      },
    },
    cloud: {
      putProfile: async (p) => {
        profiles.push(p);
      },
    },
    placed: async () => {},
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => clock,
    timing: { longTouchMs: 5_000, dwellThresholdMs: 10_000 },
  };
  return { ctx, sent, sizeRequests, profiles };
}

describe('trigger scenarios', () => {
  it.each(SCENARIO_NAMES)('%s sends only valid device messages on their own topics', async (name) => {
    const { ctx, sent } = fakeContext();
    const result = await scenarios[name](ctx, { seed: 2 });
    expect(sent.length).toBeGreaterThan(0);
    for (const { topic, payload } of sent) {
      const parsed = parseTopic(topic);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.topic.storeId).toBe(plan.storeId);
      const schema = devicePayloadSchemas[parsed.topic.family];
      expect(schema.safeParse(payload).success).toBe(true);
    }
    expect(new Set(sent.map((s) => s.payload.eventId)).size).toBe(sent.length);
    // the shopper is heard loud in the zone whose screen shows the result
    const scanner = plan.scanners.find((s) => s.zoneId === result.zoneId)!.id;
    expect(sent.some((s) => 'scannerId' in s.payload && s.payload.scannerId === scanner)).toBe(true);
    expect(plan.screens.some((s) => s.zoneId === result.zoneId)).toBe(true);
  });

  it('put-back holds the product longer than the long-touch threshold, by the shelf’s clock', async () => {
    const { ctx, sent } = fakeContext();
    const result = await scenarios['put-back'](ctx);
    const shelf = sent.map((s) => s.payload).filter((p): p is ProductInteraction => 'shelfId' in p);
    expect(shelf.map((p) => p.action)).toEqual(['picked_up', 'put_back']);
    expect(shelf.every((p) => p.itemId === result.anchors[0] && p.shopperDeviceId === result.shopperDeviceId)).toBe(
      true,
    );
    expect(shelf[1]!.ts - shelf[0]!.ts).toBeGreaterThan(5_000);
  });

  it('size-unavailable asks the mirror for a size of the garment tried on that the store does not have', async () => {
    const { ctx, sent, sizeRequests } = fakeContext();
    const result = await scenarios['size-unavailable'](ctx, { seed: 4 });
    const held = catalog.find((p) => p.id === result.anchors[0])!;
    const onHand = (id: string) => assortment.stock.find((s) => s.itemId === id)!.onHand;
    expect(sent.some((s) => 'readerId' in s.payload && s.payload.tags[0]?.itemId === held.id)).toBe(true);
    expect(sizeRequests).toEqual([{ itemId: held.id, size: result.size }]);
    const missing = catalog.find(
      (p) => p.attributes.style === held.attributes.style && p.attributes.size === result.size,
    )!;
    expect(onHand(missing.id)).toBe(0);
    expect(onHand(held.id)).toBeGreaterThan(0);
  });

  it('online-cart walks in a consenting customer’s app device; the cart items in stock are what to expect', async () => {
    const { ctx, sent } = fakeContext();
    const result = await scenarios['online-cart'](ctx);
    const customer = customers.find((c) => c.customerId === result.customerId)!;
    expect(customer.consent.personalization).toBe(true);
    expect(result.shopperDeviceId).toBe(customer.appDevices[0]);
    expect(sent.every((s) => 'deviceId' in s.payload && s.payload.deviceId === result.shopperDeviceId)).toBe(true);
    expect(result.anchors.length).toBeGreaterThan(0);
    for (const id of result.anchors) {
      expect(customer.onlineCart.map((l) => l.itemId)).toContain(id);
      expect(result.aisles?.[id]).toMatch(/^A\d$/);
    }
  });

  it('cart-emptied puts the customer’s profile with an empty cart and a newer updatedAt', async () => {
    const { ctx, profiles } = fakeContext();
    const result = await scenarios['cart-emptied'](ctx);
    const before = customers.find((c) => c.customerId === result.customerId)!;
    expect(profiles).toHaveLength(1);
    expect(profiles[0]).toMatchObject({ customerId: before.customerId, onlineCart: [] });
    expect(profiles[0]!.updatedAt).toBeGreaterThan(before.updatedAt);
    expect(result.anchors).toEqual(before.onlineCart.map((l) => l.itemId));
  });

  it('lingering picks a product up and stays past the dwell threshold', async () => {
    const { ctx, sent } = fakeContext();
    const result = await scenarios.lingering(ctx);
    const pickup = sent.find((s) => 'shelfId' in s.payload)!;
    expect(pickup.payload).toMatchObject({ action: 'picked_up', itemId: result.anchors[0] });
    const lastHeard = sent.filter((s) => 'scannerId' in s.payload).at(-1)!;
    expect(lastHeard.at - pickup.at).toBeGreaterThan(10_000);
  });
});
