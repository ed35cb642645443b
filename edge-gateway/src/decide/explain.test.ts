import {
  DecisionExplanation,
  type LocalizedText,
  type Product,
  ReasonCode,
  type RecommendationsPush,
} from '@aisle/contracts';
import { createRng } from '@aisle/recsys';
import type { Recommender } from '@aisle/recsys/serve';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp } from '../http/server';
import { GatewayStore } from '../store/db';
import { ThompsonBandit } from './bandit';
import { ARMS } from './decide';
import { type DecisionRow, decisionRow, explainDecision } from './explain';
import { DecisionLog } from './log';
import { byId, loadTestModel, NOW, profile, shopper, testDecider, zones } from './testing';

/** Products whose names share nothing with their ids, so a leaked id would show. */
const product = (id: string, en: string, ko: string, category: string, attributes: Record<string, string> = {}) =>
  ({ id, name: { en, ko }, category, brand: 'Nori', price: 39_000, currency: 'KRW', attributes }) as Product;
const CATALOG = new Map(
  [
    product('sku-7731', 'Velvet lipstick', '벨벳 립스틱', 'lipstick'),
    product('sku-7732', 'Silk blouse', '실크 블라우스', 'tops', { size: 'M', style: 'st-9' }),
    product('sku-7733', 'Wide trousers', '와이드 팬츠', 'pants'),
  ].map((p) => [p.id, p]),
);
const DEVICE = 'dev-5f3a9c1e2b7d';
const DECISION = 'dec-0f9e8d7c6b5a';

function row(code: ReasonCode, o: { personalized: boolean; identified: boolean; present: boolean }): DecisionRow {
  return {
    id: DECISION,
    at: NOW,
    zone_id: 'apparel',
    screen_kind: 'kiosk',
    trigger: 'zone',
    shopper_ref: o.present ? DEVICE : null,
    personalized: o.personalized ? 1 : 0,
    model_version: 'online-20261129090000',
    context: JSON.stringify({
      hour: 15,
      weekday: 0,
      zoneId: 'apparel',
      dwellMs: 754_321,
      screen: 'kiosk',
      trigger: 'zone',
      personalized: o.personalized,
      identified: o.identified,
      promotions: ['promo-spring-42'],
      bandit: 'kiosk:zone:personal',
    }),
    items: JSON.stringify([
      { itemId: 'sku-7732', score: 0.8734, reason: code, propensity: 0.6667, anchor: 'sku-7731' },
      { itemId: 'sku-7733', score: 0.5, reason: 'popular_in_zone', propensity: 1 },
    ]),
  };
}

const sentences = (e: DecisionExplanation): LocalizedText[] => [
  e.summary,
  ...e.items.flatMap((i) => [i.name, i.text]),
  ...e.used,
  ...e.notUsed,
];

describe('explainDecision', () => {
  const cases = ReasonCode.options.flatMap((code) =>
    [true, false].flatMap((personalized) =>
      [true, false].flatMap((identified) =>
        [true, false].map((present) => ({ code, personalized, identified, present })),
      ),
    ),
  );

  it.each(cases)(
    '$code, personalized $personalized, identified $identified, shopper present $present: plain text in en and ko',
    ({ code, ...o }) => {
      const e = DecisionExplanation.parse(explainDecision(row(code, o), CATALOG, zones));
      expect(e.items.map((i) => i.reason)).toEqual([code, 'popular_in_zone']);
      for (const s of sentences(e)) {
        expect(s.en.trim()).not.toBe('');
        expect(s.ko.trim()).not.toBe('');
        // Korean text is Korean (Hangul), not an English fallback
        expect(s.ko).toMatch(/[\uac00-\ud7a3]/);
        const both = `${s.en} ${s.ko}`;
        for (const leak of [DECISION, DEVICE, 'sku-77', 'online-2026', 'promo-spring', 'kiosk:zone', 'cus-'])
          expect(both).not.toContain(leak);
        // no raw measurement: not the hour (15), the dwell (754321 ms), a score, a propensity or a time stamp
        expect(both).not.toMatch(/\d{2,}|\d\.\d/);
      }
      const used = e.used.map((s) => s.en).join(' ');
      const notUsed = e.notUsed.map((s) => s.en).join(' ');
      expect(used).toContain('Apparel');
      expect(used).toContain('in the afternoon');
      expect(notUsed).toContain('no location history');
      if (o.personalized) {
        expect(e.summary.en).toMatch(/^This list was picked for you/);
        expect(used).toContain('walked through today');
        expect(used.includes('Your recent purchases')).toBe(o.identified);
        expect(notUsed.includes('you are not signed in')).toBe(!o.identified);
      } else {
        expect(e.summary.en).toMatch(/^This list is not personal/);
        expect(e.summary.en).toContain(o.present ? 'personalization is off' : 'nobody was recognised');
        expect(used).not.toContain('walked through');
        expect(notUsed).toContain('what you picked up, your path through the store and your purchases');
      }
    },
  );

  it('names the item a reason points at, and says so when an item has left the catalog', () => {
    const e = explainDecision(
      row('because_you_touched', { personalized: true, identified: false, present: true }),
      CATALOG,
      zones,
    );
    expect(e.items[0]!.text).toEqual({
      en: 'Because you picked up the Velvet lipstick',
      ko: '벨벳 립스틱 상품을 살펴보셔서 추천해요',
    });
    expect(e.items[1]!.text.en).toBe('Popular in Apparel right now');
    expect(e.used.map((s) => s.en)).toContain('The products you picked up today.');

    const gone = explainDecision(
      row('similar_item', { personalized: false, identified: false, present: false }),
      new Map([...CATALOG].filter(([id]) => id !== 'sku-7732')),
      zones,
    );
    expect(gone.items[0]!.text.en).toBe('This item is no longer in the catalog.');
  });
});

