import { CustomerProfile } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { historyOf, recentlyBought, ShopperMemory } from './memory';

describe('shopper memory', () => {
  it('keeps a visit in memory: path, dwell, touches, how long an item was held, purchases', () => {
    const m = new ShopperMemory();
    m.enterZone('shp-a', 'beauty', 1_000);
    m.leaveZone('shp-a', 'beauty', 4_000);
    m.enterZone('shp-a', 'womenswear', 4_000);
    expect(m.touch('shp-a', { itemId: 'dress', zoneId: 'womenswear', action: 'picked_up', at: 5_000 }, 900)).toEqual(
      {},
    );
    // held 6 s by the shelf's clock, whatever the gateway's says
    expect(m.touch('shp-a', { itemId: 'dress', zoneId: 'womenswear', action: 'put_back', at: 5_100 }, 6_900)).toEqual({
      heldMs: 6_000,
    });
    // a put-back without a pick-up says nothing about holding
    expect(m.touch('shp-a', { itemId: 'top', zoneId: 'womenswear', action: 'put_back', at: 5_200 })).toEqual({});
    m.purchased('shp-a', ['scarf'], 6_000);
    const s = m.get('shp-a')!;
    expect(s.path).toEqual(['beauty', 'womenswear']);
    expect(s.dwellMs.get('beauty')).toBe(3_000);
    expect(s.zoneId).toBe('womenswear');
    expect(s.touches.map((t) => t.action)).toEqual(['picked_up', 'put_back', 'put_back']);
    expect([...s.purchased]).toEqual(['scarf']);
  });

  it('forgets an unidentified shopper entirely when they leave the store', () => {
    const m = new ShopperMemory();
    m.enterZone('shp-a', 'beauty', 0);
    m.touch('shp-a', { itemId: 'x', zoneId: 'beauty', action: 'picked_up', at: 1 });
    expect(m.leaveStore('shp-a')?.touches).toHaveLength(1);
    expect(m.get('shp-a')).toBeUndefined();
    expect(m.size).toBe(0);
  });

  it('bounds the touches it keeps', () => {
    const m = new ShopperMemory({ maxTouches: 3 });
    for (let i = 0; i < 10; i++) m.touch('shp-a', { itemId: `i${i}`, zoneId: 'z', action: 'moved', at: i });
    expect(m.get('shp-a')!.touches.map((t) => t.itemId)).toEqual(['i7', 'i8', 'i9']);
  });

  it('merges the profile and the visit into one history, oldest first, weighted by kind', () => {
    const m = new ShopperMemory();
    m.touch('shp-a', { itemId: 'lip', zoneId: 'beauty', action: 'picked_up', at: 300 });
    m.touch('shp-a', { itemId: 'top', zoneId: 'fit', action: 'tried_on', at: 400 });
    m.purchased('shp-a', ['lip'], 500);
    const profile = CustomerProfile.parse({
      customerId: 'cus-1',
      consent: { personalization: true, location: true },
      favouriteCategories: [],
      recentPurchases: [{ itemId: 'cream', at: 100, channel: 'online' }],
      onlineCart: [{ itemId: 'bag', quantity: 1, addedAt: 200 }],
      updatedAt: 0,
    });
    expect(historyOf(m.get('shp-a'), profile)).toEqual([
      { item: 'cream', weight: 1, age: 4 },
      { item: 'bag', weight: 0.5, age: 3 },
      { item: 'lip', weight: 0.3, age: 2 },
      { item: 'top', weight: 0.4, age: 1 },
      { item: 'lip', weight: 1, age: 0 },
    ]);
    expect(historyOf(m.get('shp-a'), profile, 2).map((e) => (typeof e === 'string' ? e : e.item))).toEqual([
      'top',
      'lip',
    ]);
    expect([...recentlyBought(m.get('shp-a'), profile, 1_000, 10_000)].sort()).toEqual(['cream', 'lip']);
    expect([...recentlyBought(m.get('shp-a'), profile, 1_000, 500)]).toEqual(['lip']); // cream is older
  });
});
