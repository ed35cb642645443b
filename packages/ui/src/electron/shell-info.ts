/** Key under which the preload script exposes `AisleShellInfo` to the page (`window.aisle`). */
export const SHELL_INFO_KEY = 'aisle';

/** The read-only facts the Electron shell tells the page about itself. */
export interface AisleShellInfo {
  readonly shell: 'electron';
  /** Version of the screen app package. */
  readonly version: string;
  readonly screen: 'kiosk' | 'mirror';
}
