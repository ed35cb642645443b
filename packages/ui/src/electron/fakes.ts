/**
 * Test twins of the Electron objects the shell uses (see types.ts), so the shell's wiring is
 * unit-tested without the Electron binary. They behave like Electron where the shell relies
 * on it, e.g. `forcefullyCrashRenderer` emits `render-process-gone`.
 */
import { vi } from 'vitest';
import type { HeadersReceivedListener, ShellElectron, ShellIpcMainEvent, ShellWindowOptions } from './types';

type Listener = (...args: never[]) => void;

export class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener) {
    return this.on(event, listener);
  }
  removeListener(event: string, listener: Listener) {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }
  emit(event: string, ...args: unknown[]) {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }
}

export class FakeWebContents extends Emitter {
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  loads: string[] = [];
  reloads = 0;
  crashes = 0;
  sent: [string, ...unknown[]][] = [];
  destroyed = false;
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
  forcefullyCrashRenderer() {
    this.crashes++;
    this.emit('render-process-gone', {}, { reason: 'killed', exitCode: 9 });
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push([channel, ...args]);
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export class FakeWindow extends Emitter {
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
    return this.webContents.destroyed;
  }
}

/** `ipcMain`: `fromFrame` delivers a message as if the page at `frameUrl` had sent it. */
export class FakeIpcMain extends Emitter {
  fromFrame(channel: string, frameUrl: string | null, ...args: unknown[]) {
    const event: ShellIpcMainEvent = { senderFrame: frameUrl === null ? null : { url: frameUrl } };
    this.emit(channel, event, ...args);
  }
}

/** A preload's `ipcRenderer`: `fromMain` delivers a message as if main had sent it. */
export class FakeIpcRenderer extends Emitter {
  sent: [string, ...unknown[]][] = [];
  send(channel: string, ...args: unknown[]) {
    this.sent.push([channel, ...args]);
  }
  fromMain(channel: string, ...args: unknown[]) {
    this.emit(channel, {}, ...args);
  }
}

export function fakeElectron(lock = true) {
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
  const defaultSession = {
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    webRequest: { onHeadersReceived: vi.fn<(listener: HeadersReceivedListener | null) => void>() },
  };
  const ipcMain = new FakeIpcMain();
  const electron: ShellElectron = { app, BrowserWindow: FakeWindow, ipcMain, session: { defaultSession } };
  return { electron, app, ipcMain, defaultSession };
}
