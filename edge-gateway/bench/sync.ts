/**
 * `npm run bench:sync`: how fast a store's sales reach the cloud and how long a store takes to pull 100k profiles,
 * with cloud-sync on SQLite and on PostgreSQL.
 *
 * For each backend: cloud-sync (`createCloud`) listens on a free port with one store credential. A gateway's
 * `GatewayStore` (a SQLite file in a temporary folder) records N purchases with `recordPurchase` (each a
 * synchronous=FULL commit, timed: local commits/s), then the gateway's outbox pusher (`createOutboxSync` with a
 * `CloudClient` carrying the credential) drains the outbox over HTTP (timed: purchases/s). The cloud must then hold
 * exactly N purchases for the store with a gap-free watermark, or the run fails. Then the cloud gets 100,000
 * profiles and a fresh gateway database pulls them all through `pullProfiles` into its `ProfileCache` (timed).
 * See bench/README.md for the method. The last line printed is the JSON summary.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCloud, storeToken } from '@aisle/cloud-sync';
import { CustomerProfile, PosPurchase, StoreSyncStatus } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import pg from 'pg';
import pino from 'pino';
import { ProfileCache } from '../src/profiles/cache';
import { pullProfiles } from '../src/profiles/pull';
import { GatewayStore } from '../src/store/db';
import { CloudClient } from '../src/sync/cloud-client';
import { createOutboxSync } from '../src/sync/outbox';
import { cleanup, onCleanup, wasInterrupted } from './cleanup';

const POSTGRES_URL = process.env.AISLE_BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const PURCHASES = positiveInt('AISLE_BENCH_SYNC_PURCHASES', 20_000);
const PROFILES = positiveInt('AISLE_BENCH_SYNC_PROFILES', 100_000);
/** The gateway's defaults: `sync.batchSize` 200, the pull's page of 500. */
const BATCH = positiveInt('AISLE_BENCH_SYNC_BATCH', 200);
const PAGE = positiveInt('AISLE_BENCH_SYNC_PAGE', 500);
const SEED_BATCH = 5_000;
const STORE_ID = 'store-bench';
const NOW = Date.UTC(2026, 10, 29, 14);

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

