import { describe, expect, it, vi } from 'vitest';
import {
  denyAllPermissionChecks,
  denyAllPermissions,
  denyWindowOpen,
  isAllowedNavigation,
  parseShellArgs,
  reloadDelayMs,
  SHELL_CSP,
  shouldRetryLoad,
  windowOptions,
  withContentSecurityPolicy,
} from './hardening';

describe('windowOptions', () => {
  it('opens a full-screen kiosk window with a locked-down page', () => {
    const options = windowOptions('/app/dist-electron/preload.js');
    expect(options).toMatchObject({ fullscreen: true, kiosk: true, frame: false, show: false });
    expect(options.webPreferences).toEqual({
      preload: '/app/dist-electron/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
    });
  });

  it('enables devtools only on request', () => {
    expect(windowOptions('/p', { devTools: true }).webPreferences.devTools).toBe(true);
  });
});

describe('isAllowedNavigation', () => {
  const current = 'http://127.0.0.1:8080/kiosk/';
  it.each([
    ['http://127.0.0.1:8080/kiosk/staff.html', true],
    ['http://127.0.0.1:8080/kiosk/?screen=kiosk-2#top', true],
    ['http://127.0.0.1:8080/mirror/', true],
    ['https://127.0.0.1:8080/kiosk/', false],
    ['http://127.0.0.1:8081/kiosk/', false],
    ['http://localhost:8080/kiosk/', false],
    ['https://evil.example/', false],
    ['http://127.0.0.1:8080.evil.example/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['data:text/html,<h1>x</h1>', false],
    ['not a url', false],
  ])('%s → %s', (target, allowed) => {
    expect(isAllowedNavigation(current, target)).toBe(allowed);
  });

  it('denies everything when the current page is not a URL', () => {
    expect(isAllowedNavigation('about:blank', 'about:blank')).toBe(false);
    expect(isAllowedNavigation('', 'http://127.0.0.1:8080/')).toBe(false);
  });
});

describe('permissions and pop-ups', () => {
  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'unknown']) {
      const callback = vi.fn();
      denyAllPermissions({}, permission, callback);
      expect(callback).toHaveBeenCalledExactlyOnceWith(false);
      expect(denyAllPermissionChecks({}, permission)).toBe(false);
    }
  });

  it('denies window.open', () => {
    expect(denyWindowOpen()).toEqual({ action: 'deny' });
  });
});

describe('parseShellArgs', () => {
  const defaults = { envVar: 'AISLE_KIOSK_URL', defaultUrl: 'http://127.0.0.1:8080/kiosk/' };

  it('defaults to the gateway on this machine', () => {
    expect(parseShellArgs([], {}, defaults)).toEqual({ url: 'http://127.0.0.1:8080/kiosk/', devTools: false });
  });

  it('prefers --url= over the environment over the default', () => {
    const env = { AISLE_KIOSK_URL: 'http://10.0.0.5:8080/kiosk/?screen=kiosk-2' };
    expect(parseShellArgs(['electron', 'main.js'], env, defaults).url).toBe(env.AISLE_KIOSK_URL);
    expect(parseShellArgs(['--url=http://gw.local/kiosk/', '--devtools'], env, defaults)).toEqual({
      url: 'http://gw.local/kiosk/',
      devTools: true,
    });
  });

  it('ignores an empty environment variable and unrelated switches', () => {
    expect(parseShellArgs(['--no-sandbox', '--url'], { AISLE_KIOSK_URL: ' ' }, defaults).url).toBe(defaults.defaultUrl);
  });

  it('rejects URLs that are not http(s)', () => {
    expect(() => parseShellArgs(['--url=file:///etc/passwd'], {}, defaults)).toThrow(/--url= must be an http\(s\) URL/);
    expect(() => parseShellArgs([], { AISLE_KIOSK_URL: 'kiosk' }, defaults)).toThrow(/AISLE_KIOSK_URL/);
  });
});

describe('page recovery', () => {
  it('retries failed main-frame loads but not aborted ones or sub-frames', () => {
    expect(shouldRetryLoad(-102, true)).toBe(true); // ERR_CONNECTION_REFUSED
    expect(shouldRetryLoad(-3, true)).toBe(false); // ERR_ABORTED
    expect(shouldRetryLoad(-102, false)).toBe(false);
  });

  it('reloads at once after one crash and backs off when crashes repeat', () => {
    const now = 1_000_000;
    expect(reloadDelayMs([now], now)).toBe(0);
    expect(reloadDelayMs([now - 120_000, now], now)).toBe(0);
    expect(reloadDelayMs([now - 1000, now], now)).toBe(2000);
    expect(reloadDelayMs([now - 2000, now - 1000, now], now)).toBe(4000);
    expect(
      reloadDelayMs(
        Array.from({ length: 20 }, () => now),
        now,
      ),
    ).toBe(60_000);
  });
});

describe('content security policy', () => {
  const directives = new Map(
    SHELL_CSP.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );

  it("allows only the page's own scripts, styles, images and socket, and nothing to embed, frame or post", () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('style-src-attr')).toEqual(["'unsafe-inline'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    expect(directives.get('connect-src')).toEqual(["'self'", 'ws:', 'wss:']);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(SHELL_CSP).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/);
  });

  it('adds the policy to a response without one', () => {
    expect(withContentSecurityPolicy({ 'Content-Type': ['text/html'] })).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [SHELL_CSP],
    });
    expect(withContentSecurityPolicy(undefined)).toEqual({ 'Content-Security-Policy': [SHELL_CSP] });
  });

  it('keeps a policy the server sent and adds its own, whatever the header case', () => {
    const server = "default-src 'none'";
    expect(withContentSecurityPolicy({ 'content-security-policy': [server] })).toEqual({
      'content-security-policy': [server, SHELL_CSP],
    });
    expect(withContentSecurityPolicy({ 'Content-Security-Policy': server })).toEqual({
      'Content-Security-Policy': [server, SHELL_CSP],
    });
    expect(withContentSecurityPolicy({ 'content-security-policy': [SHELL_CSP] })).toEqual({
      'content-security-policy': [SHELL_CSP],
    });
  });

  it('does not change the headers it was given', () => {
    const headers = { 'content-security-policy': ["default-src 'none'"] };
    withContentSecurityPolicy(headers);
    expect(headers).toEqual({ 'content-security-policy': ["default-src 'none'"] });
  });
});
