import {
  BeaconSighting,
  devicePayloadSchemas,
  FloorPlan,
  PosPurchase,
  Product,
  parseTopic,
  topics,
} from '@aisle/contracts';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { demoCatalog } from './catalog';
import { demoHistory } from './history';
import { type Publish, ShopperSimulation } from './shoppers';
import { demoCustomers, demoFloorPlan } from './store';

const plan = demoFloorPlan();
const catalog = demoCatalog();

function run(seconds: number, publish: Publish, seed = 1) {
  const sim = new ShopperSimulation({ plan, catalog, publish, seed, shoppers: 6, dwellMs: [3_000, 6_000] });
  for (let t = 0; t < seconds * 1_000; t += 1_000) sim.tick(t);
  return sim;
}

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
});
