/**
 * The store → cloud chaos scenario (issue #7): do sales reach the cloud exactly once when everything between the till
 * and the cloud misbehaves? Used by `npm run chaos:sync` (chaos-sync.ts) and by the CI-sized integration test.
 *
 * Real parts only: cloud-sync's main as a child process on SQLite or PostgreSQL; one edge gateway per store as a child
 * process (chaos-gateway.ts) in external-broker mode on the machine's Mosquitto with a persistent session; each
 * gateway reaching the cloud through its own TCP fault proxy (exchange loss, resets, duplicated, reordered and delayed
 * chunks); tills publishing PosPurchase at QoS 1 through Mosquitto. Meanwhile gateways are killed with SIGKILL at
 * random moments and restarted on their database, and the cloud is stopped for stretches and restarted on the same
 * port and database. Then every outbox drains and the cloud is checked against what the tills made (a sale counts as
 * made once Mosquitto acknowledged it): lost, duplicated, sequence gaps.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CloudStore, storeToken } from '@aisle/cloud-sync';
import { type PosPurchase, type Product, StoreSyncStatus, topics } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import { saveModel, trainZonePopularity } from '@aisle/recsys';
import { createRng } from '@aisle/recsys/random';
import { demoCatalog, demoFloorPlan, demoHistory } from '@aisle/simulators';
import { type FaultProxy, type Faults, startFaultProxy } from '@aisle/testkit';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import pg from 'pg';
import type { GatewayConfigInput } from '../src/config';

export type Backend = 'sqlite' | 'postgres';

export interface ChaosOptions {
  backend: Backend;
  /** Sales the tills make in all, spread round-robin over the stores. */
  purchases: number;
  stores: number;
  /** Seeds the schedule of kills and outages, the proxies' faults and the sales. */
  seed: number;
  /** Sales per second offered, all stores together. */
  ratePerSecond: number;
  /** Gateways killed with SIGKILL (one at a time, a random one each time) while the tills sell. */
  kills: number;
  /** Times the cloud is stopped while the tills sell, each for `outageMs`. */
  outages: number;
  outageMs: number;
  /** Faults of every gateway → cloud proxy while the tills sell and while the outboxes drain. */
  faults: Partial<Faults>;
  /** How long the outboxes may take to drain after the last sale before the run counts as failed. */
  drainTimeoutMs: number;
  /** Where temporary files and child logs go (a folder of its own is made inside). */
  dir: string;
  mqttUrl: string;
  postgresUrl: string;
  /** Progress lines. */
  log(line: string): void;
  /** Registers the run's teardown with the caller too (Ctrl-C), besides running it at the end. */
  onTeardown?(fn: () => Promise<void>): void;
}

/** 30 % of exchanges lost, random resets, some duplicated, reordered and delayed chunks. */
export const CHAOS_FAULTS: Partial<Faults> = {
  lossRate: 0.3,
  resetRate: 0.01,
  duplicate: 0.02,
  reorder: 0.02,
  delayMs: 2,
  jitterMs: 20,
};

export interface StoreFigures {
  storeId: string;
  made: number;
  inCloud: number;
  lost: number;
  duplicated: number;
  seqGaps: number;
  /** Outbox seqs the gateway handed out that the cloud's contiguous watermark does not cover. */
  behind: number;
  /** Batches that carried seqs the cloud already had (sent again after a lost answer or a kill): idempotency at work. */
  resentBatches: number;
  gatewayLastSeq: number;
  highestContiguousSeq: number;
  highestSeenSeq: number;
}

export interface ChaosResult {
  backend: Backend;
  /** Sales made (acknowledged by Mosquitto). */
  purchases: number;
  in_cloud: number;
  lost: number;
  duplicated: number;
  seq_gaps: number;
  /** Sales in the cloud the tills did not make (must be 0). */
  unexpected: number;
  /** Sum over stores of the gateway's last outbox seq minus the cloud's contiguous watermark. */
  outbox_behind: number;
  /** Batches the cloud received holding seqs it already had. */
  resent_batches: number;
  drained: boolean;
  publish_failures: number;
  publish_per_s: number;
  kills: number;
  gateway_restart_s: number;
  cloud_outages: number;
  cloud_down_s: number;
  drain_s: number;
  seconds: number;
  proxy: {
    connections: number;
    exchanges_lost: number;
    resets: number;
    duplicated: number;
    reordered: number;
    dropped: number;
    target_unreachable: number;
    refused: number;
  };
  stores: StoreFigures[];
}

