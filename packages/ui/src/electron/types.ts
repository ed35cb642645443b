/**
 * The small part of Electron's main-process and preload API the shell uses, written as
 * structural types so this package needs neither the `electron` package nor its binary.
 * Electron's real objects satisfy these interfaces; the apps pass them in.
 */

export interface PreventableEvent {
  preventDefault(): void;
}

export interface NavigationEvent extends PreventableEvent {
  url: string;
}

export type PermissionRequestHandler = (
  webContents: unknown,
  permission: string,
  callback: (permissionGranted: boolean) => void,
) => void;

export type PermissionCheckHandler = (webContents: unknown, permission: string) => boolean;

export interface ShellWebContents {
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string }) => void): unknown;
  /** The page stopped answering (hung renderer) / answers again. */
  on(event: 'unresponsive' | 'responsive', listener: () => void): unknown;
  on(
    event: 'did-fail-load',
    listener: (
      event: unknown,
      errorCode: number,
      errorDescription: string,
      validatedURL: string,
      isMainFrame: boolean,
    ) => void,
  ): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  loadURL(url: string): Promise<void>;
  reload(): void;
  /** Kills the renderer; Electron then emits `render-process-gone` (reason `killed` or `crashed`). */
  forcefullyCrashRenderer(): void;
  /** Sends an IPC message to the page's preload. */
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface ShellWindow {
  readonly webContents: ShellWebContents;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): unknown;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
}

export interface ShellWindowOptions {
  show: boolean;
  fullscreen: boolean;
  kiosk: boolean;
  frame: boolean;
  autoHideMenuBar: boolean;
  backgroundColor: string;
  title: string;
  webPreferences: {
    preload: string;
    contextIsolation: boolean;
    sandbox: boolean;
    nodeIntegration: boolean;
    nodeIntegrationInWorker: boolean;
    nodeIntegrationInSubFrames: boolean;
    webSecurity: boolean;
    allowRunningInsecureContent: boolean;
    webviewTag: boolean;
    navigateOnDragDrop: boolean;
    spellcheck: boolean;
    devTools: boolean;
  };
}

/** Response headers as Electron's `webRequest` passes them: header name → values. */
export type ResponseHeaders = Record<string, string[] | string>;

export type HeadersReceivedListener = (
  details: { url: string; responseHeaders?: ResponseHeaders },
  callback: (response: { responseHeaders?: ResponseHeaders; cancel?: boolean }) => void,
) => void;

export interface ShellSession {
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void;
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void;
  readonly webRequest: {
    onHeadersReceived(listener: HeadersReceivedListener | null): void;
  };
}

/** `IpcMainEvent`: the frame that sent the message (null once that frame is gone). */
export interface ShellIpcMainEvent {
  readonly senderFrame: { readonly url: string } | null;
}

export interface ShellIpcMain {
  on(channel: string, listener: (event: ShellIpcMainEvent, ...args: unknown[]) => void): unknown;
}

/** The preload's `ipcRenderer` (sandboxed preloads may use it; the page never sees it). */
export interface ShellIpcRenderer {
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface ShellApp {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  exit(exitCode?: number): void;
  whenReady(): Promise<unknown>;
  getPath(name: 'appData'): string;
  setPath(name: 'userData', path: string): void;
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: ShellWebContents) => void): unknown;
}

/** What `startShell` needs from `import { app, BrowserWindow, ipcMain, session } from 'electron'`. */
export interface ShellElectron {
  app: ShellApp;
  BrowserWindow: new (options: ShellWindowOptions) => ShellWindow;
  ipcMain: ShellIpcMain;
  session: { readonly defaultSession: ShellSession };
}

export interface ShellContextBridge {
  exposeInMainWorld(apiKey: string, api: unknown): void;
}