const started = performance.now();
function progress(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

/** Runs `fn` and returns its result with its duration in seconds. */
async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

// --- data ------------------------------------------------------------------------------------------------------

/** A sale of 1–5 lines; prices in cents so the total is exact. */
function purchase(i: number): PosPurchase {
  const lines = Array.from({ length: 1 + (i % 5) }, (_, k) => ({
    itemId: `item-${String((i * 7 + k * 13) % 2_000).padStart(5, '0')}`,
    quantity: 1 + ((i + k) % 3),
    unitPrice: (199 + ((i * 31 + k * 17) % 9_800)) / 100,
  }));
  const cents = lines.reduce((s, l) => s + l.quantity * Math.round(l.unitPrice * 100), 0);
  return {
    eventId: `pos-${String(i).padStart(8, '0')}-${randomBytes(4).toString('hex')}`,
    storeId: STORE_ID,
    terminalId: `till-${1 + (i % 4)}`,
    ...(i % 3 === 0 && { customerId: `cust-${String(i % PROFILES).padStart(6, '0')}` }),
    lines,
    total: cents / 100,
    currency: 'EUR',
    ts: NOW + i * 100,
  };
}

/** A profile with tastes, purchases, a cart for some and 1–2 app ids, as the cloud holds them. */
function profile(i: number): CustomerProfile {
  const category = (k: number) => `cat-${(i * 3 + k * 7) % 40}`;
  return {
    customerId: `cust-${String(i).padStart(6, '0')}`,
    firstName: `Name${i % 1_000}`,
    loyaltyId: `L${String(i).padStart(9, '0')}`,
    // the benchmark store is every profile's home: its scoped feed carries all of them
    homeStoreId: STORE_ID,
    consent: { personalization: i % 20 !== 0, location: i % 4 !== 0 },
    favouriteCategories: [category(0), category(1)],
    tastes: Object.fromEntries(Array.from({ length: 2 + (i % 5) }, (_, k) => [category(k), ((i + k) % 10) / 10])),
    excludedCategories: i % 10 === 0 ? [category(9)] : [],
    recentPurchases: Array.from({ length: i % 12 }, (_, k) => ({
      itemId: `item-${String((i + k * 101) % 20_000).padStart(5, '0')}`,
      at: NOW - (k + 1) * 86_400_000,
      channel: k % 2 === 0 ? ('store' as const) : ('online' as const),
    })),
    onlineCart:
      i % 5 < 2
        ? [{ itemId: `item-${String(i % 20_000).padStart(5, '0')}`, quantity: 1, addedAt: NOW - 3_600_000 }]
        : [],
    appDevices: Array.from({ length: 1 + (i % 3 === 0 ? 1 : 0) }, (_, k) => `app-${i.toString(36)}-${k}`),
    updatedAt: NOW - (i % 1_000) * 60_000,
  };
}

// --- backends --------------------------------------------------------------------------------------------------

interface Backend {
  name: 'sqlite' | 'postgres';
  /** A database URL for a new, empty cloud database; what it creates is dropped at cleanup. */
  fresh(dir: string): Promise<string>;
}

const sqlite: Backend = { name: 'sqlite', fresh: async (dir) => `sqlite:${join(dir, 'cloud.db')}` };

/** Each run gets a schema of its own in the PostgreSQL database, dropped afterwards. */
const postgres: Backend = {
  name: 'postgres',
  async fresh() {
    const schema = `bench_sync_${process.pid}_${randomBytes(4).toString('hex')}`;
    await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
    onCleanup(() => admin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => {}));
    const u = new URL(POSTGRES_URL);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  },
};

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL unreachable at ${POSTGRES_URL} (set AISLE_BENCH_POSTGRES_URL): ${(err as Error).message}`,
    );
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

// --- one backend -------------------------------------------------------------------------------------------------

interface BackendResult {
  purchasesPerS: number;
  localCommitsPerS: number;
  pullSeconds: number;
}

async function runBackend(backend: Backend, root: string): Promise<BackendResult> {
  const dir = mkdtempSync(join(root, `${backend.name}-`));
  const database = await backend.fresh(dir);
  const secret = newSecret();
  const cloud = await createCloud({
    database,
    logger: pino({ level: 'silent' }),
    seed: { catalog: { items: [] }, stores: [{ storeId: STORE_ID, secretHash: hashSecret(secret) }] },
    // one store pushing and pulling as fast as it can: the per-credential limit (50/s) is not what is measured
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
  });
  let cloudOpen = true;
  const closeCloud = async () => {
    if (cloudOpen) await cloud.app.close();
    cloudOpen = false;
  };
  onCleanup(closeCloud);
  const cloudUrl = await cloud.app.listen({ host: '127.0.0.1', port: 0 });
  const client = new CloudClient(cloudUrl, 30_000, storeToken(STORE_ID, secret));
  progress(`${backend.name}: cloud-sync listening at ${cloudUrl}`);

  // part 1: purchases, recorded locally, then pushed
  const gateway = new GatewayStore(join(dir, 'gateway.db'));
  onCleanup(() => gateway.close());
  const sales = Array.from({ length: PURCHASES }, (_, i) =>
    i % 100 === 0 ? PosPurchase.parse(purchase(i)) : purchase(i),
  );
  const [recorded, recordS] = await timed(() => sales.filter((p) => gateway.recordPurchase(p, NOW)).length);
  if (recorded !== PURCHASES) throw new Error(`${backend.name}: recorded ${recorded} of ${PURCHASES} purchases`);
  const localCommitsPerS = PURCHASES / recordS;
  progress(
    `${backend.name}: recorded ${PURCHASES} purchases (synchronous=FULL) in ${recordS.toFixed(2)} s: ${Math.round(localCommitsPerS)} commits/s`,
  );

  const logger = pino({ level: 'warn' });
  const outbox = createOutboxSync({
    store: gateway,
    cloud: client,
    storeId: STORE_ID,
    batchSize: BATCH,
    backoff: { baseMs: 2_000, capMs: 60_000 },
    logger,
    now: Date.now,
  });
  const [sent, pushS] = await timed(() => outbox.flush());
  const purchasesPerS = sent / pushS;
  progress(
    `${backend.name}: pushed ${sent} purchases in ${Math.ceil(sent / BATCH)} batches of ${BATCH} in ${pushS.toFixed(2)} s: ${Math.round(purchasesPerS)} purchases/s`,
  );

  // the cloud must hold exactly what was sent, with no hole in the store's seqs
  const count = await cloud.store.purchaseCount(STORE_ID);
  const res = await fetch(new URL(`/v1/stores/${STORE_ID}/sync`, cloudUrl), {
    headers: { authorization: `Bearer ${storeToken(STORE_ID, secret)}` },
  });
  const status = StoreSyncStatus.parse(await res.json());
  const pending = gateway.pendingOutbox(1).length;
  if (
    sent !== PURCHASES ||
    count !== PURCHASES ||
    pending !== 0 ||
    status.gaps.length > 0 ||
    status.highestContiguousSeq !== PURCHASES ||
    status.highestSeenSeq !== PURCHASES
  )
    throw new Error(
      `${backend.name}: the cloud does not hold the store's ${PURCHASES} sales: sent ${sent}, cloud count ${count}, ` +
        `still pending ${pending}, watermark ${JSON.stringify(status)}`,
    );
  progress(`${backend.name}: verified: the cloud holds ${count} purchases, watermark ${PURCHASES}, no gaps`);

  // part 2: profiles, seeded in bulk, then pulled by a fresh gateway database
  const [, seedS] = await timed(async () => {
    for (let start = 0; start < PROFILES; start += SEED_BATCH)
      await cloud.store.upsertCustomers(
        // every 100th is checked against the contract here; the cloud parses every one again when it serves it
        Array.from({ length: Math.min(SEED_BATCH, PROFILES - start) }, (_, k) =>
          (start + k) % 100 === 0 ? CustomerProfile.parse(profile(start + k)) : profile(start + k),
        ),
      );
  });
  progress(`${backend.name}: seeded ${PROFILES} profiles in ${seedS.toFixed(1)} s (not measured)`);

  const pulling = new GatewayStore(join(dir, 'pull.db'));
  onCleanup(() => pulling.close());
  const cache = new ProfileCache(pulling.db);
  const [pulled, pullSeconds] = await timed(() =>
    pullProfiles({ source: client, cache, storeId: STORE_ID, pageSize: PAGE }),
  );
  if (cache.size !== PROFILES || pulled.profiles !== PROFILES)
    throw new Error(
      `${backend.name}: the pull stored ${cache.size} profiles (${pulled.profiles} applied), expected ${PROFILES}`,
    );
  progress(
    `${backend.name}: pulled ${pulled.profiles} profiles in ${pulled.pages} pages of ${PAGE} in ${pullSeconds.toFixed(2)} s: ${Math.round(PROFILES / pullSeconds)} profiles/s; the cache holds ${cache.size}`,
  );

  pulling.close();
  gateway.close();
  await closeCloud();
  return { purchasesPerS, localCommitsPerS, pullSeconds };
}

