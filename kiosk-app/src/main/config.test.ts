import { isAllowedNavigation, parseShellArgs, windowOptions } from '@aisle/ui/electron';
import { describe, expect, it } from 'vitest';
import { KIOSK_SHELL } from './config';

describe('kiosk shell config', () => {
  it('opens the gateway-served kiosk page by default', () => {
    expect(parseShellArgs([], {}, KIOSK_SHELL).url).toBe('http://127.0.0.1:8080/kiosk/');
  });

  it('reads AISLE_KIOSK_URL and --url=', () => {
    const env = { AISLE_KIOSK_URL: 'http://10.0.0.5:8080/kiosk/?screen=kiosk-2' };
    expect(parseShellArgs([], env, KIOSK_SHELL).url).toBe(env.AISLE_KIOSK_URL);
    expect(parseShellArgs(['--url=http://gw:8080/kiosk/staff.html'], env, KIOSK_SHELL).url).toBe(
      'http://gw:8080/kiosk/staff.html',
    );
  });

  it('lets the kiosk reach its staff page but no other site', () => {
    expect(isAllowedNavigation(KIOSK_SHELL.defaultUrl, 'http://127.0.0.1:8080/kiosk/staff.html')).toBe(true);
    expect(isAllowedNavigation(KIOSK_SHELL.defaultUrl, 'https://example.com/')).toBe(false);
  });

  it('uses a sandboxed, isolated window', () => {
    expect(windowOptions('/x/preload.js').webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    });
  });
});
