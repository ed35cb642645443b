/**
 * A whole store for the outage scenario, as real processes and connections: cloud-sync and the edge gateway as
 * child processes (started like `npm start` does, with the demo's data folder), a kiosk and a mirror over
 * socket.io, and the demo's devices over MQTT carrying simulated shoppers at a steady pace.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type Delivery,
  FloorPlan,
  type HelloResult,
  PROTOCOL_VERSION,
  PurchaseCount,
  RecommendationsPush,
  type ScreenClientToServer,
  type ScreenServerToClient,
  StoreSyncStatus,
  topics,
} from '@aisle/contracts';
import { ScreenTokenFile } from '@aisle/contracts/credentials';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { demoCatalog } from '../catalog';
import { readCloudAdminSecret, readCloudCredential } from '../cloud-credentials';
import { type Service, startService, stopService, waitForLog, waitHealthy } from '../demo/processes';
import { type DemoFiles, gatewayEnv } from '../demo/setup';
import { connectFleet, DeviceCredential } from '../fleet';
import { ShopperSimulation } from '../shoppers';
import { demoCustomers, withKnownShoppers } from '../store';
import { readExposition } from './checks';

const HOST = '127.0.0.1';
const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/**
 * The simulated store's pace. A simulation admits at most one shopper a second, so several run side by side: about
 * four shoppers come in and three sales are made a second, each scanner hears under 50 messages a second (the
 * gateway's per-device limit), and the kiosk and mirror zones change often enough for steady decisions.
 */
const STORE_PACE = { simulations: 4, shoppersEach: 20, dwellMs: [3_000, 6_000] as const, knownShare: 0.3 };
/** How much of the store's day is played, silently, before it opens, ms: enough to fill it with shoppers. */
const PREFILL_MS = 60_000;

/** What is undone when the store closes, newest first. */
export type Cleanup = (() => Promise<unknown> | unknown)[];

/** The gateway's counters and gauges a sample needs, each summed over its labels. */
export interface Reading {
  ingested: number;
  decisions: number;
  purchases: number;
  outboxDepth: number;
  /** `aisle_outbox_oldest_age_seconds`; null when /metrics lacks it. */
  backlogAge: number | null;
}

