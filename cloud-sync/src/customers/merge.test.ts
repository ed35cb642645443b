import { CustomerProfile, type CustomerProfileInput } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { mergeProfiles, unmergeSurvivor } from './merge';

const p = (customerId: string, over: Partial<CustomerProfileInput> = {}) =>
  CustomerProfile.parse({
    customerId,
    consent: { personalization: true, location: true },
    favouriteCategories: [],
    updatedAt: 100,
    ...over,
  });

describe('mergeProfiles', () => {
  it("keeps the survivor's single values where it has them and takes the other's where it has none", () => {
    const merged = mergeProfiles(
      p('a', { firstName: 'Ann', loyaltyId: 'LOY-A' }),
      p('b', { firstName: 'Bee', loyaltyId: 'LOY-B', phoneHash: 'c'.repeat(64), segment: 'vip', homeStoreId: 's-2' }),
      150,
    );
    expect(merged).toMatchObject({
      customerId: 'a',
      firstName: 'Ann',
      loyaltyId: 'LOY-A',
      phoneHash: 'c'.repeat(64),
      segment: 'vip',
      homeStoreId: 's-2',
      updatedAt: 150,
    });
  });

  it('makes consent the more restrictive of the two, and unites categories and devices within their bounds', () => {
    const merged = mergeProfiles(
      p('a', {
        consent: { personalization: true, location: false },
        favouriteCategories: ['beauty'],
        excludedCategories: ['boots'],
        appDevices: Array.from({ length: 8 }, (_, i) => `shp-a${i}`),
      }),
      p('b', {
        consent: { personalization: false, location: true },
        favouriteCategories: ['beauty', 'shoes'],
        excludedCategories: ['hats'],
        appDevices: ['shp-a0', 'shp-b0', 'shp-b1', 'shp-b2'],
      }),
      0,
    );
    expect(merged.consent).toEqual({ personalization: false, location: false });
    expect(merged.favouriteCategories).toEqual(['beauty', 'shoes']);
    expect(merged.excludedCategories).toEqual(['boots', 'hats']);
    expect(merged.appDevices).toEqual([...Array.from({ length: 8 }, (_, i) => `shp-a${i}`), 'shp-b0', 'shp-b1']);
  });

  it('merges purchases by time (newest 200), cart lines by item (newest wins) and tastes by the stronger', () => {
    const buy = (itemId: string, at: number) => ({ itemId, at, channel: 'store' as const });
    const merged = mergeProfiles(
      p('a', {
        recentPurchases: Array.from({ length: 150 }, (_, i) => buy('sku-a', i * 2)),
        onlineCart: [
          { itemId: 'sku-1', quantity: 1, addedAt: 10 },
          { itemId: 'sku-2', quantity: 5, addedAt: 30 },
        ],
        tastes: { beauty: 0.2, shoes: 0.9 },
      }),
      p('b', {
        recentPurchases: [...Array.from({ length: 100 }, (_, i) => buy('sku-b', i * 2 + 1)), buy('sku-a', 298)],
        onlineCart: [
          { itemId: 'sku-1', quantity: 3, addedAt: 20 },
          { itemId: 'sku-2', quantity: 1, addedAt: 25 },
          { itemId: 'sku-3', quantity: 1, addedAt: 5 },
        ],
        tastes: { beauty: 0.7, hats: 0.1 },
      }),
      0,
    );
    expect(merged.recentPurchases).toHaveLength(200);
    const times = merged.recentPurchases.map((x) => x.at);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // 250 distinct (the purchase at 298 is in both records, kept once): the oldest 50 go
    expect(times.filter((t) => t === 298)).toHaveLength(1);
    expect([times[0], times.at(-1)]).toEqual([50, 298]);
    expect(merged.onlineCart).toEqual([
      { itemId: 'sku-3', quantity: 1, addedAt: 5 },
      { itemId: 'sku-1', quantity: 3, addedAt: 20 },
      { itemId: 'sku-2', quantity: 5, addedAt: 30 },
    ]);
    expect(merged.tastes).toEqual({ beauty: 0.7, shoes: 0.9, hats: 0.1 });
  });
});

describe('unmergeSurvivor', () => {
  it('puts back what the merge changed, keeps what was edited since, and dates the result at the undo', () => {
    const before = p('a', { firstName: 'Ann', segment: 'new', tastes: { beauty: 0.2 } });
    const other = p('b', { phoneHash: 'd'.repeat(64), segment: 'vip', tastes: { beauty: 0.9 } });
    const after = mergeProfiles(before, other, 200);
    const edited = { ...after, segment: 'loyal', updatedAt: 300 };
    const restored = unmergeSurvivor(before, after, edited, 400);
    expect(restored).toEqual({ ...before, segment: 'loyal', updatedAt: 400 });
    expect(restored.phoneHash).toBeUndefined();
    expect(unmergeSurvivor(before, after, after, 400)).toEqual({ ...before, updatedAt: 400 });
  });
});
