/**
 * `npm start`: the whole demo store on one machine. Starts cloud-sync and the edge gateway
 * as their own processes, then walks simulated shoppers through the store over MQTT.
 * Prints one line per surface; Ctrl-C stops everything.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FloorPlan, type ScreenKind } from '@aisle/contracts';
import { z } from 'zod';
import { demoCatalog } from '../catalog';
import { connectFleet, DeviceCredential, type Fleet } from '../fleet';
import { ScreenTokens } from '../screen-tokens';
import { ShopperSimulation } from '../shoppers';
import { demoCustomers, withKnownShoppers } from '../store';
import { choosePort } from './ports';
import { logTail, type Service, startService, stopService, waitForLog, waitHealthy } from './processes';
import { DEMO_STAFF, prepareDemoData } from './setup';

const say = (line: string) => process.stdout.write(`${line}\n`);
const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const env = process.env;
const host = '127.0.0.1';
const dataDir = resolve(env.AISLE_DATA_DIR ?? 'data');

/** What the gateway's ready line says it bound. */
const GatewayReady = z.object({ httpUrl: z.string(), mqttUrl: z.string() });

const services: Service[] = [];
let simTimer: NodeJS.Timeout | undefined;
let fleet: Fleet | undefined;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  stopping = true;
  if (simTimer) clearInterval(simTimer);
  // devices say goodbye, unless the gateway is already gone (Ctrl-C reaches every process at once)
  await Promise.race([fleet?.close().catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]);
  await Promise.all(services.map((s) => stopService(s)));
  process.exit(code);
}

function watch(service: Service): void {
  service.child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`${service.name} stopped unexpectedly (${signal ?? `exit ${code}`}); its log ${service.logFile} ends with:`);
    say(logTail(service));
    void stopAll(1);
  });
}

async function main(): Promise<void> {
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const files = await prepareDemoData(dataDir, say);
  const ports = {
    cloud: await choosePort('cloud', host, env.AISLE_CLOUD_PORT, 8090),
    http: await choosePort('gateway http', host, env.AISLE_HTTP_PORT, 8080),
    mqtt: await choosePort('mqtt', host, env.AISLE_MQTT_PORT, 1883),
  };
  for (const p of Object.values(ports)) if (p.note) say(p.note);

  const cloud = startService(
    'cloud-sync',
    repo('cloud-sync/src/main.ts'),
    {
      AISLE_DATA_DIR: dataDir,
      AISLE_CLOUD_HOST: host,
      AISLE_CLOUD_PORT: String(ports.cloud.port),
      AISLE_CLOUD_SEED: files.cloudSeed,
    },
    `${files.logs}/cloud-sync.log`,
  );
  services.push(cloud);
  watch(cloud);
  const cloudUrl = z.string().parse((await waitForLog(cloud, 'cloud-sync ready', 30_000)).url);
  await waitHealthy(cloud, `${cloudUrl}/health`, 30_000);

  const gateway = startService(
    'edge-gateway',
    repo('edge-gateway/src/main.ts'),
    {
      AISLE_DATA_DIR: dataDir,
      AISLE_HTTP_HOST: host,
      AISLE_HTTP_PORT: String(ports.http.port),
      AISLE_MQTT_HOST: host,
      AISLE_MQTT_PORT: String(ports.mqtt.port),
      AISLE_CLOUD_URL: cloudUrl,
      AISLE_FLOOR_PLAN: files.floorPlan,
      AISLE_MODEL_DIR: files.modelDir,
      AISLE_BUNDLES_DIR: files.bundlesDir,
      AISLE_MODEL_REGISTRY_DIR: files.registryDir,
      AISLE_DEVICES: files.devices,
      AISLE_SCREEN_TOKENS: files.screenTokens,
      AISLE_STAFF_FILE: files.staff,
    },
    `${files.logs}/edge-gateway.log`,
  );
  services.push(gateway);
  watch(gateway);
  const ready = GatewayReady.parse(await waitForLog(gateway, 'edge gateway ready', 60_000));
  const { httpUrl: gatewayUrl, mqttUrl } = ready;
  await waitHealthy(gateway, `${gatewayUrl}/health`, 30_000);

  const plan = FloorPlan.parse(JSON.parse(readFileSync(files.floorPlan, 'utf8')));
  const credentials = z.array(DeviceCredential).parse(JSON.parse(readFileSync(files.deviceSecrets, 'utf8')));
  fleet = await connectFleet(mqttUrl, plan.storeId, credentials);
  const sim = new ShopperSimulation({
    plan,
    catalog: demoCatalog(),
    shoppers: Number(env.AISLE_DEMO_SHOPPERS ?? 8),
    // some shoppers carry the shopper app: their sightings identify a known customer
    publish: withKnownShoppers(
      (topic, payload) => fleet?.publish(topic, payload),
      demoCustomers().flatMap((c) => c.appDevices),
      { share: 0.3 },
    ),
  });
  simTimer = setInterval(() => sim.tick(Date.now()), 1_000);

  // each screen's URL carries its store and device token (the screen keeps both, so a reload without them works)
  const tokens = ScreenTokens.parse(JSON.parse(readFileSync(files.screenTokens, 'utf8')));
  const screen = (kind: ScreenKind) => {
    const s = plan.screens.find((p) => p.kind === kind);
    const token = tokens.find((t) => t.screenId === s?.id)?.token;
    if (!s || !token) throw new Error(`the demo floor plan has no paired ${kind} screen`);
    const query = new URLSearchParams({ screen: s.id, store: plan.storeId, token });
    return `?${query}`;
  };
  say(`kiosk: ${gatewayUrl}/kiosk/${screen('kiosk')}`);
  say(`mirror: ${gatewayUrl}/mirror/${screen('mirror')}`);
  say(`staff: ${gatewayUrl}/kiosk/staff.html${screen('staff')}`);
  say(`cloud: ${cloudUrl}`);
  say(`mqtt: ${mqttUrl}`);
  say(`staff PINs: ${DEMO_STAFF.map((s) => `${s.pin} (${s.role})`).join(', ')}`);
  say(`Demo store "${plan.name}" is open; shoppers are arriving. Logs: ${files.logs}. Ctrl-C stops everything.`);
}

main().catch((err) => {
  say(`demo store failed to start: ${(err as Error).message}`);
  for (const s of services) say(`--- ${s.name} (${s.logFile})\n${logTail(s)}`);
  void stopAll(1);
});
