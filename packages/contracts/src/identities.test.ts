import { describe, expect, it } from 'vitest';
import {
  Identifier,
  IdentityResolveRequest,
  MergeId,
  normalizeIdentifier,
  ProfilePage,
  phoneDigits,
  schemaExamples,
} from './index';

const valid = (value: unknown) => Identifier.safeParse(value).success;

describe('identifiers', () => {
  it('normalizes e-mail (trimmed, lower case) and phone (its digits) before hashing; other kinds as they are', () => {
    expect(normalizeIdentifier('email', '  Min.Ji@Example.COM ')).toBe('min.ji@example.com');
    expect(normalizeIdentifier('phone', '+82 10-1234-5678')).toBe(phoneDigits('+82 10-1234-5678'));
    expect(normalizeIdentifier('loyalty', 'AISLE-0001')).toBe('AISLE-0001');
    expect(normalizeIdentifier('account', 'Web-77')).toBe('Web-77');
  });

  it('accepts each kind in the clear, and e-mail or phone as a sha256', () => {
    expect(valid({ kind: 'loyalty', value: 'AISLE-0001' })).toBe(true);
    expect(valid({ kind: 'email', value: ' A@B.example ' })).toBe(true);
    expect(valid({ kind: 'phone', value: '+82 (10) 1234-5678' })).toBe(true);
    expect(valid({ kind: 'app_device', value: 'shp-4b1e' })).toBe(true);
    expect(valid({ kind: 'account', value: 'web-77' })).toBe(true);
    expect(valid({ kind: 'phone', hash: 'a'.repeat(64) })).toBe(true);
    expect(valid({ kind: 'email', hash: 'b'.repeat(64) })).toBe(true);
  });

  it('refuses malformed identifiers', () => {
    for (const bad of [
      { kind: 'email', value: 'not-an-address' },
      { kind: 'phone', value: '12345' },
      { kind: 'phone', value: 'call 010 1234 5678' },
      { kind: 'loyalty', value: 'abc' },
      { kind: 'app_device', value: 'has space' },
      { kind: 'account', value: 'with space' },
      { kind: 'loyalty', hash: 'a'.repeat(64) },
      { kind: 'phone', hash: 'A'.repeat(64) },
      { kind: 'phone', value: '01012345678', hash: 'a'.repeat(64) },
      { kind: 'fax', value: '01012345678' },
    ])
      expect(valid(bad), JSON.stringify(bad)).toBe(false);
  });

  it('resolves 1 to 20 identifiers, with profile fields only a new customer may start with', () => {
    const one = [{ kind: 'loyalty', value: 'AISLE-0001' }];
    expect(IdentityResolveRequest.safeParse({ identifiers: one, profile: { firstName: 'Minji' } }).success).toBe(true);
    expect(IdentityResolveRequest.safeParse({ identifiers: [] }).success).toBe(false);
    expect(IdentityResolveRequest.safeParse({ identifiers: Array(21).fill(one[0]) }).success).toBe(false);
    expect(IdentityResolveRequest.safeParse({ identifiers: one, profile: { customerId: 'cus-1' } }).success).toBe(
      false,
    );
    expect(MergeId.safeParse('mrg-Ab_9-x').success).toBe(true);
    expect(MergeId.safeParse('cus-0001').success).toBe(false);
  });

  it('reads a profile page without tombstones (an older cloud) as deleting nothing', () => {
    const { deleted: _, ...older } = ProfilePage.parse(schemaExamples.ProfilePage.example);
    expect(ProfilePage.parse(older).deleted).toEqual([]);
    expect(ProfilePage.safeParse({ ...older, deleted: ['a b'] }).success).toBe(false);
  });
});
