import type { Recommender } from '@aisle/recsys/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARMS, type DecisionRequest } from './decide';
import { intraListSimilarity, productSimilarity } from './rerank';
import { byId, DAY, loadTestModel, NOW, profile, shopper, stockAll, testDecider } from './testing';

let recommender: Recommender;
beforeAll(async () => {
  recommender = await loadTestModel();
});
afterAll(() => recommender?.close());
const decider = (opts: Parameters<typeof testDecider>[1] = {}) => testDecider(recommender, opts);

const ask = (d: ReturnType<typeof decider>, req: Partial<DecisionRequest>) =>
  d({ zoneId: 'beauty', trigger: 'zone', now: NOW, ...req });

describe('decision pipeline filters', () => {
  it('never shows an item out of stock here, and shows it when the stock comes back', async () => {
    const open = await ask(decider(), {});
    const top = open.push.items[0]!.itemId;
    const without = await ask(decider({ assortment: stockAll({ [top]: 0 }) }), {});
    expect(without.push.items.map((i) => i.itemId)).not.toContain(top);
    expect(without.push.items).toHaveLength(4);
    // not stocked at all counts as out of stock too
    const unstocked = stockAll();
    unstocked.stock = unstocked.stock.filter((s) => s.itemId !== top);
    expect((await ask(decider({ assortment: unstocked }), {})).push.items.map((i) => i.itemId)).not.toContain(top);
  });

  it('never shows what the shopper bought within the window, online or in a store', async () => {
    const anonymous = await ask(decider(), { shopper: shopper('beauty') });
    const bought = anonymous.push.items.slice(0, 2).map((i) => i.itemId);
    const recent = profile({
      recentPurchases: [
        { itemId: bought[0]!, at: NOW - 2 * DAY, channel: 'online' },
        { itemId: bought[1]!, at: NOW - 5 * DAY, channel: 'store' },
      ],
    });
    const after = await ask(decider(), { shopper: shopper('beauty', [], recent) });
    for (const id of bought) expect(after.push.items.map((i) => i.itemId)).not.toContain(id);
    expect(after.push.items).toHaveLength(4);
  });

  it('drops the categories a customer excluded', async () => {
    const prof = profile({ excludedCategories: ['lipstick'] });
    const out = await ask(decider(), { shopper: shopper('beauty', [], prof) });
    expect(out.push.items.length).toBeGreaterThan(0);
    expect(out.push.items.every((i) => i.category !== 'lipstick')).toBe(true);
  });

  it('with personalization off ranks as for nobody in particular: no history, no profile, no personal reasons', async () => {
    const prof = profile({ tastes: { tops: 1 }, recentPurchases: [{ itemId: 't5', at: NOW - DAY, channel: 'store' }] });
    const on = await ask(decider(), { zoneId: 'apparel', shopper: shopper('apparel', ['t1-m', 'p2'], prof) });
    const offProfile = { ...prof, consent: { personalization: false, location: true } };
    const off = await ask(decider(), { zoneId: 'apparel', shopper: shopper('apparel', ['t1-m', 'p2'], offProfile) });
    const nobody = await ask(decider(), { zoneId: 'apparel' });
    expect(on.push.personalized).toBe(true);
    expect(off.push.personalized).toBe(false);
    expect(off.record.personalized).toBe(false);
    // the same cards as for an empty zone, for the same random draws
    expect(off.push.items.map((i) => i.itemId)).toEqual(nobody.push.items.map((i) => i.itemId));
    expect(on.push.items.map((i) => i.itemId)).not.toEqual(off.push.items.map((i) => i.itemId));
    const personal = ['because_you_touched', 'because_you_bought', 'matches_your_taste', 'in_your_online_cart'];
    expect(on.push.items.some((i) => personal.includes(i.reason.code))).toBe(true);
    expect(off.push.items.some((i) => personal.includes(i.reason.code))).toBe(false);
    // a shopper who switched it off on a screen is treated the same way
    const switched = shopper('apparel', ['t1-m', 'p2'], prof);
    switched.session.personalization = false;
    const screenOff = await ask(decider(), { zoneId: 'apparel', shopper: switched });
    expect(screenOff.push.items.map((i) => i.itemId)).toEqual(nobody.push.items.map((i) => i.itemId));
  });
});

