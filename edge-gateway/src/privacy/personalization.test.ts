/**
 * Issue #8, point 2: personalization off ⇒ the screens get a non-personal ranking and no profile is loaded for it.
 * "Loaded" as the profile cache means it: `get` (which marks the profile used and keeps it in memory) is never
 * called; the decision only peeks at the consent.
 */
import type { RecommendationsPush } from '@aisle/contracts';
import type { Recommender } from '@aisle/recsys/serve';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadTestModel } from '../decide/testing';
import { screenStore } from '../screens/testing';

let recommender: Recommender;
beforeAll(async () => {
  recommender = await loadTestModel('bundles');
});
afterAll(async () => {
  await recommender.close();
});

/** A store with `customerId`'s phone in front of the beauty kiosk, identified. */
function customerAtKiosk(customerId: string, deviceId: string) {
  const s = screenStore(recommender);
  s.presence.observe({ deviceId, scannerId: 'scanner-beauty', rssi: -50, ts: s.clock.t }, s.clock.t);
  const session = s.shopperIn(deviceId, 'beauty', customerId);
  s.profiles.flushUsage();
  const lastUsed = () =>
    s.store.db
      .prepare<[string], number>('SELECT last_used FROM profiles WHERE customer_id = ?')
      .pluck()
      .get(customerId);
  const usedAt = lastUsed();
  s.clock.t += 60_000; // a use now would show as a later last_used
  const get = vi.spyOn(s.profiles, 'get');
  /** The zone's next cards, and whether the profile was loaded for them. */
  async function decide() {
    s.take();
    get.mockClear();
    await s.feed.refreshZone('beauty');
    s.profiles.flushUsage();
    const push = s.take('recommendations').at(-1)?.payload as RecommendationsPush | undefined;
    return { push, loaded: get.mock.calls.length > 0, marked: lastUsed() !== usedAt };
  }
  return { s, session, decide };
}

describe('personalization off', () => {
  it('for a customer who did not consent: a non-personal ranking, and their profile is not loaded', async () => {
    const { decide, s } = customerAtKiosk('cus-2', 'shp-app00002');
    const memoryBefore = s.profiles.memorySize;
    const { push, loaded, marked } = await decide();
    expect(push?.shopper).not.toBeNull();
    expect(push?.personalized).toBe(false);
    expect(loaded).toBe(false);
    expect(marked).toBe(false);
    expect(s.profiles.memorySize).toBe(memoryBefore);
  });

  it('for a consented customer who switched it off: the same, and back on it is loaded again', async () => {
    const { decide, session } = customerAtKiosk('cus-1', 'shp-app00001');
    const on = await decide();
    expect(on.push?.personalized).toBe(true);
    expect(on.loaded).toBe(true);
    expect(on.marked).toBe(true);

    session.personalization = false;
    const off = await decide();
    expect(off.push?.personalized).toBe(false);
    expect(off.loaded).toBe(false);
    // the cards do not use what the profile says: no online-cart or taste reasons
    expect(off.push?.items.map((i) => i.reason.code)).not.toContain('in_your_online_cart');
    expect(off.push?.items.map((i) => i.reason.code)).not.toContain('matches_your_taste');
  });
});
