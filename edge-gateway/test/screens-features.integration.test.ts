import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PosHandover, type PosPurchase, type RfidRead, topics } from '@aisle/contracts';
import { type DeviceRegistryFile, hashPin, hashSecret, newSecret } from '@aisle/contracts/credentials';
import { connectFleet, type DeviceCredential, type Fleet } from '@aisle/simulators';
import { until } from '@aisle/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectScreen, type Fixture, startFixture, type TestScreen } from './fixture';

const STORE = 'test-store';
let fx: Fixture;
let fleet: Fleet;
const screens: TestScreen[] = [];
const tillEvents: { handover: PosHandover; purchase?: PosPurchase }[] = [];
const credentials: DeviceCredential[] = [
  { id: 'pos-1', family: 'pos', secret: newSecret() },
  { id: 'rfid-fitting-rooms', family: 'rfid', secret: newSecret() },
];

async function screen(id: string): Promise<TestScreen> {
  const s = await connectScreen(fx, id);
  screens.push(s);
  return s;
}

beforeAll(async () => {
  const dir = process.env.TMPDIR ?? '/tmp';
  const registry: DeviceRegistryFile = {
    storeId: STORE,
    devices: credentials.map((c) => ({ id: c.id, family: c.family, secretHash: hashSecret(c.secret) })),
    services: [],
  };
  const registryPath = join(dir, `aisle-screens-registry-${process.pid}.json`);
  writeFileSync(registryPath, JSON.stringify(registry));
  const staffPath = join(dir, `aisle-screens-staff-${process.pid}.json`);
  writeFileSync(staffPath, JSON.stringify([{ id: 'st-1', name: 'Hana', role: 'associate', pinHash: hashPin('2468') }]));
  fx = await startFixture({ auth: { mode: 'registry', registryPath }, realtime: { staffPath } }, {}, STORE, {
    assortment: true,
    customers: true,
    bundles: true,
  });
  await fx.gateway.refreshProfiles();
  // the till and the fitting-room reader, as the demo runs them: each with its own credentials
  fleet = await connectFleet(fx.urls.mqttUrl, STORE, credentials, {
    payAfterMs: 100,
    onHandover: (e) => tillEvents.push(e),
  });
}, 60_000);

afterAll(async () => {
  for (const s of screens) s.close();
  await fleet?.close();
  await fx?.close();
});

