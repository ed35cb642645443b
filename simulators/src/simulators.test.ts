import {
  BeaconSighting,
  CustomerProfile,
  devicePayloadSchemas,
  FloorPlan,
  PosPurchase,
  Product,
  parseTopic,
  StoreAssortment,
  topics,
} from '@aisle/contracts';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { demoAssortment } from './assortment';
import { APPAREL_CATEGORIES, APPAREL_SIZES, demoCatalog, SHOE_SIZES, SIZED_CATEGORIES } from './catalog';
import { demoHistory } from './history';
import { type Publish, ShopperSimulation } from './shoppers';
import { demoCustomers, demoFloorPlan, withKnownShoppers } from './store';

const plan = demoFloorPlan();
const catalog = demoCatalog();

const NOW = 1_764_400_000_000;

function run(seconds: number, publish: Publish, seed = 1, start = 0) {
  const sim = new ShopperSimulation({ plan, catalog, publish, seed, shoppers: 6, dwellMs: [3_000, 6_000] });
  for (let t = start; t < start + seconds * 1_000; t += 1_000) sim.tick(t);
  return sim;
}

/** The shopper device id a simulator message names, if any. */
const shopperOf = (payload: unknown) => {
  const p = payload as { scannerId?: string; deviceId?: string; shopperDeviceId?: string };
  return p.scannerId ? p.deviceId : p.shopperDeviceId;
};

