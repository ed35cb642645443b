/** Sandboxed preload: exposes `window.aisle = { shell: 'electron', version, screen: 'mirror' }` and nothing else. */
import { exposeShellInfo } from '@aisle/ui/electron/preload';
import { contextBridge } from 'electron';
import { version } from '../../package.json';

exposeShellInfo(contextBridge, { shell: 'electron', version, screen: 'mirror' });
