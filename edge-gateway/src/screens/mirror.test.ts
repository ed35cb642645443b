import type { MirrorGarment, RfidRead, StaffRequest } from '@aisle/contracts';
import type { Recommender } from '@aisle/recsys/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTestModel } from '../decide/testing';
import { associate, DAY, mirror, NOW, screenStore } from './testing';

let recommender: Recommender;
beforeAll(async () => {
  recommender = await loadTestModel('bundles');
});
afterAll(async () => {
  await recommender.close();
});

const read = (itemId: string, shopperDeviceId?: string, zoneId = 'fitting'): RfidRead => ({
  eventId: `rfid-${itemId}-0001`,
  readerId: 'rfid-1',
  zoneId,
  tags: [{ epc: '3034000000000000000000AA' }, { epc: '3034000000000000000000BB', itemId }],
  ...(shopperDeviceId && { shopperDeviceId }),
  ts: NOW,
});

const garmentOf = (s: ReturnType<typeof screenStore>) => {
  const sent = s.take('mirrorGarment');
  expect(sent).toHaveLength(1);
  expect(sent[0]!.target).toEqual({ screen: 'mirror-1' });
  return sent[0]!.payload as MirrorGarment;
};

describe('the mirror', () => {
  it('shows the garment read in its zone with its other sizes and what completes the look', async () => {
    const s = screenStore(recommender);
    await s.services.mirror.rfidRead(read('t1-m'));
    const g = garmentOf(s);
    expect(g).toMatchObject({ zoneId: 'fitting', itemId: 't1-m', name: { en: 'Item t1-m' }, size: 'M', price: 10 });
    expect(g.variants).toEqual([
      { itemId: 't1-s', size: 'S', inStock: 5 },
      { itemId: 't1-l', size: 'L', inStock: 0 },
    ]);
    expect(g.look.length).toBeGreaterThan(0);
    for (const item of g.look) {
      expect(item.category).not.toBe('tops');
      expect(item.inStock).toBeGreaterThan(0);
      expect(item.reason.code).toBe('completes_your_look');
    }
    expect(g.history).toBeNull(); // nobody known holds it
  });

  it('shows what an identified shopper tried and bought only when they consented', async () => {
    const s = screenStore(recommender);
    const consented = s.shopperIn('shp-aaaa0001', 'fitting', 'cus-1');
    consented.touches.push({ itemId: 't2-s', zoneId: 'fitting', action: 'tried_on', at: NOW - 60_000 });
    consented.touches.push({ itemId: 'p4', zoneId: 'apparel', action: 'picked_up', at: NOW - 50_000 });
    await s.services.mirror.rfidRead(read('t1-m', 'shp-aaaa0001'));
    expect(garmentOf(s).history).toEqual([
      { itemId: 't2-s', name: { en: 'Item t2-s', ko: '상품 t2-s' }, kind: 'tried', at: NOW - 60_000 },
      { itemId: 'p3', name: { en: 'Item p3', ko: '상품 p3' }, kind: 'bought', at: NOW - 35 * DAY },
      { itemId: 'l1', name: { en: 'Item l1', ko: '상품 l1' }, kind: 'bought', at: NOW - 40 * DAY },
    ]);

    s.shopperIn('shp-bbbb0002', 'fitting', 'cus-2'); // no consent
    await s.services.mirror.rfidRead(read('t1-m', 'shp-bbbb0002'));
    expect(garmentOf(s).history).toBeNull();

    consented.personalization = false; // switched off at a screen
    await s.services.mirror.rfidRead(read('t1-m', 'shp-aaaa0001'));
    expect(garmentOf(s).history).toBeNull();

    s.shopperIn('shp-cccc0003', 'fitting'); // not identified
    await s.services.mirror.rfidRead(read('t1-m', 'shp-cccc0003'));
    expect(garmentOf(s).history).toBeNull();
  });

  it('sends nothing for a zone without a mirror or a read without a known item', async () => {
    const s = screenStore(recommender);
    await s.services.mirror.rfidRead(read('t1-m', undefined, 'apparel'));
    await s.services.mirror.rfidRead(read('unknown-item'));
    expect(s.take()).toEqual([]);
  });

  it('turns a size in stock into a staff request that staff resolve, the mirror following along', async () => {
    const s = screenStore(recommender);
    const r = await s.services.handlers.sizeRequest!(mirror, { itemId: 't1-m', size: 'S' });
    if (!r.ok) throw new Error(r.message);
    expect(r).toMatchObject({ inStock: true, variantId: 't1-s' });
    expect(r.requestId).toBeDefined();
    const open = s.take('staffRequest');
    expect(open.map((m) => m.target)).toEqual([{ kind: 'staff' }, { screen: 'mirror-1' }]);
    expect(open[0]!.payload).toMatchObject({
      requestId: r.requestId,
      kind: 'size',
      mirrorId: 'mirror-1',
      zoneId: 'fitting',
      itemId: 't1-s',
      name: { en: 'Item t1-s' },
      size: 'S',
      status: 'open',
    });

    expect(
      await s.services.handlers.resolveRequest!(associate, { requestId: r.requestId!, status: 'accepted' }),
    ).toEqual({ ok: true });
    const accepted = s.take('staffRequest');
    expect(accepted.map((m) => [m.target, (m.payload as StaffRequest).status])).toEqual([
      [{ kind: 'staff' }, 'accepted'],
      [{ screen: 'mirror-1' }, 'accepted'],
    ]);
    expect(await s.services.handlers.resolveRequest!(associate, { requestId: r.requestId!, status: 'done' })).toEqual({
      ok: true,
    });
    expect(s.take('staffRequest').map((m) => (m.payload as StaffRequest).status)).toEqual(['done', 'done']);
    expect(s.services.mirror.openRequests()).toEqual([]);
    expect(
      await s.services.handlers.resolveRequest!(associate, { requestId: r.requestId!, status: 'done' }),
    ).toMatchObject({ ok: false });
    expect(
      await s.services.handlers.resolveRequest!(associate, { requestId: 'nope', status: 'accepted' }),
    ).toMatchObject({
      ok: false,
    });
  });

  it('asks staff for nothing when the size is not in stock here', async () => {
    const s = screenStore(recommender);
    const r = await s.services.handlers.sizeRequest!(mirror, { itemId: 't1-m', size: 'L' });
    expect(r).toMatchObject({ ok: true, inStock: false, variantId: 't1-l' });
    expect(r.ok && r.requestId).toBeUndefined();
    expect(s.take('staffRequest')).toEqual([]);
    expect(await s.services.handlers.sizeRequest!(mirror, { itemId: 'nope', size: 'S' })).toMatchObject({ ok: false });
  });
});
