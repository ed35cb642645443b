import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@aisle/recsys';
import type { Recommender } from '@aisle/recsys/serve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayStore } from '../store/db';
import { ThompsonBandit } from './bandit';
import { ARMS } from './decide';
import { DecisionLog } from './log';
import { estimateFromLog, parsePolicy, policyProbability } from './ope';
import { loadTestModel, NOW, shopper, testDecider } from './testing';

let recommender: Recommender;
beforeAll(async () => {
  recommender = await loadTestModel();
});
afterAll(() => recommender?.close());

/** The simulated truth: how often shoppers act on the first card, by screen × personalization × offer type. */
const TRUTH: Record<string, Record<string, number>> = {
  'kiosk:zone:personal': { top: 0.3, promotion: 0.15, discovery: 0.1 },
  'kiosk:zone:anonymous': { top: 0.12, promotion: 0.25, discovery: 0.05 },
  'mirror:zone:personal': { top: 0.2, promotion: 0.1, discovery: 0.35 },
  'mirror:zone:anonymous': { top: 0.1, promotion: 0.2, discovery: 0.15 },
};

describe('off-policy evaluation from the decision log', () => {
  it('estimates a candidate policy from logged bandit decisions within its interval of the simulated truth', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'aisle-ope-')), 'gateway.db');
    const store = new GatewayStore(dbPath);
    const rng = createRng(42);
    const bandit = new ThompsonBandit(ARMS, rng, { epsilon: 0.2, propensityDraws: 100 });
    const log = new DecisionLog(store.db, { bandit, horizonMs: 60_000 });
    const decide = testDecider(recommender, { seed: 7 });
    const contexts: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const screen = i % 2 ? 'kiosk' : 'mirror';
      const s = shopper('beauty');
      s.session.deviceId = `shp-${String(i).padStart(8, '0')}`;
      s.session.personalization = rng() < 0.5;
      const at = NOW + i * 1000;
      // the pipeline's own bandit chooses the arm; log through a DecisionLog whose bandit learns from the outcomes
      const { record } = await decide({ zoneId: 'beauty', screen, trigger: 'zone', shopper: s, now: at });
      log.record(record);
      contexts.push(record.banditContext);
      if (rng() < TRUTH[record.banditContext]![record.arm]!)
        expect(log.outcome(s.session.deviceId, record.items[0]!.itemId, at + 500)).toBe(1);
      log.expire(at);
    }
    log.expire(Number.MAX_SAFE_INTEGER);
    log.flush();
    store.close();

    for (const spec of [
      'promotion',
      'discovery',
      'uniform',
      '{"*":{"top":1},"mirror:zone:personal":{"discovery":1}}',
    ]) {
      const policy = parsePolicy(spec);
      // the truth: the policy's expected reward over the contexts the store saw
      const truth =
        contexts.reduce(
          (sum, c) => sum + ARMS.reduce((v, a) => v + policyProbability(policy, c, a) * TRUTH[c]![a]!, 0),
          0,
        ) / contexts.length;
      const est = estimateFromLog(dbPath, policy);
      expect(est.n).toBe(3000);
      expect(truth).toBeGreaterThanOrEqual(est.snipsInterval[0]);
      expect(truth).toBeLessThanOrEqual(est.snipsInterval[1]);
      expect(est.snipsInterval[1] - est.snipsInterval[0]).toBeLessThan(0.12); // informative, not vacuous
    }
  });

  it('refuses unknown arms, bad probabilities and an empty log with clear messages', () => {
    expect(() => parsePolicy('always')).toThrow(/policy must be one of top, promotion, discovery, uniform/);
    expect(() => parsePolicy('{"*":{"hero":1}}')).toThrow(/unknown arm "hero"/);
    expect(() => parsePolicy('{"*":{"top":0.5}}')).toThrow(/sum to 0.5/);
    const dbPath = join(mkdtempSync(join(tmpdir(), 'aisle-ope-')), 'empty.db');
    new GatewayStore(dbPath).close();
    expect(() => estimateFromLog(dbPath, parsePolicy('top'))).toThrow(/no bandit decisions with a known outcome/);
    expect(() => estimateFromLog('/nonexistent/gateway.db', parsePolicy('top'))).toThrow();
  });
});
