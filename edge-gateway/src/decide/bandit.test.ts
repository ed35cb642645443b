import { createRng } from '@aisle/recsys';
import { describe, expect, it } from 'vitest';
import { type LoggedDecision, offPolicyEstimate, sampleBeta, ThompsonBandit } from './bandit';

const ARMS = ['similar', 'bundle', 'promotion', 'popular'];
const CONTEXTS = ['kiosk', 'mirror', 'staff'];
/** The simulated truth: reward rate of each arm in each context. */
const RATE: Record<string, number[]> = {
  kiosk: [0.1, 0.3, 0.2, 0.05],
  mirror: [0.25, 0.4, 0.05, 0.1],
  staff: [0.2, 0.1, 0.3, 0.15],
};

/** Logs `n` decisions of a Thompson bandit that learns from simulated shoppers. */
function simulate(n: number, seed: number): { logs: LoggedDecision[]; bandit: ThompsonBandit } {
  const rand = createRng(seed);
  const bandit = new ThompsonBandit(ARMS, rand, { epsilon: 0.1, propensityDraws: 100 });
  const logs: LoggedDecision[] = [];
  for (let t = 0; t < n; t++) {
    const context = CONTEXTS[Math.floor(rand() * CONTEXTS.length)]!;
    const { arm, propensity } = bandit.choose(context);
    const reward = rand() < RATE[context]![ARMS.indexOf(arm)]! ? 1 : 0;
    bandit.update(context, arm, reward);
    logs.push({ context, arm, propensity, reward });
  }
  return { logs, bandit };
}

/** A candidate policy: always 'promotion' on the kiosk, otherwise uniform. Its true value, contexts uniform: */
const target = (context: string, arm: string) =>
  context === 'kiosk' ? (arm === 'promotion' ? 1 : 0) : 1 / ARMS.length;
const truth =
  (RATE.kiosk![2]! + RATE.mirror!.reduce((a, b) => a + b, 0) / 4 + RATE.staff!.reduce((a, b) => a + b, 0) / 4) / 3;

describe('Thompson bandit', () => {
  it('learns the best arm per context and logs a propensity for every choice', () => {
    const { logs, bandit } = simulate(2000, 1);
    for (const l of logs) expect(l.propensity).toBeGreaterThanOrEqual(0.1 / ARMS.length);
    // after learning, each context mostly shows its best arm
    const best = { kiosk: 'bundle', mirror: 'bundle', staff: 'promotion' } as const;
    for (const context of CONTEXTS) {
      const shown = Array.from({ length: 200 }, () => bandit.choose(context).arm);
      const share = shown.filter((a) => a === best[context as keyof typeof best]).length / shown.length;
      expect(share).toBeGreaterThan(0.55);
    }
    expect(() => bandit.update('kiosk', 'nope', 1)).toThrow(RangeError);
    expect(() => bandit.update('kiosk', 'bundle', 2)).toThrow(RangeError);
  });

  it('samples Beta with the right mean', () => {
    const rand = createRng(5);
    const draws = Array.from({ length: 20_000 }, () => sampleBeta(2, 6, rand));
    expect(draws.reduce((a, b) => a + b, 0) / draws.length).toBeCloseTo(0.25, 2);
  });
});

describe('off-policy estimate', () => {
  it('recovers a candidate policy’s simulated value within its confidence interval', () => {
    const { logs } = simulate(8000, 2);
    const est = offPolicyEstimate(logs, target);
    expect(est.n).toBe(8000);
    expect(truth).toBeGreaterThanOrEqual(est.snipsInterval[0]);
    expect(truth).toBeLessThanOrEqual(est.snipsInterval[1]);
    expect(truth).toBeGreaterThanOrEqual(est.ipsInterval[0]);
    expect(truth).toBeLessThanOrEqual(est.ipsInterval[1]);
    expect(est.effectiveSize).toBeGreaterThan(100);
  });

  it('covers the truth in most of many independent runs (the intervals are honest)', () => {
    let covered = 0;
    const runs = 20;
    for (let seed = 10; seed < 10 + runs; seed++) {
      const est = offPolicyEstimate(simulate(1500, seed).logs, target);
      if (truth >= est.snipsInterval[0] && truth <= est.snipsInterval[1]) covered++;
    }
    expect(covered / runs).toBeGreaterThanOrEqual(0.8);
  });

  it('rejects empty logs and impossible propensities', () => {
    expect(() => offPolicyEstimate([], target)).toThrow(RangeError);
    expect(() => offPolicyEstimate([{ context: 'kiosk', arm: 'bundle', propensity: 0, reward: 1 }], target)).toThrow(
      RangeError,
    );
  });
});
