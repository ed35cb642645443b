import type { RandomSource } from './dp';

/**
 * A seeded, deterministic RandomSource for tests (sfc32): repeatable runs, never for real releases, whose noise must
 * be unpredictable (`cryptoRandom`).
 */
export function seededRandom(seed: number): RandomSource {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) next();
  // 53 random bits scaled to [0, n): bias below 2^-20 for the n used here, irrelevant to the statistics tested
  return { int: (n) => Math.floor((((next() >>> 5) * 67_108_864 + (next() >>> 6)) / 9_007_199_254_740_992) * n) };
}
