import { describe, expect, it } from 'vitest';
import {
  CHROMIUM_CANDIDATES,
  chooseShell,
  chromiumArgs,
  findChromium,
  findElectronBinary,
  shellCommand,
} from './launcher';

const electronBinary = '/app/node_modules/electron/dist/electron';
const electronMain = '/app/kiosk-app/dist-electron/main.js';
const chromiumPath = '/usr/bin/chromium';
const args = { url: 'http://127.0.0.1:8080/kiosk/', devTools: false };

describe('chooseShell', () => {
  it('uses Electron when its binary and the built shell are present', () => {
    expect(chooseShell({ electronBinary, electronMain, chromiumPath })).toEqual({
      kind: 'electron',
      binary: electronBinary,
      main: electronMain,
    });
  });

  it('falls back to Chromium without Electron', () => {
    expect(chooseShell({ electronBinary: null, electronMain, chromiumPath })).toEqual({
      kind: 'chromium',
      binary: chromiumPath,
      note: null,
    });
  });

  it('falls back to Chromium, with a hint, when the shell is not built', () => {
    expect(chooseShell({ electronBinary, electronMain: null, chromiumPath })).toMatchObject({
      kind: 'chromium',
      note: expect.stringContaining('npm run build'),
    });
  });

  it('honours AISLE_SHELL=chromium', () => {
    expect(chooseShell({ electronBinary, electronMain, chromiumPath, prefer: 'chromium' })).toMatchObject({
      kind: 'chromium',
    });
  });

  it('reports when there is nothing to run', () => {
    expect(chooseShell({ electronBinary: null, electronMain: null, chromiumPath: null })).toMatchObject({
      kind: 'none',
      reason: expect.stringContaining('CHROMIUM_PATH'),
    });
  });
});

describe('command lines', () => {
  it('runs Electron with the built main and the URL', () => {
    const choice = { kind: 'electron', binary: electronBinary, main: electronMain } as const;
    expect(shellCommand(choice, { args, userDataDir: '' })).toEqual({
      command: electronBinary,
      args: [electronMain, '--url=http://127.0.0.1:8080/kiosk/'],
    });
    expect(shellCommand(choice, { args: { ...args, devTools: true }, userDataDir: '', noSandbox: true }).args).toEqual([
      electronMain,
      '--url=http://127.0.0.1:8080/kiosk/',
      '--devtools',
      '--no-sandbox',
    ]);
  });

  it('runs Chromium as a kiosk app with a throwaway profile and no background traffic', () => {
    const cmd = shellCommand({ kind: 'chromium', binary: chromiumPath, note: null }, { args, userDataDir: '/tmp/p' });
    expect(cmd.command).toBe(chromiumPath);
    expect(cmd.args).toEqual(expect.arrayContaining(chromiumArgs(args.url, '/tmp/p')));
    expect(cmd.args).toEqual(
      expect.arrayContaining([
        '--kiosk',
        '--app=http://127.0.0.1:8080/kiosk/',
        '--user-data-dir=/tmp/p',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ]),
    );
    expect(cmd.args).not.toContain('--no-sandbox');
  });
});

describe('finding the shells', () => {
  it('prefers CHROMIUM_PATH, then the usual locations', () => {
    expect(findChromium({ CHROMIUM_PATH: '/opt/chrome' }, (f) => f === '/opt/chrome' || f === chromiumPath)).toBe(
      '/opt/chrome',
    );
    expect(findChromium({ CHROMIUM_PATH: '/missing' }, (f) => f === chromiumPath)).toBe(chromiumPath);
    expect(findChromium({}, (f) => f === CHROMIUM_CANDIDATES[1])).toBe(CHROMIUM_CANDIDATES[1]);
    expect(findChromium({}, () => false)).toBeNull();
  });

  it('reports no Electron binary where the package is missing', () => {
    expect(findElectronBinary('/nonexistent-dir')).toBeNull();
  });
});