describe('demo data', () => {
  it('has a catalog of at least 300 valid products, named in English and Korean, in several categories', () => {
    expect(catalog.length).toBeGreaterThanOrEqual(300);
    for (const p of catalog) expect(Product.safeParse(p).error).toBeUndefined();
    expect(new Set(catalog.map((p) => p.id)).size).toBe(catalog.length);
    expect(new Set(catalog.map((p) => p.category)).size).toBeGreaterThanOrEqual(8);
    expect(catalog.every((p) => /[가-힣]/.test(p.name.ko) && /[A-Za-z]/.test(p.name.en))).toBe(true);
    expect(demoCatalog()).toEqual(catalog); // deterministic
  });

  it('has a valid floor plan whose zones shelve catalog categories, and valid customers', () => {
    expect(FloorPlan.safeParse(plan).error).toBeUndefined();
    const categories = new Set(catalog.map((p) => p.category));
    for (const z of plan.zones) for (const c of z.categories) expect(categories).toContain(c);
    expect(demoCustomers()).toHaveLength(20);
  });

  it('sells apparel and shoes in sizes: one item per size, sharing the style id, name and price', () => {
    const byStyle = new Map<string, Product[]>();
    for (const p of catalog)
      byStyle.set(p.attributes.style ?? p.id, [...(byStyle.get(p.attributes.style ?? p.id) ?? []), p]);
    expect(byStyle.size).toBe(360);
    expect(catalog).toHaveLength(4 * 36 * 5 + 2 * 36 * 6 + 4 * 36);
    for (const [style, items] of byStyle) {
      const sized = SIZED_CATEGORIES.includes(items[0]!.category);
      if (!sized) {
        expect(items).toEqual([expect.objectContaining({ id: style })]);
        expect(items[0]!.attributes.size).toBeUndefined();
        continue;
      }
      const sizes = APPAREL_CATEGORIES.includes(items[0]!.category) ? APPAREL_SIZES : SHOE_SIZES;
      expect(items.map((p) => p.attributes.size)).toEqual([...sizes]);
      expect(items.map((p) => p.id)).toEqual(sizes.map((size) => `${style}-${size.toLowerCase()}`));
      for (const p of items) {
        expect(p.attributes.style).toBe(style);
        expect({ ...p, id: '', attributes: { ...p.attributes, size: '' } }).toEqual({
          ...items[0],
          id: '',
          attributes: { ...items[0]!.attributes, size: '' },
        });
      }
    }
    // unsized items are the ones the catalog always had
    expect(catalog.find((p) => p.id === 'sku-000300')).toMatchObject({
      category: 'bags',
      name: { en: 'Quilted Belt Bag' },
    });
  });

  it('stocks the demo store: most items on hand, one size of every apparel style out, aisles by zone, two promotions', () => {
    const assortment = demoAssortment(plan, catalog, { seed: 5, now: NOW });
    expect(StoreAssortment.safeParse(assortment).error).toBeUndefined();
    expect(assortment.stock.map((s) => s.itemId)).toEqual(catalog.map((p) => p.id));
    const onHand = new Map(assortment.stock.map((s) => [s.itemId, s.onHand]));
    const empty = assortment.stock.filter((s) => s.onHand === 0).length / catalog.length;
    expect(empty).toBeGreaterThan(0.05);
    expect(empty).toBeLessThan(0.25);
    const styles = new Set(
      catalog.filter((p) => APPAREL_CATEGORIES.includes(p.category)).map((p) => p.attributes.style),
    );
    expect(styles.size).toBe(144);
    for (const style of styles)
      expect(
        catalog.some((p) => p.attributes.style === style && onHand.get(p.id) === 0),
        style,
      ).toBe(true);
    const aisle = new Map(assortment.stock.map((s) => [s.itemId, s.aisle]));
    expect(aisle.get('sku-000001')).toBe('A1'); // skincare: beauty, the first zone
    expect(aisle.get('sku-000300')).toBe('A5'); // bags: accessories, the fifth
    const [category, picks] = assortment.promotions;
    expect(category).toMatchObject({ category: expect.any(String), itemIds: [] });
    expect(picks!.itemIds.length).toBeGreaterThanOrEqual(6);
    for (const id of picks!.itemIds) expect(onHand.has(id)).toBe(true);
    for (const p of assortment.promotions) {
      expect(p.startsAt).toBeLessThan(NOW);
      expect(p.endsAt - NOW).toBeGreaterThan(90 * 86_400_000);
    }
    expect(demoAssortment(plan, catalog, { seed: 5, now: NOW })).toEqual(assortment); // deterministic
  });

  it('gives customers tastes, recent purchases, online carts for about half, and one app device each', () => {
    const customers = demoCustomers(40, 11, NOW, catalog);
    const ids = new Set(catalog.map((p) => p.id));
    for (const c of customers) {
      expect(CustomerProfile.safeParse(c).error).toBeUndefined();
      for (const f of c.favouriteCategories) expect(c.tastes[f]).toBeGreaterThanOrEqual(0.6);
      expect(c.recentPurchases.length).toBeGreaterThanOrEqual(2);
      expect(c.recentPurchases.map((p) => p.at)).toEqual(c.recentPurchases.map((p) => p.at).sort((a, b) => a - b));
      for (const line of [...c.recentPurchases, ...c.onlineCart]) expect(ids).toContain(line.itemId);
      expect(c.onlineCart.length).toBeLessThanOrEqual(3);
      expect(c.appDevices).toEqual([expect.stringMatching(/^shp-[0-9a-f]{10}$/)]);
    }
    const withCart = customers.filter((c) => c.onlineCart.length > 0).length;
    expect(withCart).toBeGreaterThan(10);
    expect(withCart).toBeLessThan(30);
    expect(new Set(customers.map((c) => c.recentPurchases.some((p) => p.channel === 'online')))).toEqual(
      new Set([true, false]),
    );
    expect(new Set(customers.flatMap((c) => c.appDevices)).size).toBe(40);
    expect(demoCustomers(40, 11, NOW, catalog)).toEqual(customers); // deterministic
    // the fields customers always had do not move
    expect(
      demoCustomers(20, 11, NOW).map(({ customerId, segment, consent, favouriteCategories }) => ({
        customerId,
        segment,
        consent,
        favouriteCategories,
      })),
    ).toEqual(
      customers.slice(0, 20).map(({ customerId, segment, consent, favouriteCategories }) => ({
        customerId,
        segment,
        consent,
        favouriteCategories,
      })),
    );
  });

  it('gives every zone its own best sellers in the training history', () => {
    const events = demoHistory(plan, catalog, { now: 0 });
    const top = (zone: string) => {
      const counts = new Map<string, number>();
      for (const e of events) if (e.zoneId === zone) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + e.weight);
      return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    };
    const beautyTop = catalog.find((p) => p.id === top('beauty'))!;
    expect(['skincare', 'makeup']).toContain(beautyTop.category);
    expect(top('beauty')).not.toBe(top('menswear'));
  });
});

