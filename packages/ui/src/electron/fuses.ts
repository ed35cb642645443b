/**
 * Electron fuses of the packaged kiosk and mirror shells: switches compiled into the Electron
 * binary that turn off ways to run it as something other than our app. Flipped once on the
 * packaged binary, after packaging and before code signing:
 *   npm run package:fuses -w @aisle/ui -- <path to the packaged Electron binary or .app>
 * https://www.electronjs.org/docs/latest/tutorial/fuses
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

type FusesModule = typeof import('@electron/fuses');
type FuseConfig = import('@electron/fuses').FuseConfig;

// @electron/fuses is CommonJS; require it rather than rely on Node's named-export detection.
const fuses = createRequire(import.meta.url)('@electron/fuses') as FusesModule;
const { FuseV1Options, FuseVersion } = fuses;

/** A fuse's byte in the binary's fuse wire: ASCII '0' (disabled) or '1' (enabled). */
const DISABLED = 0x30;
const ENABLED = 0x31;

/** Wanted state of every fuse @electron/fuses knows, by name (true = enabled). */
export const SHELL_FUSES = {
  /** `ELECTRON_RUN_AS_NODE` would turn the binary into a plain Node.js. */
  RunAsNode: false,
  /** Cookies on disk are encrypted with an OS-protected key. */
  EnableCookieEncryption: true,
  /** `NODE_OPTIONS` could inject code into the main process. */
  EnableNodeOptionsEnvironmentVariable: false,
  /** `--inspect` and friends would open a debugger on the main process. */
  EnableNodeCliInspectArguments: false,
  /** The app.asar is checked against the hash embedded at packaging (macOS, Windows). */
  EnableEmbeddedAsarIntegrityValidation: true,
  /** The app is loaded only from app.asar, not from a loose app/ folder next to it. */
  OnlyLoadAppFromAsar: true,
  /** No separate, replaceable V8 snapshot for the browser process. */
  LoadBrowserProcessSpecificV8Snapshot: false,
  /** file:// pages get no extra privileges (the shells load http(s) pages from the gateway). */
  GrantFileProtocolExtraPrivileges: false,
} as const satisfies Record<keyof typeof FuseV1Options, boolean>;

/** The `flipFuses` configuration: every fuse set explicitly. */
export function fuseConfig(platform: NodeJS.Platform = process.platform, arch: string = process.arch): FuseConfig {
  const fuseStates = Object.fromEntries(
    Object.entries(SHELL_FUSES).map(([name, enabled]) => [FuseV1Options[name as keyof typeof FuseV1Options], enabled]),
  );
  return {
    version: FuseVersion.V1,
    // Flipping fuses invalidates the ad-hoc signature of arm64 macOS builds; re-sign them.
    resetAdHocDarwinSignature: platform === 'darwin' && arch === 'arm64',
    ...fuseStates,
  };
}

export class FuseError extends Error {
  override readonly name = 'FuseError';
}

/**
 * Flips the fuses of the Electron binary at `electronBinaryPath` and reads them back.
 * Throws a `FuseError` naming the path when there is no such binary, or when a fuse did not take.
 */
export async function applyFuses(
  electronBinaryPath: string,
  options: { platform?: NodeJS.Platform; arch?: string } = {},
): Promise<Record<keyof typeof SHELL_FUSES, boolean>> {
  if (!electronBinaryPath) throw new FuseError('give the path of the packaged Electron binary (or .app bundle)');
  if (!existsSync(electronBinaryPath))
    throw new FuseError(
      `no Electron binary at ${electronBinaryPath}: package the app first, then pass the packaged binary's path`,
    );
  await fuses.flipFuses(electronBinaryPath, fuseConfig(options.platform, options.arch));
  const wire = await fuses.getCurrentFuseWire(electronBinaryPath);
  const result = {} as Record<keyof typeof SHELL_FUSES, boolean>;
  const wrong: string[] = [];
  for (const [name, wanted] of Object.entries(SHELL_FUSES) as [keyof typeof SHELL_FUSES, boolean][]) {
    const state = wire[FuseV1Options[name]];
    result[name] = state === ENABLED;
    if (state !== (wanted ? ENABLED : DISABLED)) wrong.push(name);
  }
  if (wrong.length > 0) throw new FuseError(`fuses not set in ${electronBinaryPath}: ${wrong.join(', ')}`);
  return result;
}
