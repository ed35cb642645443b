import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRelease, ModelReleases, schemaExamples } from '@aisle/contracts';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Cloud, type CloudOptions, createCloud } from './app';
import { operatorToken } from './auth';
import { publishModel } from './registry-client';
import { TEST_ADMIN_SECRET, testBackends, withCredential } from './testing';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const onnx = Buffer.from([8, 7, 18, 4, 97, 105, 115, 108, 101]);
const users = Buffer.from('user vectors');
const card = (over: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      kind: 'next-basket',
      version: 'nb-1',
      sha256: sha(onnx),
      files: { 'users.bin': sha(users) },
      ...over,
    }),
  );

let cloud: Cloud;
const OPERATOR = operatorToken(TEST_ADMIN_SECRET);
const op = () => withCredential(cloud.app, OPERATOR);
let clock = 1_000;

const upload = (version: string, name: string, bytes: Buffer | string, contentType = 'application/octet-stream') =>
  op().inject({
    method: 'PUT',
    url: `/v1/models/${version}/files/${name}`,
    payload: bytes,
    headers: { 'content-type': contentType },
  });
const publish = (storeId: string, version: string, body: unknown) =>
  op().inject({ method: 'PUT', url: `/v1/stores/${storeId}/models/${version}`, payload: body as object });
const full = { kind: 'next-basket', rollout: { mode: 'full', percent: 100 } };

