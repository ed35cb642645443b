import type { CustomerProfileInput } from '@aisle/contracts';
import { CustomerProfile } from '@aisle/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { ProfileCache } from '../profiles/cache';
import { GatewayStore } from '../store/db';
import { LocationConsent } from './location-consent';

const NOW = Date.UTC(2026, 10, 30, 9);
const stores: GatewayStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

function setup(opts: { maxProfiles?: number } = {}) {
  const store = new GatewayStore(':memory:');
  stores.push(store);
  const profiles = new ProfileCache(store.db, { now: () => NOW, ...opts });
  const consent = new LocationConsent(store.db);
  return { store, profiles, consent };
}

function profile(customerId: string, location: boolean, appDevices: string[], updatedAt = NOW): CustomerProfile {
  const input: CustomerProfileInput = {
    customerId,
    consent: { personalization: true, location },
    favouriteCategories: [],
    appDevices,
    updatedAt,
  };
  return CustomerProfile.parse(input);
}

describe('location consent', () => {
  it('allows only devices linked to a cached profile that consented to location tracking', () => {
    const { profiles, consent } = setup();
    profiles.upsert([profile('cust-yes', true, ['app-yes-1']), profile('cust-no', false, ['app-no-1'])]);
    expect(consent.allows('app-yes-1')).toBe(true);
    expect(consent.allows('app-no-1')).toBe(false);
    expect(consent.allows('shp-anonymous')).toBe(false); // unknown: defaults deny
  });

  it('answers from memory until profiles change, whatever changes them', () => {
    const { profiles, consent } = setup({ maxProfiles: 2 });
    expect(consent.allows('app-a-1')).toBe(false);
    const before = consent.invalidations;

    // a kiosk lookup or pulled profile that grants consent
    profiles.upsert([profile('cust-a', true, ['app-a-1'])]);
    expect(consent.invalidations).toBeGreaterThan(before);
    expect(consent.allows('app-a-1')).toBe(true);

    // consent withdrawn in the cloud: the next pull replaces the profile
    profiles.upsert([profile('cust-a', false, ['app-a-1'], NOW + 1)]);
    expect(consent.allows('app-a-1')).toBe(false);

    profiles.upsert([profile('cust-a', true, ['app-a-1'], NOW + 2)]);
    expect(consent.allows('app-a-1')).toBe(true);

    // a tombstone in a pulled page (erased customer)
    profiles.applyPage('profiles', { cursor: 1, profiles: [], deleted: ['cust-a'] });
    expect(consent.allows('app-a-1')).toBe(false);

    // the device moves to another customer's profile
    profiles.upsert([profile('cust-b', true, ['app-b-1', 'app-a-1'])]);
    expect(consent.allows('app-a-1')).toBe(true);
    profiles.upsert([profile('cust-c', false, ['app-a-1'])]);
    expect(consent.allows('app-a-1')).toBe(false);

    // eviction (cust-b is least recently used once two newer profiles arrive)
    expect(consent.allows('app-b-1')).toBe(true);
    profiles.upsert([profile('cust-d', true, ['app-d-1'])]);
    expect(profiles.peek('cust-b')).toBeUndefined();
    expect(consent.allows('app-b-1')).toBe(false);

    // removed directly
    expect(consent.allows('app-d-1')).toBe(true);
    profiles.remove('cust-d');
    expect(consent.allows('app-d-1')).toBe(false);
  });

  it('does not query SQLite again for a device it already answered', () => {
    const { store, profiles, consent } = setup();
    profiles.upsert([profile('cust-a', true, ['app-a-1'])]);
    expect(consent.allows('app-a-1')).toBe(true);
    // change the row behind the cache's back, without a trigger: a remembered answer does not see it
    store.db.exec("DROP TRIGGER temp.aisle_consent_profiles_update; UPDATE profiles SET profile = '{}'");
    expect(consent.allows('app-a-1')).toBe(true);
    consent.forgetAll();
    expect(consent.allows('app-a-1')).toBe(false);
  });

  it('keeps its answers when only a profile’s use time changes', () => {
    const { profiles, consent } = setup();
    profiles.upsert([profile('cust-a', true, ['app-a-1'])]);
    consent.allows('app-a-1');
    const before = consent.invalidations;
    profiles.get('cust-a');
    profiles.flushUsage(); // writes last_used
    expect(consent.invalidations).toBe(before);
  });

  it('does not mark profiles used', () => {
    const { store, profiles, consent } = setup();
    profiles.upsert([profile('cust-a', true, ['app-a-1'])]);
    const lastUsed = () =>
      store.db.prepare("SELECT last_used FROM profiles WHERE customer_id = 'cust-a'").pluck().get();
    const before = lastUsed();
    consent.allows('app-a-1');
    profiles.flushUsage();
    expect(lastUsed()).toBe(before);
    expect(profiles.memorySize).toBe(0);
  });
});
