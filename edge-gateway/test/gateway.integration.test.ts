import {
  DeadLetterNotice,
  type FloorPlan,
  type HelloResult,
  type PersonalizationResult,
  PROTOCOL_VERSION,
  PresenceEvent,
  type RecommendationsPush,
  schemaExamples,
  topics,
} from '@aisle/contracts';
import { rankReference, type ZonePopularityModel } from '@aisle/recsys';
import { until } from '@aisle/testkit';
import mqtt from 'mqtt';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway, ListeningGateway } from '../src/index';
import { AISLE_APP_UUID, parseAdvertisement, shopperPseudonym } from '../src/ingest/ble/advertisement';
import { ScreenPairing } from '../src/realtime/pairing';
import { connectScreen, type Fixture, type ScreenSocket, screenToken, startFixture } from './fixture';

const SALT = 'test-salt-0123456789';
let fx: Fixture;
let gateway: Gateway;
let urls: ListeningGateway;
let model: ZonePopularityModel;
let plan: FloorPlan;
let cloud: Fixture['cloud'];
let device: mqtt.MqttClient;

const sockets: ScreenSocket[] = [];

async function screen(
  screenId: string,
  kind: 'kiosk' | 'mirror' | 'staff',
  protocolVersion: number = PROTOCOL_VERSION,
  token?: string,
) {
  const pushes: RecommendationsPush[] = [];
  const s = await connectScreen(fx, screenId, {
    kind,
    hello: { protocolVersion },
    ...(token && { token }),
    before: (t) => t.socket.on('recommendations', (m) => pushes.push(m)),
  });
  sockets.push(s.socket);
  return { socket: s.socket, hello: s.hello!, pushes, screen: s };
}

/** A phone heard by one scanner every 200 ms until the gateway places it there. */
async function walkInto(deviceId: string, zoneId: string) {
  const scannerId = `scanner-${zoneId}`;
  for (let i = 0; i < 60 && gateway.presence.get(deviceId)?.zoneId !== zoneId; i++) {
    const msg = { eventId: `ble-${deviceId}-${zoneId}-${i}`, scannerId, deviceId, rssi: -55, ts: Date.now() };
    device.publish(topics.beaconSighting(plan.storeId, scannerId), JSON.stringify(msg));
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(gateway.presence.get(deviceId)?.zoneId).toBe(zoneId);
}

beforeAll(async () => {
  fx = await startFixture({ ingest: { pseudonymSalt: SALT } });
  ({ gateway, urls, model, plan, cloud } = fx);
  device = await mqtt.connectAsync(urls.mqttUrl, { clientId: 'test-devices' });
});

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await device?.endAsync();
  await fx?.close();
});

