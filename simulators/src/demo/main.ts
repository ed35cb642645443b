/**
 * `npm start`: the whole demo store on one machine. Starts cloud-sync and the edge gateway
 * as their own processes, then walks simulated shoppers through the store over MQTT.
 * Prints one line per surface; Ctrl-C stops everything.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FloorPlan, type ScreenKind } from '@aisle/contracts';
import { ScreenTokenFile } from '@aisle/contracts/credentials';
import { z } from 'zod';
import { demoCatalog } from '../catalog';
import { readCloudAdminSecret, readCloudLinkSecret } from '../cloud-credentials';
import { connectFleet, DeviceCredential, type Fleet } from '../fleet';
import { ShopperSimulation } from '../shoppers';
import { demoCustomers, withKnownShoppers } from '../store';
import { choosePort } from './ports';
import { logTail, type Service, startService, stopService, waitForLog, waitHealthy } from './processes';
import { DEMO_STAFF, gatewayEnv, prepareDemoData } from './setup';

const say = (line: string) => process.stdout.write(`${line}\n`);
const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const env = process.env;
const host = '127.0.0.1';
const dataDir = resolve(env.AISLE_DATA_DIR ?? 'data');

/** What the gateway's ready line says it bound. */
const GatewayReady = z.object({ httpUrl: z.string(), mqttUrl: z.string() });

/** The running process of each service (a restarted one replaces its predecessor). */
const services = new Map<string, Service>();
let simTimer: NodeJS.Timeout | undefined;
let fleet: Fleet | undefined;
let stopping = false;
/** A service that crashes more often than this within a minute is not restarted again. */
const MAX_CRASHES_PER_MINUTE = 5;

async function stopAll(code: number): Promise<never> {
  stopping = true;
  if (simTimer) clearInterval(simTimer);
  // devices say goodbye, unless the gateway is already gone (Ctrl-C reaches every process at once)
  await Promise.race([fleet?.close().catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]);
  await Promise.all([...services.values()].map((s) => stopService(s)));
  process.exit(code);
}

/**
 * Starts a service and resolves with its ready line. Like a process supervisor, it starts the service again when
 * it dies — on the ports it had bound, so screens and devices find it where it was — and gives up, stopping the
 * demo, after too many crashes in a minute.
 */
async function supervise(
  name: string,
  entry: string,
  serviceEnv: NodeJS.ProcessEnv,
  readyMessage: string,
  logs: string,
  pinPorts: (ready: Record<string, unknown>) => NodeJS.ProcessEnv,
): Promise<Record<string, unknown>> {
  const logFile = `${logs}/${name}.log`;
  const start = async (withEnv: NodeJS.ProcessEnv) => {
    const service = startService(name, repo(entry), withEnv, logFile);
    services.set(name, service);
    return { service, ready: await waitForLog(service, readyMessage, 60_000) };
  };
  const first = await start(serviceEnv);
  const again = { ...serviceEnv, ...pinPorts(first.ready) };
  const crashes: number[] = [];
  const watch = (service: Service) =>
    service.child.once('exit', (code, signal) => {
      if (stopping) return;
      const at = Date.now();
      crashes.push(at);
      while (crashes[0]! < at - 60_000) crashes.shift();
      say(`${name} stopped unexpectedly (${signal ?? `exit ${code}`}); its log ${logFile} ends with:`);
      say(logTail(service));
      if (crashes.length > MAX_CRASHES_PER_MINUTE) {
        say(`${name} crashed ${crashes.length} times within a minute; stopping the demo store`);
        return void stopAll(1);
      }
      say(`restarting ${name}`);
      start(again).then(
        (next) => {
          watch(next.service);
          say(`${name} is back`);
        },
        (err: Error) => {
          say(`${name} could not be restarted: ${err.message}`);
          void stopAll(1);
        },
      );
    });
  watch(first.service);
  return first.ready;
}

const portOf = (url: string) => new URL(url).port;

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

  const cloudReady = await supervise(
    'cloud-sync',
    'cloud-sync/src/main.ts',
    {
      AISLE_DATA_DIR: dataDir,
      AISLE_CLOUD_HOST: host,
      AISLE_CLOUD_PORT: String(ports.cloud.port),
      AISLE_CLOUD_SEED: files.cloudSeed,
      AISLE_CLOUD_STORES: files.cloudStores,
      AISLE_CLOUD_ADMIN_SECRET: readCloudAdminSecret(dataDir),
      AISLE_CLOUD_LINK_SECRET: readCloudLinkSecret(dataDir),
    },
    'cloud-sync ready',
    files.logs,
    (ready) => ({ AISLE_CLOUD_PORT: portOf(z.string().parse(ready.url)) }),
  );
  const cloudUrl = z.string().parse(cloudReady.url);
  await waitHealthy(services.get('cloud-sync')!, `${cloudUrl}/health`, 30_000);

  const gatewayReady = await supervise(
    'edge-gateway',
    'edge-gateway/src/main.ts',
    {
      ...gatewayEnv(files, dataDir, cloudUrl),
      AISLE_HTTP_HOST: host,
      AISLE_HTTP_PORT: String(ports.http.port),
      AISLE_MQTT_HOST: host,
      AISLE_MQTT_PORT: String(ports.mqtt.port),
    },
    'edge gateway ready',
    files.logs,
    (ready) => {
      const { httpUrl, mqttUrl } = GatewayReady.parse(ready);
      return { AISLE_HTTP_PORT: portOf(httpUrl), AISLE_MQTT_PORT: portOf(mqttUrl) };
    },
  );
  const { httpUrl: gatewayUrl, mqttUrl } = GatewayReady.parse(gatewayReady);
  await waitHealthy(services.get('edge-gateway')!, `${gatewayUrl}/health`, 30_000);

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
  const tokens = ScreenTokenFile.parse(JSON.parse(readFileSync(files.screenTokens, 'utf8')));
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
  for (const s of services.values()) say(`--- ${s.name} (${s.logFile})\n${logTail(s)}`);
  void stopAll(1);
});
