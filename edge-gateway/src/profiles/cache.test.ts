import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerProfile, type CustomerProfileInput, phoneDigits } from '@aisle/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GatewayStore } from '../store/db';
import { ProfileCache, type ProfileCacheOptions } from './cache';

function profile(customerId: string, over: Partial<CustomerProfileInput> = {}): CustomerProfile {
  return CustomerProfile.parse({
    customerId,
    segment: 'regular',
    consent: { personalization: true, location: true },
    favouriteCategories: ['snacks'],
    tastes: { snacks: 0.8, dairy: 0.2 },
    recentPurchases: [{ itemId: 'sku-1', at: 1_000, channel: 'online' }],
    onlineCart: [{ itemId: 'sku-2', quantity: 1, addedAt: 2_000 }],
    appDevices: [`app-${customerId}`],
    updatedAt: 10,
    ...over,
  });
}

const stores: GatewayStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function open(path = ':memory:'): GatewayStore {
  const store = new GatewayStore(path);
  stores.push(store);
  return store;
}

/** A cache on a fresh database with a clock the test moves. */
function setup(opts: ProfileCacheOptions = {}) {
  const store = open();
  const clock = { t: 1_000 };
  const cache = new ProfileCache(store.db, { now: () => clock.t, ...opts });
  const devices = () =>
    store.db.prepare('SELECT device_id, customer_id FROM profile_devices ORDER BY device_id').all() as {
      device_id: string;
      customer_id: string;
    }[];
  return { store, db: store.db, cache, clock, devices };
}

