import { createRng } from '@aisle/recsys';
import { describe, expect, it } from 'vitest';
import { GatewayStore } from '../store/db';
import { ThompsonBandit } from './bandit';
import { ARMS, type DecisionRecord } from './decide';
import { DecisionLog, loggedDecisions } from './log';

function record(id: string, shopperRef: string | null, at: number, items: string[], arm = 'top'): DecisionRecord {
  return {
    id,
    at,
    zoneId: 'beauty',
    screen: 'kiosk',
    trigger: 'zone',
    shopperRef,
    personalized: true,
    modelVersion: 'v1',
    arm: arm as DecisionRecord['arm'],
    propensity: 0.5,
    banditContext: 'kiosk:zone:personal',
    context: {
      hour: 14,
      weekday: 0,
      zoneId: 'beauty',
      dwellMs: 0,
      screen: 'kiosk',
      trigger: 'zone',
      personalized: true,
      identified: false,
      promotions: [],
    },
    items: items.map((itemId) => ({ itemId, score: 1, reason: 'popular_in_zone', propensity: 0.5 })),
  };
}

describe('decision log', () => {
  it('rewards the decisions that showed the item to that shopper within the horizon, and 0 the rest', () => {
    const store = new GatewayStore(':memory:');
    const bandit = new ThompsonBandit(ARMS, createRng(1));
    const log = new DecisionLog(store.db, { bandit, horizonMs: 1_000 });
    log.record(record('a', 'shp-1', 0, ['x', 'y']));
    log.record(record('b', 'shp-2', 10, ['x']));
    log.record(record('c', 'shp-1', 20, ['z']));
    log.record(record('d', 'shp-1', 30, ['x'], 'fixed')); // a fixed list is logged but not a bandit choice
    log.record(record('e', null, 40, ['x'])); // nobody to watch
    expect(log.pending).toBe(3);
    expect(log.outcome('shp-1', 'x', 500)).toBe(1); // only a: b is another shopper, c did not show x
    expect(log.outcome('shp-1', 'x', 600)).toBe(0); // already rewarded
    expect(log.outcome('shp-1', 'z', 1_500)).toBe(0); // c is past its horizon
    expect(log.expire(1_500)).toBe(2);
    expect(log.pending).toBe(0);
    log.flush();
    const rows = store.db.prepare('SELECT id, reward FROM decisions ORDER BY id').all();
    expect(rows).toEqual([
      { id: 'a', reward: 1 },
      { id: 'b', reward: 0 },
      { id: 'c', reward: 0 },
      { id: 'd', reward: null },
      { id: 'e', reward: null },
    ]);
    expect(loggedDecisions(store.db).map((l) => [l.arm, l.reward, l.context])).toEqual([
      ['top', 1, 'kiosk:zone:personal'],
      ['top', 0, 'kiosk:zone:personal'],
      ['top', 0, 'kiosk:zone:personal'],
    ]);
    store.close();
  });
});