/** Did the run meet the acceptance: nothing lost, nothing twice, no hole in any store's sequence, all drained. */
export const passed = (r: ChaosResult) =>
  r.lost === 0 &&
  r.duplicated === 0 &&
  r.seq_gaps === 0 &&
  r.unexpected === 0 &&
  r.outbox_behind === 0 &&
  r.drained &&
  r.publish_failures === 0;

const GATEWAY_ENTRY = fileURLToPath(new URL('./chaos-gateway.ts', import.meta.url));
const CLOUD_ENTRY = fileURLToPath(new URL('../../cloud-sync/src/main.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const READY_TIMEOUT_MS = 60_000;
const TERMINALS = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Set once the run's teardown began: nothing is started any more and the chaos loops stop. */
interface RunState {
  stopping: boolean;
}

/** Every child still running: if this process dies without its teardown, they die with it. */
const live = new Set<ChildProcess>();
let exitHook = false;

function track(proc: ChildProcess): void {
  if (!exitHook)
    process.once('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  exitHook = true;
  live.add(proc);
}

// --- child processes ---------------------------------------------------------------------------------------------

interface Child {
  proc: ChildProcess;
  ready: Promise<Record<string, unknown>>;
  exited: Promise<void>;
}

/** Runs a TypeScript entry as its own Node process, output appended to `logFile`; `ready` is its line `readyMsg`. */
function spawnService(entry: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, readyMsg: string): Child {
  const proc = spawn(process.execPath, ['--import', TSX, entry, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  proc.once('close', () => log.end()); // after both pipes are drained
  track(proc);
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      live.delete(proc);
      resolve();
    }),
  );
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${entry} not ready within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    createInterface({ input: proc.stdout! }).on('line', (text) => {
      let entry: { msg?: unknown } | undefined;
      try {
        entry = JSON.parse(text);
      } catch {
        return; // not a log line; the log file has it
      }
      if (entry?.msg !== readyMsg) return;
      clearTimeout(timer);
      resolve(entry as Record<string, unknown>);
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${signal ?? `code ${code}`}) before "${readyMsg}"; see ${logFile}`));
    });
  });
  ready.catch(() => {});
  return { proc, ready, exited };
}

/** Sends `signal` and waits for the process to be gone. */
async function stopChild(child: Child | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill(signal);
  await child.exited;
}

// --- the cloud -----------------------------------------------------------------------------------------------------

interface StoreSetup {
  index: number;
  storeId: string;
  token: string;
  dir: string;
  clientId: string;
}

/** cloud-sync's main, restartable on the port and the database it first got. */
function cloudService(state: RunState, env: NodeJS.ProcessEnv, logFile: string) {
  let child: Child | undefined;
  let port = 0;
  return {
    get port() {
      return port;
    },
    async start(): Promise<void> {
      if (state.stopping) throw new Error('the run is stopping');
      child = spawnService(CLOUD_ENTRY, [], { ...env, AISLE_CLOUD_PORT: String(port) }, logFile, 'cloud-sync ready');
      const ready = await child.ready;
      port = Number(new URL(String(ready.url)).port);
    },
    stop: (signal: NodeJS.Signals) => stopChild(child, signal),
  };
}

/** A database URL for an empty cloud database, and how to drop it. */
async function freshDatabase(opts: ChaosOptions, dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (opts.backend === 'sqlite') return { url: `sqlite:${join(dir, 'cloud.db')}`, drop: async () => {} };
  const schema = `chaos_sync_${process.pid}_${randomBytes(4).toString('hex')}`;
  await postgresAdmin(opts.postgresUrl, `CREATE SCHEMA ${schema}`);
  const url = new URL(opts.postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: () => postgresAdmin(opts.postgresUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

async function postgresAdmin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL unreachable at ${url}: ${(err as Error).message}`);
  }
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

// --- gateways ------------------------------------------------------------------------------------------------------

/** One store's gateway process, restartable on its database, configuration and MQTT session. */
function gatewayService(state: RunState, store: StoreSetup, config: GatewayConfigInput) {
  const configPath = join(store.dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  const logFile = join(store.dir, 'gateway.log');
  let child: Child | undefined;
  return {
    store,
    databasePath: config.databasePath,
    async start(): Promise<void> {
      if (state.stopping) throw new Error('the run is stopping');
      child = spawnService(GATEWAY_ENTRY, [configPath], {}, logFile, 'edge gateway ready');
      await child.ready;
    },
    get pid() {
      return child?.proc.pid;
    },
    stop: (signal: NodeJS.Signals) => stopChild(child, signal),
  };
}
type GatewayService = ReturnType<typeof gatewayService>;

interface GatewayState {
  purchases: number;
  pending: number;
  lastSeq: number;
}

/** What a gateway's own SQLite says (read-only, beside the running gateway). */
function gatewayState(databasePath: string): GatewayState {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => db.prepare<[], number>(sql).pluck().get() ?? 0;
    return {
      purchases: one('SELECT count(*) FROM purchases'),
      pending: one('SELECT count(*) FROM outbox WHERE sent_at IS NULL'),
      lastSeq: one('SELECT last_seq FROM outbox_counter WHERE id = 1'),
    };
  } finally {
    db.close();
  }
}

/** Ends a gateway's persistent session at the broker (a client with its id connects once with a clean session). */
async function forgetSession(mqttUrl: string, clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId, clean: true, reconnectPeriod: 0 });
  await client.endAsync();
}

