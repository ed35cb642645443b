import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DeviceRegistryFile, hashPin, hashSecret, newSecret, type StaffFile } from '@aisle/contracts/credentials';
import { saveModel, trainBundles, trainZonePopularity } from '@aisle/recsys';
import { demoAssortment } from '../assortment';
import { demoCatalog } from '../catalog';
import { CLOUD_STORES_FILE, ensureCloudCredentials, readCloudCredential } from '../cloud-credentials';
import { demoDevices } from '../devices';
import { demoBaskets, demoHistory } from '../history';
import { newScreenTokens, SCREEN_TOKENS_FILE } from '../screen-tokens';
import { demoCustomers, demoFloorPlan } from '../store';

export interface DemoFiles {
  floorPlan: string;
  /** The gateway's device registry (hashed secrets). */
  devices: string;
  /** The simulated devices' own secrets; a real device keeps its secret to itself. */
  deviceSecrets: string;
  cloudSeed: string;
  /** Store credentials cloud-sync registers at start (hashed secrets); the secrets are in the data folder (0600). */
  cloudStores: string;
  /** Device tokens of the floor plan's screens (mode 0600; the gateway pairs them at start). */
  screenTokens: string;
  /** Staff who may log in on the staff screen (hashed PINs). */
  staff: string;
  modelDir: string;
  /** The co-purchase model for "complete the look". */
  bundlesDir: string;
  /** Where the gateway keeps model versions pulled from the cloud registry. */
  registryDir: string;
  logs: string;
}

/** The demo's staff and their PINs (printed by `npm start`; a real store sets its own with `aisle screens staff-pin`). */
export const DEMO_STAFF = [
  { id: 'staff-minji', name: 'Minji', role: 'associate', pin: '1234' },
  { id: 'staff-junho', name: 'Junho', role: 'manager', pin: '9999' },
] as const;

/**
 * Lays out the demo store's data folder on first run: floor plan, the cloud's seed
 * (catalog and customers), and a zone-popularity model trained on the store's history.
 * A second run finds them and reuses them (and the databases beside them).
 */
export async function prepareDemoData(dataDir: string, say: (line: string) => void): Promise<DemoFiles> {
  const files: DemoFiles = {
    floorPlan: join(dataDir, 'floor-plan.json'),
    devices: join(dataDir, 'devices.json'),
    deviceSecrets: join(dataDir, 'device-secrets.json'),
    cloudSeed: join(dataDir, 'cloud-seed.json'),
    cloudStores: join(dataDir, CLOUD_STORES_FILE),
    screenTokens: join(dataDir, SCREEN_TOKENS_FILE),
    staff: join(dataDir, 'staff.json'),
    modelDir: join(dataDir, 'models', 'current'),
    bundlesDir: join(dataDir, 'models', 'bundles'),
    registryDir: join(dataDir, 'models', 'registry'),
    logs: join(dataDir, 'logs'),
  };
  mkdirSync(files.logs, { recursive: true });
  const plan = demoFloorPlan();
  const catalog = demoCatalog();
  if (!existsSync(files.floorPlan)) writeFileSync(files.floorPlan, `${JSON.stringify(plan, null, 2)}\n`);
  if (!existsSync(files.devices) || !existsSync(files.deviceSecrets)) {
    const credentials = demoDevices(plan).map((d) => ({ ...d, secret: newSecret() }));
    const registry: DeviceRegistryFile = {
      storeId: plan.storeId,
      devices: credentials.map(({ id, family, secret }) => ({ id, family, secretHash: hashSecret(secret) })),
      services: [],
    };
    writeFileSync(files.devices, `${JSON.stringify(registry, null, 2)}\n`);
    writeFileSync(files.deviceSecrets, JSON.stringify(credentials), { mode: 0o600 });
  }
  // a data folder of an earlier release has no cloud credentials yet: they are made here
  ensureCloudCredentials(dataDir, plan.storeId);
  if (!existsSync(files.screenTokens))
    writeFileSync(files.screenTokens, `${JSON.stringify(newScreenTokens(plan), null, 2)}\n`, { mode: 0o600 });
  if (!existsSync(files.staff)) {
    const staff: StaffFile = DEMO_STAFF.map(({ pin, ...s }) => ({ ...s, pinHash: hashPin(pin) }));
    writeFileSync(files.staff, `${JSON.stringify(staff, null, 2)}\n`, { mode: 0o600 });
  }
  if (!existsSync(files.cloudSeed))
    writeFileSync(
      files.cloudSeed,
      JSON.stringify({
        catalog: { items: catalog },
        customers: demoCustomers(),
        assortments: [demoAssortment(plan, catalog)],
      }),
    );
  if (!existsSync(join(files.modelDir, 'model.json'))) {
    const started = performance.now();
    const events = demoHistory(plan, catalog);
    const model = trainZonePopularity(events, {
      zones: plan.zones.map((z) => z.id),
      items: catalog.map((p) => p.id),
    });
    const card = await saveModel(model, files.modelDir);
    say(
      `model: trained ${card.kind} ${card.version} on ${events.length} events in ${Math.round(performance.now() - started)} ms`,
    );
  }
  if (!existsSync(join(files.bundlesDir, 'model.json'))) {
    const started = performance.now();
    const baskets = demoBaskets(catalog);
    const card = await saveModel(trainBundles(baskets, { items: catalog.map((p) => p.id) }), files.bundlesDir);
    say(
      `model: trained ${card.kind} ${card.version} on ${baskets.length} baskets in ${Math.round(performance.now() - started)} ms`,
    );
  }
  return files;
}

/**
 * The gateway's environment for the demo's files (the demo launcher and the outage rehearsal start it alike); the
 * caller adds the listeners' hosts and ports.
 */
export function gatewayEnv(files: DemoFiles, dataDir: string, cloudUrl: string): NodeJS.ProcessEnv {
  return {
    AISLE_DATA_DIR: dataDir,
    AISLE_CLOUD_URL: cloudUrl,
    AISLE_CLOUD_CREDENTIAL: readCloudCredential(dataDir),
    AISLE_FLOOR_PLAN: files.floorPlan,
    AISLE_MODEL_DIR: files.modelDir,
    AISLE_BUNDLES_DIR: files.bundlesDir,
    AISLE_MODEL_REGISTRY_DIR: files.registryDir,
    AISLE_DEVICES: files.devices,
    AISLE_SCREEN_TOKENS: files.screenTokens,
    AISLE_STAFF_FILE: files.staff,
    // the demo's simulated shoppers are mostly anonymous beacons: track them in memory so the screens react to them
    AISLE_UNCONSENTED_PRESENCE: 'transient',
  };
}
