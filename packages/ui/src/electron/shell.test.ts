import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exposeShellInfo } from './preload';
import { startShell } from './shell';
import type { ShellElectron, ShellWindowOptions } from './types';

type Listener = (...args: never[]) => void;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener) {
    return this.on(event, listener);
  }
  emit(event: string, ...args: unknown[]) {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }
}

class FakeWebContents extends Emitter {
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  loads: string[] = [];
  reloads = 0;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }) {
    this.windowOpenHandler = handler;
  }
  loadURL(url: string) {
    this.loads.push(url);
    return Promise.resolve();
  }
  reload() {
    this.reloads++;
  }
  isDestroyed() {
    return false;
  }
}

class FakeWindow extends Emitter {
  static created: FakeWindow[] = [];
  readonly webContents = new FakeWebContents();
  shown = 0;
  focused = 0;
  constructor(readonly options: ShellWindowOptions) {
    super();
    FakeWindow.created.push(this);
  }
  loadURL(url: string) {
    return this.webContents.loadURL(url);
  }
  show() {
    this.shown++;
  }
  focus() {
    this.focused++;
  }
  restore() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return false;
  }
}

function fakeElectron(lock = true) {
  const app = Object.assign(new Emitter(), {
    paths: {} as Record<string, string>,
    quit: vi.fn(),
    exit: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => lock),
    whenReady: () => Promise.resolve(),
    getPath: () => '/home/kiosk/.config',
    setPath(name: string, value: string) {
      app.paths[name] = value;
    },
  });
  const defaultSession = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() };
  const electron = { app, BrowserWindow: FakeWindow, session: { defaultSession } };
  return { electron: electron as ShellElectron, app, defaultSession };
}

const config = {
  profileName: 'aisle-kiosk',
  title: 'Aisle Kiosk',
  preloadPath: '/app/dist-electron/preload.js',
  envVar: 'AISLE_KIOSK_URL',
  defaultUrl: 'http://127.0.0.1:8080/kiosk/',
  argv: ['/usr/bin/electron', 'main.js'],
  env: {},
  retryLoadMs: 3000,
  log: () => {},
};

beforeEach(() => {
  FakeWindow.created = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

async function started(lock = true, overrides: Partial<typeof config> = {}) {
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

describe('exposeShellInfo', () => {
  it('exposes a frozen copy as window.aisle', () => {
    const exposeInMainWorld = vi.fn();
    const info = { shell: 'electron', version: '0.1.0', screen: 'kiosk' } as const;
    exposeShellInfo({ exposeInMainWorld }, info);
    const [key, api] = exposeInMainWorld.mock.calls[0]!;
    expect(key).toBe('aisle');
    expect(api).toEqual(info);
    expect(Object.isFrozen(api)).toBe(true);
  });
});
