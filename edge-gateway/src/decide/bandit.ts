/**
 * Exploration and its accounting (issue #5, points 3 and 5): a Thompson-sampling bandit chooses which kind of
 * offer fills a slot (per context, e.g. screen type × zone), and every choice is logged with its propensity, the
 * probability the policy had of making it. Those logs let `offPolicyEstimate` say how another policy would have
 * done (IPS and self-normalised IPS with normal-approximation confidence intervals), without showing it to anyone.
 */

/** Beta(α, β) posteriors of the reward rate of each arm, per context. */
export class ThompsonBandit {
  readonly #posteriors = new Map<string, { alpha: number; beta: number }[]>();
  /** P(arm | context) per context, estimated once per posterior change (updates are rarer than choices). */
  readonly #probabilities = new Map<string, number[]>();

  constructor(
    readonly arms: readonly string[],
    private readonly random: () => number,
    opts: { epsilon?: number; propensityDraws?: number } = {},
  ) {
    if (arms.length === 0) throw new RangeError('a bandit needs at least one arm');
    this.epsilon = opts.epsilon ?? 0.1;
    this.propensityDraws = opts.propensityDraws ?? 200;
    if (!(this.epsilon > 0 && this.epsilon <= 1)) throw new RangeError('epsilon must be in (0, 1]');
  }

  /**
   * Share of choices made uniformly at random. It keeps every arm's propensity ≥ ε / arms, which off-policy
   * estimates need (an arm the log never shows cannot be evaluated), and keeps learning after the posteriors settle.
   */
  readonly epsilon: number;
  /** Monte-Carlo draws that estimate Thompson sampling's probability of each arm. */
  readonly propensityDraws: number;

  /**
   * Chooses an arm for `context`. `propensity` = P(this arm | context) = ε / arms + (1 − ε) · P_TS(arm), with
   * P_TS estimated from `propensityDraws` posterior draws (again after each update of the context's posterior);
   * `probabilities` holds that for every arm, in order.
   */
  choose(context: string): { arm: string; propensity: number; probabilities: number[] } {
    const post = this.#posterior(context);
    const K = this.arms.length;
    const arm = this.random() < this.epsilon ? Math.floor(this.random() * K) : this.#draw(post);
    let probabilities = this.#probabilities.get(context);
    if (!probabilities) {
      const wins = new Array<number>(K).fill(0);
      for (let d = 0; d < this.propensityDraws; d++) wins[this.#draw(post)]!++;
      probabilities = wins.map((w) => this.epsilon / K + (1 - this.epsilon) * (w / this.propensityDraws));
      this.#probabilities.set(context, probabilities);
    }
    return { arm: this.arms[arm]!, propensity: probabilities[arm]!, probabilities };
  }

  /** Records the outcome of showing `arm` (reward in [0, 1], e.g. 1 = picked up or bought). */
  update(context: string, arm: string, reward: number): void {
    const a = this.arms.indexOf(arm);
    if (a < 0) throw new RangeError(`unknown arm ${arm}`);
    if (!(reward >= 0 && reward <= 1)) throw new RangeError(`reward must be in [0, 1], got ${reward}`);
    const p = this.#posterior(context)[a]!;
    p.alpha += reward;
    p.beta += 1 - reward;
    this.#probabilities.delete(context);
  }

  #posterior(context: string) {
    let post = this.#posteriors.get(context);
    if (!post) {
      post = this.arms.map(() => ({ alpha: 1, beta: 1 }));
      this.#posteriors.set(context, post);
    }
    return post;
  }

  #draw(post: readonly { alpha: number; beta: number }[]): number {
    let best = 0;
    let bestValue = -1;
    post.forEach((p, a) => {
      const v = sampleBeta(p.alpha, p.beta, this.random);
      if (v > bestValue) {
        bestValue = v;
        best = a;
      }
    });
    return best;
  }
}

/** Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b) (Marsaglia–Tsang). */
export function sampleBeta(a: number, b: number, random: () => number): number {
  const x = sampleGamma(a, random);
  const y = sampleGamma(b, random);
  return x / (x + y);
}

function sampleGamma(shape: number, random: () => number): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** One logged decision: what was shown, with what probability, and what came of it. */
export interface LoggedDecision {
  context: string;
  arm: string;
  propensity: number;
  reward: number;
}

export interface OffPolicyEstimate {
  /** Inverse propensity scoring: mean of reward · π(arm|context) / propensity. Unbiased, high variance. */
  ips: number;
  ipsInterval: [number, number];
  /** Self-normalised IPS: Σ r·w / Σ w. Slightly biased, much lower variance. */
  snips: number;
  snipsInterval: [number, number];
  /** Effective sample size (Σw)² / Σw²: how many logged decisions the estimate is worth. */
  effectiveSize: number;
  n: number;
}

/**
 * How a target policy would have done on the logged traffic. `target(context, arm)` is the probability the
 * candidate policy shows `arm` in `context`. Intervals are normal approximations at `z` (1.96 → 95 %); SNIPS uses
 * the delta method.
 */
export function offPolicyEstimate(
  logs: readonly LoggedDecision[],
  target: (context: string, arm: string) => number,
  z = 1.96,
): OffPolicyEstimate {
  const n = logs.length;
  if (n === 0) throw new RangeError('no logged decisions');
  const w = logs.map((l) => {
    if (!(l.propensity > 0 && l.propensity <= 1)) throw new RangeError(`propensity must be in (0, 1]: ${l.propensity}`);
    return target(l.context, l.arm) / l.propensity;
  });
  const rw = logs.map((l, i) => l.reward * w[i]!);
  const sumW = w.reduce((a, b) => a + b, 0);
  const ips = rw.reduce((a, b) => a + b, 0) / n;
  const ipsVar = rw.reduce((a, x) => a + (x - ips) ** 2, 0) / (n - 1 || 1);
  const ipsHalf = z * Math.sqrt(ipsVar / n);
  const snips = sumW > 0 ? rw.reduce((a, b) => a + b, 0) / sumW : 0;
  const meanW = sumW / n;
  const snipsVar = meanW > 0 ? logs.reduce((a, l, i) => a + (w[i]! * (l.reward - snips)) ** 2, 0) / n / meanW ** 2 : 0;
  const snipsHalf = z * Math.sqrt(snipsVar / n);
  const sumW2 = w.reduce((a, b) => a + b * b, 0);
  return {
    ips,
    ipsInterval: [ips - ipsHalf, ips + ipsHalf],
    snips,
    snipsInterval: [snips - snipsHalf, snips + snipsHalf],
    effectiveSize: sumW2 > 0 ? sumW ** 2 / sumW2 : 0,
    n,
  };
}
