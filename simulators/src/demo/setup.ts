import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DeviceRegistryFile, hashSecret, newSecret } from '@aisle/contracts/credentials';
import { saveModel, trainBundles, trainZonePopularity } from '@aisle/recsys';
import { demoAssortment } from '../assortment';
import { demoCatalog } from '../catalog';
import { demoDevices } from '../devices';
import { demoBaskets, demoHistory } from '../history';
import { demoCustomers, demoFloorPlan } from '../store';

export interface DemoFiles {
  floorPlan: string;
  /** The gateway's device registry (hashed secrets). */
  devices: string;
  /** The simulated devices' own secrets; a real device keeps its secret to itself. */
  deviceSecrets: string;
  cloudSeed: string;
  modelDir: string;
  /** The co-purchase model for "complete the look". */
  bundlesDir: string;
  /** Where the gateway keeps model versions pulled from the cloud registry. */
  registryDir: string;
  logs: string;
}

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