// --- the tills -----------------------------------------------------------------------------------------------------

/** Sale `n` of a store: 1–4 catalog lines, the total in exact cents, a unique event id. */
function sale(runId: string, store: StoreSetup, n: number, catalog: readonly Product[], random: () => number) {
  const lines = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
    const product = catalog[Math.floor(random() * catalog.length)]!;
    return { itemId: product.id, quantity: 1 + Math.floor(random() * 3), unitPrice: product.price };
  });
  const cents = lines.reduce((s, l) => s + l.quantity * Math.round(l.unitPrice * 100), 0);
  const purchase: PosPurchase = {
    eventId: `chaos-${runId}-${store.index}-${n}`,
    storeId: store.storeId,
    terminalId: `till-${1 + (n % TERMINALS)}`,
    lines,
    total: cents / 100,
    currency: catalog[0]!.currency,
    ts: Date.now(),
  };
  return purchase;
}

/**
 * Publishes `total` sales round-robin over the stores at `ratePerSecond`, QoS 1, keeping many in flight; a sale is
 * made once Mosquitto acknowledged it. Returns the event ids made per store and the publishes that failed.
 */
async function sell(
  state: RunState,
  opts: ChaosOptions,
  runId: string,
  stores: StoreSetup[],
  catalog: readonly Product[],
  random: () => number,
): Promise<{ made: Set<string>[]; failures: number; seconds: number }> {
  const client = await mqtt.connectAsync(opts.mqttUrl, { clientId: `chaos-tills-${runId}`, clean: true });
  const made = stores.map(() => new Set<string>());
  const inflight = new Set<Promise<void>>();
  let failures = 0;
  const started = Date.now();
  let next = 0;
  let reported = 0;
  try {
    while (next < opts.purchases && !state.stopping) {
      const due = Math.min(opts.purchases, Math.floor(((Date.now() - started) / 1000) * opts.ratePerSecond) + 1);
      for (; next < due; next++) {
        const store = stores[next % stores.length]!;
        const p = sale(runId, store, Math.floor(next / stores.length), catalog, random);
        const sent = client
          .publishAsync(topics.posPurchase(store.storeId, p.terminalId), JSON.stringify(p), { qos: 1 })
          .then(
            () => void made[store.index]!.add(p.eventId),
            () => void failures++,
          );
        inflight.add(sent);
        void sent.finally(() => inflight.delete(sent));
      }
      if (next - reported >= opts.purchases / 10) {
        reported = next;
        opts.log(`published ${next}/${opts.purchases} sales`);
      }
      await sleep(10);
    }
    await Promise.all(inflight);
  } finally {
    await client.endAsync();
  }
  return { made, failures, seconds: (Date.now() - started) / 1000 };
}