describe('explanations of real decisions, over HTTP', () => {
  let recommender: Recommender;
  let store: GatewayStore;
  let log: DecisionLog;
  let app: Awaited<ReturnType<typeof createHttp>>;
  /** One decider, so decision ids (d-1, d-2, ...) do not repeat. */
  let decide: ReturnType<typeof testDecider>;
  beforeAll(async () => {
    recommender = await loadTestModel();
    decide = testDecider(recommender);
    store = new GatewayStore(':memory:');
    log = new DecisionLog(store.db, { bandit: new ThompsonBandit(ARMS, createRng(1)), horizonMs: 60_000 });
    app = await createHttp({
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      health: () => ({}),
      screens: {},
      explanation: (id) => {
        log.flush();
        const found = decisionRow(store.db, id);
        return found && explainDecision(found, byId, zones);
      },
    });
  });
  afterAll(async () => {
    await app.close();
    store.close();
    await recommender.close();
  });

  const decideAndLog = async (...args: Parameters<typeof shopper>): Promise<RecommendationsPush> => {
    const { push, record } = await decide({
      zoneId: args[0],
      screen: 'kiosk',
      trigger: 'zone',
      shopper: shopper(...args),
      now: NOW,
    });
    log.record(record);
    return push;
  };

  it("a screen gets the same reasons it showed, with what was used, for the push's decision id", async () => {
    const push = await decideAndLog('beauty', ['l1'], profile());
    expect(push.personalized).toBe(true);
    const res = await app.inject({ method: 'GET', url: `/v1/decisions/${push.decisionId}/explanation` });
    expect(res.statusCode).toBe(200);
    const e = DecisionExplanation.parse(res.json());
    expect(e.decisionId).toBe(push.decisionId);
    expect(e.personalized).toBe(true);
    // the explanation rebuilds each card's sentence from the log alone
    expect(e.items.map((i) => [i.itemId, i.reason, i.text])).toEqual(
      push.items.map((i) => [i.itemId, i.reason.code, i.reason.text]),
    );
    expect(e.items.some((i) => i.reason === 'because_you_touched')).toBe(true);
    expect(e.used.map((s) => s.en)).toContain('Your recent purchases and saved tastes.');
    expect(JSON.stringify(e)).not.toContain('shp-abcd1234');
  });

  it('without personalization the explanation says the list is not personal', async () => {
    const push = await decideAndLog('beauty', ['l1'], profile({ consent: { personalization: false, location: true } }));
    expect(push.personalized).toBe(false);
    const e = (await app.inject({ url: `/v1/decisions/${push.decisionId}/explanation` })).json();
    expect(e.summary.en).toContain('personalization is off');
  });

  it('404s an unknown decision and 400s an id no decision could have', async () => {
    const unknown = await app.inject({ url: '/v1/decisions/d-999/explanation' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: { code: 'not_found', message: 'no such decision' } });
    const long = await app.inject({ url: `/v1/decisions/${'x'.repeat(65)}/explanation` });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.code).toBe('invalid_id');
  });
});