describe('ProfileCache', () => {
  it('stores profiles and finds them by customer id and by app device', () => {
    const { cache } = setup();
    const a = profile('cust-a', { appDevices: ['app-1', 'app-2'] });
    const b = profile('cust-b');
    expect(cache.upsert([a, b])).toBe(2);
    expect(cache.size).toBe(2);
    expect(cache.get('cust-a')).toEqual(a);
    expect(cache.byDevice('app-2')).toEqual(a);
    expect(cache.byDevice('app-cust-b')).toEqual(b);
    expect(cache.get('cust-z')).toBeUndefined();
    expect(cache.byDevice('app-z')).toBeUndefined();
  });

  it('ignores a profile older than the cached one and takes a newer or equal one', () => {
    const { cache } = setup();
    cache.upsert([profile('cust-a', { segment: 'v2', updatedAt: 20 })]);
    expect(cache.upsert([profile('cust-a', { segment: 'v1', updatedAt: 19 })])).toBe(0);
    expect(cache.get('cust-a')?.segment).toBe('v2');
    expect(cache.upsert([profile('cust-a', { segment: 'v3', updatedAt: 21 })])).toBe(1);
    expect(cache.get('cust-a')?.segment).toBe('v3');
    expect(cache.size).toBe(1);
  });

  it('reports each stored profile with the one it replaced, after the commit', () => {
    const { cache } = setup();
    cache.upsert([profile('cust-a', { updatedAt: 1 })]);
    const seen: [string, number, number | undefined][] = [];
    cache.upsert(
      [profile('cust-a', { updatedAt: 2 }), profile('cust-b'), profile('cust-a', { updatedAt: 0 })],
      (p, prev) => seen.push([p.customerId, p.updatedAt, prev?.updatedAt]),
    );
    expect(seen).toEqual([
      ['cust-a', 2, 1],
      ['cust-b', 10, undefined],
    ]);
  });

  it('keeps at most maxProfiles rows, evicting the least recently used first', () => {
    const { cache, clock, devices } = setup({ maxProfiles: 3 });
    for (const id of ['cust-a', 'cust-b', 'cust-c']) {
      clock.t++;
      cache.upsert([profile(id)]);
    }
    clock.t++;
    expect(cache.get('cust-a')).toBeDefined(); // a is now the most recently used
    clock.t++;
    cache.upsert([profile('cust-d')]);
    expect(cache.size).toBe(3);
    expect(cache.get('cust-b')).toBeUndefined();
    clock.t++;
    cache.upsert([profile('cust-e')]);
    expect(cache.size).toBe(3);
    expect(cache.peek('cust-c')).toBeUndefined();
    expect(['cust-a', 'cust-d', 'cust-e'].map((id) => cache.get(id)?.customerId)).toEqual([
      'cust-a',
      'cust-d',
      'cust-e',
    ]);
    expect(devices().map((d) => d.customer_id)).toEqual(['cust-a', 'cust-d', 'cust-e']);
  });

  it('never evicts a pinned profile, even past the bound', () => {
    const { cache, clock } = setup({ maxProfiles: 2 });
    clock.t++;
    cache.upsert([profile('cust-a')]);
    clock.t++;
    cache.upsert([profile('cust-b')]);
    cache.pin('cust-a');
    clock.t++;
    cache.upsert([profile('cust-c')]);
    expect(cache.peek('cust-a')).toBeDefined();
    expect(cache.peek('cust-b')).toBeUndefined();

    cache.pin('cust-c');
    clock.t++;
    cache.upsert([profile('cust-d')]);
    expect(cache.peek('cust-d')).toBeUndefined(); // the only unpinned one
    cache.pin('cust-e');
    cache.upsert([profile('cust-e')]);
    expect(cache.size).toBe(3); // everyone is in the store: the bound gives way
    expect(cache.isPinned('cust-e')).toBe(true);

    cache.unpin('cust-a');
    cache.upsert([profile('cust-f')]);
    expect(cache.size).toBe(2);
    expect(cache.peek('cust-a')).toBeUndefined();
    expect(cache.peek('cust-c')).toBeDefined();
    expect(cache.peek('cust-e')).toBeDefined();
  });

  it('keeps the device index in step with replace, a device moving, evict and remove', () => {
    const { cache, clock, devices } = setup({ maxProfiles: 2 });
    cache.upsert([profile('cust-a', { appDevices: ['app-1', 'app-2'], updatedAt: 1 })]);
    cache.upsert([profile('cust-a', { appDevices: ['app-2', 'app-3'], updatedAt: 2 })]);
    expect(cache.byDevice('app-1')).toBeUndefined();
    expect(cache.byDevice('app-3')?.customerId).toBe('cust-a');

    // the phone now belongs to another customer
    cache.upsert([profile('cust-b', { appDevices: ['app-2'] })]);
    clock.t++;
    expect(cache.byDevice('app-2')?.customerId).toBe('cust-b');
    expect(devices()).toEqual([
      { device_id: 'app-2', customer_id: 'cust-b' },
      { device_id: 'app-3', customer_id: 'cust-a' },
    ]);

    cache.upsert([profile('cust-c', { appDevices: [] })]); // evicts cust-a, used least recently
    expect(cache.byDevice('app-3')).toBeUndefined();
    expect(devices()).toEqual([{ device_id: 'app-2', customer_id: 'cust-b' }]);

    expect(cache.remove('cust-b')).toBe(true);
    expect(cache.remove('cust-b')).toBe(false);
    expect(cache.byDevice('app-2')).toBeUndefined();
    expect(devices()).toEqual([]);
    expect(cache.size).toBe(1);
  });

  it('finds a profile by loyalty id or phone hash, in step with replace, an identity moving, evict and remove', () => {
    const { db, cache, clock } = setup({ maxProfiles: 2 });
    const phone = (n: string) => createHash('sha256').update(phoneDigits(n)).digest('hex');
    const identities = () =>
      db.prepare('SELECT kind, value, customer_id FROM profile_identities ORDER BY kind, value').all() as {
        kind: string;
        value: string;
        customer_id: string;
      }[];
    cache.upsert([profile('cust-a', { loyaltyId: 'AISLE-0001', phoneHash: phone('+82 10-0000-0001'), updatedAt: 1 })]);
    expect(cache.findBy('loyalty', 'AISLE-0001')?.customerId).toBe('cust-a');
    expect(cache.findBy('phone', phone('821000000001'))?.customerId).toBe('cust-a');
    expect(cache.findBy('loyalty', 'AISLE-9999')).toBeUndefined();
    expect(cache.findBy('phone', 'AISLE-0001')).toBeUndefined(); // kinds do not mix

    // a new card number replaces the old one; the phone is gone from the profile
    cache.upsert([profile('cust-a', { loyaltyId: 'AISLE-0002', updatedAt: 2 })]);
    expect(cache.findBy('loyalty', 'AISLE-0001')).toBeUndefined();
    expect(cache.findBy('phone', phone('+82 10-0000-0001'))).toBeUndefined();
    expect(cache.findBy('loyalty', 'AISLE-0002')?.customerId).toBe('cust-a');

    // the card now belongs to another customer
    cache.upsert([profile('cust-b', { loyaltyId: 'AISLE-0002' })]);
    clock.t++;
    expect(cache.findBy('loyalty', 'AISLE-0002')?.customerId).toBe('cust-b');
    expect(identities()).toEqual([{ kind: 'loyalty', value: 'AISLE-0002', customer_id: 'cust-b' }]);

    cache.upsert([profile('cust-c', { phoneHash: phone('010-1234-5678') })]);
    cache.upsert([profile('cust-d')]); // evicts cust-b, used least recently
    expect(cache.findBy('loyalty', 'AISLE-0002')).toBeUndefined();
    expect(identities()).toEqual([{ kind: 'phone', value: phone('01012345678'), customer_id: 'cust-c' }]);
    expect(cache.remove('cust-c')).toBe(true);
    expect(identities()).toEqual([]);
  });

  it('treats a corrupt row as missing, logs it once and never throws', () => {
    const { db, cache } = setup();
    cache.upsert([profile('cust-a'), profile('cust-b'), profile('cust-c')]);
    const corrupt = db.prepare('UPDATE profiles SET profile = ? WHERE customer_id = ?');
    corrupt.run('{not json', 'cust-a');
    corrupt.run(JSON.stringify({ ...profile('cust-b'), consent: 'yes' }), 'cust-b');
    corrupt.run(JSON.stringify(profile('cust-x')), 'cust-c');

    const warn = vi.fn();
    const fresh = new ProfileCache(db, { logger: { warn } });
    for (let i = 0; i < 2; i++) {
      expect(fresh.get('cust-a')).toBeUndefined();
      expect(fresh.byDevice('app-cust-b')).toBeUndefined();
      expect(fresh.get('cust-c')).toBeUndefined();
    }
    expect(warn).toHaveBeenCalledTimes(3);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('cust-');

    fresh.upsert([profile('cust-a', { updatedAt: 11 })]);
    expect(fresh.get('cust-a')?.updatedAt).toBe(11);
  });

  it('holds at most memoryProfiles parsed profiles, dropping the least recently used', () => {
    const { db, cache } = setup({ memoryProfiles: 3 });
    const ids = Array.from({ length: 10 }, (_, i) => `cust-${i}`);
    cache.upsert(ids.map((id) => profile(id)));
    expect(cache.memorySize).toBe(0); // storing does not load the memory side
    for (const id of ['cust-0', 'cust-1', 'cust-2', 'cust-0', 'cust-3']) cache.get(id);
    expect(cache.memorySize).toBe(3);

    // behind the cache's back: only what is still in memory survives
    db.prepare("UPDATE profiles SET profile = '{}'").run();
    expect(cache.get('cust-0')).toBeDefined();
    expect(cache.get('cust-3')).toBeDefined();
    expect(cache.get('cust-2')).toBeDefined();
    expect(cache.get('cust-1')).toBeUndefined();
    for (const id of ids) cache.get(id);
    expect(cache.memorySize).toBe(3);
  });

  it('loads a pinned profile into memory and keeps it there fresh across upserts', () => {
    const { db, cache } = setup({ memoryProfiles: 2 });
    cache.upsert([profile('cust-a', { updatedAt: 1 })]);
    cache.pin('cust-a');
    cache.pin('cust-later');
    expect(cache.memorySize).toBe(1);
    cache.upsert([profile('cust-a', { updatedAt: 2 }), profile('cust-later'), profile('cust-other')]);
    expect(cache.memorySize).toBe(2);
    db.prepare("UPDATE profiles SET profile = '{}'").run();
    expect(cache.get('cust-a')?.updatedAt).toBe(2);
    expect(cache.byDevice('app-cust-later')?.customerId).toBe('cust-later');
    expect(cache.get('cust-other')).toBeUndefined();
  });

  it('keeps lookups out of SQLite until a batch of use times is flushed', () => {
    const { db, cache, clock } = setup({ usageFlushEvery: 3 });
    cache.upsert([profile('cust-a'), profile('cust-b'), profile('cust-c')]);
    const lastUsed = (id: string) =>
      db.prepare('SELECT last_used FROM profiles WHERE customer_id = ?').pluck().get(id) as number;
    clock.t = 5_000;
    cache.get('cust-a');
    cache.byDevice('app-cust-b');
    expect([lastUsed('cust-a'), lastUsed('cust-b')]).toEqual([1_000, 1_000]);
    cache.flushUsage();
    expect([lastUsed('cust-a'), lastUsed('cust-b')]).toEqual([5_000, 5_000]);

    clock.t = 6_000;
    cache.get('cust-a');
    cache.get('cust-b');
    expect(lastUsed('cust-a')).toBe(5_000);
    cache.get('cust-c'); // the third remembered use writes the batch
    expect([lastUsed('cust-a'), lastUsed('cust-b'), lastUsed('cust-c')]).toEqual([6_000, 6_000, 6_000]);
  });

  it('keeps profiles and sync cursors in a file across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'profile-cache-'));
    try {
      const path = join(dir, 'gateway.db');
      const first = open(path);
      const cache = new ProfileCache(first.db);
      expect(cache.cursor('profiles')).toBe(0);
      cache.setCursor('profiles', 41);
      cache.setCursor('profiles', 42);
      cache.upsert([profile('cust-a'), profile('cust-b')]);
      first.close();

      const again = new ProfileCache(open(path).db);
      expect(again.cursor('profiles')).toBe(42);
      expect(again.cursor('other')).toBe(0);
      expect(again.size).toBe(2);
      expect(again.byDevice('app-cust-b')?.customerId).toBe('cust-b');
    } finally {
      for (const s of stores.splice(0)) s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds 100k profiles and still answers lookups by id and device', () => {
    const { cache } = setup({ maxProfiles: 100_000 });
    const n = 100_000;
    const base = profile('cust-0');
    const batch: CustomerProfile[] = [];
    for (let i = 0; i < n; i++)
      batch.push({ ...base, customerId: `cust-${i}`, appDevices: [`app-${i}`], updatedAt: i });
    expect(CustomerProfile.parse(batch.at(-1))).toEqual(batch.at(-1));
    for (let i = 0; i < n; i += 10_000) cache.upsert(batch.slice(i, i + 10_000));
    expect(cache.size).toBe(n);
    cache.upsert([profile('cust-extra')]);
    expect(cache.size).toBe(n);
    expect(cache.peek('cust-0')).toBeUndefined(); // oldest, never used
    for (let i = 1; i < n; i += 997) {
      expect(cache.get(`cust-${i}`)?.updatedAt).toBe(i);
      expect(cache.byDevice(`app-${i}`)?.customerId).toBe(`cust-${i}`);
    }
  });
});
