/**
 * Decisions of the Electron kiosk/mirror shells as pure functions (no Electron, React or
 * DOM imports), so they are unit-tested without the Electron binary. `shell.ts` wires them.
 */
import { SCREEN_CSP } from '@aisle/contracts';
import type { PermissionCheckHandler, PermissionRequestHandler, ResponseHeaders, ShellWindowOptions } from './types';

export type {
  NavigationEvent,
  PermissionCheckHandler,
  PermissionRequestHandler,
  ResponseHeaders,
  ShellWindowOptions,
} from './types';

/** Full-screen kiosk window whose page gets no Node, runs sandboxed and isolated, and keeps web security on. */
export function windowOptions(
  preloadPath: string,
  options: { devTools?: boolean; title?: string; backgroundColor?: string } = {},
): ShellWindowOptions {
  return {
    show: false,
    fullscreen: true,
    kiosk: true,
    frame: false,
    autoHideMenuBar: true,
    backgroundColor: options.backgroundColor ?? '#000000',
    title: options.title ?? 'Aisle',
    webPreferences: {
      preload: preloadPath,
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
      devTools: options.devTools ?? false,
    },
  };
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Only http(s) pages of the same origin as the screen's start page may be navigated to. */
export function isAllowedNavigation(current: string, target: string): boolean {
  const from = parseUrl(current);
  const to = parseUrl(target);
  if (!from || !to) return false;
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return false;
  return to.origin === from.origin;
}

/** `session.setPermissionRequestHandler`: camera, microphone, geolocation, notifications, … are all refused. */
export const denyAllPermissions: PermissionRequestHandler = (_webContents, _permission, callback) => callback(false);

/** `session.setPermissionCheckHandler`: every permission check answers "not granted". */
export const denyAllPermissionChecks: PermissionCheckHandler = () => false;

/** `webContents.setWindowOpenHandler`: pop-ups and `target=_blank` never open a window. */
export const denyWindowOpen = (): { action: 'deny' } => ({ action: 'deny' });

export interface ShellArgs {
  url: string;
  devTools: boolean;
}

export interface ShellArgsDefaults {
  /** Environment variable holding the page URL, e.g. `AISLE_KIOSK_URL`. */
  envVar: string;
  defaultUrl: string;
}

/**
 * The page the shell shows: `--url=` argument, else the environment variable, else the
 * default. `--devtools` enables the developer tools. Throws on a URL that is not http(s).
 */
export function parseShellArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaults: ShellArgsDefaults,
): ShellArgs {
  let fromArgs: string | undefined;
  let devTools = false;
  for (const arg of argv) {
    if (arg.startsWith('--url=')) fromArgs = arg.slice('--url='.length);
    else if (arg === '--devtools') devTools = true;
  }
  const fromEnv = env[defaults.envVar]?.trim() || undefined;
  const [raw, source] =
    fromArgs !== undefined
      ? [fromArgs, '--url=']
      : fromEnv !== undefined
        ? [fromEnv, defaults.envVar]
        : [defaults.defaultUrl, 'default'];
  const url = parseUrl(raw);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`${source} must be an http(s) URL, got ${JSON.stringify(raw)}`);
  return { url: url.href, devTools };
}

/** A failed main-frame load (gateway not up yet, network down) is retried; aborted loads (-3) are not failures. */
export function shouldRetryLoad(errorCode: number, isMainFrame: boolean): boolean {
  return isMainFrame && errorCode !== -3;
}

/**
 * Delay before reloading after the page's renderer died: at once for a single crash,
 * then backing off (2 s, 4 s, … up to 60 s) while crashes keep coming within a minute.
 */
export function reloadDelayMs(recentCrashes: readonly number[], now: number): number {
  const inLastMinute = recentCrashes.filter((t) => now - t < 60_000).length;
  return inLastMinute <= 1 ? 0 : Math.min(60_000, 1000 * 2 ** (inLastMinute - 1));
}

/** The Content-Security-Policy the shells enforce on every response: the screens' own (`SCREEN_CSP`). */
export const SHELL_CSP = SCREEN_CSP;

/**
 * `session.webRequest.onHeadersReceived`: the response headers with `SHELL_CSP` added, so a
 * page served without a policy still gets one. A policy the server sent is kept: browsers
 * enforce every policy of a response, so adding ours can only make it stricter.
 */
export function withContentSecurityPolicy(headers: ResponseHeaders | undefined, csp = SHELL_CSP): ResponseHeaders {
  const result: ResponseHeaders = { ...headers };
  const key = Object.keys(result).find((name) => name.toLowerCase() === 'content-security-policy');
  if (key === undefined) {
    result['Content-Security-Policy'] = [csp];
    return result;
  }
  const existing = result[key];
  const values = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  result[key] = values.includes(csp) ? values : [...values, csp];
  return result;
}

/** How long a page may stay unresponsive before the shell kills its renderer (and so reloads it). */
export const HANG_TIMEOUT_MS = 10_000;