describe('decision pipeline ranking', () => {
  it('diversity lowers intra-list similarity for a little predicted score', async () => {
    const sim = (a: string, b: string) => productSimilarity(byId.get(a)!, byId.get(b)!);
    const plain = await ask(decider({ diversity: 1 }), {});
    const diverse = await ask(decider({ diversity: 0.5 }), {});
    const ids = (d: typeof plain) => d.push.items.map((i) => i.itemId);
    expect(intraListSimilarity(ids(diverse), sim)).toBeLessThan(intraListSimilarity(ids(plain), sim));
  });

  it('logs the propensity of every shown item, consistent with the arm chosen', async () => {
    const d = decider({ seed: 9 });
    for (let i = 0; i < 20; i++) {
      const { record, push } = await ask(d, { shopper: shopper('beauty') });
      expect(ARMS).toContain(record.arm);
      expect(record.propensity).toBeGreaterThan(0);
      expect(record.propensity).toBeLessThanOrEqual(1);
      expect(record.items.map((x) => x.itemId)).toEqual(push.items.map((x) => x.itemId));
      for (const item of record.items) {
        expect(item.propensity).toBeGreaterThanOrEqual(record.propensity - 1e-6); // shown under the chosen arm
        expect(item.propensity).toBeLessThanOrEqual(1 + 1e-6);
      }
      expect(record.context).toMatchObject({ zoneId: 'beauty', screen: 'none', trigger: 'zone' });
    }
  });

  it('brings items like the ones the shopper is looking at (a kiosk’s product pages), not those items again', async () => {
    const popularity = await loadTestModel('popularity');
    try {
      const decide = testDecider(popularity);
      const browsing = await decide({ zoneId: 'beauty', trigger: 'zone', shopper: shopper('beauty'), now: NOW });
      const looking = await decide({
        zoneId: 'beauty',
        trigger: 'zone',
        shopper: shopper('beauty', ['t3']),
        anchors: ['t3'],
        now: NOW,
      });
      expect(browsing.push.items.some((i) => i.category === 'tops')).toBe(false);
      const tops = looking.push.items.filter((i) => i.category === 'tops');
      expect(tops.length).toBeGreaterThan(0);
      expect(tops.map((i) => i.itemId)).not.toContain('t3');
      for (const top of tops) expect(top.reason.code).toBe('because_you_touched');
    } finally {
      await popularity.close();
    }
  });

  it('adds what goes with the shopper’s history when the main model ranks without it', async () => {
    const popularity = await loadTestModel('popularity');
    try {
      // a top bought online (a touch in the store would also bring similar tops: short-term memory)
      const touchedTop = shopper(
        'apparel',
        [],
        profile({ recentPurchases: [{ itemId: 't3', at: NOW - 40 * 86_400_000, channel: 'online' }] }),
      );
      const alone = await testDecider(popularity)({
        zoneId: 'apparel',
        trigger: 'zone',
        shopper: touchedTop,
        now: NOW,
      });
      const withBundles = await testDecider(popularity, { bundles: recommender })({
        zoneId: 'apparel',
        trigger: 'zone',
        shopper: touchedTop,
        now: NOW,
      });
      // trousers are bought with tops, but sell less than lipsticks
      expect(alone.push.items.some((i) => i.category === 'pants')).toBe(false);
      expect(withBundles.push.items.some((i) => i.category === 'pants')).toBe(true);
      // a shopper with no history gets the main model's ranking either way
      const nobody = await testDecider(popularity, { bundles: recommender })({
        zoneId: 'apparel',
        trigger: 'zone',
        now: NOW,
      });
      const nobodyAlone = await testDecider(popularity)({ zoneId: 'apparel', trigger: 'zone', now: NOW });
      expect(nobody.push.items.map((i) => i.itemId)).toEqual(nobodyAlone.push.items.map((i) => i.itemId));
    } finally {
      await popularity.close();
    }
  });

  it('lifts items on promotion and says so', async () => {
    const promo = stockAll();
    promo.promotions = [
      {
        id: 'eyes-week',
        label: { en: 'Eyes week: 20% off', ko: '아이 위크 20% 할인' },
        itemIds: [],
        category: 'eyes',
        boost: 2,
        startsAt: NOW - DAY,
        endsAt: NOW + DAY,
      },
    ];
    const out = await ask(decider({ assortment: promo }), {});
    const eyes = out.push.items.filter((i) => i.category === 'eyes');
    expect(eyes.length).toBeGreaterThan(0);
    expect(eyes.every((i) => i.reason.code === 'on_promotion' && i.reason.text.en.startsWith('Eyes week'))).toBe(true);
    expect(out.record.context.promotions).toEqual(['eyes-week']);
  });
});

