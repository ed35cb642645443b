import { CustomerProfile, type CustomerProfileInput, type ProfilePage } from '@aisle/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStore } from '../store/db';
import { ProfileCache } from './cache';
import { PROFILES_CURSOR, type ProfileSource, pullProfiles } from './pull';

function profile(customerId: string, over: Partial<CustomerProfileInput> = {}): CustomerProfile {
  return CustomerProfile.parse({
    customerId,
    consent: { personalization: true, location: false },
    favouriteCategories: [],
    appDevices: [`app-${customerId}`],
    updatedAt: 10,
    ...over,
  });
}

/**
 * The cloud's change feed in memory: every change (a profile, or a tombstone: a customer to drop) gets the next
 * sequence number, pages follow it.
 */
class MemorySource implements ProfileSource {
  private readonly changes: { seq: number; profile: CustomerProfile | string }[] = [];
  readonly asked: { storeId: string; cursor: number; limit: number }[] = [];
  /** Calls (1-based) that fail once, like a dropped connection. */
  failOn = new Set<number>();

  change(...profiles: CustomerProfile[]): this {
    for (const p of profiles) this.changes.push({ seq: this.changes.length + 1, profile: p });
    return this;
  }

  drop(...customerIds: string[]): this {
    for (const id of customerIds) this.changes.push({ seq: this.changes.length + 1, profile: id });
    return this;
  }

  async profilePage(storeId: string, cursor: number, limit: number): Promise<ProfilePage> {
    this.asked.push({ storeId, cursor, limit });
    if (this.failOn.delete(this.asked.length)) throw new Error('cloud unreachable');
    const after = this.changes.filter((c) => c.seq > cursor);
    const page = after.slice(0, limit);
    return {
      profiles: page.flatMap((c) => (typeof c.profile === 'string' ? [] : [c.profile])),
      deleted: page.flatMap((c) => (typeof c.profile === 'string' ? [c.profile] : [])),
      cursor: page.at(-1)?.seq ?? cursor,
      more: after.length > limit,
    };
  }
}

const stores: GatewayStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function newCache(): ProfileCache {
  const store = new GatewayStore(':memory:');
  stores.push(store);
  return new ProfileCache(store.db);
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `cust-${from + i}`);

