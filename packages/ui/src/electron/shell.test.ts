import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebContents, FakeWindow, fakeElectron } from './fakes';
import { SHELL_CSP } from './hardening';
import { IPC_CHANNELS } from './ipc';
import { type NfcReader, sendNfcTag, startShell } from './shell';

const config = {
  profileName: 'aisle-kiosk',
  title: 'Aisle Kiosk',
  preloadPath: '/app/dist-electron/preload.js',
  envVar: 'AISLE_KIOSK_URL',
  defaultUrl: 'http://127.0.0.1:8080/kiosk/',
  argv: ['/usr/bin/electron', 'main.js'],
  env: {},
  retryLoadMs: 3000,
  hangTimeoutMs: 10_000,
  log: () => {},
};

beforeEach(() => {
  FakeWindow.created = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

async function started(lock = true, overrides: Partial<Parameters<typeof startShell>[1]> = {}) {
  const fake = fakeElectron(lock);
  const ok = startShell(fake.electron, { ...config, ...overrides });
  await vi.advanceTimersByTimeAsync(0);
  return { ...fake, ok, window: FakeWindow.created[0] };
}

describe('startShell', () => {
  it('opens the hardened kiosk window on the configured URL', async () => {
    const { ok, window, app } = await started(true, { argv: ['--url=http://10.0.0.5:8080/kiosk/?screen=kiosk-2'] });
    expect(ok).toBe(true);
    expect(app.paths.userData).toBe('/home/kiosk/.config/aisle-kiosk');
    expect(window?.options.kiosk).toBe(true);
    expect(window?.options.webPreferences).toMatchObject({
      preload: '/app/dist-electron/preload.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(window?.webContents.loads).toEqual(['http://10.0.0.5:8080/kiosk/?screen=kiosk-2']);
    window?.emit('ready-to-show');
    expect(window?.shown).toBe(1);
  });

  it('denies every permission through the default session', async () => {
    const { defaultSession } = await started();
    const request = defaultSession.setPermissionRequestHandler.mock.calls[0]![0];
    const callback = vi.fn();
    request({}, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);
    expect(defaultSession.setPermissionCheckHandler.mock.calls[0]![0]({}, 'geolocation')).toBe(false);
  });

  it('blocks navigation to other origins, pop-ups and webviews in every web contents', async () => {
    const { app } = await started();
    const contents = new FakeWebContents();
    app.emit('web-contents-created', {}, contents);
    const nav = (url: string) => {
      const event = { url, preventDefault: vi.fn() };
      contents.emit('will-navigate', event);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(nav('http://127.0.0.1:8080/kiosk/staff.html')).toBe(false);
    expect(nav('https://evil.example/')).toBe(true);
    const redirect = { url: 'https://evil.example/', preventDefault: vi.fn() };
    contents.emit('will-redirect', redirect);
    expect(redirect.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('reloads after a renderer crash and retries a failed load', async () => {
    const { window } = await started();
    const contents = window!.webContents;
    contents.emit('render-process-gone', {}, { reason: 'crashed' });
    await vi.advanceTimersByTimeAsync(0);
    expect(contents.reloads).toBe(1);
    contents.emit('did-fail-load', {}, -102, 'ERR_CONNECTION_REFUSED', config.defaultUrl, true);
    contents.emit('did-fail-load', {}, -3, 'ERR_ABORTED', config.defaultUrl, true);
    await vi.advanceTimersByTimeAsync(3000);
    expect(contents.loads).toEqual([config.defaultUrl, config.defaultUrl]);
  });

  it('focuses the existing window when a second instance starts', async () => {
    const { app, window } = await started();
    app.emit('second-instance');
    expect(window?.focused).toBe(1);
  });

  it('quits when another instance holds the lock', async () => {
    const { ok, app, window } = await started(false);
    expect(ok).toBe(false);
    expect(app.quit).toHaveBeenCalled();
    expect(window).toBeUndefined();
  });

  it('exits with an error on an invalid URL', async () => {
    const { ok, app, window } = await started(true, { argv: ['--url=file:///etc/passwd'] });
    expect(ok).toBe(false);
    expect(app.exit).toHaveBeenCalledWith(2);
    expect(window).toBeUndefined();
  });
});

describe('hang watchdog', () => {
  it('kills a renderer that stays unresponsive, and the crash handler reloads it', async () => {
    const log = vi.fn();
    const { window } = await started(true, { log });
    const contents = window!.webContents;
    contents.emit('unresponsive');
    contents.emit('unresponsive'); // Electron repeats the event; one timer only
    await vi.advanceTimersByTimeAsync(9_999);
    expect(contents.crashes).toBe(0);
    expect(contents.reloads).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(contents.crashes).toBe(1);
    // The crash handler reloads at once after a first crash (a 0 ms timer, which fake timers run 1 ms later when set inside a timer).
    await vi.advanceTimersByTimeAsync(1);
    expect(contents.reloads).toBe(1);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('renderer gone (killed)'));
  });

  it('leaves a page alone that becomes responsive again', async () => {
    const { window } = await started();
    const contents = window!.webContents;
    contents.emit('unresponsive');
    await vi.advanceTimersByTimeAsync(5_000);
    contents.emit('responsive');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(contents.crashes).toBe(0);
    expect(contents.reloads).toBe(0);
    // a later hang gets a fresh timer
    contents.emit('unresponsive');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(contents.crashes).toBe(1);
  });

  it('does not kill a renderer that crashed by itself while hung, nor a closed window', async () => {
    const { window } = await started();
    const contents = window!.webContents;
    contents.emit('unresponsive');
    contents.emit('render-process-gone', {}, { reason: 'oom' });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(contents.crashes).toBe(0);
    expect(contents.reloads).toBe(1);
    contents.emit('unresponsive');
    contents.destroyed = true;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(contents.crashes).toBe(0);
  });

  it('backs off when the page keeps hanging', async () => {
    const { window } = await started();
    const contents = window!.webContents;
    contents.emit('unresponsive');
    await vi.advanceTimersByTimeAsync(10_001);
    expect(contents.reloads).toBe(1);
    contents.emit('unresponsive');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(contents.crashes).toBe(2);
    expect(contents.reloads).toBe(1); // second crash within a minute: reload after 2 s
    await vi.advanceTimersByTimeAsync(2_000);
    expect(contents.reloads).toBe(2);
  });
});

describe('content security policy', () => {
  it('adds the CSP to every response of the default session', async () => {
    const { defaultSession } = await started();
    const listener = defaultSession.webRequest.onHeadersReceived.mock.calls[0]![0]!;
    const callback = vi.fn();
    listener({ url: 'http://127.0.0.1:8080/kiosk/', responseHeaders: { 'content-type': ['text/html'] } }, callback);
    expect(callback).toHaveBeenCalledWith({
      responseHeaders: { 'content-type': ['text/html'], 'Content-Security-Policy': [SHELL_CSP] },
    });
  });
});

describe('IPC from the page', () => {
  it("passes valid health reports from the screen's origin to onHealth", async () => {
    const onHealth = vi.fn();
    const { ipcMain } = await started(true, { onHealth });
    ipcMain.fromFrame(IPC_CHANNELS.health, 'http://127.0.0.1:8080/kiosk/staff.html', { state: 'online' });
    expect(onHealth).toHaveBeenCalledExactlyOnceWith({ state: 'online' });
  });

  it('ignores and logs messages from another origin, from a gone frame, or with a bad payload', async () => {
    const onHealth = vi.fn();
    const log = vi.fn();
    const { ipcMain } = await started(true, { onHealth, log });
    ipcMain.fromFrame(IPC_CHANNELS.health, 'https://evil.example/', { state: 'online' });
    ipcMain.fromFrame(IPC_CHANNELS.health, null, { state: 'online' });
    ipcMain.fromFrame(IPC_CHANNELS.health, config.defaultUrl, { state: 'hacked' });
    ipcMain.fromFrame(IPC_CHANNELS.health, config.defaultUrl, { state: 'online', extra: 1 });
    expect(onHealth).not.toHaveBeenCalled();
    const ignored = log.mock.calls.map(([m]) => m as string).filter((m) => m.startsWith('ignored aisle:health'));
    expect(ignored).toHaveLength(4);
    expect(ignored[0]).toContain("not of the screen's origin");
    expect(ignored[1]).toContain('frame is gone');
    expect(ignored[2]).toContain('state');
  });

  it("logs changes of the page's state by default", async () => {
    const log = vi.fn();
    const { ipcMain } = await started(true, { log });
    for (const state of ['connecting', 'online', 'online', 'offline'])
      ipcMain.fromFrame(IPC_CHANNELS.health, config.defaultUrl, { state });
    const states = log.mock.calls.map(([m]) => m as string).filter((m) => m.startsWith('page is'));
    expect(states).toEqual(['page is connecting', 'page is online', 'page is offline']);
  });
});

describe('NFC reads', () => {
  it('sends valid tags from the reader to the page and drops invalid ones', async () => {
    let emit: (tag: unknown) => void = () => {};
    const nfcReader: NfcReader = {
      start(onTag) {
        emit = onTag;
      },
    };
    const log = vi.fn();
    const { window } = await started(true, { nfcReader, log });
    emit({ code: '04A23B1C' });
    emit({ code: 'x' });
    emit('04A23B1C');
    expect(window!.webContents.sent).toEqual([[IPC_CHANNELS.nfc, { code: '04A23B1C' }]]);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('ignored an NFC read'));
  });

  it('sends nothing to a closed window', () => {
    const window = new FakeWindow({} as never);
    window.webContents.destroyed = true;
    expect(sendNfcTag(window, { code: '04A23B1C' }, () => {})).toBe(false);
    expect(window.webContents.sent).toEqual([]);
  });
});