describe('decision triggers', () => {
  it('put back after a long touch: similar items, not the one put back', async () => {
    const out = await ask(decider(), {
      zoneId: 'apparel',
      trigger: 'put_back',
      shopper: shopper('apparel', ['t3']),
      anchors: ['t3'],
    });
    expect(out.push.trigger).toBe('put_back');
    expect(out.push.headline?.en).toContain('Item t3');
    expect(out.push.items.map((i) => i.itemId)).not.toContain('t3');
    expect(out.push.items.every((i) => i.category === 'tops' && i.reason.code === 'similar_item')).toBe(true);
  });

  it('a size not in stock at the mirror: nearest sizes in stock first, then similar items', async () => {
    const out = await ask(decider({ assortment: stockAll({ 't1-s': 0 }) }), {
      zoneId: 'fitting',
      trigger: 'size_unavailable',
      shopper: shopper('fitting'),
      anchors: ['t1-l'],
      size: 'S',
    });
    const ids = out.push.items.map((i) => i.itemId);
    expect(ids[0]).toBe('t1-m'); // nearest to L that is in stock; S is not
    expect(ids).not.toContain('t1-s');
    expect(out.push.items[0]!.reason.code).toBe('other_size');
    expect(
      out.push.items.slice(1).every((i) => i.reason.code === 'similar_item' || i.reason.code === 'other_size'),
    ).toBe(true);
    expect(out.push.headline?.en).toContain('Size S');
  });

  it('an online-cart item in stock here: shown with its aisle', async () => {
    const out = await ask(decider({ assortment: stockAll({ p1: 0 }) }), {
      zoneId: 'apparel',
      trigger: 'online_cart_in_stock',
      shopper: shopper('apparel'),
      anchors: ['p2', 'p1'],
    });
    expect(out.push.items.map((i) => i.itemId)).toEqual(['p2']); // p1 is not in stock here
    expect(out.push.items[0]).toMatchObject({ aisle: 'A5', reason: { code: 'in_your_online_cart' } });
    expect(out.push.items[0]!.reason.text.en).toContain('aisle A5');
  });

  it('cart emptied: alternatives to what was in it', async () => {
    const out = await ask(decider(), {
      zoneId: 'beauty',
      trigger: 'cart_emptied',
      shopper: shopper('beauty'),
      anchors: ['l2'],
    });
    expect(out.push.items.length).toBeGreaterThan(0);
    expect(out.push.items.map((i) => i.itemId)).not.toContain('l2');
    expect(out.push.items.every((i) => i.category === 'lipstick')).toBe(true);
  });

  it('lingering at a shelf after picking up a top: what completes the look, from other categories', async () => {
    const out = await ask(decider(), {
      zoneId: 'apparel',
      trigger: 'lingering',
      shopper: shopper('apparel', ['t4']),
      anchors: ['t4'],
    });
    expect(out.push.items.length).toBeGreaterThan(0);
    expect(out.push.items.every((i) => i.category !== 'tops')).toBe(true);
    expect(out.push.items.some((i) => i.category === 'pants')).toBe(true); // bought together with tops
    expect(out.push.items.every((i) => i.reason.code === 'completes_your_look')).toBe(true);
  });
});
