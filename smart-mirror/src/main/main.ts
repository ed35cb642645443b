/**
 * Electron main process of the fitting-room mirror. Bundled by vite.electron.config.ts to
 * dist-electron/main.js (CommonJS, so `__dirname` is the bundle's directory).
 * The hardening lives in @aisle/ui/electron and is shared with the kiosk.
 */
import path from 'node:path';
import { startShell } from '@aisle/ui/electron/shell';
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { MIRROR_SHELL } from './config';

startShell(
  { app, BrowserWindow, ipcMain, session },
  { ...MIRROR_SHELL, preloadPath: path.join(__dirname, 'preload.js') },
);