describe('edge gateway, end to end in one process', () => {
  it('greets a kiosk with its zone and the zone’s ONNX-ranked popular items', async () => {
    const kiosk = await screen('kiosk-1', 'kiosk');
    expect(kiosk.hello).toMatchObject({ ok: true, storeId: 'test-store', storeName: plan.name, zoneId: 'beauty' });
    const first = await until('first push', () => kiosk.pushes[0]);
    expect(first.shopper).toBeNull();
    expect(first.modelVersion).toBe(model.version);
    expect(first.personalized).toBe(false);
    expect(first.trigger).toBe('zone');
    // the cards are the model's best candidates for the zone, filtered, re-ranked and diversified
    const pool = new Set(rankReference(model, { zoneWeights: { beauty: 1 } }, 40).map((r) => r.itemId));
    expect(first.items).toHaveLength(6);
    expect(first.items.every((i) => pool.has(i.itemId))).toBe(true);
    expect(first.items.every((i) => i.reason.code === 'popular_in_zone')).toBe(true);
  });

  it('carries a sighting over MQTT through presence and ONNX Runtime to the kiosk of the shopper’s zone', async () => {
    const kiosk = await screen('kiosk-1', 'kiosk');
    const mirror = await screen('mirror-1', 'mirror');
    await until('initial push', () => kiosk.pushes[0]);
    await walkInto('shp-walker01', 'womenswear');
    await walkInto('shp-walker01', 'beauty');
    const push = await until('a push for the shopper', () => kiosk.pushes.find((p) => p.shopper?.ref === 'er01'));
    // the path (womenswear, then beauty) is what the model scored
    expect(push.personalized).toBe(true);
    const pool = new Set(
      rankReference(model, { zoneWeights: { beauty: 1, womenswear: 0.5 } }, 40).map((r) => r.itemId),
    );
    expect(push.items.every((i) => pool.has(i.itemId))).toBe(true);
    // an item from the zone the shopper came through says so
    const womenswear = new Set(plan.zones.find((z) => z.id === 'womenswear')!.categories);
    for (const item of push.items)
      expect(item.reason.code).toBe(womenswear.has(item.category) ? 'popular_on_your_path' : 'popular_in_zone');
    // and the decision is logged with the model version and the propensity of every card
    gateway.flushDecisions();
    const row = gateway.store.db
      .prepare<[string], { model_version: string; arm: string; propensity: number; items: string }>(
        'SELECT model_version, arm, propensity, items FROM decisions WHERE id = ?',
      )
      .get(push.decisionId);
    expect(row?.model_version).toBe(model.version);
    expect(row!.propensity).toBeGreaterThan(0);
    const logged = JSON.parse(row!.items) as { itemId: string; propensity: number }[];
    expect(logged.map((i) => i.itemId)).toEqual(push.items.map((i) => i.itemId));
    expect(logged.every((i) => i.propensity > 0 && i.propensity <= 1)).toBe(true);
    // the mirror in the fitting rooms saw nothing of it
    expect(mirror.pushes.every((p) => p.shopper === null)).toBe(true);
  });

  it('lets the shopper at the kiosk switch personalization off: non-personal cards at once', async () => {
    const kiosk = await screen('kiosk-1', 'kiosk');
    await walkInto('shp-private01', 'beauty');
    const before = await until('a personal push', () =>
      kiosk.pushes.findLast((p) => p.shopper?.ref === 'te01' && p.personalized),
    );
    expect(gateway.memory.get('shp-private01')?.personalization).toBe(true);
    const result = await new Promise<PersonalizationResult>((resolve) =>
      kiosk.socket.emit('personalization', { on: false }, resolve),
    );
    expect(result).toEqual({ ok: true, personalized: false, shopper: 'te01' });
    const after = await until('a push after the switch', () =>
      kiosk.pushes.find((p) => p.generatedAt >= before.generatedAt && p !== before && !p.personalized),
    );
    expect(after.shopper?.ref).toBe('te01');
    expect(after.items.every((i) => i.reason.code === 'popular_in_zone' || i.reason.code === 'on_promotion')).toBe(
      true,
    );
    // a staff screen cannot switch it, and a malformed request is refused with a reason
    const staff = await screen('staff-1', 'staff');
    const refused = await new Promise<PersonalizationResult>((resolve) =>
      staff.socket.emit('personalization', { on: true }, resolve),
    );
    expect(refused).toMatchObject({ ok: false, message: expect.stringMatching(/kiosk or mirror/) });
    const malformed = await new Promise<PersonalizationResult>((resolve) =>
      kiosk.socket.emit('personalization', { on: 'yes' } as never, resolve),
    );
    expect(malformed.ok).toBe(false);
    expect(gateway.memory.get('shp-private01')?.personalization).toBe(false);
  });

  it('never recommends what the shopper just bought', async () => {
    const kiosk = await screen('kiosk-1', 'kiosk');
    await walkInto('shp-buyer0002', 'beauty');
    const before = await until('push for buyer', () => kiosk.pushes.findLast((p) => p.shopper?.ref === '0002'));
    const bought = before.items[0]!;
    const purchase = {
      ...schemaExamples.PosPurchase.example,
      eventId: 'pos-buyer-0002',
      storeId: plan.storeId,
      shopperDeviceId: 'shp-buyer0002',
      lines: [{ itemId: bought.itemId, quantity: 1, unitPrice: bought.price }],
      total: bought.price,
    };
    const count = kiosk.pushes.length;
    device.publish(topics.posPurchase(plan.storeId, purchase.terminalId), JSON.stringify(purchase));
    const after = await until('push after purchase', () =>
      kiosk.pushes.slice(count).find((p) => p.shopper?.ref === '0002'),
    );
    expect(after.items.map((i) => i.itemId)).not.toContain(bought.itemId);
    // …and the purchase reached the cloud, once, through the outbox
    await until('purchase in cloud', async () => (await cloud.store.purchaseCount(plan.storeId)) === 1);
    device.publish(topics.posPurchase(plan.storeId, purchase.terminalId), JSON.stringify(purchase));
    await new Promise((r) => setTimeout(r, 400));
    expect(await cloud.store.purchaseCount(plan.storeId)).toBe(1);
    expect(gateway.store.outboxDepth()).toBe(0);
    // under outbox seq 1, with nothing missing before it
    expect(await cloud.store.syncStatus(plan.storeId)).toEqual({
      highestContiguousSeq: 1,
      highestSeenSeq: 1,
      gaps: [],
    });
  });

  it('dead-letters malformed messages with a logged, counted reason and keeps serving', async () => {
    const ble = topics.beaconSighting(plan.storeId, 'scanner-beauty');
    const sighting = { eventId: 'ble-badbad01', scannerId: 'scanner-beauty', deviceId: 'shp-x', rssi: -60, ts: 1 };
    const bad: [string, string | Buffer][] = [
      [ble, '{"eventId": '],
      [ble, Buffer.from([0x00, 0xff, 0x13, 0x37])],
      [ble, JSON.stringify({ ...sighting, rssi: 'loud' })],
      [ble, JSON.stringify({ ...sighting, scannerId: 'scanner-menswear' })],
      [
        topics.beaconSighting(plan.storeId, 'scanner-rogue'),
        JSON.stringify({ ...sighting, scannerId: 'scanner-rogue' }),
      ],
      ['aisle/v1/test-store/ble/scanner-beauty', JSON.stringify(sighting)],
      [ble, JSON.stringify({ ...sighting, eventId: 'ble-huge0001', padding: 'x'.repeat(20_000) })],
    ];
    const notices: DeadLetterNotice[] = [];
    const monitor = await mqtt.connectAsync(urls.mqttUrl, { clientId: 'test-monitor' });
    monitor.on('message', (_t, p) => notices.push(DeadLetterNotice.parse(JSON.parse(p.toString()))));
    await monitor.subscribeAsync(topics.deadLetter(plan.storeId));
    for (const [topic, payload] of bad) device.publish(topic, payload);
    const reasons = () =>
      gateway.store.db.prepare('SELECT reason FROM dead_letters ORDER BY id').pluck().all() as string[];
    await until('dead letters', () => reasons().length >= bad.length);
    expect(reasons()).toEqual([
      'bad_json',
      'bad_json',
      'invalid_payload',
      'device_mismatch',
      'unknown_device',
      'bad_topic',
      'oversized',
    ]);
    expect(fx.logLines.filter((l) => l.includes('message dead-lettered'))).toHaveLength(bad.length);
    const metrics = await (await fetch(`${urls.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /aisle_ingest_rejected_total\{reason="bad_json",device="scanner-beauty",service="edge-gateway"\} 2/,
    );
    expect(metrics).toMatch(
      /aisle_ingest_rejected_total\{reason="unknown_device",device="unknown",service="edge-gateway"\} 1/,
    );
    // …and announced on the dead-letter topic, with the reason
    await until('dead-letter notices', () => notices.length >= bad.length);
    expect(notices.map((n) => n.reason)).toEqual(reasons());
    await monitor.endAsync();
    // still serving: a good sighting places a new shopper, and /health passes
    await walkInto('shp-after-bad', 'menswear');
    const health = await fetch(`${urls.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toMatch(/application\/health\+json/);
    const body = (await health.json()) as { status: string; checks: Record<string, { observedValue?: unknown }[]> };
    expect(body.status).toBe('pass');
    expect(Object.keys(body.checks).sort()).toEqual(['broker', 'cloud', 'database', 'model']);
    expect(body.checks.model?.[0]?.observedValue).toBe(model.version);
  });

  it('keeps every good message from other devices while one device floods it with garbage', async () => {
    const flooder = topics.beaconSighting(plan.storeId, 'scanner-fitting-rooms');
    const good = topics.beaconSighting(plan.storeId, 'scanner-menswear');
    const before = gateway.store.db.prepare('SELECT count(*) FROM dead_letters').pluck().get() as number;
    for (let i = 0; i < 600; i++) {
      device.publish(flooder, i % 2 ? Buffer.from([0xde, 0xad, i & 0xff]) : '{"half":');
      if (i % 6 === 0) {
        const msg = {
          eventId: `ble-steady-${i}`,
          scannerId: 'scanner-menswear',
          deviceId: `shp-steady${i}`,
          rssi: -60,
          ts: Date.now(),
        };
        device.publish(good, JSON.stringify(msg));
      }
    }
    // all 100 good shoppers are placed, although the flooder was rate-limited or dead-lettered throughout
    await until('good traffic placed', () =>
      Array.from({ length: 100 }, (_, k) => gateway.presence.get(`shp-steady${k * 6}`)).every(
        (p) => p?.zoneId === 'menswear',
      ),
    );
    const metrics = await (await fetch(`${urls.httpUrl}/metrics`)).text();
    const limited = Number(
      metrics.match(
        /aisle_ingest_rejected_total\{reason="rate_limited",device="scanner-fitting-rooms"[^}]*\} (\d+)/,
      )?.[1],
    );
    const stored = (gateway.store.db.prepare('SELECT count(*) FROM dead_letters').pluck().get() as number) - before;
    expect(limited + stored).toBe(600);
    expect(stored).toBeLessThan(250); // about the burst (200); the rest never reaches the disk
  });

  it('places a phone known only by its raw advertisement under its salted pseudonym, and ignores other beacons', async () => {
    const uuid = AISLE_APP_UUID.replaceAll('-', '');
    const ibeacon = (uuidHex: string) => `0201061aff4c000215${uuidHex}12345678c5`;
    const topic = topics.beaconSighting(plan.storeId, 'scanner-womenswear');
    const base = { scannerId: 'scanner-womenswear', rssi: -50, ts: Date.now() };
    device.publish(topic, JSON.stringify({ ...base, eventId: 'ble-raw-0001', advertisement: ibeacon(uuid) }));
    device.publish(
      topic,
      JSON.stringify({ ...base, eventId: 'ble-raw-0002', advertisement: ibeacon('e2c56db5dffb48d2b060d0f5a71096e0') }),
    );
    const parsed = parseAdvertisement(ibeacon(uuid));
    const expected = parsed.ok ? shopperPseudonym(parsed.frames[0]!, SALT) : null;
    expect(expected).toMatch(/^shp-[0-9a-f]{16}$/);
    await until('raw shopper placed', () => gateway.presence.get(expected!)?.zoneId === 'womenswear');
    const raw = gateway.store.db.prepare("SELECT count(*) FROM sightings WHERE device_id NOT LIKE 'shp-%'").pluck();
    gateway.flushSightings();
    expect(raw.get()).toBe(0); // nothing but pseudonyms on disk
  });

  it('refuses unknown screens and other protocol versions with a named reason', async () => {
    // a paired screen the floor plan no longer has
    const gone = new ScreenPairing(gateway.store.db).pair('kiosk-99', 'kiosk');
    expect((await screen('kiosk-99', 'kiosk', PROTOCOL_VERSION, gone)).hello).toMatchObject({
      ok: false,
      reason: 'unknownScreen',
    });
    const kioskToken = screenToken(fx, 'kiosk-1');
    expect((await screen('kiosk-1', 'mirror', PROTOCOL_VERSION, kioskToken)).hello).toMatchObject({
      ok: false,
      reason: 'notPaired',
    });
    expect((await screen('kiosk-1', 'kiosk', 0)).hello).toMatchObject({ ok: false, reason: 'clientTooOld' });
    expect((await screen('kiosk-1', 'kiosk', PROTOCOL_VERSION + 1)).hello).toMatchObject({
      ok: false,
      reason: 'serverTooOld',
    });
    const socket: ScreenSocket = io(urls.httpUrl, {
      transports: ['websocket'],
      forceNew: true,
      auth: { token: kioskToken },
    });
    sockets.push(socket);
    const junk = await new Promise<HelloResult>((resolve) =>
      (socket.emit as (e: string, m: unknown, a: (r: HelloResult) => void) => void)('hello', { screenId: 5 }, resolve),
    );
    expect(junk).toMatchObject({ ok: false, reason: 'invalidMessage' });
  });

  it('publishes what it understood: session start, zone enters with the source time, touches joined to the shopper', async () => {
    const events: PresenceEvent[] = [];
    const monitor = await mqtt.connectAsync(urls.mqttUrl, { clientId: 'test-presence' });
    monitor.on('message', (_t, p) => events.push(PresenceEvent.parse(JSON.parse(p.toString()))));
    await monitor.subscribeAsync(topics.presence(plan.storeId));
    await walkInto('shp-presence1', 'accessories');
    const mine = () => events.filter((e) => e.deviceId === 'shp-presence1');
    await until('enter events', () => mine().length >= 2);
    expect(mine().map((e) => e.type)).toEqual(['session_start', 'zone_enter']);
    expect(mine()[1]).toMatchObject({ zoneId: 'accessories', sourceTs: expect.any(Number) });
    // a shelf that cannot tell who picked the item up: the shopper in that zone did
    const pickup = {
      eventId: 'shelf-presence-0001',
      shelfId: 'shelf-accessories',
      zoneId: 'accessories',
      itemId: 'sku-000300',
      action: 'picked_up',
      ts: Date.now(),
    };
    device.publish(topics.productInteraction(plan.storeId, 'shelf-accessories'), JSON.stringify(pickup));
    const touch = await until('touch', () => mine().find((e) => e.type === 'product_touch'));
    expect(touch).toMatchObject({ zoneId: 'accessories', itemId: 'sku-000300', action: 'picked_up' });
    await monitor.endAsync();
    // an unidentified shopper's profile is this visit, in memory only: no profile row is ever written for it
    const session = gateway.memory.get('shp-presence1')!;
    expect(session.customerId).toBeUndefined();
    expect(session.touches.map((t) => t.itemId)).toEqual(['sku-000300']);
    expect(gateway.store.db.prepare('SELECT count(*) FROM profiles').pluck().get()).toBe(0);
    expect(gateway.store.db.prepare('SELECT count(*) FROM profile_devices').pluck().get()).toBe(0);
  });

  it('sends the staff screen the store overview with live occupancy', async () => {
    const staff = await screen('staff-1', 'staff');
    expect(staff.hello).toMatchObject({ ok: true, storeId: 'test-store' });
    const overviews: { zones: { zoneId: string; shoppers: number }[] }[] = [];
    staff.socket.on('storeOverview', (m) => overviews.push(m));
    await walkInto('shp-staffview', 'footwear');
    const o = await until('overview', () =>
      overviews.find((m) => m.zones.some((z) => z.zoneId === 'footwear' && z.shoppers > 0)),
    );
    expect(o.zones.map((z) => z.zoneId)).toEqual(plan.zones.map((z) => z.id));
  });
});
