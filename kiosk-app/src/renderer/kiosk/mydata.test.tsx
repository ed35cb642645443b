import { describe, expect, it } from 'vitest';
import { KioskScreen } from '../KioskScreen';
import { anonymousSession, count, online, render, session } from '../test-fixtures';
import { qrPath } from './MyDataQr';
import { INITIAL_VIEW, type KioskAction, kioskReducer } from './state';

const run = (...actions: KioskAction[]) => actions.reduce(kioskReducer, INITIAL_VIEW);
const identified = run({ type: 'start' }, { type: 'identified', result: { ok: true, session } });
const URL_ = 'http://127.0.0.1:8090/my-data#t=eyJzIjoiYyIsImlkIjoiY3VzLTAwMDEiLCJleHAiOjF9.c2lnbmF0dXJl';
const link = { ok: true as const, url: URL_, expiresAt: Date.now() + 15 * 60_000 };

describe('"see and manage your data" at the kiosk', () => {
  it('offers the link to an identified shopper only, and shows no QR code until they ask', () => {
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={identified} />);
    expect(html).toMatch(/data-testid="my-data-open"[^>]*>See and manage your data</);
    expect(count(html, 'my-data-qr')).toBe(0);
    const guest = run({ type: 'start' }, { type: 'identified', result: { ok: true, session: anonymousSession } });
    expect(count(render(<KioskScreen snapshot={online} screenId="kiosk-1" view={guest} />), 'my-data-open')).toBe(0);
    expect(count(render(<KioskScreen snapshot={online} screenId="kiosk-1" />), 'my-data-open')).toBe(0);
  });

  it("shows the cloud's link as a QR code with the address beside it, in Korean too", () => {
    const view = kioskReducer(kioskReducer(identified, { type: 'myDataLoading' }), {
      type: 'myDataResult',
      result: link,
    });
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={view} />);
    expect(count(html, 'my-data-qr')).toBe(1);
    const escaped = URL_.replace(/&/g, '&amp;');
    expect(html).toContain(`data-url="${escaped}"`);
    expect(html).toMatch(new RegExp(`data-testid="my-data-url"[^>]*>${escaped.replace(/[.?]/g, '\\$&')}<`));
    // the drawn code is the link's: the path of its modules, and another link draws another code
    const qr = qrPath(URL_);
    expect(html).toContain(`d="${qr.d}"`);
    expect(html).toContain(`viewBox="0 0 ${qr.size} ${qr.size}"`);
    expect(qrPath(`${URL_}x`).d).not.toBe(qr.d);
    expect(html).toContain('role="img"');
    expect(render(<KioskScreen snapshot={online} screenId="kiosk-1" view={view} />, 'ko')).toContain(
      '휴대폰에서 내 정보 보기',
    );
  });

  it('says the link is not available right now when the cloud cannot be reached, and forgets it all at reset', () => {
    const loading = kioskReducer(identified, { type: 'myDataLoading' });
    expect(render(<KioskScreen snapshot={online} screenId="kiosk-1" view={loading} />)).toMatch(
      /data-testid="my-data-open" disabled=""[^>]*>Getting your link/,
    );
    const offline = kioskReducer(loading, {
      type: 'myDataResult',
      result: { ok: false, reason: 'unavailable', message: 'the cloud cannot be reached right now' },
    });
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={offline} />);
    expect(html).toContain('This is not available right now');
    expect(count(html, 'my-data-qr')).toBe(0);
    expect(count(html, 'my-data-open')).toBe(1); // they may try again
    const shown = kioskReducer(identified, { type: 'myDataResult', result: link });
    expect(kioskReducer(shown, { type: 'myDataClose' }).myData).toEqual({ state: 'none' });
    expect(kioskReducer(shown, { type: 'reset' }).myData).toEqual({ state: 'none' });
    // an answer that arrives after the shopper left is dropped
    expect(kioskReducer(INITIAL_VIEW, { type: 'myDataResult', result: link }).myData).toEqual({ state: 'none' });
  });
});