describe('pullProfiles', () => {
  it('pages through every change, saving the cursor, and next time asks only for what is new', async () => {
    const cache = newCache();
    const source = new MemorySource().change(...ids(7).map((id) => profile(id)));
    expect(await pullProfiles({ source, cache, storeId: 'store-1', pageSize: 3 })).toEqual({
      profiles: 7,
      deleted: 0,
      pages: 3,
    });
    expect(source.asked).toEqual([
      { storeId: 'store-1', cursor: 0, limit: 3 },
      { storeId: 'store-1', cursor: 3, limit: 3 },
      { storeId: 'store-1', cursor: 6, limit: 3 },
    ]);
    expect(cache.size).toBe(7);
    expect(cache.cursor(PROFILES_CURSOR)).toBe(7);

    expect(await pullProfiles({ source, cache, storeId: 'store-1', pageSize: 3 })).toEqual({
      profiles: 0,
      deleted: 0,
      pages: 1,
    });
    source.change(profile('cust-2', { segment: 'vip', updatedAt: 11 }));
    expect(await pullProfiles({ source, cache, storeId: 'store-1' })).toEqual({ profiles: 1, deleted: 0, pages: 1 });
    expect(source.asked.at(-1)).toEqual({ storeId: 'store-1', cursor: 7, limit: 500 });
    expect(cache.get('cust-2')?.segment).toBe('vip');
  });

  it('resumes after a failed page without losing or repeating the pages already applied', async () => {
    const cache = newCache();
    const source = new MemorySource().change(...ids(10).map((id) => profile(id)));
    source.failOn.add(3);
    const told: string[] = [];
    const onProfile = (p: CustomerProfile) => told.push(p.customerId);

    await expect(pullProfiles({ source, cache, storeId: 's', pageSize: 4, onProfile })).rejects.toThrow(
      'cloud unreachable',
    );
    expect(cache.size).toBe(8);
    expect(cache.cursor(PROFILES_CURSOR)).toBe(8);

    expect(await pullProfiles({ source, cache, storeId: 's', pageSize: 4, onProfile })).toEqual({
      profiles: 2,
      deleted: 0,
      pages: 1,
    });
    expect(source.asked.map((a) => a.cursor)).toEqual([0, 4, 8, 8]);
    expect(told).toEqual(ids(10));
    expect(cache.size).toBe(10);
  });

  it('tells onProfile each applied profile with the one it replaced, and skips stale ones', async () => {
    const cache = newCache();
    cache.upsert([profile('cust-a', { updatedAt: 20 }), profile('cust-b', { updatedAt: 20 })]);
    const source = new MemorySource().change(
      profile('cust-a', { onlineCart: [{ itemId: 'sku-9', quantity: 2, addedAt: 21 }], updatedAt: 21 }),
      profile('cust-b', { segment: 'old', updatedAt: 19 }),
      profile('cust-c'),
    );
    const told: [string, number, number | undefined][] = [];
    const result = await pullProfiles({
      source,
      cache,
      storeId: 's',
      onProfile: (p, previous) => told.push([p.customerId, p.onlineCart.length, previous?.onlineCart.length]),
    });
    expect(result).toEqual({ profiles: 2, deleted: 0, pages: 1 });
    expect(told).toEqual([
      ['cust-a', 1, 0],
      ['cust-c', 0, undefined],
    ]);
    expect(cache.get('cust-b')?.segment).toBeUndefined();
    expect(cache.cursor(PROFILES_CURSOR)).toBe(3);
  });

  it('when onProfile throws, still tells the rest of the page, keeps the page, then throws', async () => {
    const cache = newCache();
    const source = new MemorySource().change(...ids(4).map((id) => profile(id)));
    const told: string[] = [];
    const onProfile = (p: CustomerProfile) => {
      told.push(p.customerId);
      if (p.customerId === 'cust-0') throw new Error('reaction failed');
    };
    await expect(pullProfiles({ source, cache, storeId: 's', pageSize: 2, onProfile })).rejects.toThrow(
      'reaction failed',
    );
    expect(told).toEqual(['cust-0', 'cust-1']);
    expect(cache.cursor(PROFILES_CURSOR)).toBe(2);
    await pullProfiles({ source, cache, storeId: 's', pageSize: 2, onProfile });
    expect(told).toEqual(ids(4));
  });

  it('drops the customers a page names with its profiles and cursor: rows, indexes, pins and memory', async () => {
    const cache = newCache();
    const source = new MemorySource().change(
      profile('cust-a', { loyaltyId: 'LOY-0001' }),
      profile('cust-b'),
      profile('cust-c'),
    );
    await pullProfiles({ source, cache, storeId: 's' });
    cache.pin('cust-a');
    expect(cache.get('cust-a')).toBeDefined();
    source
      .drop('cust-a', 'cust-gone')
      .change(profile('cust-b', { segment: 'vip', updatedAt: 11 }))
      .drop('cust-c');
    expect(await pullProfiles({ source, cache, storeId: 's', pageSize: 2 })).toEqual({
      profiles: 1,
      deleted: 3,
      pages: 2,
    });
    expect(cache.size).toBe(1);
    expect(cache.peek('cust-a')).toBeUndefined();
    expect(cache.byDevice('app-cust-a')).toBeUndefined();
    expect(cache.findBy('loyalty', 'LOY-0001')).toBeUndefined();
    expect(cache.isPinned('cust-a')).toBe(false);
    expect(cache.get('cust-b')?.segment).toBe('vip');
    expect(cache.get('cust-c')).toBeUndefined();
    expect(cache.cursor(PROFILES_CURSOR)).toBe(7);
    // a customer dropped and then back in scope (an undone merge) is cached again
    source.change(profile('cust-a'));
    await pullProfiles({ source, cache, storeId: 's' });
    expect(cache.get('cust-a')?.customerId).toBe('cust-a');
  });

  it('applies a page of drops, profiles and cursor together or not at all', async () => {
    const cache = newCache();
    const source = new MemorySource().change(profile('cust-a'), profile('cust-b'));
    await pullProfiles({ source, cache, storeId: 's' });
    const broken: ProfileSource = {
      // a profile whose row cannot be written (the customer id is not a string) fails the page after the drop
      profilePage: async () => ({
        profiles: [{ ...profile('cust-x'), customerId: null as unknown as string }],
        deleted: ['cust-a'],
        cursor: 9,
        more: false,
      }),
    };
    await expect(pullProfiles({ source: broken, cache, storeId: 's' })).rejects.toThrow();
    expect(cache.size).toBe(2);
    expect(cache.get('cust-a')?.customerId).toBe('cust-a');
    expect(cache.cursor(PROFILES_CURSOR)).toBe(2);
  });

  it('stops instead of looping when the cloud says there is more but does not move on', async () => {
    const cache = newCache();
    const source: ProfileSource = {
      profilePage: async (_s, cursor) => ({ profiles: [], deleted: [], cursor, more: true }),
    };
    await expect(pullProfiles({ source, cache, storeId: 's' })).rejects.toThrow('sent nothing new');
  });
});
