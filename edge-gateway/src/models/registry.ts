/**
 * Pulling model versions from the cloud registry: the newest release this store does not run yet is downloaded
 * file by file into `<modelsDir>/<version>.partial`, every file checked against the sha256 the release lists, then
 * renamed to `<modelsDir>/<version>` in one step and handed to the ModelManager to warm up and roll out.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelRelease } from '@aisle/contracts';
import type { Logger } from 'pino';
import type { ModelManager } from './manager';

/** Where releases come from: the cloud client, or an in-memory twin in tests. */
export interface ReleaseSource {
  modelReleases(storeId: string): Promise<ModelRelease[]>;
  modelFile(version: string, name: string): Promise<Buffer>;
}

export interface PullResult {
  /** The version downloaded (or found on disk) and staged. */
  staged?: string;
  /** The version rejected by this pull (checksum, load, warm-up). */
  rejected?: string;
  /** Nothing newer than what runs (or only rejected versions). */
  upToDate: boolean;
}

/** Versions and file names are used as paths: the contract's pattern, which has no separators and no leading dot. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * One pull. Picks the newest release (by createdAt) that is newer than the live, candidate and fallback versions
 * and not rejected; downloads and verifies it unless `<modelsDir>/<version>` already holds it verified; stages it.
 * A checksum mismatch rejects the version for good and stages nothing. Network and disk errors are thrown (the
 * next pull tries again); nothing half-downloaded is ever staged.
 */
export async function pullModels(opts: {
  source: ReleaseSource;
  storeId: string;
  modelsDir: string;
  manager: ModelManager;
  logger: Logger;
}): Promise<PullResult> {
  const { source, modelsDir, manager } = opts;
  const log = opts.logger.child({ module: 'model-registry' });
  const release = nextRelease(await source.modelReleases(opts.storeId), manager);
  if (!release) {
    log.debug({ live: manager.version }, 'models up to date');
    return { upToDate: true };
  }
  const { version } = release;
  const names = Object.keys(release.files);
  const unsafe = [version, ...names].find((n) => !SAFE_NAME.test(n));
  if (unsafe !== undefined) {
    manager.reject(version, 'bad_release', `unsafe name ${JSON.stringify(unsafe)}`);
    return { rejected: version, upToDate: false };
  }

  const dir = join(modelsDir, version);
  if (await holdsVerified(dir, release.files)) {
    log.info({ version, dir }, 'model release already on disk');
  } else {
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    let bytes = 0;
    try {
      for (const name of names) {
        const data = await source.modelFile(version, name);
        const actual = sha256(data);
        const expected = release.files[name]!;
        if (actual !== expected) {
          await rm(partial, { recursive: true, force: true });
          manager.reject(version, 'checksum', `${name}: sha256 ${actual}, release says ${expected}`);
          log.warn({ version, file: name, expected, actual }, 'model release rejected: checksum mismatch');
          return { rejected: version, upToDate: false };
        }
        await writeFile(join(partial, name), data);
        bytes += data.length;
      }
      await rm(dir, { recursive: true, force: true }); // an incomplete or tampered copy from before
      await rename(partial, dir);
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw err;
    }
    log.info({ version, files: names.length, bytes }, 'model release downloaded');
  }

  try {
    await manager.stage(dir, release);
  } catch (err) {
    if (manager.isRejected(version)) return { rejected: version, upToDate: false };
    throw err;
  }
  return { staged: version, upToDate: false };
}

/** Newest first; stop at the first version this store runs; skip rejected ones. */
function nextRelease(releases: readonly ModelRelease[], manager: ModelManager): ModelRelease | undefined {
  const status = manager.status();
  const running = new Set([status.live, status.candidate?.version, status.fallback]);
  const newestFirst = [...releases].sort((a, b) => b.createdAt - a.createdAt);
  for (const release of newestFirst) {
    if (running.has(release.version)) return undefined;
    if (!manager.isRejected(release.version)) return release;
  }
  return undefined;
}

async function holdsVerified(dir: string, files: Record<string, string>): Promise<boolean> {
  for (const [name, expected] of Object.entries(files)) {
    let data: Buffer;
    try {
      data = await readFile(join(dir, name));
    } catch {
      return false;
    }
    if (sha256(data) !== expected) return false;
  }
  return true;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