// --- chaos -----------------------------------------------------------------------------------------------------------

/** `count` random moments in the middle 10–90 % of `spanMs`, in order. */
function moments(count: number, spanMs: number, random: () => number): number[] {
  return Array.from({ length: count }, () => spanMs * (0.1 + 0.8 * random())).sort((a, b) => a - b);
}

/** Kills a random gateway with SIGKILL at each moment and starts it again on its database after a short pause. */
async function killGateways(
  state: RunState,
  opts: ChaosOptions,
  gateways: GatewayService[],
  at: number[],
  random: () => number,
  t0: number,
) {
  const restartS: number[] = [];
  for (const moment of at) {
    await sleep(t0 + moment - Date.now());
    if (state.stopping) break;
    const gw = gateways[Math.floor(random() * gateways.length)]!;
    const pauseMs = 200 + Math.floor(random() * 1_800);
    opts.log(`kill -9 gateway ${gw.store.storeId} (pid ${gw.pid}); restart in ${(pauseMs / 1000).toFixed(1)} s`);
    await gw.stop('SIGKILL');
    await sleep(pauseMs);
    const t = Date.now();
    await gw.start();
    restartS.push((Date.now() - t) / 1000);
    opts.log(`gateway ${gw.store.storeId} back (pid ${gw.pid}, started in ${restartS.at(-1)!.toFixed(1)} s)`);
  }
  return restartS;
}

