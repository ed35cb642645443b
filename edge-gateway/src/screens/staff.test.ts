import type { CustomerInStore, StaffAlert } from '@aisle/contracts';
import type { Recommender } from '@aisle/recsys/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestModel } from '../decide/testing';
import { associate, kiosk, manager, NOW, screenStore } from './testing';

let recommender: Recommender;
beforeAll(async () => {
  recommender = await loadTestModel('bundles');
});
afterAll(async () => {
  await recommender.close();
});

/** cus-1 (consented) in apparel by app, cus-2 (no consent) in beauty, an unknown shopper, cus-3 at the kiosk. */
async function busyStore() {
  const s = screenStore(recommender);
  s.shopperIn('shp-aaaa0001', 'apparel', 'cus-1');
  s.clock.t += 1_000;
  s.shopperIn('shp-bbbb0002', 'beauty', 'cus-2');
  s.shopperIn('shp-cccc0003', 'beauty');
  s.clock.t += 1_000;
  await s.services.handlers.identify!(kiosk, { method: 'qr', code: 'AISLE-0003' });
  s.take('recommendations');
  return s;
}

describe('the staff assistant', () => {
  it('lists only identified customers in the store who consented, kiosk sessions included', async () => {
    const s = await busyStore();
    const r = await s.services.handlers.staffCustomers!(associate, {});
    if (!r.ok) throw new Error(r.message);
    const kioskRef = s.services.kiosk.session('kiosk-1')!.sessionId.slice(-4);
    expect(r.customers).toEqual([
      {
        customerRef: '0001',
        firstName: 'Minji',
        segment: 'loyal',
        zoneId: 'apparel',
        arrivedAt: NOW,
        onlineCartItems: 2,
      },
      {
        customerRef: kioskRef,
        firstName: 'Seoyeon',
        segment: 'new',
        zoneId: 'beauty',
        arrivedAt: NOW + 2_000,
        onlineCartItems: 0,
      },
    ] satisfies CustomerInStore[]);
  });

  it('gives a card with purchases, cart, talking points and bundles, and none for a customer who is not there', async () => {
    const s = await busyStore();
    const r = await s.services.handlers.customerCard!(associate, { customerRef: '0001' });
    if (!r.ok) throw new Error(r.message);
    const { card } = r;
    expect(card).toMatchObject({ customerRef: '0001', firstName: 'Minji', favouriteCategories: ['tops'] });
    expect(card.recentPurchases.map((p) => [p.itemId, p.name.en, p.channel])).toEqual([
      ['p3', 'Item p3', 'store'],
      ['l1', 'Item l1', 'online'],
    ]);
    expect(card.onlineCart.map((l) => [l.itemId, l.inStock])).toEqual([
      ['t1-m', 5],
      ['p2', 5],
      ['t2-l', 0],
    ]);
    const points = card.talkingPoints.map((t) => t.en);
    expect(points).toContain('Has 2 items from the online cart in stock here');
    expect(points).toContain('Loves Apparel');
    expect(points.some((p) => p.startsWith('Bought the Item p3 on '))).toBe(true);
    for (const t of card.talkingPoints) expect(t.ko.length).toBeGreaterThan(0);
    expect(card.bundles.length).toBeGreaterThan(0);
    expect(card.bundles.map((b) => b.itemId)).not.toContain('p3'); // bought recently: not suggested again

    expect(await s.services.handlers.customerCard!(associate, { customerRef: '0002' })).toMatchObject({ ok: false });
    expect(await s.services.handlers.customerCard!(associate, { customerRef: 'zzzz' })).toMatchObject({ ok: false });
  });

  it('alerts staff once per visit to a loyal customer and to a cart at risk, never with a name', async () => {
    const s = await busyStore();
    const alerts = () => s.take('staffAlert').map((m) => ({ target: m.target, alert: m.payload as StaffAlert }));
    const first = alerts(); // the kiosk identification checked who is in the store
    s.services.tick();
    expect(first.map((a) => [a.target, a.alert.kind, a.alert.customerRef, a.alert.zoneId])).toEqual([
      [{ kind: 'staff' }, 'loyal_arrived', '0001', 'apparel'],
    ]); // cus-2 is loyal too but did not consent
    expect(first[0]!.alert.text.en).toBe('A loyal customer arrived in Apparel');
    expect(alerts()).toEqual([]);

    s.clock.t = NOW + 299_999;
    s.services.tick();
    expect(alerts()).toEqual([]);
    s.clock.t = NOW + 300_000;
    s.services.tick();
    const risk = alerts();
    expect(risk.map((a) => [a.alert.kind, a.alert.customerRef])).toEqual([['cart_at_risk', '0001']]);
    expect(risk[0]!.alert.text.en).toContain('2 online-cart items');
    s.services.tick();
    expect(alerts()).toEqual([]);
    for (const a of [...first, ...risk]) {
      expect(a.alert.text.en).not.toContain('Minji');
      expect(a.alert.text.ko).not.toContain('Minji');
    }

    // the next visit is another visit
    s.memory.leaveStore('shp-aaaa0001');
    s.services.tick();
    s.shopperIn('shp-aaaa0001', 'beauty', 'cus-1');
    s.services.onPresence();
    expect(alerts().map((a) => a.alert.kind)).toEqual(['loyal_arrived']);
  });

  it('raises no cart alert for a customer who bought on this visit', async () => {
    const s = await busyStore();
    s.memory.purchased('shp-aaaa0001', ['l3'], NOW);
    s.clock.t = NOW + 600_000;
    s.services.tick();
    expect(s.take('staffAlert').map((m) => (m.payload as StaffAlert).kind)).toEqual(['loyal_arrived']);
  });

  it('alerts to a loyal customer identified at the kiosk', async () => {
    const s = screenStore(recommender);
    await s.services.handlers.identify!(kiosk, { method: 'nfc', code: 'AISLE-0001' });
    const sent = s.take('staffAlert');
    expect(sent.map((m) => [(m.payload as StaffAlert).kind, (m.payload as StaffAlert).zoneId])).toEqual([
      ['loyal_arrived', 'beauty'],
    ]);
  });

  it('gives managers zone figures and top categories, withheld below k shoppers', async () => {
    const s = screenStore(recommender, { k: 3 });
    const at = NOW - 30 * 60_000;
    // apparel: three shoppers for 1, 2 and 4 minutes; beauty: two shoppers (k - 1)
    [60_000, 120_000, 240_000].forEach((ms, i) => {
      s.store.recordZoneEnter(`shp-a${i}`, 'apparel', at);
      s.store.recordZoneLeave(`shp-a${i}`, 'apparel', at + ms);
    });
    s.store.recordZoneEnter('shp-b0', 'beauty', at);
    s.store.recordZoneEnter('shp-b1', 'beauty', at);
    s.store.recordZoneEnter('shp-old', 'apparel', NOW - 3 * 3_600_000); // before the window
    s.store.recordZoneLeave('shp-old', 'apparel', NOW - 2 * 3_600_000);
    const touch = (shopper: string, itemId: string, n: number) =>
      s.store.recordInteraction({
        eventId: `shelf-${shopper}-${itemId}-${n}`,
        shelfId: 'shelf-1',
        zoneId: 'apparel',
        itemId,
        action: 'picked_up',
        shopperDeviceId: shopper,
        ts: at,
      });
    for (const [i, shopper] of ['shp-a0', 'shp-a1', 'shp-a2'].entries()) touch(shopper, i % 2 ? 't3' : 't4', 1);
    touch('shp-a0', 't5', 2); // the same shopper twice counts once
    touch('shp-b0', 'l1', 1);
    touch('shp-b1', 'l2', 1);

    expect(await s.services.handlers.staffInsights!(associate, {})).toMatchObject({ ok: false });
    const r = await s.services.handlers.staffInsights!(manager, {});
    if (!r.ok) throw new Error(r.message);
    const zone = (id: string) => r.insights.zones.find((z) => z.zoneId === id);
    expect(zone('apparel')).toMatchObject({ visitors: 3, medianDwellMs: 120_000 });
    expect(zone('beauty')).toMatchObject({ visitors: null, medianDwellMs: null });
    expect(r.insights.topCategories).toEqual([{ category: 'tops', shoppers: 3 }]);
    expect(r.insights).toMatchObject({ k: 3, windowMs: 3_600_000, at: NOW });
  });
});