// --- main --------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  // fail at once, before any work, when PostgreSQL is not there
  await admin((c) => c.query('SELECT 1'));
  const root = mkdtempSync(join(tmpdir(), 'aisle-bench-sync-'));
  onCleanup(() => rmSync(root, { recursive: true, force: true }));
  progress(`${PURCHASES} purchases, ${PROFILES} profiles; PostgreSQL at ${POSTGRES_URL}; folder ${root}`);

  const results: Record<string, BackendResult> = {};
  for (const backend of [sqlite, postgres]) results[backend.name] = await runBackend(backend, root);
  const s = results.sqlite!;
  const p = results.postgres!;

  const round = (n: number) => Math.round(n);
  const secs = (n: number) => Math.round(n * 100) / 100;
  console.log('');
  console.log(`                      sqlite      postgres`);
  console.log(
    `purchases/s (push) ${String(round(s.purchasesPerS)).padStart(8)} ${String(round(p.purchasesPerS)).padStart(13)}`,
  );
  console.log(
    `pull ${PROFILES} (s)   ${String(secs(s.pullSeconds)).padStart(8)} ${String(secs(p.pullSeconds)).padStart(13)}`,
  );
  console.log(
    `local commits/s (synchronous=FULL, gateway SQLite): ${round(s.localCommitsPerS)} and ${round(p.localCommitsPerS)}`,
  );
  console.log(
    JSON.stringify({
      sqlite_purchases_per_s: round(s.purchasesPerS),
      postgres_purchases_per_s: round(p.purchasesPerS),
      // the gateway's own SQLite, the same in both runs: the mean of the two
      local_commits_per_s: round((s.localCommitsPerS + p.localCommitsPerS) / 2),
      sqlite_pull_100k_s: secs(s.pullSeconds),
      postgres_pull_100k_s: secs(p.pullSeconds),
    }),
  );
}

try {
  await main();
  await cleanup();
} catch (err) {
  if (!wasInterrupted()) {
    console.error(`bench:sync failed: ${(err as Error).message}`);
    await cleanup();
    process.exit(1);
  }
}