/** Reads the gateway's /metrics. */
export async function readGateway(gatewayUrl: string): Promise<Reading> {
  const res = await fetch(`${gatewayUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`gateway /metrics answered ${res.status}`);
  const m = readExposition(await res.text());
  const depth = m.get('aisle_outbox_depth');
  if (depth === undefined) throw new Error('gateway /metrics has no aisle_outbox_depth');
  return {
    ingested: m.get('aisle_ingest_messages_total') ?? 0,
    decisions: m.get('aisle_decisions_total') ?? 0,
    purchases: m.get('aisle_purchases_total') ?? 0,
    outboxDepth: depth,
    backlogAge: m.get('aisle_outbox_oldest_age_seconds') ?? null,
  };
}

/** Runs SQL on the PostgreSQL server with `psql` (a run makes its schema there, and drops it). */
export function psql(url: string, sql: string): void {
  try {
    execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`psql on ${url} failed: ${stderr || (err as Error).message}`);
  }
}

/** `url` with its search_path set to `schema`, so every table cloud-sync creates lands there. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/**
 * cloud-sync as a child process that can be stopped and started again on the same port and database, as an outage
 * and the cloud's return look to the store. `database` is a PostgreSQL URL, or undefined for SQLite in the data folder.
 */
export async function startCloud(files: DemoFiles, dataDir: string, database: string | undefined, cleanup: Cleanup) {
  const env: NodeJS.ProcessEnv = {
    AISLE_DATA_DIR: dataDir,
    AISLE_CLOUD_HOST: HOST,
    AISLE_CLOUD_PORT: '0',
    AISLE_CLOUD_SEED: files.cloudSeed,
    AISLE_CLOUD_STORES: files.cloudStores,
    AISLE_CLOUD_ADMIN_SECRET: readCloudAdminSecret(dataDir),
    ...(database && { AISLE_CLOUD_DATABASE_URL: database }),
  };
  let service: Service | undefined;
  const start = async () => {
    const started = startService('cloud-sync', repo('cloud-sync/src/main.ts'), env, `${files.logs}/cloud-sync.log`);
    service = started;
    const url = z.string().parse((await waitForLog(started, 'cloud-sync ready', 60_000)).url);
    await waitHealthy(started, `${url}/health`, 30_000);
    return url;
  };
  cleanup.push(() => service && stopService(service));
  const url = await start();
  env.AISLE_CLOUD_PORT = new URL(url).port; // it comes back where the gateway looks for it
  const asStore = { authorization: `Bearer ${readCloudCredential(dataDir)}` };
  const get = async <T>(path: string, schema: z.ZodType<T>): Promise<T> => {
    const res = await fetch(`${url}${path}`, { headers: asStore, signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`cloud-sync GET ${path} answered ${res.status}: ${await res.text()}`);
    return schema.parse(await res.json());
  };
  return {
    url,
    stop: () => service && stopService(service),
    restart: start,
    /** The cloud's watermark of the store's outbox seqs. */
    syncStatus: (storeId: string) => get(`/v1/stores/${storeId}/sync`, StoreSyncStatus),
    purchaseCount: async (storeId: string) => (await get(`/v1/stores/${storeId}/purchases/count`, PurchaseCount)).count,
  };
}

/** The edge gateway as a child process with its embedded broker, both on free ports. */
export async function startGateway(files: DemoFiles, dataDir: string, cloudUrl: string, cleanup: Cleanup) {
  const env: NodeJS.ProcessEnv = {
    ...gatewayEnv(files, dataDir, cloudUrl),
    AISLE_HTTP_HOST: HOST,
    AISLE_HTTP_PORT: '0',
    AISLE_MQTT_HOST: HOST,
    AISLE_MQTT_PORT: '0',
  };
  const service = startService('edge-gateway', repo('edge-gateway/src/main.ts'), env, `${files.logs}/edge-gateway.log`);
  cleanup.push(() => stopService(service));
  const ready = z
    .object({ httpUrl: z.string(), mqttUrl: z.string() })
    .parse(await waitForLog(service, 'edge gateway ready', 60_000));
  await waitHealthy(service, `${ready.httpUrl}/health`, 30_000);
  return ready;
}

/**
 * A paired screen as the screens connect: with its device token, a hello carrying the last sequence number it
 * processed (again after every reconnect), each message acknowledged. It counts the recommendation pushes that
 * match the contract, and those that do not.
 */
function connectScreen(gatewayUrl: string, storeId: string, screen: FloorPlan['screens'][number], token: string) {
  const socket: Socket<ScreenServerToClient, ScreenClientToServer> = io(gatewayUrl, {
    transports: ['websocket'],
    forceNew: true,
    auth: { token },
  });
  const counts = { pushes: 0, invalid: 0 };
  let lastSeq = 0;
  const hello = () =>
    new Promise<HelloResult>((resolve) =>
      socket.emit(
        'hello',
        { protocolVersion: PROTOCOL_VERSION, screenId: screen.id, kind: screen.kind, storeId, lastSeq },
        resolve,
      ),
    );
  const answered = new Promise<void>((resolve, reject) => {
    socket.on('connect', () => {
      void hello().then((r) => (r.ok ? resolve() : reject(new Error(`screen ${screen.id}: ${r.message}`))));
    });
    // before the first hello, a refused connection fails the run (once answered, this settles nothing)
    socket.on('connect_error', (err) => reject(new Error(`screen ${screen.id} cannot connect: ${err.message}`)));
  });
  socket.onAny((event: string, payload: unknown, delivery?: Delivery) => {
    if (!delivery || delivery.seq <= lastSeq) return; // a replayed message already processed
    lastSeq = delivery.seq;
    socket.emit('ack', { seq: delivery.seq });
    if (event !== 'recommendations') return;
    if (RecommendationsPush.safeParse(payload).success) counts.pushes++;
    else counts.invalid++;
  });
  return { id: screen.id, counts, answered, close: () => socket.disconnect() };
}

/** Every kiosk and mirror of the floor plan, connected with the tokens the demo paired them with. */
export async function connectScreens(files: DemoFiles, gatewayUrl: string, cleanup: Cleanup) {
  const plan = FloorPlan.parse(JSON.parse(readFileSync(files.floorPlan, 'utf8')));
  const tokens = ScreenTokenFile.parse(JSON.parse(readFileSync(files.screenTokens, 'utf8')));
  const screens = plan.screens
    .filter((s) => s.kind !== 'staff' && s.zoneId)
    .map((s) => {
      const token = tokens.find((t) => t.screenId === s.id)?.token;
      if (!token) throw new Error(`no device token for screen ${s.id}`);
      return connectScreen(gatewayUrl, plan.storeId, s, token);
    });
  cleanup.push(() => {
    for (const s of screens) s.close();
  });
  await Promise.all(screens.map((s) => s.answered));
  return {
    ids: screens.map((s) => s.id),
    pushes: () => screens.reduce((n, s) => n + s.counts.pushes, 0),
    invalidPushes: () => screens.reduce((n, s) => n + s.counts.invalid, 0),
  };
}

/**
 * The store's devices (one MQTT connection each) and its shoppers at `STORE_PACE`. The store opens mid-day: a minute
 * of walking is played before the devices speak, so shoppers are inside and the till sells from the first second.
 */
export async function openDoors(files: DemoFiles, mqttUrl: string, cleanup: Cleanup) {
  const plan = FloorPlan.parse(JSON.parse(readFileSync(files.floorPlan, 'utf8')));
  const credentials = z.array(DeviceCredential).parse(JSON.parse(readFileSync(files.deviceSecrets, 'utf8')));
  const fleet = await connectFleet(mqttUrl, plan.storeId, credentials);
  cleanup.push(() => Promise.race([fleet.close().catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]));
  let open = false;
  let tillSales = 0;
  const tillTopic = topics.posPurchase(plan.storeId, 'pos-1');
  const publish = withKnownShoppers(
    (topic, payload) => {
      if (!open) return;
      if (topic === tillTopic) tillSales++;
      fleet.publish(topic, payload);
    },
    demoCustomers().flatMap((c) => c.appDevices),
    { share: STORE_PACE.knownShare },
  );
  const catalog = demoCatalog();
  const sims = Array.from(
    { length: STORE_PACE.simulations },
    (_, i) =>
      new ShopperSimulation({
        plan,
        catalog,
        publish,
        shoppers: STORE_PACE.shoppersEach,
        dwellMs: STORE_PACE.dwellMs,
        seed: Date.now() + i,
      }),
  );
  const since = Date.now() - PREFILL_MS;
  for (let t = 0; t < PREFILL_MS; t += 1_000) for (const sim of sims) sim.tick(since + t);
  open = true;
  // the simulations take turns through each second, so arrivals and sales come evenly
  let turn = 0;
  const timer = setInterval(() => sims[turn++ % sims.length]!.tick(Date.now()), 1_000 / sims.length);
  const close = () => clearInterval(timer);
  cleanup.push(close);
  return {
    storeId: plan.storeId,
    devices: credentials.length,
    shoppers: STORE_PACE.simulations * STORE_PACE.shoppersEach,
    /** Sales the till has sent. */
    tillSales: () => tillSales,
    /** No more shoppers: those inside stop where they are. */
    close,
  };
}
