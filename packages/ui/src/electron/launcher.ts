/**
 * `npm run kiosk` / `npm run mirror`: starts the Electron shell when Electron and its
 * binary are installed, otherwise Chromium in kiosk mode. The choice and the command
 * lines are pure functions; `launchScreenShell` does the I/O.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { parseShellArgs, type ShellArgs, type ShellArgsDefaults } from './hardening';

export type ShellChoice =
  | { kind: 'electron'; binary: string; main: string }
  | { kind: 'chromium'; binary: string; note: string | null }
  | { kind: 'none'; reason: string };

export interface FoundShells {
  /** Path of the Electron executable, or null when the package or its binary is missing. */
  electronBinary: string | null;
  /** The built shell entry (dist-electron/main.js), or null when it has not been built. */
  electronMain: string | null;
  chromiumPath: string | null;
  /** `AISLE_SHELL`: force one of the two. */
  prefer?: string | undefined;
}

export function chooseShell(found: FoundShells): ShellChoice {
  const { electronBinary, electronMain, chromiumPath, prefer } = found;
  if (prefer !== 'chromium' && electronBinary && electronMain)
    return { kind: 'electron', binary: electronBinary, main: electronMain };
  if (chromiumPath) {
    const note =
      prefer === 'chromium'
        ? 'AISLE_SHELL=chromium'
        : electronBinary
          ? 'Electron is installed but the shell is not built (run `npm run build`)'
          : prefer === 'electron'
            ? 'AISLE_SHELL=electron, but Electron is not installed'
            : null;
    return { kind: 'chromium', binary: chromiumPath, note };
  }
  return {
    kind: 'none',
    reason: electronBinary
      ? 'the Electron shell is not built (run `npm run build`) and no Chromium was found (set CHROMIUM_PATH)'
      : 'neither Electron nor Chromium was found (install electron, or set CHROMIUM_PATH)',
  };
}

/** Chromium switches for the fallback: kiosk app window, throwaway profile, no background traffic. */
export function chromiumArgs(url: string, userDataDir: string, options: { noSandbox?: boolean } = {}): string[] {
  return [
    '--kiosk',
    `--app=${url}`,
    `--user-data-dir=${userDataDir}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-features=Translate',
    '--deny-permission-prompts',
    '--noerrdialogs',
    '--disable-session-crashed-bubble',
    ...(options.noSandbox ? ['--no-sandbox'] : []),
  ];
}

export function shellCommand(
  choice: Exclude<ShellChoice, { kind: 'none' }>,
  options: { args: ShellArgs; userDataDir: string; noSandbox?: boolean },
): { command: string; args: string[] } {
  const sandbox = options.noSandbox ? ['--no-sandbox'] : [];
  if (choice.kind === 'electron') {
    const devTools = options.args.devTools ? ['--devtools'] : [];
    return { command: choice.binary, args: [choice.main, `--url=${options.args.url}`, ...devTools, ...sandbox] };
  }
  return { command: choice.binary, args: chromiumArgs(options.args.url, options.userDataDir, options) };
}

export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export function findChromium(
  env: Readonly<Record<string, string | undefined>>,
  exists: (file: string) => boolean = existsSync,
): string | null {
  const candidates = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH, ...CHROMIUM_CANDIDATES] : CHROMIUM_CANDIDATES;
  return candidates.find((file) => exists(file)) ?? null;
}

/** The `electron` package exports the path of its binary, and throws when the binary was never downloaded. */
export function findElectronBinary(appDir: string): string | null {
  try {
    const binary: unknown = createRequire(path.join(appDir, 'package.json'))('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

export interface LaunchOptions extends ShellArgsDefaults {
  /** The screen app's package directory (holds dist-electron/). */
  appDir: string;
  /** `kiosk` or `mirror`, for messages and the temp profile name. */
  name: string;
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
}

export function launchScreenShell(options: LaunchOptions): void {
  const env = options.env ?? process.env;
  const log = (message: string) => console.log(`[aisle ${options.name}] ${message}`);
  let args: ShellArgs;
  try {
    args = parseShellArgs(options.argv ?? process.argv.slice(2), env, options);
  } catch (error) {
    console.error(`[aisle ${options.name}] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
    return;
  }

  const main = path.join(options.appDir, 'dist-electron', 'main.js');
  const choice = chooseShell({
    electronBinary: findElectronBinary(options.appDir),
    electronMain: existsSync(main) ? main : null,
    chromiumPath: findChromium(env),
    prefer: env.AISLE_SHELL,
  });
  if (choice.kind === 'none') {
    console.error(`[aisle ${options.name}] cannot start: ${choice.reason}`);
    process.exitCode = 1;
    return;
  }

  const userDataDir = choice.kind === 'chromium' ? mkdtempSync(path.join(tmpdir(), `aisle-${options.name}-`)) : '';
  const noSandbox = env.AISLE_NO_SANDBOX === '1';
  const { command, args: commandArgs } = shellCommand(choice, { args, userDataDir, noSandbox });
  log(`using ${choice.kind === 'electron' ? 'Electron' : 'Chromium (fallback)'}: ${command}`);
  if (choice.kind === 'chromium' && choice.note) log(choice.note);
  if (noSandbox) log('AISLE_NO_SANDBOX=1: the OS sandbox is off; use only for development');
  log(`showing ${args.url}`);

  const cleanup = () => {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    // Chromium's helper processes outlive the browser process by a moment and may still write to the profile.
    if (userDataDir)
      setTimeout(() => rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }), 1000);
  };
  const child = spawn(command, commandArgs, { stdio: 'inherit' });
  function forward(signal: NodeJS.Signals) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (error) => {
    console.error(`[aisle ${options.name}] could not start ${command}: ${error.message}`);
    cleanup();
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    cleanup();
    log(`${choice.kind} exited (${signal ?? code})`);
    process.exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 0);
  });
}
