import { describe, expect, it } from 'vitest';
import { ConsentCapture, ConsentOverview, ConsentPurpose, ConsentRecord, consentAllows } from './consent';

const capture = { purpose: 'location', state: 'granted', policyVersion: '2026-01', channel: 'kiosk', at: 1 } as const;

describe('consent contracts', () => {
  it('accepts a capture of each purpose, with an optional store and idempotency key', () => {
    for (const purpose of ConsentPurpose.options)
      expect(ConsentCapture.safeParse({ ...capture, purpose }).error).toBeUndefined();
    expect(ConsentCapture.parse({ ...capture, storeId: 'seoul-01', eventId: 'kiosk-1-0001' })).toMatchObject({
      storeId: 'seoul-01',
    });
  });

  it.each([
    ['an unknown purpose', { purpose: 'profiling' }, 'purpose'],
    ['an unknown state', { state: 'maybe' }, 'state'],
    ['an unknown channel', { channel: 'email' }, 'channel'],
    ['a policy version with a space', { policyVersion: 'v 1' }, 'policyVersion'],
    ['a negative time', { at: -1 }, 'at'],
    ['an unknown field', { note: 'x' }, ''],
  ])('refuses %s', (_name, change, path) => {
    const parsed = ConsentCapture.safeParse({ ...capture, ...change });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join('.')).toBe(path);
  });

  it('a record carries the capture, its id and who sent it', () => {
    const record = { id: 1, customerId: 'cus-0001', ...capture, recordedAt: 2, recordedBy: 'store:seoul-01' };
    expect(ConsentRecord.safeParse(record).error).toBeUndefined();
    expect(ConsentRecord.safeParse({ ...record, id: 0 }).success).toBe(false);
    const overview = { customerId: 'cus-0001', current: [{ purpose: 'marketing', state: 'denied' }], history: [] };
    expect(ConsentOverview.safeParse(overview).error).toBeUndefined();
  });

  it('only a grant allows', () => {
    expect(consentAllows('granted')).toBe(true);
    expect(consentAllows('denied')).toBe(false);
    expect(consentAllows('withdrawn')).toBe(false);
  });
});