describe('screen features through the gateway', () => {
  it('personalizes a kiosk for the customer who identifies, and hands their cart to the till that sells it', async () => {
    const kiosk = await screen('kiosk-1');
    const r = await kiosk.request('identify', { method: 'qr', code: 'AISLE-0001' });
    if (!r.ok) throw new Error(r.message);
    expect(r.session.customer).toMatchObject({ personalized: true });
    expect(r.session.customer!.firstName).toBe(fx.customers[0]!.firstName);
    expect(r.session.onlineCart.some((l) => l.inStock > 0)).toBe(true);
    await kiosk.next('recommendations', (p) => p.personalized && p.shopper?.ref === r.session.customer!.ref);

    const handover = await kiosk.request('handover', {});
    if (!handover.ok) throw new Error(handover.message);
    expect(handover.terminalId).toBe('pos-1');
    // the till (a real MQTT client with its own credentials) got the cart, and sold it
    const sold = await until('the till sold the cart', () =>
      tillEvents.find((e) => e.purchase && e.handover.handoverId === handover.handoverId),
    );
    expect(sold.handover).toMatchObject({ code: handover.code, customerId: 'cus-0001', terminalId: 'pos-1' });
    expect(sold.handover.lines).toHaveLength(handover.lines);
    expect(sold.purchase).toMatchObject({ handoverId: handover.handoverId, customerId: 'cus-0001' });
    const paid = await kiosk.next('handoverStatus', (s) => s.handoverId === handover.handoverId);
    expect(paid).toMatchObject({ status: 'paid', terminalId: 'pos-1' });

    // staff see the customer identified at the kiosk
    const staff = await screen('staff-1');
    expect(await staff.request('staffLogin', { pin: '2468' })).toMatchObject({ ok: true });
    const list = await staff.request('staffCustomers', {});
    if (!list.ok) throw new Error(list.message);
    expect(list.customers.map((c) => c.customerRef)).toContain(r.session.customer!.ref);

    const before = kiosk.messages.length;
    expect(await kiosk.request('endSession', { reason: 'done' })).toEqual({ ok: true });
    const reset = await until('the zone’s own cards again', () =>
      kiosk.messages.slice(before).find((m) => m.event === 'recommendations'),
    );
    expect(reset.payload).toMatchObject({ personalized: false, shopper: null });
  });

  it('identifies at the kiosk a customer from another store by asking the cloud, which adds this store to their scope', async () => {
    const visitor = { ...fx.customers[1]!, customerId: 'cus-0900', loyaltyId: 'AISLE-0900', homeStoreId: 'busan-99' };
    await fx.cloud.store.upsertCustomers([{ ...visitor, appDevices: [], phoneHash: undefined }]);
    await fx.gateway.refreshProfiles();
    expect(fx.gateway.profiles.get('cus-0900')).toBeUndefined(); // not this store's customer
    const kiosk = await screen('kiosk-1');
    const r = await kiosk.request('identify', { method: 'qr', code: 'AISLE-0900' });
    if (!r.ok) throw new Error(r.message);
    expect(r.session.customer!.firstName).toBe(visitor.firstName);
    expect(fx.gateway.profiles.get('cus-0900')?.loyaltyId).toBe('AISLE-0900');
    const scope = await fx.cloud.store.db
      .selectFrom('customer_stores')
      .select(['store_id', 'reason'])
      .where('customer_id', '=', 'cus-0900')
      .execute();
    expect(scope).toEqual(expect.arrayContaining([{ store_id: STORE, reason: 'nearby' }]));
    // a code nobody has is still unknown
    const unknown = await kiosk.request('identify', { method: 'qr', code: 'AISLE-9999' });
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown' });
    await kiosk.request('endSession', {});
  });

  it('shows the mirror the garment tried on, and turns a size in stock into a request on the staff screen', async () => {
    const stock = new Map(fx.assortment!.stock.map((s) => [s.itemId, s.onHand]));
    // a garment in stock with another size of its style in stock too
    const garment = fx.catalog.find(
      (p) =>
        /^[A-Z]+$/.test(p.attributes.size ?? '') &&
        (stock.get(p.id) ?? 0) > 0 &&
        fx.catalog.some(
          (o) => o.id !== p.id && o.attributes.style === p.attributes.style && (stock.get(o.id) ?? 0) > 0,
        ),
    )!;
    const other = fx.catalog.find(
      (o) => o.id !== garment.id && o.attributes.style === garment.attributes.style && (stock.get(o.id) ?? 0) > 0,
    )!;
    const mirror = await screen('mirror-1');
    const staff = await screen('staff-1');
    expect(await staff.request('staffLogin', { pin: '2468' })).toMatchObject({ ok: true });

    const read: RfidRead = {
      eventId: `rfid-${Date.now()}-features`,
      readerId: 'rfid-fitting-rooms',
      zoneId: 'fitting-rooms',
      tags: [{ epc: '303400000000000000000001', itemId: garment.id }],
      ts: Date.now(),
    };
    fleet.publish(topics.rfidRead(STORE, 'rfid-fitting-rooms'), read);
    const shown = await mirror.next('mirrorGarment', (g) => g.itemId === garment.id);
    expect(shown).toMatchObject({ name: garment.name, size: garment.attributes.size, history: null });
    expect(shown.variants.map((v) => v.itemId)).toContain(other.id);
    for (const item of shown.look) expect(item.category).not.toBe(garment.category);

    const asked = await mirror.request('sizeRequest', { itemId: garment.id, size: other.attributes.size! });
    if (!asked.ok) throw new Error(asked.message);
    expect(asked).toMatchObject({ inStock: true, variantId: other.id });
    const request = await staff.next('staffRequest', (q) => q.requestId === asked.requestId);
    expect(request).toMatchObject({ kind: 'size', mirrorId: 'mirror-1', itemId: other.id, status: 'open' });
    expect(await staff.request('resolveRequest', { requestId: asked.requestId!, status: 'accepted' })).toEqual({
      ok: true,
    });
    await mirror.next('staffRequest', (q) => q.requestId === asked.requestId && q.status === 'accepted');
  });
});
