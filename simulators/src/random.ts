import { createRng, type Rng } from '@aisle/recsys';

export { createRng, type Rng };

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** A normal deviate (Box-Muller). */
export function gaussian(rng: Rng, mean: number, sd: number): number {
  const u = 1 - rng();
  const v = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** An index in [0, n) drawn with Zipf weights 1/(i+1)^s: a few best sellers, a long tail. */
export function zipf(rng: Rng, n: number, s = 1.1): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += 1 / (i + 1) ** s;
  let r = rng() * total;
  for (let i = 0; i < n; i++) {
    r -= 1 / (i + 1) ** s;
    if (r <= 0) return i;
  }
  return n - 1;
}

export function shortId(rng: Rng, length = 8): string {
  let id = '';
  for (let i = 0; i < length; i++) id += Math.floor(rng() * 16).toString(16);
  return id;
}
