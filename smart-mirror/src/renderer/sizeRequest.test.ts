import { describe, expect, it } from 'vitest';
import { fromResult, garmentKey, isOtherSize, isPending, type LocalSizeRequest, sizeRequestView } from './sizeRequest';
import { garment, staffRequest } from './test-fixtures';

const key = garmentKey(garment);

describe('fromResult', () => {
  it('maps the gateway answer to open, unavailable or failed', () => {
    expect(fromResult(key, 'S', { ok: true, inStock: true, requestId: 'req-1' })).toEqual({
      garmentKey: key,
      size: 'S',
      phase: 'open',
      requestId: 'req-1',
    });
    expect(fromResult(key, 'L', { ok: true, inStock: false })).toEqual({
      garmentKey: key,
      size: 'L',
      phase: 'unavailable',
    });
    expect(fromResult(key, 'S', { ok: false, message: 'no such item' })).toEqual({
      garmentKey: key,
      size: 'S',
      phase: 'failed',
    });
  });
});

describe('sizeRequestView', () => {
  const open: LocalSizeRequest = { garmentKey: key, size: 'S', phase: 'open', requestId: 'req-1' };

  it('follows the staff request pushes for the mirror’s own request', () => {
    expect(sizeRequestView(garment, open, [])?.phase).toBe('open');
    expect(sizeRequestView(garment, open, [staffRequest({ status: 'accepted' })])?.phase).toBe('accepted');
    // newest first: the latest state wins, other requests are ignored
    const pushes = [staffRequest({ requestId: 'req-2', status: 'open' }), staffRequest({ status: 'done' })];
    expect(sizeRequestView(garment, open, pushes)).toEqual({ phase: 'done', size: 'S', requestId: 'req-1' });
  });

  it('keeps sending, unavailable and failed as they are', () => {
    for (const phase of ['sending', 'unavailable', 'failed'] as const)
      expect(sizeRequestView(garment, { garmentKey: key, size: 'L', phase }, [staffRequest()])).toEqual({
        phase,
        size: 'L',
      });
  });

  it('forgets a request made for an earlier garment', () => {
    const earlier = { ...open, garmentKey: garmentKey({ itemId: garment.itemId, at: garment.at - 60_000 }) };
    expect(sizeRequestView(garment, earlier, [])).toBeNull();
  });

  it('after a reload, shows the newest request this mirror made for this garment or one of its variants', () => {
    expect(sizeRequestView(garment, null, [])).toBeNull();
    const forVariant = staffRequest({ requestId: 'req-9', itemId: 'sku-000073-xl', size: 'XL', status: 'accepted' });
    expect(sizeRequestView(garment, null, [forVariant, staffRequest()])).toEqual({
      phase: 'accepted',
      size: 'XL',
      requestId: 'req-9',
    });
    // requests from before this garment was read, or for other items, are not this fitting's
    expect(sizeRequestView(garment, null, [staffRequest({ at: garment.at - 1 })])).toBeNull();
    expect(sizeRequestView(garment, null, [staffRequest({ itemId: 'sku-999999' })])).toBeNull();
  });
});

describe('isPending', () => {
  it('holds while staff may still come', () => {
    expect(isPending(null)).toBe(false);
    for (const phase of ['sending', 'open', 'accepted'] as const) expect(isPending({ phase, size: 'S' })).toBe(true);
    for (const phase of ['done', 'unavailable', 'failed'] as const) expect(isPending({ phase, size: 'S' })).toBe(false);
  });
});

describe('isOtherSize', () => {
  it('offers other sizes of the colour being tried', () => {
    const sizes = garment.variants.filter((v) => isOtherSize(garment, v)).map((v) => v.itemId);
    expect(sizes).toEqual(['sku-000073-s', 'sku-000073-l', 'sku-000073-xl']);
    expect(isOtherSize({ ...garment, colour: undefined }, garment.variants[4]!)).toBe(true);
    expect(isOtherSize(garment, { itemId: 'sku-1', inStock: 1 })).toBe(false);
  });
});
