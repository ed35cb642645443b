import { afterEach, describe, expect, it, vi } from 'vitest';
import { readScreenParams } from './params';

afterEach(() => vi.restoreAllMocks());

describe('readScreenParams', () => {
  it('uses per-kind defaults', () => {
    expect(readScreenParams('', 'kiosk')).toEqual({ screenId: 'kiosk-1', gatewayUrl: null, lang: 'en' });
    expect(readScreenParams('', 'mirror').screenId).toBe('mirror-1');
    expect(readScreenParams('', 'staff').screenId).toBe('staff-1');
  });

  it('reads screen, gateway and lang', () => {
    expect(readScreenParams('?screen=kiosk-7&gateway=http://10.0.0.2:8080/x&lang=ko', 'kiosk')).toEqual({
      screenId: 'kiosk-7',
      gatewayUrl: 'http://10.0.0.2:8080',
      lang: 'ko',
    });
  });

  it('follows the browser language when no ?lang= is given', () => {
    expect(readScreenParams('', 'kiosk', 'ko-KR').lang).toBe('ko');
    expect(readScreenParams('?lang=xx', 'kiosk', 'en-GB').lang).toBe('en');
  });

  it('falls back on invalid values', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(readScreenParams('?screen=../etc&gateway=javascript:alert(1)', 'mirror')).toMatchObject({
      screenId: 'mirror-1',
      gatewayUrl: null,
    });
    expect(warn).toHaveBeenCalledTimes(2);
  });
});
