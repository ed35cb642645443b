import path from 'node:path';
import {
  denyAllPermissionChecks,
  denyAllPermissions,
  denyWindowOpen,
  HANG_TIMEOUT_MS,
  isAllowedNavigation,
  parseShellArgs,
  reloadDelayMs,
  type ShellArgsDefaults,
  shouldRetryLoad,
  windowOptions,
  withContentSecurityPolicy,
} from './hardening';
import { acceptFromPage, IPC_CHANNELS, NfcTag, parsePayload, ShellHealth } from './ipc';
import type { NfcTagRead, ShellHealthReport } from './shell-info';
import type { ShellElectron, ShellIpcMain, ShellWebContents, ShellWindow } from './types';

/** Source of NFC tag reads (a reader driver): `start` gets the callback to call for every read. */
export interface NfcReader {
  start(onTag: (tag: unknown) => void): void;
}

export interface ShellConfig extends ShellArgsDefaults {
  /** Directory name of the shell's own profile under the OS app-data folder, e.g. `aisle-kiosk`. */
  profileName: string;
  title: string;
  /** Absolute path of the built preload script. */
  preloadPath: string;
  backgroundColor?: string;
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Delay before loading the page again after a failed load. */
  retryLoadMs?: number;
  /** How long the page may stay unresponsive before its renderer is killed and reloaded. */
  hangTimeoutMs?: number;
  /** NFC reader whose tags are passed to the page (kiosk); none by default. */
  nfcReader?: NfcReader;
  /** Called with every valid health report of the page; by default changes of state are logged. */
  onHealth?: (report: ShellHealthReport) => void;
  log?: (message: string) => void;
}