describe('ShopperSimulation', () => {
  it('publishes only contract-valid messages on the topics of their devices', () => {
    const sent: [string, unknown][] = [];
    const sim = run(120, (topic, payload) => sent.push([topic, payload]));
    expect(sim.stats.purchases).toBeGreaterThan(0);
    for (const [topic, payload] of sent) {
      const parsed = parseTopic(topic);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(devicePayloadSchemas[parsed.topic.family].safeParse(payload).error).toBeUndefined();
    }
    const purchases = sent.filter(([t]) => t.endsWith('/purchase')).map(([, p]) => PosPurchase.parse(p));
    expect(purchases.every((p) => p.shopperDeviceId?.startsWith('shp-'))).toBe(true);
  });

  it('makes the scanner of the shopper’s zone hear them loudest', () => {
    const strongest = new Map<string, { scannerId: string; rssi: number }>();
    let agree = 0;
    let total = 0;
    run(60, (_topic, payload) => {
      const s = BeaconSighting.safeParse(payload);
      if (!s.success) return;
      const key = `${s.data.deviceId}@${s.data.ts}`;
      const best = strongest.get(key);
      if (!best || s.data.rssi > best.rssi) strongest.set(key, s.data);
    });
    // strong sightings (-58 ± 4 dB) come from the zone scanner, weak ones (-84) from elsewhere
    for (const s of strongest.values()) {
      total++;
      if (s.rssi > -70) agree++;
    }
    expect(agree / total).toBeGreaterThan(0.95);
  });

  it('reaches subscribers through a real MQTT broker (Mosquitto on 127.0.0.1:1883)', async () => {
    const url = process.env.AISLE_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
    const storeId = `sim-test-${process.pid}`;
    const sub = await mqtt.connectAsync(url, { clientId: `sub-${process.pid}` });
    const pub = await mqtt.connectAsync(url, { clientId: `pub-${process.pid}` });
    try {
      const received: string[] = [];
      sub.on('message', (topic, payload) => {
        const parsed = parseTopic(topic);
        if (parsed.ok && devicePayloadSchemas[parsed.topic.family].safeParse(JSON.parse(payload.toString())).success)
          received.push(topic);
      });
      await sub.subscribeAsync(topics.storeFilter(storeId), { qos: 1 });
      const local = { ...plan, storeId };
      const sim = new ShopperSimulation({
        plan: local,
        catalog,
        seed: 5,
        publish: (topic, payload) => void pub.publishAsync(topic, JSON.stringify(payload), { qos: 1 }),
      });
      for (let t = 0; t < 5_000; t += 1_000) sim.tick(t);
      await expect
        .poll(() => received.length, { timeout: 5_000 })
        .toBe(
          sim.stats.sightings + sim.stats.interactions + sim.stats.purchases + sim.stats.rfidReads + sim.stats.footfall,
        );
    } finally {
      await pub.endAsync();
      await sub.endAsync();
    }
  });

  it('lets a share of shoppers be known customers, each known phone one shopper at a time for a whole visit', () => {
    const known = demoCustomers(6, 11, NOW, catalog).flatMap((c) => c.appDevices);
    const plain: [string, unknown][] = [];
    const wrapped: [string, unknown][] = [];
    run(600, (topic, payload) => plain.push([topic, payload]), 3, NOW);
    run(
      600,
      withKnownShoppers((topic, payload) => wrapped.push([topic, payload]), known, { share: 0.5, seed: 2 }),
      3,
      NOW,
    );
    expect(wrapped).toHaveLength(plain.length);
    const publishedAs = new Map<string, Set<string>>();
    const visit = new Map<string, { first: number; last: number }>();
    for (const [i, [topic, payload]] of wrapped.entries()) {
      expect(topic).toBe(plain[i]![0]);
      const parsed = parseTopic(topic);
      if (!parsed.ok) throw new Error(topic);
      expect(devicePayloadSchemas[parsed.topic.family].safeParse(payload).error).toBeUndefined();
      const simulated = shopperOf(plain[i]![1]);
      const as = shopperOf(payload);
      expect(as === undefined).toBe(simulated === undefined);
      if (!simulated || !as) continue;
      publishedAs.set(simulated, (publishedAs.get(simulated) ?? new Set()).add(as));
      const ts = (payload as { ts: number }).ts;
      const v = visit.get(simulated) ?? { first: ts, last: ts };
      visit.set(simulated, { first: Math.min(v.first, ts), last: Math.max(v.last, ts) });
    }
    // one id per visit; a known id is only ever in the store once at a time
    for (const ids of publishedAs.values()) expect(ids.size).toBe(1);
    const visitsAs = new Map<string, { first: number; last: number }[]>();
    for (const [simulated, [as]] of [...publishedAs].map(([s, ids]) => [s, [...ids]] as const))
      if (as !== simulated) visitsAs.set(as!, [...(visitsAs.get(as!) ?? []), visit.get(simulated)!]);
    expect([...visitsAs.keys()].every((id) => known.includes(id))).toBe(true);
    expect(visitsAs.size).toBeGreaterThanOrEqual(3);
    const knownVisits = [...visitsAs.values()].reduce((n, v) => n + v.length, 0);
    expect(knownVisits / publishedAs.size).toBeGreaterThan(0.2);
    expect(knownVisits / publishedAs.size).toBeLessThan(0.8);
    for (const visits of visitsAs.values()) {
      visits.sort((a, b) => a.first - b.first);
      for (let k = 1; k < visits.length; k++) expect(visits[k]!.first).toBeGreaterThan(visits[k - 1]!.last);
    }
    const none: [string, unknown][] = [];
    run(
      60,
      withKnownShoppers((topic, payload) => none.push([topic, payload]), known, { share: 0 }),
      3,
      NOW,
    );
    expect(none).toEqual(plain.slice(0, none.length));
  });
});
