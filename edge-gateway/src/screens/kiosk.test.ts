import { type HandoverStatus, PosHandover, type PosPurchase, type RecommendationsPush, topics } from '@aisle/contracts';
import type { Recommender } from '@aisle/recsys/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestModel } from '../decide/testing';
import { kiosk, NOW, screenStore } from './testing';

let recommender: Recommender;
beforeAll(async () => {
  recommender = await loadTestModel('bundles');
});
afterAll(async () => {
  await recommender.close();
});

const cardsOf = (s: ReturnType<typeof screenStore>) =>
  s.take('recommendations').map((m) => ({ target: m.target, push: m.payload as RecommendationsPush }));

describe('kiosk sessions', () => {
  it('identifies a customer by QR code, NFC tag or phone, and shows their cart with stock and aisle', async () => {
    const s = screenStore(recommender);
    const byQr = await s.services.handlers.identify!(kiosk, { method: 'qr', code: 'AISLE-0001' });
    const byNfc = await s.services.handlers.identify!(kiosk, { method: 'nfc', code: 'AISLE-0001' });
    const byPhone = await s.services.handlers.identify!(kiosk, { method: 'phone', phone: '010 0000 0001' });
    expect(byPhone.ok).toBe(false); // other digits: another number
    const byIntlPhone = await s.services.handlers.identify!(kiosk, { method: 'phone', phone: '+82 (10) 0000-0001' });
    for (const r of [byQr, byNfc, byIntlPhone]) {
      if (!r.ok) throw new Error(r.message);
      expect(r.session.customer).toMatchObject({ firstName: 'Minji', personalized: true });
      expect(r.session.customer!.ref).toBe(r.session.sessionId.slice(-4));
      expect(r.session.onlineCart.map((l) => [l.itemId, l.quantity, l.inStock])).toEqual([
        ['t1-m', 1, 5],
        ['p2', 2, 5],
        ['t2-l', 1, 0],
      ]);
      expect(r.session.onlineCart[0]).toMatchObject({ name: { en: 'Item t1-m' }, price: 10, aisle: 'A4' });
    }
    const pushes = cardsOf(s);
    expect(pushes.length).toBeGreaterThanOrEqual(3);
    for (const { target, push } of pushes) {
      expect(target).toEqual({ screen: 'kiosk-1' }); // that kiosk only
      expect(push.personalized).toBe(true);
    }
    expect(s.memory.size).toBe(0); // a kiosk session is not a shopper seen by the scanners
  });

  it('answers unknown for a card or phone nobody has, and starts no session', async () => {
    const s = screenStore(recommender);
    expect(await s.services.handlers.identify!(kiosk, { method: 'qr', code: 'AISLE-9999' })).toMatchObject({
      ok: false,
      reason: 'unknown',
    });
    expect(await s.services.handlers.identify!(kiosk, { method: 'phone', phone: '+1 555 0100' })).toMatchObject({
      ok: false,
      reason: 'unknown',
    });
    expect(s.services.kiosk.session('kiosk-1')).toBeUndefined();
    expect(s.take()).toEqual([]);
  });

  it('shows a customer who did not consent non-personal cards', async () => {
    const s = screenStore(recommender);
    const r = await s.services.handlers.identify!(kiosk, { method: 'nfc', code: 'AISLE-0002' });
    if (!r.ok) throw new Error(r.message);
    expect(r.session.customer).toMatchObject({ firstName: 'Jiho', personalized: false });
    const [card] = cardsOf(s);
    expect(card!.push.personalized).toBe(false);
    for (const item of card!.push.items) expect(item.reason.code).toMatch(/^(popular_in_zone|on_promotion)$/);
  });

  it('remembers what an anonymous shopper looks at for the session only, and says so on the cards', async () => {
    const s = screenStore(recommender);
    const r = await s.services.handlers.identify!(kiosk, { method: 'anonymous' });
    if (!r.ok) throw new Error(r.message);
    expect(r.session).toMatchObject({ customer: null, onlineCart: [] });
    const [first] = cardsOf(s);
    expect(first!.push.items.some((i) => i.reason.code === 'similar_item')).toBe(false);

    expect(await s.services.handlers.viewItem!(kiosk, { itemId: 'l2' })).toEqual({ ok: true });
    const [after] = cardsOf(s);
    expect(after!.target).toEqual({ screen: 'kiosk-1' });
    expect(after!.push.personalized).toBe(true);
    const looked = after!.push.items.filter((i) => i.reason.code === 'similar_item');
    expect(looked.length).toBeGreaterThan(0);
    for (const i of looked) {
      expect(i.category).toBe('lipstick');
      expect(i.reason.text.en).toBe('Because you looked at the Item l2');
      expect(i.reason.text.ko).toContain('상품 l2');
    }
    expect(await s.services.handlers.viewItem!(kiosk, { itemId: 'nope' })).toMatchObject({ ok: false });

    // the session's memory is gone with it: the next anonymous session starts blank
    await s.services.handlers.endSession!(kiosk, { reason: 'inactivity' });
    expect(s.services.kiosk.session('kiosk-1')).toBeUndefined();
    const [reset] = cardsOf(s);
    expect(reset!.push).toMatchObject({ personalized: false, shopper: null });
    await s.services.handlers.identify!(kiosk, { method: 'anonymous' });
    expect(s.services.kiosk.session('kiosk-1')!.shopper.touches).toEqual([]);
  });

  it('keeps zone cards off a kiosk during a session and lets them through again after it', async () => {
    const s = screenStore(recommender);
    await s.services.handlers.identify!(kiosk, { method: 'qr', code: 'AISLE-0001' });
    s.take();
    const zonePush = { ...(cardsOfZone() as RecommendationsPush) };
    s.services.zonePush(zonePush);
    expect(s.take('recommendations')).toEqual([]);
    await s.services.handlers.endSession!(kiosk, { reason: 'done' });
    s.take();
    s.services.zonePush(zonePush);
    expect(s.take('recommendations').map((m) => m.target)).toEqual([{ screen: 'kiosk-1' }]);

    function cardsOfZone(): RecommendationsPush {
      return {
        decisionId: 'd-zone',
        trigger: 'zone',
        personalized: false,
        zoneId: 'beauty',
        shopper: null,
        items: [],
        modelVersion: 'v',
        generatedAt: NOW,
      };
    }
  });

  it('hands the in-stock cart over to a till and tells the kiosk when it is paid', async () => {
    const s = screenStore(recommender);
    expect(await s.services.handlers.handover!(kiosk, {})).toMatchObject({ ok: false }); // nobody identified
    await s.services.handlers.identify!(kiosk, { method: 'qr', code: 'AISLE-0001' });
    const r = await s.services.handlers.handover!(kiosk, {});
    if (!r.ok) throw new Error(r.message);
    expect(r).toMatchObject({ terminalId: 'pos-1', lines: 2 });
    expect(r.code).toMatch(/^[0-9]{4}$/);
    expect(s.published).toHaveLength(1);
    expect(s.published[0]!.topic).toBe(topics.posHandover('test', 'pos-1'));
    const handover = PosHandover.parse(JSON.parse(s.published[0]!.payload));
    expect(handover).toMatchObject({ handoverId: r.handoverId, code: r.code, customerId: 'cus-1', currency: 'KRW' });
    expect(handover.lines).toEqual([
      { itemId: 't1-m', quantity: 1, unitPrice: 10 },
      { itemId: 'p2', quantity: 2, unitPrice: 10 },
    ]);
    s.take();

    const sale = (handoverId?: string): PosPurchase => ({
      eventId: `pos-${handoverId ?? 'none'}-000`,
      storeId: 'test',
      terminalId: 'pos-1',
      customerId: 'cus-1',
      lines: handover.lines,
      total: 30,
      currency: 'KRW',
      ...(handoverId && { handoverId }),
      ts: NOW,
    });
    s.services.onPurchase(sale(), NOW + 1);
    s.services.onPurchase(sale('another'), NOW + 1);
    expect(s.take('handoverStatus')).toEqual([]);
    s.services.onPurchase(sale(r.handoverId), NOW + 2_000);
    const status = s.take('handoverStatus');
    expect(status).toEqual([
      {
        target: { screen: 'kiosk-1' },
        event: 'handoverStatus',
        payload: { handoverId: r.handoverId, terminalId: 'pos-1', status: 'paid', at: NOW + 2_000 } as HandoverStatus,
      },
    ]);
    s.services.onPurchase(sale(r.handoverId), NOW + 3_000); // told once
    expect(s.take('handoverStatus')).toEqual([]);
    expect(s.store.db.prepare('SELECT paid_at FROM handovers').pluck().get()).toBe(NOW + 2_000);
  });

  it('refuses a hand-over when no till is online', async () => {
    const s = screenStore(recommender, { tills: [] });
    await s.services.handlers.identify!(kiosk, { method: 'qr', code: 'AISLE-0001' });
    expect(await s.services.handlers.handover!(kiosk, {})).toEqual({ ok: false, message: 'no checkout is online' });
    expect(s.published).toEqual([]);
  });
});