describe.each(testBackends())('model registry on $name', (backend) => {
  async function start(extra: Partial<CloudOptions> = {}) {
    cloud = await createCloud({
      database: await backend.fresh(),
      logger: pino({ level: 'silent' }),
      seed: { catalog: schemaExamples.Catalog.example },
      now: () => clock++,
      adminSecret: TEST_ADMIN_SECRET,
      ...extra,
    });
    return op();
  }
  afterEach(async () => {
    await cloud?.app.close();
  });
  afterAll(() => backend.cleanup());

  it('stores uploaded files with their sha256 and serves the same bytes back', async () => {
    const app = await start();
    const put = await upload('nb-1', 'model.onnx', onnx);
    expect(put.statusCode).toBe(201);
    expect(put.json()).toEqual({ version: 'nb-1', name: 'model.onnx', sha256: sha(onnx) });
    expect((await upload('nb-1', 'model.onnx', onnx)).statusCode).toBe(200); // same bytes again: unchanged
    const got = await app.inject({ method: 'GET', url: '/v1/models/nb-1/files/model.onnx' });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('application/octet-stream');
    expect(got.rawPayload.equals(onnx)).toBe(true);
    const missing = await app.inject({ method: 'GET', url: '/v1/models/nb-1/files/users.bin' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('accepts model files larger than the JSON body limit, up to its own limit', async () => {
    await start({ bodyLimit: 1024, modelFileLimit: 64 * 1024 });
    const big = Buffer.alloc(32 * 1024, 7);
    expect((await upload('big-1', 'model.onnx', big)).statusCode).toBe(201);
    expect((await upload('big-1', 'model.onnx', Buffer.alloc(65 * 1024))).statusCode).toBe(413);
    const json = await op().inject({
      method: 'PUT',
      url: '/v1/stores/seoul-01/assortment',
      payload: JSON.stringify({ pad: 'x'.repeat(4096) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(json.statusCode).toBe(413);
  });

  it('refuses bad versions, bad file names and bodies that are not octet-stream', async () => {
    await start();
    for (const [version, name] of [
      ['-nb', 'model.onnx'],
      ['nb-1', '.hidden'],
      ['nb-1', 'a%2Fb'],
      ['nb%201', 'model.onnx'],
    ]) {
      const res = await upload(version!, name!, onnx);
      expect(res.statusCode, `${version}/${name}`).toBe(400);
      expect(res.json().error.code).toBe('invalid_id');
    }
    const asJson = await upload('nb-1', 'model.json', '{"kind":"x"}', 'application/json');
    expect(asJson.statusCode).toBe(415);
    const none = await op().inject({ method: 'PUT', url: '/v1/models/nb-1/files/model.onnx' });
    expect(none.statusCode).toBe(400);
    expect(await cloud.store.modelFileSha('nb-1', 'model.json')).toBeUndefined();
  });

  it('publishes a complete version to a store, newest release last, and keeps published files immutable', async () => {
    const app = await start();
    await upload('nb-1', 'model.onnx', onnx);
    await upload('nb-1', 'users.bin', users);
    await upload('nb-1', 'model.json', card());
    const first = await publish('seoul-01', 'nb-1', { ...full, rollout: { mode: 'canary', percent: 10 } });
    expect(first.statusCode).toBe(200);
    expect(ModelRelease.parse(first.json())).toEqual({
      version: 'nb-1',
      kind: 'next-basket',
      files: { 'model.json': sha(card()), 'model.onnx': sha(onnx), 'users.bin': sha(users) },
      rollout: { mode: 'canary', percent: 10 },
      createdAt: expect.any(Number),
    });
    const onnx2 = Buffer.from('second');
    await upload('nb-2', 'model.onnx', onnx2);
    await upload('nb-2', 'model.json', card({ version: 'nb-2', sha256: sha(onnx2), files: undefined }));
    expect((await publish('seoul-01', 'nb-2', full)).statusCode).toBe(200);
    // promoting nb-1 from canary to full makes it the newest release
    expect((await publish('seoul-01', 'nb-1', full)).statusCode).toBe(200);
    const list = ModelReleases.parse((await app.inject({ method: 'GET', url: '/v1/stores/seoul-01/models' })).json());
    expect(list.releases.map((r) => [r.version, r.rollout.mode])).toEqual([
      ['nb-2', 'full'],
      ['nb-1', 'full'],
    ]);
    expect(list.releases[0]!.createdAt).toBeLessThan(list.releases[1]!.createdAt);
    const other = await app.inject({ method: 'GET', url: '/v1/stores/busan-02/models' });
    expect(other.json()).toEqual({ releases: [] });
    const rewrite = await upload('nb-1', 'model.onnx', Buffer.from('tampered'));
    expect(rewrite.statusCode).toBe(409);
    expect(rewrite.json().error.code).toBe('version_published');
    expect((await upload('nb-1', 'model.onnx', onnx)).statusCode).toBe(200);
  });

  it('refuses (409) to publish a version with missing or mismatched files, and stores no release', async () => {
    await start();
    const code = async (body: unknown = full) => (await publish('seoul-01', 'nb-1', body)).json().error?.code;
    expect(await code()).toBe('incomplete_model');
    await upload('nb-1', 'model.onnx', onnx);
    await upload('nb-1', 'model.json', card());
    expect(await code()).toBe('incomplete_model'); // users.bin is listed by the card
    await upload('nb-1', 'users.bin', Buffer.from('other vectors'));
    expect(await code()).toBe('checksum_mismatch');
    await upload('nb-1', 'users.bin', users);
    expect(await code({ ...full, kind: 'zone-popularity' })).toBe('kind_mismatch');
    await upload('nb-1', 'model.json', card({ sha256: sha('not it') }));
    expect(await code()).toBe('checksum_mismatch');
    await upload('nb-1', 'model.json', 'not json');
    expect(await code()).toBe('invalid_card');
    await upload('nb-1', 'model.json', card({ version: 'nb-9' }));
    expect(await code()).toBe('version_mismatch');
    expect(await cloud.store.releases('seoul-01')).toEqual([]);
  });

  it('refuses a bad release body, store id or version with 400', async () => {
    await start();
    for (const body of [
      {},
      { kind: 'x', rollout: { mode: 'half', percent: 10 } },
      { kind: 'x', rollout: { mode: 'full', percent: 101 } },
      { ...full, extra: 1 },
    ]) {
      const res = await publish('seoul-01', 'nb-1', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('invalid_body');
    }
    expect((await publish('a%2Fb', 'nb-1', full)).json().error.code).toBe('invalid_id');
    expect((await publish('seoul-01', '_nb', full)).json().error.code).toBe('invalid_id');
    const list = await op().inject({ method: 'GET', url: '/v1/stores/a%2Fb/models' });
    expect(list.statusCode).toBe(400);
  });

  it('publishModel uploads a model folder and publishes it, by app or over HTTP', async () => {
    const app = await start();
    const dir = mkdtempSync(join(tmpdir(), 'aisle-model-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.onnx'), onnx);
    writeFileSync(join(dir, 'users.bin'), users);
    writeFileSync(join(dir, 'model.json'), card());
    const release = await publishModel(app, 'seoul-01', dir, { mode: 'shadow', percent: 50 }, OPERATOR);
    expect(release).toMatchObject({ version: 'nb-1', kind: 'next-basket', rollout: { mode: 'shadow' } });
    expect(Object.keys(release.files).sort()).toEqual(['model.json', 'model.onnx', 'users.bin']);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const again = await publishModel(url, 'busan-02', dir, { mode: 'full', percent: 100 }, OPERATOR);
    expect(again.files).toEqual(release.files);
    await expect(publishModel(url, 'a/b', dir, { mode: 'full', percent: 100 }, OPERATOR)).rejects.toThrow(
      /publish nb-1 → 400/,
    );
    writeFileSync(join(dir, 'users.bin'), 'changed');
    await expect(publishModel(url, 'busan-02', dir, { mode: 'full', percent: 100 }, OPERATOR)).rejects.toThrow(
      /upload users\.bin → 409/,
    );
  });
});
