import path from 'node:path';
import {
  denyAllPermissionChecks,
  denyAllPermissions,
  denyWindowOpen,
  isAllowedNavigation,
  parseShellArgs,
  reloadDelayMs,
  type ShellArgsDefaults,
  shouldRetryLoad,
  windowOptions,
} from './hardening';
import type { ShellElectron, ShellWebContents, ShellWindow } from './types';

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

/** Keeps the screen showing its page: reloads after a renderer crash and retries failed loads. */
export function keepPageAlive(
  window: ShellWindow,
  url: string,
  options: { retryLoadMs: number; log: (message: string) => void },
): void {
  const contents = window.webContents;
  const crashes: number[] = [];
  contents.on('render-process-gone', (_event, details) => {
    const now = Date.now();
    crashes.push(now);
    const delay = reloadDelayMs(crashes, now);
    options.log(`renderer gone (${details.reason}); reloading in ${delay} ms`);
    setTimeout(() => {
      if (!window.isDestroyed()) contents.reload();
    }, delay);
  });
  contents.on('did-fail-load', (_event, errorCode, errorDescription, validatedURL, isMainFrame) => {
    if (!shouldRetryLoad(errorCode, isMainFrame)) return;
    options.log(`loading ${validatedURL} failed (${errorDescription}); retrying in ${options.retryLoadMs} ms`);
    setTimeout(() => {
      if (!window.isDestroyed()) contents.loadURL(url).catch(() => {});
    }, options.retryLoadMs);
  });
}

/**
 * Starts a locked-down full-screen screen shell: one instance per profile, a sandboxed
 * page without Node, no navigation off the page's origin, no pop-ups, no permissions.
 * Returns false when the shell did not start (bad URL or another instance is running).
 */
export function startShell(electron: ShellElectron, config: ShellConfig): boolean {
  const { app, BrowserWindow, session } = electron;
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

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler(denyAllPermissions);
    session.defaultSession.setPermissionCheckHandler(denyAllPermissionChecks);
    const win = new BrowserWindow(
      windowOptions(config.preloadPath, { devTools, title: config.title, backgroundColor: config.backgroundColor }),
    );
    window = win;
    win.once('ready-to-show', () => win.show());
    // Show the window anyway if the page cannot paint yet (gateway down at boot); loads are retried.
    setTimeout(() => !win.isDestroyed() && win.show(), 5000);
    keepPageAlive(win, url, { retryLoadMs: config.retryLoadMs ?? 3000, log });
    log(`showing ${url}`);
    // A failed load is reported through did-fail-load and retried there.
    win.loadURL(url).catch(() => {});
  });
  return true;
}
