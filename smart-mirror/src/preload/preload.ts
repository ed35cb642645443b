/**
 * Sandboxed preload: exposes `window.aisle` = { shell: 'electron', version, screen: 'mirror' } plus
 * `reportHealth` and `onNfc` (never called: the mirror has no NFC reader), and nothing else.
 */
import { exposeShellBridge } from '@aisle/ui/electron/preload';
import { contextBridge, ipcRenderer } from 'electron';
import { version } from '../../package.json';

exposeShellBridge(contextBridge, ipcRenderer, { shell: 'electron', version, screen: 'mirror' });
