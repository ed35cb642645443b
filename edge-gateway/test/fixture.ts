import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createCloud, operatorToken, storeToken } from '@aisle/cloud-sync';
import type { CustomerProfile, FloorPlan, StoreAssortment } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import { saveModel, trainBundles, trainZonePopularity } from '@aisle/recsys';
import { demoAssortment, demoBaskets, demoCatalog, demoCustomers, demoFloorPlan, demoHistory } from '@aisle/simulators';
import pino from 'pino';
import { createGateway, type GatewayConfigInput, type GatewayDeps } from '../src/index';

export {
  type ConnectScreenOptions,
  connectRefusal,
  connectScreen,
  type ScreenGateway,
  type ScreenMessage,
  type ScreenSocket,
  screenToken,
  TestScreen,
} from './screen-client';

const TRAINED_AT = 1_764_000_000_000;

/** What the demo store's cloud and models hold beyond the catalog; all off by default, so most tests stay cheap. */
export interface DemoStoreOptions {
  /** The cloud knows this store's stock, aisles and promotions (`demoAssortment`); else stock is unknown. */
  assortment?: boolean;
  /** Customers the cloud starts with: `true` for `demoCustomers()`; none by default. */
  customers?: boolean | readonly CustomerProfile[];
  /** A co-purchase model trained on `demoBaskets`, for "complete the look"; returned as `bundlesDir`. */
  bundles?: boolean;
  /** Changes the demo floor plan before it is written (e.g. more screens). */
  floorPlan?: (plan: FloorPlan) => FloorPlan;
}

/**
 * What a gateway needs to start, for the demo store: its floor plan file, a real cloud-sync
 * in this process serving the demo catalog (and, if asked, the store's stock and the demo
 * customers), a model trained on the demo history, and if asked a bundles model.
 */
export async function demoStoreFiles(dir: string, storeId: string, opts: DemoStoreOptions = {}) {
  const plan = opts.floorPlan ? opts.floorPlan(demoFloorPlan(storeId)) : demoFloorPlan(storeId);
  const catalog = demoCatalog();
  const floorPlanPath = join(dir, 'floor-plan.json');
  writeFileSync(floorPlanPath, JSON.stringify(plan));
  const assortment: StoreAssortment | undefined = opts.assortment ? demoAssortment(plan, catalog) : undefined;
  const customers: CustomerProfile[] = (
    opts.customers === true ? demoCustomers(20, 11, Date.now(), catalog) : [...(opts.customers || [])]
  ).map((c) => ({ ...c, homeStoreId: plan.storeId })); // in this store's scope, so its gateway caches them
  // the store's credential (the gateway's) and the operator's (a test editing customers or publishing models)
  const storeSecret = newSecret();
  const adminSecret = newSecret();
  const cloud = await createCloud({
    database: ':memory:',
    logger: pino({ level: 'silent' }),
    seed: {
      catalog: { items: catalog },
      customers,
      assortments: assortment ? [assortment] : [],
      stores: [{ storeId: plan.storeId, secretHash: hashSecret(storeSecret) }],
    },
    adminSecret,
  });
  const cloudUrl = await cloud.app.listen({ host: '127.0.0.1', port: 0 });
  const cloudCredential = storeToken(plan.storeId, storeSecret);
  const operatorCredential = operatorToken(adminSecret);
  const model = trainZonePopularity(demoHistory(plan, catalog, { now: TRAINED_AT }), {
    zones: plan.zones.map((z) => z.id),
    items: catalog.map((p) => p.id),
    now: TRAINED_AT,
  });
  const modelDir = join(dir, 'model');
  await saveModel(model, modelDir);
  let bundlesDir: string | undefined;
  if (opts.bundles) {
    bundlesDir = join(dir, 'bundles');
    const bundles = trainBundles(demoBaskets(catalog), { items: catalog.map((p) => p.id), now: TRAINED_AT });
    await saveModel(bundles, bundlesDir);
  }
  return {
    plan,
    catalog,
    cloud,
    cloudUrl,
    /** The store's cloud credential (`<storeId>.<secret>`), as the gateway sends it. */
    cloudCredential,
    /** The operator's cloud credential (`admin.<secret>`): editing customers, publishing models. */
    operatorCredential,
    model,
    floorPlanPath,
    modelDir,
    bundlesDir,
    assortment,
    customers,
  };
}

/** Settings every fixture gateway starts with; a test's own settings are merged over them, section by section. */
const FIXTURE_CONFIG = {
  http: { port: 0 },
  mqtt: { port: 0 },
  presence: { confirmMs: 0 },
  sync: { intervalMs: 100 },
  // tests drive anonymous beacons and expect screens to react to them: track devices without consent in memory
  privacy: { unconsentedPresence: 'transient' },
} satisfies Partial<GatewayConfigInput>;

function mergeConfig(
  base: Partial<GatewayConfigInput>,
  over: Partial<GatewayConfigInput>,
): Partial<GatewayConfigInput> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    const plain = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    out[key] = plain(prev) && plain(value) ? { ...(prev as object), ...(value as object) } : value;
  }
  return out as Partial<GatewayConfigInput>;
}

/**
 * A real gateway on free ports with a real cloud-sync, a model trained on the demo
 * store's history and a temporary data folder; its log lines are kept for assertions.
 * `config` is merged over the fixture's settings one section deep (`{ presence: { dwellThresholdMs } }`
 * keeps `confirmMs: 0`); `demo` says what else the cloud and the models hold.
 */
export async function startFixture(
  config: Partial<GatewayConfigInput> = {},
  deps: GatewayDeps = {},
  storeId = 'test-store',
  demo: DemoStoreOptions = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-gw-'));
  const files = await demoStoreFiles(dir, storeId, demo);
  const { plan, catalog, cloud, cloudUrl, cloudCredential, model, floorPlanPath, modelDir, bundlesDir } = files;
  const logLines: string[] = [];
  const logSink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const base = mergeConfig(FIXTURE_CONFIG, bundlesDir ? { models: { bundlesDir } } : {});
  const gateway = await createGateway(
    {
      databasePath: join(dir, 'gateway.db'),
      floorPlanPath,
      modelDir,
      cloudUrl,
      cloudCredential,
      ...mergeConfig(base, config),
    },
    { logger: pino({ level: 'info' }, logSink), ...deps },
  ).catch(async (err) => {
    await cloud.app.close();
    throw err;
  });
  const urls = await gateway.listen();
  return {
    dir,
    plan,
    catalog,
    /** The store's stock as the cloud was seeded with it, when `demo.assortment`. */
    assortment: files.assortment,
    /** The customers the cloud was seeded with. */
    customers: files.customers,
    cloud,
    cloudUrl,
    cloudCredential,
    operatorCredential: files.operatorCredential,
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
