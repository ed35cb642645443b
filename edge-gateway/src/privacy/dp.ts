import { randomInt } from 'node:crypto';

/**
 * Differential privacy for counts: the two-sided geometric mechanism (Ghosh, Roughgarden and Sundararajan 2009) and
 * k-suppression.
 *
 * The noise is sampled exactly, with integer arithmetic only, following Canonne, Kamath and Steinke, "The Discrete
 * Gaussian for Differential Privacy" (2020), algorithms 1 and 2. Sampling through floating-point logarithms
 * (`floor(ln U / ln α)`) is the textbook shortcut, but its rounding leaves holes and bumps in the distribution that
 * an observer can use to tell neighbouring datasets apart (Mironov 2012); drawing only uniform integers and comparing
 * them with exact rationals avoids that.
 */

/** Uniform integers: `int(n)` is uniform in [0, n). Crypto-quality by default; tests inject a seeded one. */
export interface RandomSource {
  int(n: number): number;
}

export const cryptoRandom: RandomSource = { int: (n) => randomInt(n) };

/** ε as an exact fraction num/den (micro-ε resolution), so the mechanism and the ledger use the same number. */
export interface Epsilon {
  num: number;
  den: number;
}

/** Budgets are kept in millionths of ε: integer sums, so "would this spend exceed the budget" has an exact answer. */
export const MICRO = 1_000_000;

/** ε rounded to a millionth, as a reduced fraction. */
export function epsilon(value: number): Epsilon {
  const num = Math.round(value * MICRO);
  if (!Number.isFinite(value) || num <= 0) throw new RangeError(`ε must be at least 1e-6, got ${value}`);
  const g = gcd(num, MICRO);
  return { num: num / g, den: MICRO / g };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** True with probability num/den, exactly. */
function bernoulli(rng: RandomSource, num: number, den: number): boolean {
  return rng.int(den) < num;
}

/** True with probability exp(−num/den) for 0 ≤ num/den ≤ 1 (CKS algorithm 1, von Neumann's trick). */
function bernoulliExpUnit(rng: RandomSource, num: number, den: number): boolean {
  let k = 1;
  while (bernoulli(rng, num, den * k)) k++;
  return k % 2 === 1;
}

/**
 * One sample of the discrete Laplace distribution P(y) ∝ exp(−|y|·s/t) (CKS algorithm 2), for positive integers
 * s, t with t·(a few) below 2^48 (the range of `randomInt`).
 */
export function sampleDiscreteLaplace(rng: RandomSource, s: number, t: number): number {
  for (;;) {
    const u = rng.int(t);
    if (!bernoulliExpUnit(rng, u, t)) continue;
    let v = 0;
    while (bernoulliExpUnit(rng, 1, 1)) v++;
    const x = u + t * v; // geometric: P(x) ∝ exp(−x/t)
    const y = Math.floor(x / s); // geometric: P(y) ∝ exp(−y·s/t)
    const negative = bernoulli(rng, 1, 2);
    if (negative && y === 0) continue; // zero would otherwise be drawn twice as often
    return negative ? -y : y;
  }
}

/**
 * Noise of the two-sided geometric mechanism for a query of L1 sensitivity Δ at privacy loss ε:
 * P(Z = z) = (1−α)/(1+α) · α^|z| with α = exp(−ε/Δ).
 */
export function geometricNoise(rng: RandomSource, eps: Epsilon, sensitivity: number): number {
  if (!Number.isInteger(sensitivity) || sensitivity < 1) throw new RangeError(`sensitivity must be a positive integer`);
  // exp(−|y|·ε/Δ) = exp(−|y|·num/(den·Δ))
  return sampleDiscreteLaplace(rng, eps.num, eps.den * sensitivity);
}

/** α of the mechanism, and its analytic probability mass and variance (documentation and tests). */
export function geometricAlpha(eps: number, sensitivity: number): number {
  return Math.exp(-eps / sensitivity);
}
export function geometricPmf(alpha: number, z: number): number {
  return ((1 - alpha) / (1 + alpha)) * alpha ** Math.abs(z);
}
export function geometricVariance(alpha: number): number {
  return (2 * alpha) / (1 - alpha) ** 2;
}

/**
 * The published value of one count: withheld (null) when the true count is below k, otherwise the count plus noise,
 * withheld again when the noised value is below k (a small noised number would hint that the truth is small too).
 * Everything after adding the noise is post-processing and costs no privacy.
 */
export function publishCount(trueCount: number, k: number, noise: () => number): number | null {
  if (trueCount < k) return null;
  const noised = trueCount + noise();
  return noised < k ? null : noised;
}
