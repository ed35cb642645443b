import { IdentifyRequest } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { acceptFromPage, NfcTag, ShellHealth } from './ipc';

const startUrl = 'http://127.0.0.1:8080/kiosk/';

describe('acceptFromPage', () => {
  it('accepts a valid payload from a frame of the screen origin', () => {
    expect(
      acceptFromPage(ShellHealth, startUrl, { url: 'http://127.0.0.1:8080/kiosk/staff.html' }, { state: 'offline' }),
    ).toEqual({
      ok: true,
      value: { state: 'offline' },
    });
  });

  it.each([
    ['another origin', { url: 'https://evil.example/kiosk/' }],
    ['another port', { url: 'http://127.0.0.1:8081/kiosk/' }],
    ['a file page', { url: 'file:///app/index.html' }],
    ['about:blank', { url: 'about:blank' }],
  ])('refuses a message from %s', (_name, frame) => {
    const verdict = acceptFromPage(ShellHealth, startUrl, frame, { state: 'online' });
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining("not of the screen's origin") });
  });

  it('refuses a message whose frame is gone', () => {
    expect(acceptFromPage(ShellHealth, startUrl, null, { state: 'online' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('gone'),
    });
  });

  it.each([
    ['no payload', undefined],
    ['a string', 'online'],
    ['an unknown state', { state: 'exploded' }],
    ['an unknown field', { state: 'online', script: 'alert(1)' }],
    ['a long detail', { state: 'online', detail: 'x'.repeat(201) }],
  ])('refuses %s', (_name, payload) => {
    const verdict = acceptFromPage(ShellHealth, startUrl, { url: startUrl }, payload);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining('invalid payload') });
  });
});

describe('NfcTag', () => {
  it.each(['04A2', '04:A2:3B:1C:5D:80', 'LOYALTY-000123', '~'.repeat(64)])(
    'accepts %s, which identify accepts too',
    (code) => {
      expect(NfcTag.safeParse({ code }).success).toBe(true);
      expect(IdentifyRequest.safeParse({ method: 'nfc', code }).success).toBe(true);
    },
  );

  it.each(['abc', 'x'.repeat(65), 'with space', 'tab\there', 'ünïcode', ''])('refuses %j', (code) => {
    expect(NfcTag.safeParse({ code }).success).toBe(false);
  });

  it('refuses other shapes', () => {
    expect(NfcTag.safeParse('04A23B1C').success).toBe(false);
    expect(NfcTag.safeParse({ code: '04A23B1C', uid: '1' }).success).toBe(false);
  });
});
