import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Cloud, createCloud, operatorToken, publishModel, storeToken } from '@aisle/cloud-sync';
import type { Product } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import { demoFloorPlan } from '@aisle/simulators';
import { until } from '@aisle/testkit';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/index';
import { brokenModelDir, historyModelDir, slowModelDir, syntheticItems } from '../src/models/testing';

/**
 * Model versions reaching a running gateway from the cloud registry: pulled, checksum-verified, warmed up and swapped
 * in while it serves; a broken version is rolled back by itself and says so in the logs and in /metrics.
 */
const ITEMS = 120;
const STORE = 'model-store';
const STORE_SECRET = newSecret();
const ADMIN_SECRET = newSecret();
const OPERATOR = operatorToken(ADMIN_SECRET);
let gateway: Gateway;
let httpUrl: string;
let cloud: Cloud;
let dir: string;
const logLines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aisle-models-'));
  const plan = demoFloorPlan(STORE);
  // the synthetic model's items, shelved in the kiosk's zone
  const catalog: Product[] = syntheticItems(ITEMS).map((id, i) => ({
    id,
    name: { en: `Item ${i}`, ko: `상품 ${i}` },
    category: i % 2 ? 'skincare' : 'makeup',
    brand: `Brand ${i % 7}`,
    price: 10,
    currency: 'KRW',
    attributes: {},
  }));
  cloud = await createCloud({
    database: ':memory:',
    logger: pino({ level: 'silent' }),
    seed: {
      catalog: { items: catalog },
      customers: [],
      stores: [{ storeId: STORE, secretHash: hashSecret(STORE_SECRET) }],
    },
    adminSecret: ADMIN_SECRET,
  });
  const cloudUrl = await cloud.app.listen({ host: '127.0.0.1', port: 0 });
  const v1 = await historyModelDir(join(dir, 'v1'), { items: ITEMS, seed: 1, version: 'v1' });
  writeFileSync(join(dir, 'floor-plan.json'), JSON.stringify(plan));
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  gateway = await createGateway(
    {
      databasePath: join(dir, 'gateway.db'),
      floorPlanPath: join(dir, 'floor-plan.json'),
      modelDir: v1.dir,
      cloudUrl,
      cloudCredential: storeToken(STORE, STORE_SECRET),
      http: { port: 0 },
      mqtt: { port: 0 },
      models: { registryDir: join(dir, 'registry'), pullIntervalMs: 3_600_000 },
    },
    { logger: pino({ level: 'info' }, sink) },
  );
  ({ httpUrl } = await gateway.listen());
});

afterAll(async () => {
  await gateway?.close();
  await cloud?.app.close();
});

const ask = () => gateway.models.recommend({ history: ['item-003', 'item-004'] }, 6, 'shp-someone');

describe('model versions from the cloud registry', () => {
  it('pulls a new version, verifies it and swaps it in while requests keep coming, failing none', async () => {
    expect(gateway.models.version).toBe('v1');
    const v2 = await historyModelDir(join(dir, 'v2'), { items: ITEMS, seed: 2, version: 'v2' });
    await publishModel(cloud.app, STORE, v2.dir, { mode: 'full', percent: 100 }, OPERATOR);
    let failed = 0;
    let answered = 0;
    const versions = new Set<string>();
    let running = true;
    const load = (async () => {
      while (running) {
        await Promise.all(
          Array.from({ length: 8 }, () =>
            ask().then(
              (a) => {
                versions.add(a.version);
                answered++;
              },
              () => failed++,
            ),
          ),
        );
      }
    })();
    try {
      // v1's latency under this same load is the baseline v2's probation compares with; on a busy machine, a
      // baseline from quiet traffic would make v2 under load look like a p99 regression and roll it back
      await until('a baseline under load', () => answered >= 800, 30_000, 10);
      const pulled = await gateway.pullModels();
      expect(pulled, logLines.filter((l) => /models|registry/.test(l)).join('')).toMatchObject({ staged: 'v2' });
      await until('answers from v2', () => versions.has('v2') || undefined);
    } finally {
      running = false;
      await load;
    }
    expect(failed).toBe(0);
    expect(versions).toEqual(new Set(['v1', 'v2']));
    expect(gateway.models.version).toBe('v2');
    expect(gateway.store.db.prepare("SELECT state FROM model_versions WHERE version = 'v2'").pluck().get()).toBe(
      'live',
    );
  });

  it('never serves a version that fails its warm-up', async () => {
    const broken = await brokenModelDir(join(dir, 'v3'), join(dir, 'v2'), 'v3-broken', { failOn: 'history' });
    await publishModel(cloud.app, STORE, broken.dir, { mode: 'full', percent: 100 }, OPERATOR);
    expect(await gateway.pullModels()).toMatchObject({ rejected: 'v3-broken' });
    expect(gateway.models.version).toBe('v2');
    expect(gateway.models.status().rejected).toContain('v3-broken');
    const metrics = await (await fetch(`${httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/aisle_model_rejections_total\{[^}]*reason="warmup"[^}]*\} 1/);
  });

  it('rolls a canary whose p99 regresses back by itself: no request fails, and logs and /metrics show it', async () => {
    // the live version's latency on quiet traffic is the baseline (the swap under load above is not)
    for (let i = 0; i < 600; i++) await ask();
    const slow = await slowModelDir(join(dir, 'v3s'), join(dir, 'v2'), 'v3-slow', { size: 384, depth: 24 });
    await publishModel(cloud.app, STORE, slow.dir, { mode: 'canary', percent: 100 }, OPERATOR);
    expect(await gateway.pullModels()).toMatchObject({ staged: 'v3-slow' });
    expect(gateway.models.status().candidate?.version).toBe('v3-slow');
    let failed = 0;
    for (let i = 0; i < 400 && gateway.models.status().candidate; i++) await ask().catch(() => failed++);
    expect(failed).toBe(0);
    expect(gateway.models.status().candidate).toBeUndefined();
    expect(gateway.models.status().rejected).toContain('v3-slow');
    expect(gateway.models.version).toBe('v2');
    const rollback = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'model rolled back');
    expect(rollback).toMatchObject({ version: 'v3-slow', reason: 'p99_latency', level: 40 });
    const metrics = await (await fetch(`${httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/aisle_model_rollbacks_total\{[^}]*version="v3-slow"[^}]*\} 1/);
    // and it is never pulled again
    expect(await gateway.pullModels()).toMatchObject({ upToDate: true });
  });

  it('refuses a release whose file does not match its checksum, and keeps serving', async () => {
    const v4 = await historyModelDir(join(dir, 'v4'), { items: ITEMS, seed: 4, version: 'v4' });
    await publishModel(cloud.app, STORE, v4.dir, { mode: 'full', percent: 100 }, OPERATOR);
    // the bytes on the wire are swapped for another model's after publishing
    const other = await historyModelDir(join(dir, 'v5'), { items: ITEMS, seed: 5, version: 'v4' });
    await cloud.store.db
      .updateTable('model_files')
      .set({ bytes: readFileSync(join(other.dir, 'model.onnx')) })
      .where('version', '=', 'v4')
      .where('name', '=', 'model.onnx')
      .execute();
    expect(await gateway.pullModels()).toMatchObject({ rejected: 'v4' });
    expect(gateway.models.version).toBe('v2');
    expect((await ask()).version).toBe('v2');
  });
});