/** Applies the navigation rules to any web contents the app creates. */
export function hardenWebContents(contents: ShellWebContents, startUrl: string, log: (message: string) => void): void {
  const block = (kind: string) => (event: { url: string; preventDefault(): void }) => {
    if (isAllowedNavigation(startUrl, event.url)) return;
    event.preventDefault();
    log(`blocked ${kind} to ${event.url}`);
  };
  contents.on('will-navigate', block('navigation'));
  contents.on('will-redirect', block('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
  contents.setWindowOpenHandler((details) => {
    log(`denied window.open of ${details.url}`);
    return denyWindowOpen();
  });
}

/**
 * Keeps the screen showing its page: reloads after a renderer crash (backing off when crashes
 * repeat), retries failed loads, and kills a renderer that stays unresponsive for
 * `hangTimeoutMs`, which Electron reports as `render-process-gone`, so it is reloaded too.
 */
export function keepPageAlive(
  window: ShellWindow,
  url: string,
  options: { retryLoadMs: number; hangTimeoutMs?: number; log: (message: string) => void },
): void {
  const contents = window.webContents;
  const hangTimeoutMs = options.hangTimeoutMs ?? HANG_TIMEOUT_MS;
  const crashes: number[] = [];
  let hang: ReturnType<typeof setTimeout> | undefined;
  const stopHangTimer = () => {
    clearTimeout(hang);
    hang = undefined;
  };

  contents.on('render-process-gone', (_event, details) => {
    stopHangTimer();
    const now = Date.now();
    crashes.push(now);
    const delay = reloadDelayMs(crashes, now);
    options.log(`renderer gone (${details.reason}); reloading in ${delay} ms`);
    setTimeout(() => {
      if (!window.isDestroyed()) contents.reload();
    }, delay);
  });
  contents.on('unresponsive', () => {
    if (hang !== undefined) return;
    options.log(`page unresponsive; killing its renderer unless it recovers within ${hangTimeoutMs} ms`);
    hang = setTimeout(() => {
      hang = undefined;
      if (window.isDestroyed() || contents.isDestroyed()) return;
      options.log('page still unresponsive; killing its renderer');
      contents.forcefullyCrashRenderer();
    }, hangTimeoutMs);
  });
  contents.on('responsive', () => {
    if (hang === undefined) return;
    stopHangTimer();
    options.log('page responsive again');
  });
  contents.on('did-fail-load', (_event, errorCode, errorDescription, validatedURL, isMainFrame) => {
    if (!shouldRetryLoad(errorCode, isMainFrame)) return;
    options.log(`loading ${validatedURL} failed (${errorDescription}); retrying in ${options.retryLoadMs} ms`);
    setTimeout(() => {
      if (!window.isDestroyed()) contents.loadURL(url).catch(() => {});
    }, options.retryLoadMs);
  });
}

/** Handles the page's IPC messages: only from frames of the screen's origin, only valid payloads; others are logged and dropped. */
export function listenToPage(
  ipcMain: ShellIpcMain,
  startUrl: string,
  handlers: { onHealth: (report: ShellHealthReport) => void },
  log: (message: string) => void,
): void {
  ipcMain.on(IPC_CHANNELS.health, (event, payload) => {
    const verdict = acceptFromPage(ShellHealth, startUrl, event.senderFrame, payload);
    if (verdict.ok) handlers.onHealth(verdict.value);
    else log(`ignored ${IPC_CHANNELS.health}: ${verdict.reason}`);
  });
}

/** Passes a tag read to the page; a read that is not a valid tag is logged and dropped. Returns whether it was sent. */
export function sendNfcTag(window: ShellWindow, tag: unknown, log: (message: string) => void): boolean {
  const verdict = parsePayload<NfcTagRead>(NfcTag, tag);
  if (!verdict.ok) {
    log(`ignored an NFC read: ${verdict.reason}`);
    return false;
  }
  if (window.isDestroyed() || window.webContents.isDestroyed()) return false;
  window.webContents.send(IPC_CHANNELS.nfc, verdict.value);
  return true;
}

/** Default `onHealth`: logs when the page's connection state changes. */
function logHealthChanges(log: (message: string) => void): (report: ShellHealthReport) => void {
  let last: string | undefined;
  return (report) => {
    if (report.state === last) return;
    last = report.state;
    log(`page is ${report.state}${report.detail ? ` (${report.detail})` : ''}`);
  };
}

/**
 * Starts a locked-down full-screen screen shell: one instance per profile, a sandboxed
 * page without Node under a strict CSP, no navigation off the page's origin, no pop-ups,
 * no permissions, validated IPC, and a watchdog that reloads a crashed or hung page.
 * Returns false when the shell did not start (bad URL or another instance is running).
 */
export function startShell(electron: ShellElectron, config: ShellConfig): boolean {
  const { app, BrowserWindow, ipcMain, session } = electron;
  const log = config.log ?? ((message: string) => console.log(`[${config.profileName}] ${message}`));

  let url: string;
  let devTools: boolean;
  try {
    ({ url, devTools } = parseShellArgs(config.argv ?? process.argv, config.env ?? process.env, config));
  } catch (error) {
    log(String(error instanceof Error ? error.message : error));
    app.exit(2);
    return false;
  }

  // The single-instance lock is per profile directory, so the kiosk and the mirror shells do not block each other.
  app.setPath('userData', path.join(app.getPath('appData'), config.profileName));
  if (!app.requestSingleInstanceLock()) {
    log('another instance is already running');
    app.quit();
    return false;
  }

  let window: ShellWindow | null = null;
  app.on('second-instance', () => {
    if (!window || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, url, log));
  app.on('window-all-closed', () => app.quit());
  listenToPage(ipcMain, url, { onHealth: config.onHealth ?? logHealthChanges(log) }, log);

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler(denyAllPermissions);
    session.defaultSession.setPermissionCheckHandler(denyAllPermissionChecks);
    session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
      callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) }),
    );
    const win = new BrowserWindow(
      windowOptions(config.preloadPath, { devTools, title: config.title, backgroundColor: config.backgroundColor }),
    );
    window = win;
    win.once('ready-to-show', () => win.show());
    // Show the window anyway if the page cannot paint yet (gateway down at boot); loads are retried.
    setTimeout(() => !win.isDestroyed() && win.show(), 5000);
    keepPageAlive(win, url, { retryLoadMs: config.retryLoadMs ?? 3000, hangTimeoutMs: config.hangTimeoutMs, log });
    config.nfcReader?.start((tag) => sendNfcTag(win, tag, log));
    log(`showing ${url}`);
    // A failed load is reported through did-fail-load and retried there.
    win.loadURL(url).catch(() => {});
  });
  return true;
}
