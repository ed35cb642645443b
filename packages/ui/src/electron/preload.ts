import { describeIssues, IPC_CHANNELS, NfcTag, ShellHealth } from './ipc';
import { type AisleShellBridge, type AisleShellInfo, SHELL_INFO_KEY } from './shell-info';
import type { ShellContextBridge, ShellIpcRenderer } from './types';

/**
 * The `window.aisle` object: the shell info, `reportHealth` (checked, then sent to main) and
 * `onNfc` (tags from main, checked before the page sees them). No Node, no raw IPC.
 */
export function createShellBridge(
  ipcRenderer: ShellIpcRenderer,
  info: AisleShellInfo,
  warn: (message: string) => void = console.warn,
): AisleShellBridge {
  return Object.freeze({
    shell: info.shell,
    version: info.version,
    screen: info.screen,
    reportHealth(report: unknown) {
      const parsed = ShellHealth.safeParse(report);
      if (!parsed.success) throw new TypeError(`aisle.reportHealth: ${describeIssues(parsed.error)}`);
      ipcRenderer.send(IPC_CHANNELS.health, parsed.data);
    },
    onNfc(listener: unknown) {
      if (typeof listener !== 'function') throw new TypeError('aisle.onNfc: the listener must be a function');
      const handler = (_event: unknown, payload: unknown) => {
        const parsed = NfcTag.safeParse(payload);
        if (parsed.success) listener(parsed.data);
        else warn(`[aisle] ignored an invalid NFC message (${describeIssues(parsed.error)})`);
      };
      ipcRenderer.on(IPC_CHANNELS.nfc, handler);
      return () => void ipcRenderer.removeListener(IPC_CHANNELS.nfc, handler);
    },
  });
}

/**
 * Exposes the bridge as `window.aisle`, and nothing else. Runs in a sandboxed preload: the
 * app's Vite build bundles this and its imports into one file (only `electron` stays external).
 */
export function exposeShellBridge(
  contextBridge: ShellContextBridge,
  ipcRenderer: ShellIpcRenderer,
  info: AisleShellInfo,
): void {
  contextBridge.exposeInMainWorld(SHELL_INFO_KEY, createShellBridge(ipcRenderer, info));
}
