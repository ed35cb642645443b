/** Key under which the preload script exposes `AisleShellBridge` to the page (`window.aisle`). */
export const SHELL_INFO_KEY = 'aisle';

/** The read-only facts the Electron shell tells the page about itself. */
export interface AisleShellInfo {
  readonly shell: 'electron';
  /** Version of the screen app package. */
  readonly version: string;
  readonly screen: 'kiosk' | 'mirror';
}

/** What the page tells the shell about its link to the gateway (the screen's `ConnectionState`). */
export interface ShellHealthReport {
  state: 'connecting' | 'online' | 'offline' | 'refused';
  /** Short note for the shell's log, e.g. a refusal reason. */
  detail?: string;
}

/** A tag an NFC reader attached to the kiosk read: the code goes to `identify` as `{ method: 'nfc', code }`. */
export interface NfcTagRead {
  code: string;
}

/**
 * `window.aisle` in the Electron shells: the shell info plus the only two things the page
 * may do with the shell. Both sides validate what crosses (see `ipc.ts`).
 */
export interface AisleShellBridge extends AisleShellInfo {
  /** Tells the shell the page's connection state; throws a TypeError on an invalid report. */
  reportHealth(report: ShellHealthReport): void;
  /** Calls `listener` for every NFC tag read (kiosk); returns the unsubscribe function. */
  onNfc(listener: (tag: NfcTagRead) => void): () => void;
}

/** The bridge the Electron preload exposed, or null in a plain browser (Chromium kiosk mode, dev). */
export function readShellBridge(scope: object = globalThis): AisleShellBridge | null {
  const bridge = (scope as { [SHELL_INFO_KEY]?: Partial<AisleShellBridge> })[SHELL_INFO_KEY];
  return bridge?.shell === 'electron' && typeof bridge.reportHealth === 'function' && typeof bridge.onNfc === 'function'
    ? (bridge as AisleShellBridge)
    : null;
}
