import { type AisleShellInfo, SHELL_INFO_KEY } from './shell-info';
import type { ShellContextBridge } from './types';

/**
 * Exposes a frozen copy of the shell info as `window.aisle`, and nothing else: no Node,
 * no IPC. Runs in a sandboxed preload, so it must stay free of imports besides `electron`.
 */
export function exposeShellInfo(contextBridge: ShellContextBridge, info: AisleShellInfo): void {
  contextBridge.exposeInMainWorld(SHELL_INFO_KEY, Object.freeze({ ...info }));
}
