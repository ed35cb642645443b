import { describe, expect, it } from 'vitest';
import { until } from './wait';

describe('until', () => {
  it('resolves with the first truthy value', async () => {
    let n = 0;
    await expect(until('n to reach 3', () => ++n >= 3 && n, 1_000, 1)).resolves.toBe(3);
  });

  it('fails naming what it waited for', async () => {
    await expect(until('never', () => false, 50, 10)).rejects.toThrow(/waiting for never/);
  });
});
