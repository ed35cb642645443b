/**
 * Type-only stand-in for the `electron` module (the apps map `electron` here in their
 * tsconfig.node.json `paths`): the package is an optional dependency whose binary may be
 * absent, and typechecking must not depend on it. At runtime the real module is used
 * (Vite keeps `electron` external). Only what the shells use is declared.
 */
import type {
  ShellApp,
  ShellContextBridge,
  ShellElectron,
  ShellIpcMain,
  ShellIpcRenderer,
  ShellSession,
} from './types';

export declare const app: ShellApp;
export declare const BrowserWindow: ShellElectron['BrowserWindow'];
export declare const session: { readonly defaultSession: ShellSession };
export declare const contextBridge: ShellContextBridge;
export declare const ipcMain: ShellIpcMain;
export declare const ipcRenderer: ShellIpcRenderer;
