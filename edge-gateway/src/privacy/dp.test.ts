import { describe, expect, it } from 'vitest';
import {
  epsilon,
  geometricAlpha,
  geometricNoise,
  geometricPmf,
  geometricVariance,
  publishCount,
  sampleDiscreteLaplace,
} from './dp';
import { seededRandom } from './testing';

const N = 200_000;

function sample(eps: number, sensitivity: number, seed: number): number[] {
  const rng = seededRandom(seed);
  const e = epsilon(eps);
  return Array.from({ length: N }, () => geometricNoise(rng, e, sensitivity));
}

describe('two-sided geometric mechanism', () => {
  it.each([
    [1, 1],
    [0.5, 1],
    [1, 3],
    [2, 1],
  ])('ε=%s, Δ=%s: the empirical distribution matches P(z) ∝ α^|z|', (eps, sensitivity) => {
    const xs = sample(eps, sensitivity, 42 + sensitivity);
    const alpha = geometricAlpha(eps, sensitivity);
    const freq = new Map<number, number>();
    for (const x of xs) freq.set(x, (freq.get(x) ?? 0) + 1);
    // every value with an expected count of at least 500 is within 5 standard errors of it
    for (let z = -40; z <= 40; z++) {
      const p = geometricPmf(alpha, z);
      if (N * p < 500) continue;
      const observed = (freq.get(z) ?? 0) / N;
      expect(Math.abs(observed - p), `z=${z}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
    }
    const mean = xs.reduce((a, b) => a + b, 0) / N;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / N;
    const expected = geometricVariance(alpha);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(expected / N));
    expect(variance / expected).toBeGreaterThan(0.97);
    expect(variance / expected).toBeLessThan(1.03);
  });

  it('is symmetric and zero-centred: P(0) is not doubled by the sign draw', () => {
    const xs = sample(1, 1, 7);
    const alpha = geometricAlpha(1, 1);
    const zeros = xs.filter((x) => x === 0).length / N;
    expect(Math.abs(zeros - geometricPmf(alpha, 0))).toBeLessThan(0.005);
    const pos = xs.filter((x) => x > 0).length;
    const neg = xs.filter((x) => x < 0).length;
    expect(Math.abs(pos - neg) / N).toBeLessThan(0.01);
  });

  it('the same seed gives the same noise; a different seed does not', () => {
    expect(sample(1, 2, 1).slice(0, 50)).toEqual(sample(1, 2, 1).slice(0, 50));
    expect(sample(1, 2, 1).slice(0, 50)).not.toEqual(sample(1, 2, 2).slice(0, 50));
  });

  it('draws only integers in range from the random source', () => {
    const asked: number[] = [];
    const rng = seededRandom(3);
    const spy = {
      int: (n: number) => {
        asked.push(n);
        return rng.int(n);
      },
    };
    for (let i = 0; i < 1000; i++) expect(Number.isInteger(sampleDiscreteLaplace(spy, 3, 7))).toBe(true);
    expect(asked.every((n) => Number.isInteger(n) && n >= 1)).toBe(true);
  });

  it('ε is kept to a millionth as an exact fraction, and nonsense is refused', () => {
    expect(epsilon(0.5)).toEqual({ num: 1, den: 2 });
    expect(epsilon(1.25)).toEqual({ num: 5, den: 4 });
    expect(() => epsilon(0)).toThrow(RangeError);
    expect(() => epsilon(Number.NaN)).toThrow(RangeError);
    expect(() => geometricNoise(seededRandom(1), epsilon(1), 0)).toThrow(RangeError);
  });
});

describe('k-suppression', () => {
  it('withholds true counts below k without looking at the noise', () => {
    let drawn = 0;
    const noise = () => {
      drawn++;
      return 100;
    };
    for (let c = 0; c < 10; c++) expect(publishCount(c, 10, noise)).toBeNull();
    expect(drawn).toBe(0);
  });

  it('withholds noised values below k, publishes the rest with the noise added', () => {
    expect(publishCount(10, 10, () => -1)).toBeNull();
    expect(publishCount(10, 10, () => 0)).toBe(10);
    expect(publishCount(50, 10, () => -7)).toBe(43);
  });
});
