/**
 * Sandboxed preload: exposes `window.aisle` = { shell: 'electron', version, screen: 'kiosk' } plus
 * `reportHealth` and `onNfc` (tags from an NFC reader, none wired yet), and nothing else.
 */
import { exposeShellBridge } from '@aisle/ui/electron/preload';
import { contextBridge, ipcRenderer } from 'electron';
import { version } from '../../package.json';

exposeShellBridge(contextBridge, ipcRenderer, { shell: 'electron', version, screen: 'kiosk' });
