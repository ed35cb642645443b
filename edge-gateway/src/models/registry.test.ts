import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelRelease } from '@aisle/contracts';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelManager } from './manager';
import { pullModels, type ReleaseSource } from './registry';
import { brokenModelDir, historyModelDir, memoryLogger } from './testing';

let root: string;
const dirs = { v1: '', v2: '', v3: '', bad: '' };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aisle-registry-'));
  dirs.v1 = (await historyModelDir(join(root, 'src', 'v1'), { items: 100, seed: 1, version: 'v1' })).dir;
  dirs.v2 = (await historyModelDir(join(root, 'src', 'v2'), { items: 100, seed: 2, version: 'v2' })).dir;
  dirs.v3 = (await historyModelDir(join(root, 'src', 'v3'), { items: 100, seed: 3, version: 'v3' })).dir;
  dirs.bad = (await brokenModelDir(join(root, 'src', 'bad'), dirs.v1, 'bad')).dir;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The cloud registry's twin: releases built from model folders; `corrupt` serves other bytes for one file. */
class MemorySource implements ReleaseSource {
  readonly releases: ModelRelease[] = [];
  readonly files = new Map<string, Buffer>();
  readonly downloads: string[] = [];

  async add(dir: string, version: string, createdAt: number, mode: 'full' | 'canary' = 'full', corrupt?: string) {
    const files: Record<string, string> = {};
    for (const name of await readdir(dir)) {
      const bytes = await readFile(join(dir, name));
      files[name] = createHash('sha256').update(bytes).digest('hex');
      this.files.set(`${version}/${name}`, name === corrupt ? Buffer.concat([bytes, Buffer.from([0])]) : bytes);
    }
    this.releases.push({ version, kind: 'seq-knn', files, rollout: { mode, percent: 100 }, createdAt });
    return this;
  }

  async modelReleases(): Promise<ModelRelease[]> {
    return this.releases;
  }

  async modelFile(version: string, name: string): Promise<Buffer> {
    this.downloads.push(`${version}/${name}`);
    const bytes = this.files.get(`${version}/${name}`);
    if (!bytes) throw new Error(`404 ${version}/${name}`);
    return bytes;
  }
}

const managers: ModelManager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()));
});

async function setup() {
  const modelsDir = join(await mkdtemp(join(root, 'gw-')), 'models');
  const { logger, lines } = memoryLogger();
  const manager = await ModelManager.open({ dir: dirs.v1, logger, registry: new Registry() });
  managers.push(manager);
  const source = new MemorySource();
  await source.add(dirs.v1, 'v1', 1);
  const pull = () => pullModels({ source, storeId: 'store-1', modelsDir, manager, logger });
  return { modelsDir, manager, source, lines, pull };
}

describe('pullModels', () => {
  it('is up to date when the newest release is the live one', async () => {
    const { pull, source } = await setup();
    expect(await pull()).toEqual({ upToDate: true });
    expect(source.downloads).toEqual([]);
  });

  it('downloads, verifies and stages the newest release; no .partial folder remains', async () => {
    const { pull, source, manager, modelsDir } = await setup();
    await source.add(dirs.v2, 'v2', 2, 'canary');
    await source.add(dirs.v3, 'v3', 3);
    expect(await pull()).toEqual({ staged: 'v3', upToDate: false });
    expect(manager.status()).toMatchObject({ live: 'v3', fallback: 'v1' });
    expect(source.downloads.every((d) => d.startsWith('v3/'))).toBe(true);
    expect((await readdir(modelsDir)).sort()).toEqual(['v3']);
    expect((await readdir(join(modelsDir, 'v3'))).sort()).toEqual(['model.json', 'model.onnx']);
    expect((await manager.recommend({ history: ['item-001'] }, 5)).version).toBe('v3');
    // v3 runs: the older v2 is never staged
    expect(await pull()).toEqual({ upToDate: true });
  });

  it('rejects a release whose file does not match its checksum and stages nothing', async () => {
    const { pull, source, manager, modelsDir, lines } = await setup();
    await source.add(dirs.v2, 'v2', 2, 'full', 'model.onnx');
    expect(await pull()).toEqual({ rejected: 'v2', upToDate: false });
    expect(manager.status()).toMatchObject({ live: 'v1', rejected: ['v2'] });
    expect(manager.status().candidate).toBeUndefined();
    expect(await readdir(modelsDir)).toEqual([]);
    expect(lines.find((l) => l.msg === 'model release rejected: checksum mismatch')).toMatchObject({
      version: 'v2',
      file: 'model.onnx',
    });
    // a rejected release is not downloaded again
    const before = source.downloads.length;
    expect(await pull()).toEqual({ upToDate: true });
    expect(source.downloads).toHaveLength(before);
  });

  it('rejects a release that fails its warm-up', async () => {
    const { pull, source, manager } = await setup();
    await source.add(dirs.bad, 'bad', 2);
    expect(await pull()).toEqual({ rejected: 'bad', upToDate: false });
    expect(manager.status()).toMatchObject({ live: 'v1', rejected: ['bad'] });
    expect(await pull()).toEqual({ upToDate: true });
  });

  it('stages a verified copy already on disk without downloading it', async () => {
    const { pull, source, manager, modelsDir } = await setup();
    await source.add(dirs.v2, 'v2', 2);
    await mkdir(modelsDir, { recursive: true });
    await cp(dirs.v2, join(modelsDir, 'v2'), { recursive: true });
    expect(await pull()).toEqual({ staged: 'v2', upToDate: false });
    expect(source.downloads).toEqual([]);
    expect(manager.version).toBe('v2');
  });

  it('throws on a download error and leaves nothing behind; the next pull succeeds', async () => {
    const { pull, source, manager, modelsDir } = await setup();
    await source.add(dirs.v2, 'v2', 2);
    const onnx = source.files.get('v2/model.onnx')!;
    source.files.delete('v2/model.onnx');
    await expect(pull()).rejects.toThrow(/404/);
    expect(await readdir(modelsDir)).toEqual([]);
    expect(manager.isRejected('v2')).toBe(false);
    source.files.set('v2/model.onnx', onnx);
    expect(await pull()).toEqual({ staged: 'v2', upToDate: false });
  });
});