/** Stops the cloud at each moment (SIGTERM and SIGKILL in turn) for `outageMs`, then starts it again. */
async function stopCloud(
  state: RunState,
  opts: ChaosOptions,
  cloud: ReturnType<typeof cloudService>,
  at: number[],
  t0: number,
) {
  let downMs = 0;
  for (const [i, moment] of at.entries()) {
    await sleep(t0 + moment - Date.now());
    if (state.stopping) break;
    const signal = i % 2 === 0 ? 'SIGTERM' : 'SIGKILL';
    const t = Date.now();
    opts.log(`cloud down (${signal}) for ${(opts.outageMs / 1000).toFixed(1)} s`);
    await cloud.stop(signal);
    await sleep(opts.outageMs);
    await cloud.start();
    downMs += Date.now() - t;
    opts.log(`cloud back on port ${cloud.port} after ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  return downMs / 1000;
}

/** Prints what the gateways hold every few seconds while `until` is pending. */
async function reportWhile(opts: ChaosOptions, gateways: GatewayService[], until: Promise<unknown>) {
  let done = false;
  const finish = () => {
    done = true;
  };
  until.then(finish, finish);
  while (!done) {
    await Promise.race([sleep(10_000), until.catch(() => {})]);
    if (done) return;
    const states = gateways.map((g) => gatewayState(g.databasePath));
    const sum = (f: (s: GatewayState) => number) => states.reduce((s, x) => s + f(x), 0);
    opts.log(
      `gateways hold ${sum((s) => s.purchases)} sales, ${sum((s) => s.lastSeq - s.pending)} acknowledged by the cloud, ${sum((s) => s.pending)} pending`,
    );
  }
}

// --- the check -----------------------------------------------------------------------------------------------------

/** How long empty outboxes may wait for sales the gateways still miss before the wait gives up. */
const STALL_MS = 20_000;

/**
 * Waits until every gateway holds its store's sales and its outbox is empty. False on timeout, or once the outboxes
 * are empty and nothing has arrived for STALL_MS: a sale the broker acknowledged that no gateway got is not coming.
 */
async function drain(opts: ChaosOptions, gateways: GatewayService[], made: Set<string>[]): Promise<boolean> {
  const deadline = Date.now() + opts.drainTimeoutMs;
  let last = '';
  let lastChange = Date.now();
  for (;;) {
    const states = gateways.map((g) => gatewayState(g.databasePath));
    if (states.every((s, i) => s.pending === 0 && s.purchases >= made[i]!.size)) return true;
    const now = Date.now();
    const key = JSON.stringify(states);
    if (key !== last) [last, lastChange] = [key, now];
    const stalled = states.every((s) => s.pending === 0) && now - lastChange > STALL_MS;
    if (now > deadline || stalled) {
      const why = stalled
        ? `nothing arrived for ${STALL_MS / 1000} s`
        : `timed out after ${opts.drainTimeoutMs / 1000} s`;
      const where = states.map(
        (s, i) => `${gateways[i]!.store.storeId} holds ${s.purchases}/${made[i]!.size}, ${s.pending} pending`,
      );
      opts.log(`the outboxes did not drain (${why}): ${where.join('; ')}`);
      return false;
    }
    await sleep(250);
  }
}

/** Compares one store's sales in the cloud (its database and its sync watermark over HTTP) with what was made. */
async function checkStore(
  cloudDb: CloudStore,
  cloudUrl: string,
  store: StoreSetup,
  made: Set<string>,
  gatewayLastSeq: number,
): Promise<StoreFigures & { unexpected: number }> {
  const rows = await cloudDb.db
    .selectFrom('purchases')
    .select('event_id')
    .where('store_id', '=', store.storeId)
    .execute();
  const inbox = await cloudDb.db
    .selectFrom('store_inbox')
    .select('event_id')
    .where('store_id', '=', store.storeId)
    .execute();
  const resent = await cloudDb.db
    .selectFrom('store_batches')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('store_id', '=', store.storeId)
    .where('duplicates', '>', 0)
    .executeTakeFirstOrThrow();
  const ids = new Set(rows.map((r) => r.event_id));
  const inboxIds = new Set(inbox.map((r) => r.event_id));
  const res = await fetch(new URL(`/v1/stores/${store.storeId}/sync`, cloudUrl), {
    headers: { authorization: `Bearer ${store.token}` },
  });
  if (!res.ok) throw new Error(`GET /v1/stores/${store.storeId}/sync → ${res.status}`);
  const mark = StoreSyncStatus.parse(await res.json());
  const found = [...made].filter((id) => ids.has(id)).length;
  return {
    storeId: store.storeId,
    made: made.size,
    inCloud: rows.length,
    lost: made.size - found,
    // a row stored twice, or one sale sent under two outbox seqs
    duplicated: rows.length - ids.size + (inbox.length - inboxIds.size),
    unexpected: [...ids].filter((id) => !made.has(id)).length,
    seqGaps: mark.gaps.length + (mark.highestSeenSeq - mark.highestContiguousSeq),
    behind: Math.max(0, gatewayLastSeq - mark.highestContiguousSeq),
    resentBatches: Number(resent.n),
    gatewayLastSeq,
    highestContiguousSeq: mark.highestContiguousSeq,
    highestSeenSeq: mark.highestSeenSeq,
  };
}

// --- the run -------------------------------------------------------------------------------------------------------

/** What every run shares: the demo catalog and a model trained on the demo history (the gateways need one). */
async function storeFiles(dir: string, catalog: Product[]) {
  const plan = demoFloorPlan('chaos-model');
  const now = Date.UTC(2026, 10, 1);
  const model = trainZonePopularity(demoHistory(plan, catalog, { now }), {
    zones: plan.zones.map((z) => z.id),
    items: catalog.map((p) => p.id),
    now,
  });
  const modelDir = join(dir, 'model');
  await saveModel(model, modelDir);
  return { modelDir };
}

function gatewayConfig(opts: ChaosOptions, store: StoreSetup, modelDir: string, cloudUrl: string): GatewayConfigInput {
  const floorPlanPath = join(store.dir, 'floor-plan.json');
  writeFileSync(floorPlanPath, JSON.stringify(demoFloorPlan(store.storeId)));
  return {
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { external: { url: opts.mqttUrl, clientId: store.clientId, persistentSession: true } },
    databasePath: join(store.dir, 'gateway.db'),
    floorPlanPath,
    modelDir,
    cloudUrl,
    cloudCredential: store.token,
    auth: { mode: 'open' },
    // a till may send a backlog the broker kept at once: nothing may be rate-limited away
    ingest: { ratePerSecond: 100_000, burst: 100_000 },
    // short waits so a run takes minutes: a push every 250 ms, backoff 0..250 ms doubling up to 2 s
    sync: { intervalMs: 250, requestTimeoutMs: 3_000, backoffBaseMs: 250, backoffCapMs: 2_000 },
    // the simulated shoppers are anonymous: keep tracking them in memory as before consent was enforced
    privacy: { unconsentedPresence: 'transient' },
  };
}

/** Runs the scenario once on one backend; everything it started is stopped and removed before it returns. */
export async function runChaosScenario(opts: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const runId = `${opts.seed}-${randomBytes(3).toString('hex')}`;
  const dir = join(opts.dir, `${opts.backend}-${runId}`);
  mkdirSync(dir, { recursive: true });
  // one generator for the schedule (kills), one for the sales: the schedule does not depend on how sales interleave
  const random = createRng(opts.seed);
  const salesRandom = createRng(opts.seed ^ 0x5a1e5);
  const teardown: (() => Promise<void> | void)[] = [];
  const state: RunState = { stopping: false };
  const undo = async () => {
    state.stopping = true;
    for (let fn = teardown.pop(); fn; fn = teardown.pop())
      await Promise.resolve()
        .then(fn)
        .catch((err) => opts.log(`teardown: ${(err as Error).message}`));
  };
  opts.onTeardown?.(undo);
  try {
    return await run();
  } finally {
    await undo();
  }

  async function run(): Promise<ChaosResult> {
    const catalog = demoCatalog();
    const { modelDir } = await storeFiles(dir, catalog);
    const stores: StoreSetup[] = Array.from({ length: opts.stores }, (_, index) => {
      const storeId = `chaos-${runId}-${index + 1}`;
      const storeDir = join(dir, storeId);
      mkdirSync(storeDir);
      return { index, storeId, token: '', dir: storeDir, clientId: `aisle-gateway-${storeId}` };
    });
    const secrets = stores.map(() => newSecret());
    for (const [i, s] of stores.entries()) s.token = storeToken(s.storeId, secrets[i]!);
    writeFileSync(
      join(dir, 'cloud-stores.json'),
      JSON.stringify(stores.map((s, i) => ({ storeId: s.storeId, secretHash: hashSecret(secrets[i]!) }))),
    );
    writeFileSync(join(dir, 'cloud-seed.json'), JSON.stringify({ catalog: { items: catalog } }));

    const database = await freshDatabase(opts, dir);
    teardown.push(() => database.drop());
    const cloud = cloudService(
      state,
      {
        AISLE_CLOUD_DATABASE_URL: database.url,
        AISLE_CLOUD_HOST: '127.0.0.1',
        AISLE_CLOUD_SEED: join(dir, 'cloud-seed.json'),
        AISLE_CLOUD_STORES: join(dir, 'cloud-stores.json'),
        AISLE_CLOUD_ADMIN_SECRET: newSecret(),
      },
      join(dir, 'cloud.log'),
    );
    teardown.push(() => cloud.stop('SIGTERM'));
    await cloud.start();
    const cloudUrl = `http://127.0.0.1:${cloud.port}`;
    opts.log(`cloud-sync (${opts.backend}) at ${cloudUrl}; logs and databases in ${dir}`);

    const proxies: FaultProxy[] = [];
    for (const s of stores) {
      const proxy = await startFaultProxy({
        target: { host: '127.0.0.1', port: cloud.port },
        seed: opts.seed + s.index,
      });
      teardown.push(() => proxy.close());
      proxies.push(proxy);
    }
    // the first start fetches the catalog, so it goes through clean proxies; the gateway caches it for restarts
    const gateways = stores.map((s, i) => gatewayService(state, s, gatewayConfig(opts, s, modelDir, proxies[i]!.url)));
    teardown.push(async () => {
      for (const s of stores) await forgetSession(opts.mqttUrl, s.clientId);
    });
    for (const gw of gateways) teardown.push(() => gw.stop('SIGTERM'));
    await Promise.all(gateways.map((g) => g.start()));
    opts.log(`${gateways.length} gateways ready (external broker ${opts.mqttUrl}, persistent sessions)`);
    for (const p of proxies) await p.setFaults(opts.faults);
    opts.log(`proxy faults on: ${JSON.stringify(opts.faults)}`);

    const spanMs = (opts.purchases / opts.ratePerSecond) * 1000;
    const t0 = Date.now();
    const killing = killGateways(state, opts, gateways, moments(opts.kills, spanMs, random), random, t0);
    const outages = stopCloud(state, opts, cloud, spaced(opts.outages, spanMs, opts.outageMs), t0);
    const selling = sell(state, opts, runId, stores, catalog, salesRandom);
    const chaos = Promise.all([selling, killing, outages]);
    await reportWhile(opts, gateways, chaos);
    const [sold, restartS, cloudDownS] = await chaos;
    const made = sold.made;
    const madeCount = made.reduce((s, m) => s + m.size, 0);
    opts.log(
      `${madeCount} sales made in ${sold.seconds.toFixed(1)} s (${sold.failures} publishes failed); draining the outboxes`,
    );

    const drainStart = Date.now();
    const drained = await drain(opts, gateways, made);
    const drainS = (Date.now() - drainStart) / 1000;
    if (drained) opts.log(`outboxes drained in ${drainS.toFixed(1)} s`);

    const cloudDb = await CloudStore.open(database.url);
    let figures: (StoreFigures & { unexpected: number })[];
    try {
      figures = [];
      for (const [i, s] of stores.entries())
        figures.push(await checkStore(cloudDb, cloudUrl, s, made[i]!, gatewayState(gateways[i]!.databasePath).lastSeq));
    } finally {
      await cloudDb.close();
    }
    const sum = (f: (x: StoreFigures & { unexpected: number }) => number) => figures.reduce((s, x) => s + f(x), 0);
    const stats = proxies.map((p) => p.stats());
    const total = (f: (s: (typeof stats)[number]) => number) => stats.reduce((s, x) => s + f(x), 0);
    return {
      backend: opts.backend,
      purchases: madeCount,
      in_cloud: sum((f) => f.inCloud),
      lost: sum((f) => f.lost),
      duplicated: sum((f) => f.duplicated),
      seq_gaps: sum((f) => f.seqGaps),
      unexpected: sum((f) => f.unexpected),
      outbox_behind: sum((f) => f.behind),
      resent_batches: sum((f) => f.resentBatches),
      drained,
      publish_failures: sold.failures,
      publish_per_s: Math.round(madeCount / sold.seconds),
      kills: restartS.length,
      gateway_restart_s: round1(restartS.reduce((a, b) => a + b, 0) / Math.max(1, restartS.length)),
      cloud_outages: opts.outages,
      cloud_down_s: round1(cloudDownS),
      drain_s: round1(drainS),
      seconds: round1((Date.now() - started) / 1000),
      proxy: {
        connections: total((s) => s.accepted),
        exchanges_lost: total((s) => s.lostExchanges),
        resets: total((s) => s.resets),
        duplicated: total((s) => s.toTarget.duplicated + s.toClient.duplicated),
        reordered: total((s) => s.toTarget.reordered + s.toClient.reordered),
        dropped: total((s) => s.toTarget.dropped + s.toClient.dropped),
        target_unreachable: total((s) => s.targetUnreachable),
        refused: total((s) => s.refused),
      },
      stores: figures.map(({ unexpected: _, ...f }) => f),
    };
  }
}

/** `count` outages of `lengthMs` spread over the middle 10–90 % of `spanMs`, each in the middle of its own slot. */
function spaced(count: number, spanMs: number, lengthMs: number): number[] {
  const slot = (spanMs * 0.8) / Math.max(1, count);
  return Array.from({ length: count }, (_, i) => spanMs * 0.1 + i * slot + Math.max(0, slot - lengthMs) * 0.5);
}

const round1 = (n: number) => Math.round(n * 10) / 10;
