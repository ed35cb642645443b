import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyFuses, FuseError, fuseConfig, SHELL_FUSES } from './fuses';

// Fuse indexes in the wire (FuseV1Options) and the byte format @electron/fuses reads.
const INDEX = {
  RunAsNode: 0,
  EnableCookieEncryption: 1,
  EnableNodeOptionsEnvironmentVariable: 2,
  EnableNodeCliInspectArguments: 3,
  EnableEmbeddedAsarIntegrityValidation: 4,
  OnlyLoadAppFromAsar: 5,
  LoadBrowserProcessSpecificV8Snapshot: 6,
  GrantFileProtocolExtraPrivileges: 7,
} as const;
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/** Bytes standing in for an Electron binary: the fuse sentinel, wire version 1, and `wire` ('0'/'1' per fuse). */
function fakeBinary(wire: string): Buffer {
  return Buffer.concat([
    Buffer.from('ELF fake electron binary '),
    Buffer.from(SENTINEL),
    Buffer.from([1, wire.length]),
    Buffer.from(wire),
    Buffer.from(' rest of the binary'),
  ]);
}

function wireOf(file: string, length: number): string {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(SENTINEL) + SENTINEL.length + 2;
  return bytes.subarray(at, at + length).toString('latin1');
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'aisle-fuses-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fuse configuration', () => {
  it('turns off every way to run the binary as something else and turns on the integrity checks', () => {
    expect(SHELL_FUSES).toEqual({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      LoadBrowserProcessSpecificV8Snapshot: false,
      GrantFileProtocolExtraPrivileges: false,
    });
  });

  it('sets every fuse explicitly, by its index in the fuse wire', () => {
    const config = fuseConfig('linux', 'x64') as unknown as Record<string, unknown>;
    expect(config.version).toBe('1');
    expect(config.resetAdHocDarwinSignature).toBe(false);
    for (const [name, index] of Object.entries(INDEX))
      expect(config[index], name).toBe(SHELL_FUSES[name as keyof typeof SHELL_FUSES]);
  });

  it('re-signs arm64 macOS builds only', () => {
    expect(fuseConfig('darwin', 'arm64').resetAdHocDarwinSignature).toBe(true);
    expect(fuseConfig('darwin', 'x64').resetAdHocDarwinSignature).toBe(false);
  });
});

describe('applyFuses', () => {
  it('flips the fuses in the binary and reports them', async () => {
    const binary = path.join(dir, 'electron');
    // Electron's defaults: RunAsNode, NODE_OPTIONS and --inspect on, the rest off; one newer fuse we leave alone.
    writeFileSync(binary, fakeBinary('101100001'));
    const result = await applyFuses(binary, { platform: 'linux', arch: 'x64' });
    expect(result).toEqual(SHELL_FUSES);
    expect(wireOf(binary, 9)).toBe('010011001');
    expect(readFileSync(binary).toString('latin1')).toContain(' rest of the binary');
  });

  it('fails clearly when there is no binary at the path', async () => {
    const missing = path.join(dir, 'dist', 'linux-unpacked', 'aisle-kiosk');
    await expect(applyFuses(missing)).rejects.toThrow(FuseError);
    await expect(applyFuses(missing)).rejects.toThrow(`no Electron binary at ${missing}`);
    await expect(applyFuses('')).rejects.toThrow(/give the path/);
  });

  it('fails when the file is not an Electron binary', async () => {
    const notElectron = path.join(dir, 'README');
    writeFileSync(notElectron, 'hello');
    await expect(applyFuses(notElectron)).rejects.toThrow(/sentinel/);
  });
});
