import { describe, expect, it } from 'vitest';
import { RecentIds } from './guards';

describe('RecentIds', () => {
  it('remembers the last `capacity` ids and forgets the oldest first', () => {
    const recent = new RecentIds(3);
    expect(['a', 'b', 'c'].map((id) => recent.add(id))).toEqual([true, true, true]);
    expect(recent.add('a')).toBe(false);
    expect(recent.add('d')).toBe(true); // forgets a
    expect(recent.add('a')).toBe(true); // forgets b
    expect(recent.add('c')).toBe(false);
    expect(recent.add('b')).toBe(true);
  });
});
