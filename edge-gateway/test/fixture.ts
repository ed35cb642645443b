import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createCloud } from '@aisle/cloud-sync';
import { saveModel, trainZonePopularity } from '@aisle/recsys';
import { demoCatalog, demoFloorPlan, demoHistory } from '@aisle/simulators';
import pino from 'pino';
import { createGateway, type GatewayConfigInput, type GatewayDeps } from '../src/index';

const TRAINED_AT = 1_764_000_000_000;

/**
 * What a gateway needs to start, for the demo store: its floor plan file, a real cloud-sync
 * in this process serving the demo catalog, and a model trained on the demo history.
 */
export async function demoStoreFiles(dir: string, storeId: string) {
  const plan = demoFloorPlan(storeId);
  const catalog = demoCatalog();
  const floorPlanPath = join(dir, 'floor-plan.json');
  writeFileSync(floorPlanPath, JSON.stringify(plan));
  const cloud = createCloud({
    databasePath: ':memory:',
    logger: pino({ level: 'silent' }),
    seed: { catalog: { items: catalog }, customers: [] },
  });
  const cloudUrl = await cloud.app.listen({ host: '127.0.0.1', port: 0 });
  const model = trainZonePopularity(demoHistory(plan, catalog, { now: TRAINED_AT }), {
    zones: plan.zones.map((z) => z.id),
    items: catalog.map((p) => p.id),
    now: TRAINED_AT,
  });
  const modelDir = join(dir, 'model');
  await saveModel(model, modelDir);
  return { plan, catalog, cloud, cloudUrl, model, floorPlanPath, modelDir };
}

/**
 * A real gateway on free ports with a real cloud-sync, a model trained on the demo
 * store's history and a temporary data folder; its log lines are kept for assertions.
 */
export async function startFixture(
  config: Partial<GatewayConfigInput> = {},
  deps: GatewayDeps = {},
  storeId = 'test-store',
) {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-gw-'));
  const { plan, catalog, cloud, cloudUrl, model, floorPlanPath, modelDir } = await demoStoreFiles(dir, storeId);
  const logLines: string[] = [];
  const logSink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const gateway = await createGateway(
    {
      databasePath: join(dir, 'gateway.db'),
      floorPlanPath,
      modelDir,
      cloudUrl,
      http: { port: 0 },
      mqtt: { port: 0 },
      presence: { confirmMs: 0 },
      sync: { intervalMs: 100 },
      ...config,
    },
    { logger: pino({ level: 'info' }, logSink), ...deps },
  );
  const urls = await gateway.listen();
  return {
    dir,
    plan,
    catalog,
    cloud,
    model,
    gateway,
    urls,
    logLines,
    async close() {
      await gateway.close();
      await cloud.app.close();
    },
  };
}
export type Fixture = Awaited<ReturnType<typeof startFixture>>;
