/**
 * `npm run bench:recommend`: decisions per second and latency of the gateway's decision pipeline for a 20k-item
 * catalogue and 100k cached profiles, the bare onnxruntime-node session on the same model and inputs (the floor),
 * and a hot swap plus two automatic rollbacks while decisions keep flowing.
 *
 * A child process (recommend-build.ts) writes the world into a temporary folder; this process then opens it as a
 * gateway would (GatewayStore, ModelManager, ProfileCache, Assortment, createDecider, DecisionLog, the gateway's
 * metrics registry and logger) and runs the passes below. See bench/README.md for the method. The last line printed
 * is the JSON summary of the sequential run.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CustomerProfile, type DecisionTrigger, type Product, Zone } from '@aisle/contracts';
import { createRng, encodeHistory, HISTORY_IO, historyItem, itemIndexOf, RANKING_IO } from '@aisle/recsys';
import type { ShopperState } from '@aisle/recsys/serve';
// onnxruntime-node comes with @aisle/recsys (hoisted); the floor must use the very same runtime
import { InferenceSession, env as ortEnv, Tensor } from 'onnxruntime-node';
import { GatewayConfig, modelBounds } from '../src/config';
import { Assortment } from '../src/decide/assortment';
import { ThompsonBandit } from '../src/decide/bandit';
import { ARMS, createDecider, type Decide, type DecisionModel, isPersonal } from '../src/decide/decide';
import { DecisionLog } from '../src/decide/log';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';
import { ModelManager } from '../src/models/manager';
import { ProfileCache } from '../src/profiles/cache';
import { ShopperMemory } from '../src/shoppers/memory';
import { GatewayStore } from '../src/store/db';
import { type PlannedRequest, planRequests, type ShopperKind } from './recommend-plan';
import {
  cpuProfile,
  cpuWatch,
  describeCpu,
  gcWatch,
  int,
  ms,
  overlapping,
  round,
  type Summary,
  summarize,
} from './recommend-stats';
import { DAY, ITEMS, NOW, PROFILES, VERSIONS, WORLD_FILES } from './recommend-world';
import { table } from './stats';

// --- settings ------------------------------------------------------------------------
function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer: "${raw}"`);
  return n;
}
/** Measured requests of the sequential pass: the plan. */
const REQUESTS = envInt('AISLE_BENCH_REC_REQUESTS', 20_000);
/** The other passes replay the start of the same plan. */
const WARMUP_REQUESTS = envInt('AISLE_BENCH_REC_WARMUP', 5_000);
const ATTRIBUTED = envInt('AISLE_BENCH_REC_ATTRIBUTED', 10_000);
const CONCURRENT_REQUESTS = envInt('AISLE_BENCH_REC_CONCURRENT', 10_000);
/** Model inputs replayed on the bare session (each floor). */
const FLOOR_RUNS = envInt('AISLE_BENCH_REC_FLOOR', 10_000);
/** Requests in flight in the concurrent pass and the hot swap phase. */
const CONCURRENCY = envInt('AISLE_BENCH_REC_CONCURRENCY', 8);
/** Requests run under the V8 sampling profiler. */
const PROFILED = envInt('AISLE_BENCH_REC_PROFILED', 3_000);
const SEED = envInt('AISLE_BENCH_REC_SEED', 1);
/** How often the decision log is written (the gateway's storage.flushIntervalMs). */
const FLUSH_MS = envInt('AISLE_BENCH_REC_FLUSH_MS', 250);
/**
 * Store time between two decisions on the bench clock. Decisions wait for their outcome for the reward horizon
 * (10 min): at 100 ms, about 6,000 are pending, as in a store deciding 10 times a second, instead of every decision
 * the bench ever made (which would grow the heap far beyond what a gateway holds).
 */
const STEP_MS = 100;
/** The hot swap phase: live requests before the swap, and after the last rollback. */
const SWAP_LEAD = 3_000;
const SWAP_TAIL = 1_000;
/** Longest wait for one step of the hot swap (v2's probation is 2000 requests; a rollback takes a few). */
const SWAP_WAIT_MS = 60_000;
/** The issue's acceptance: p99 ≤ 2 ms (target 0.5 ms) and RSS ≤ 500 MB. */
const ACCEPT = { p99Ms: 2, targetP99Ms: 0.5, rssMb: 500 };
/**
 * The warm-up every staged version must pass. The gateway's default (warmupStates) includes a history, which the
 * broken versions fail, so they would be rejected at staging; an empty shopper lets them through to real traffic,
 * where only the automatic rollback can catch them.
 */
const WARMUP: ShopperState[] = [{}];

class BenchError extends Error {}

// --- cleanup -------------------------------------------------------------------------
const cleanups: (() => Promise<void> | void)[] = [];
const onCleanup = (fn: () => Promise<void> | void) => cleanups.push(fn);
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await Promise.race([fn(), sleep(10_000)]);
      } catch (err) {
        console.error(`cleanup: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });

const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s`;
const say = (line: string) => console.log(`[${elapsed()}] ${line}`);

async function timed<T>(what: string, work: () => T | Promise<T>, detail: (r: T) => string = () => ''): Promise<T> {
  const start = performance.now();
  const result = await work();
  const extra = detail(result);
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  say(`${what} in ${((performance.now() - start) / 1000).toFixed(2)} s${extra ? `: ${extra}` : ''} [RSS ${rss} MB]`);
  return result;
}

// --- the world (child process) ---------------------------------------------------------
interface BuildSummary {
  devices: number;
  dbBytes: number;
  maxRssMb: number;
}

function buildWorld(dir: string): Promise<BuildSummary> {
  return new Promise((resolve, reject) => {
    const child = fork(join(import.meta.dirname, 'recommend-build.ts'), [dir], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      // a heap limit given to measure the gateway (node --max-old-space-size=… recommend.ts) is not the builder's
      execArgv: process.execArgv.filter((a) => !a.startsWith('--max-old-space-size')),
    });
    onCleanup(() => {
      if (child.exitCode === null) child.kill();
    });
    let last = '';
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('{')) last = line;
        else console.log(line);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) reject(new BenchError(`the world builder exited with ${signal ?? `code ${code}`}`));
      else resolve(JSON.parse(last || buffered) as BuildSummary);
    });
  });
}

// --- the gateway's parts -------------------------------------------------------------------
/** pino lines kept, parsed, for the report (the gateway's logger with its redaction, on a sink in memory). */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

/** A pass's per-request readings. */
interface Sample {
  ok: boolean;
  ms: number;
  lookupMs: number;
  decideMs: number;
  logMs: number;
  /** Filled by the attribution pass. */
  modelMs: number;
  banditMs: number;
  shopper: ShopperKind;
  trigger: DecisionTrigger;
  version: string;
  startedAt: number;
  endedAt: number;
}

/** One decision's model input, encoded as HistoryRecommender.feeds encodes it (for the floor). */
interface EncodedInput {
  items: Int32Array;
  weights: Float32Array;
  ages: Float32Array;
  exclude: Int32Array;
  k: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-bench-recommend-'));
  if (process.env.AISLE_BENCH_REC_KEEP === '1') say(`keeping ${dir}`);
  else onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const modelDir = (name: keyof typeof WORLD_FILES.models) => join(dir, WORLD_FILES.models[name]);

  console.log(
    [
      `bench:recommend  (pid ${process.pid}, node ${process.version}, ${process.env.UV_THREADPOOL_SIZE ?? 'default'} libuv threads)`,
      `world: ${int(ITEMS)} items, ${int(PROFILES)} customer profiles in a GatewayStore SQLite file in ${dir}`,
      `model: seq-knn (@aisle/recsys trainSeqKnn: sequential item-to-item kNN, 200 neighbours/item, γ 0.5, ε·popularity)`,
      `  trained on synthetic shopper sequences, saved with saveModel, served by ModelManager through onnxruntime-node`,
      `requests: ${int(REQUESTS)} per pass; sequential = one at a time; concurrent = ${CONCURRENCY} in flight`,
    ].join('\n'),
  );
  say('building the world in a child process (recommend-build.ts)');
  const built = await timed(
    'world built',
    () => buildWorld(dir),
    (b) =>
      `${int(b.devices)} app pseudonyms indexed, database ${int(b.dbBytes / 2 ** 20)} MB, builder peak RSS ${b.maxRssMb} MB`,
  );

  // --- open it as the gateway does (gateway.ts createGateway) ---
  const config = GatewayConfig.parse({
    databasePath: join(dir, WORLD_FILES.db),
    floorPlanPath: join(dir, 'unused-floor-plan.json'),
    modelDir: modelDir('v1'),
    cloudUrl: 'http://127.0.0.1:9',
  });
  const rec = config.recommendations;
  const { logger, lines } = capturedLogger();
  const log = (module: string) => logger.child({ module });
  const metrics = createMetrics({
    outboxDepth: () => 0,
    screensConnected: () => 0,
    shoppersPresent: () => 0,
    storage: () => ({ rows: {}, bytes: 0 }),
    queues: () => ({}),
  });
  let clockMs = NOW;
  const clock = () => clockMs;
  // onnxruntime prints each failed run to stderr itself; the rollback shows in pino's log and the metrics instead
  ortEnv.logLevel = 'fatal';
  const store = await timed('GatewayStore opened (WAL, migrations)', () => new GatewayStore(config.databasePath));
  onCleanup(() => store.close());
  const models = await timed(
    'ModelManager.open (load, sha256, onnxruntime session, warm-up)',
    () =>
      ModelManager.open({
        dir: config.modelDir,
        logger: log('models'),
        registry: metrics.registry,
        db: store.db,
        bounds: modelBounds(config.models),
        warmup: WARMUP,
        now: clock,
      }),
    (m) => `${m.version} (${m.card.kind}, ${m.card.items.length} items)`,
  );
  onCleanup(() => models.close());
  const catalog = await timed(
    'catalogue from SQLite (cachedCatalog: Product.parse each)',
    () => new Map<string, Product>(store.cachedCatalog().map((p) => [p.id, p])),
    (c) => `${int(c.size)} products`,
  );
  const assortment = new Assortment(catalog, store.cachedAssortment());
  const zoneList = Zone.array().parse(JSON.parse(readFileSync(join(dir, WORLD_FILES.zones), 'utf8')));
  const zones = new Map(zoneList.map((z) => [z.id, z]));
  const memory = new ShopperMemory();
  const profiles = new ProfileCache(store.db, {
    maxProfiles: config.profiles.maxProfiles,
    memoryProfiles: config.profiles.memoryProfiles,
    now: clock,
    logger: log('profiles'),
  });
  say(
    `gateway parts ready: ${int(profiles.size)} profiles cached in SQLite (memory LRU ${int(config.profiles.memoryProfiles)}), ` +
      `recommendations count ${rec.count} pool ${rec.pool} diversity ${rec.diversity} exploration ${rec.exploration}, ` +
      `model bounds maxErrorRate ${config.models.maxErrorRate} maxP99Ratio ${config.models.maxP99Ratio} minP99Ms ${config.models.minP99Ms}`,
  );

  const bandit = new ThompsonBandit(ARMS, createRng(SEED), { epsilon: rec.exploration });
  const decisionLog = new DecisionLog(store.db, { bandit, horizonMs: rec.rewardHorizonMs });
  const deciderFor = (model: DecisionModel, withBandit: ThompsonBandit = bandit): Decide =>
    createDecider({
      model,
      assortment: () => assortment,
      zones,
      count: rec.count,
      pool: rec.pool,
      diversity: rec.diversity,
      bandit: withBandit,
      recentPurchaseMs: rec.recentPurchaseDays * DAY,
      newId: randomUUID,
    });
  const decide = deciderFor(models);

  const byCategory = new Map(zoneList.flatMap((z) => z.categories.map((c) => [c, assortment.inCategory(c)] as const)));
  const plan = await timed(
    'request plan',
    () => planRequests(REQUESTS, SEED, zoneList, byCategory),
    (p) => {
      const share = (f: (r: PlannedRequest) => boolean) => `${Math.round((p.filter(f).length / p.length) * 100)} %`;
      return `identified ${share((r) => r.shopper === 'identified')}, anonymous ${share((r) => r.shopper === 'anonymous')}, no shopper ${share((r) => r.shopper === 'none')}, personalization off ${share((r) => r.shopper !== 'none' && !r.personalization)}; triggers: put_back ${share((r) => r.trigger === 'put_back')}, lingering ${share((r) => r.trigger === 'lingering')}, size_unavailable ${share((r) => r.trigger === 'size_unavailable')}, online_cart_in_stock ${share((r) => r.trigger === 'online_cart_in_stock')} (before consent and stock checks)`;
    },
  );

  // --- one request, as the gateway's decideFor does it -------------------------------------
  const failures: string[] = [];
  /** Identified shoppers whose profile did not load (unknown pseudonym, or a row that fails the contract). */
  let missingProfiles = 0;
  let attribution: { modelMs: number; banditMs: number } | undefined;

  /** The shopper's visit so far, as ingest would have recorded it (not timed). */
  function prepare(req: PlannedRequest, at: number) {
    if (!req.deviceId) return undefined;
    const id = req.deviceId;
    let t = at - 45_000 - req.path.length * 90_000;
    for (const z of req.path) {
      memory.enterZone(id, z, t);
      t += 90_000;
      memory.leaveZone(id, z, t);
    }
    const session = memory.enterZone(id, req.zoneId, at - 45_000);
    session.personalization = req.personalization;
    for (const touch of req.touches)
      memory.touch(id, { itemId: touch.itemId, zoneId: touch.zoneId, action: touch.action, at: at - touch.agoMs });
    return session;
  }

  /** The gateway's cartInStock. */
  const cartInStock = (profile: CustomerProfile | undefined) =>
    (profile?.onlineCart ?? []).map((l) => l.itemId).filter((id) => catalog.has(id) && assortment.inStock(id));

  async function runRequest(req: PlannedRequest, decider: Decide): Promise<Sample> {
    clockMs += STEP_MS;
    const at = clockMs;
    const session = prepare(req, at);
    let pinned: string | undefined;
    let trigger = req.trigger;
    const started = performance.now();
    if (attribution) {
      attribution.modelMs = 0;
      attribution.banditMs = 0;
    }
    try {
      // arrival (gateway.ts arrived): an app pseudonym names a cached customer, who is pinned while in the store
      if (req.shopper === 'identified') {
        const found = profiles.byDevice(req.deviceId!);
        if (found) {
          memory.identify(req.deviceId!, found.customerId, at);
          profiles.pin(found.customerId);
          pinned = found.customerId;
        } else missingProfiles++;
      }
      // decideFor → shopperOf
      const profile = session?.customerId ? profiles.get(session.customerId) : undefined;
      const shopper = session && { session, profile };
      const looked = performance.now();
      // the gateway raises these triggers for personal shoppers only, and the cart one for items in stock here
      let anchors = req.anchors;
      if (trigger === 'put_back' || trigger === 'lingering' || trigger === 'online_cart_in_stock') {
        if (trigger === 'online_cart_in_stock') anchors = cartInStock(profile);
        if (!shopper || !isPersonal(shopper) || anchors?.length === 0) {
          trigger = 'zone';
          anchors = undefined;
        }
      }
      const end = metrics.decisions.startTimer();
      const { push, record } = await decider({
        zoneId: req.zoneId,
        screen: req.screen,
        trigger,
        shopper,
        ...(anchors && { anchors }),
        ...(req.size !== undefined && { size: req.size }),
        now: at,
      });
      end();
      const decided = performance.now();
      decisionLog.record(record);
      metrics.decisionsMade.inc({ trigger, personalized: String(push.personalized) });
      const ended = performance.now();
      return {
        ok: true,
        ms: ended - started,
        lookupMs: looked - started,
        decideMs: decided - looked,
        logMs: ended - decided,
        modelMs: attribution?.modelMs ?? 0,
        banditMs: attribution?.banditMs ?? 0,
        shopper: req.shopper,
        trigger,
        version: record.modelVersion,
        startedAt: started,
        endedAt: ended,
      };
    } catch (err) {
      const ended = performance.now();
      metrics.decisionErrors.inc();
      if (failures.length < 5) failures.push(`${req.shopper}/${trigger}: ${(err as Error).message}`);
      const zero = { lookupMs: 0, decideMs: 0, logMs: 0, modelMs: 0, banditMs: 0 };
      return {
        ok: false,
        ms: ended - started,
        ...zero,
        shopper: req.shopper,
        trigger,
        version: '',
        startedAt: started,
        endedAt: ended,
      };
    } finally {
      // the shopper walks on (not timed)
      if (req.deviceId) memory.leaveStore(req.deviceId);
      if (pinned) profiles.unpin(pinned);
    }
  }

  const flushes: number[] = [];
  /** The gateway's 1 s tick: decisions past the horizon earn 0, then the buffer is written in one transaction. */
  function flushDecisions(): void {
    const start = performance.now();
    decisionLog.expire(clockMs);
    decisionLog.flush();
    flushes.push(performance.now() - start);
  }

  /** One request at a time; the log is flushed between requests every FLUSH_MS (outside the timed section). */
  async function sequential(requests: readonly PlannedRequest[], decider: Decide) {
    const samples: Sample[] = [];
    const gc = gcWatch();
    const cpu = cpuWatch();
    flushes.length = 0;
    const start = performance.now();
    let lastFlush = start;
    for (const req of requests) {
      samples.push(await runRequest(req, decider));
      if (performance.now() - lastFlush >= FLUSH_MS) {
        flushDecisions();
        lastFlush = performance.now();
      }
    }
    flushDecisions();
    const wallMs = performance.now() - start;
    return { samples, wallMs, gc: gc.stop(), cpu: cpu.stop(), flushes: [...flushes] };
  }

  /** `concurrency` requests in flight; the log is flushed by a timer, as in the gateway (it lands between awaits). */
  async function concurrent(next: () => PlannedRequest | undefined, concurrency: number) {
    const samples: Sample[] = [];
    const gc = gcWatch();
    const cpu = cpuWatch();
    flushes.length = 0;
    const timer = setInterval(flushDecisions, FLUSH_MS);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let req = next(); req; req = next()) samples.push(await runRequest(req, decide));
      }),
    );
    clearInterval(timer);
    flushDecisions();
    const wallMs = performance.now() - start;
    return { samples, wallMs, gc: gc.stop(), cpu: cpu.stop(), flushes: [...flushes] };
  }

  // --- 1. warm-up, 2. the measured sequential pass, 3. RSS ---
  const warm = await timed(
    `warm-up: the first ${int(Math.min(WARMUP_REQUESTS, plan.length))} requests of the plan (JIT, SQLite pages, LRU)`,
    () => sequential(plan.slice(0, WARMUP_REQUESTS), decide),
    (w) => `${int(w.samples.length / (w.wallMs / 1000))} decisions/s`,
  );
  const seq = await timed(
    'sequential pass (measured)',
    () => sequential(plan, decide),
    (s) => `${int(s.samples.length / (s.wallMs / 1000))} decisions/s`,
  );
  const mem = process.memoryUsage();
  const rssMb = mem.rss / 2 ** 20;
  const inspector = new Session();
  inspector.connect();
  await inspector.post('HeapProfiler.collectGarbage');
  const afterGc = process.memoryUsage();
  say(
    `RSS ${int(rssMb)} MB after the sequential pass (V8 heap used ${int(mem.heapUsed / 2 ** 20)} of ${int(mem.heapTotal / 2 ** 20)} MB, ` +
      `external ${int(mem.external / 2 ** 20)} MB); after a full GC: RSS ${int(afterGc.rss / 2 ** 20)} MB, heap used ${int(afterGc.heapUsed / 2 ** 20)} MB. ` +
      `Holding ${int(profiles.size)} profiles in SQLite, ${int(profiles.memorySize)} parsed in memory, ` +
      `model ${models.status().loaded.join(', ')}, ${int(decisionLog.pending)} decisions awaiting their outcome`,
  );

  // --- 4. attribution: the start of the plan with the model call and the bandit timed ---
  const index = itemIndexOf(models.card.items);
  const encoded: EncodedInput[] = [];
  const timing = { modelMs: 0, banditMs: 0 };
  class TimedBandit extends ThompsonBandit {
    override choose(context: string) {
      const start = performance.now();
      const out = super.choose(context);
      timing.banditMs += performance.now() - start;
      return out;
    }
  }
  const timedModel: DecisionModel = {
    get version() {
      return models.version;
    },
    async recommend(state, k, routingKey) {
      // encoded for the floor before the clock starts
      if (encoded.length < FLOOR_RUNS) {
        const history = state.history ?? [];
        const e = encodeHistory(index, history);
        const exclude = (state.exclude ?? history.map(historyItem)).flatMap((id) => index.get(id) ?? []);
        encoded.push({ ...e, exclude: Int32Array.from(exclude), k });
      }
      const start = performance.now();
      try {
        return await models.recommend(state, k, routingKey);
      } finally {
        timing.modelMs += performance.now() - start;
      }
    },
  };
  const attributed = deciderFor(timedModel, new TimedBandit(ARMS, createRng(SEED), { epsilon: rec.exploration }));
  attribution = timing;
  const attr = await timed(
    `attribution pass: the first ${int(Math.min(ATTRIBUTED, plan.length))} requests, model call and bandit timed`,
    () => sequential(plan.slice(0, ATTRIBUTED), attributed),
  );
  attribution = undefined;

  // --- 5. the floor: the bare session on the same model.onnx and the same encoded inputs ---
  const modelBytes = readFileSync(join(modelDir('v1'), 'model.onnx'));
  const N = models.card.items.length;
  const feedsOf = (e: EncodedInput) => {
    const mask = new Float32Array(N);
    for (const i of e.exclude) mask[i] = 1;
    return {
      [HISTORY_IO.items]: new Tensor(
        'int64',
        BigInt64Array.from(e.items, (i) => BigInt(i)),
        [e.items.length],
      ),
      [HISTORY_IO.weights]: new Tensor('float32', e.weights, [e.weights.length]),
      [HISTORY_IO.ages]: new Tensor('float32', e.ages, [e.ages.length]),
      [RANKING_IO.excludeMask]: new Tensor('float32', mask, [1, N]),
      [RANKING_IO.k]: new Tensor('int64', BigInt64Array.of(BigInt(Math.min(e.k, N))), [1]),
    };
  };
  /**
   * session.run alone, awaited one at a time, on two sessions of the same model: default options (as
   * loadRecommender creates it) and a single-threaded one. The two are interleaved input by input (alternating
   * which goes first), so that whatever else the machine does hits both alike. Feeds are built before the clock.
   */
  const floor = await timed(
    'floor: bare InferenceSession.run (default options / intraOpNumThreads 1, interleaved)',
    async () => {
      const sessions = [
        await InferenceSession.create(modelBytes),
        await InferenceSession.create(modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }),
      ];
      for (const e of encoded.slice(0, 1_000)) for (const session of sessions) await session.run(feedsOf(e));
      const gc = gcWatch();
      const cpu = cpuWatch();
      const runs = sessions.map(() => [] as { from: number; to: number }[]);
      for (const [n, e] of encoded.entries()) {
        const feeds = feedsOf(e);
        for (const j of n % 2 === 0 ? [0, 1] : [1, 0]) {
          const from = performance.now();
          await sessions[j]!.run(feeds);
          runs[j]!.push({ from, to: performance.now() });
        }
      }
      const result = { runs, gc: gc.stop(), cpu: cpu.stop() };
      for (const session of sessions) await session.release();
      return result;
    },
    (f) => `${int(f.runs[0]!.length)} inputs × 2 sessions`,
  );
  const floorLatencies = floor.runs.map((r) => r.map((x) => x.to - x.from));

  // --- 6. where the CPU goes: the start of the plan under the sampling profiler ---
  const profiled = await timed(`CPU profile of ${int(Math.min(PROFILED, plan.length))} requests`, () =>
    cpuProfile(inspector, async () => {
      await sequential(plan.slice(0, PROFILED), decide);
    }),
  );
  inspector.disconnect();

  // --- 7. concurrent pass ---
  let cursor = 0;
  const conc = await timed(
    `concurrent pass: the first ${int(Math.min(CONCURRENT_REQUESTS, plan.length))} requests, ${CONCURRENCY} in flight`,
    () => concurrent(() => (cursor < CONCURRENT_REQUESTS ? plan[cursor++] : undefined), CONCURRENCY),
    (c) => `${int(c.samples.length / (c.wallMs / 1000))} decisions/s`,
  );

  // --- 8. hot swap and automatic rollbacks while decisions keep flowing ---
  const swap = await hotSwap();

  async function hotSwap() {
    say(`hot swap phase: ${CONCURRENCY} in flight, the plan replayed until the end of the phase`);
    const events: { at: number; what: string }[] = [];
    const phaseStart = performance.now();
    // the longest the event loop was blocked: staging loads, hashes and opens a session on this thread
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const mark = (what: string) => {
      events.push({ at: performance.now(), what });
      say(`  ${what}`);
    };
    let stop = false;
    let i = 0;
    const samples: Sample[] = [];
    const running = concurrent(() => (stop ? undefined : plan[i++ % plan.length]), CONCURRENCY).then((r) => {
      samples.push(...r.samples);
      return r;
    });
    // concurrent() returns its samples at the end; count progress from the decision counter meanwhile
    const decisions = async () => (await metrics.decisionsMade.get()).values.reduce((a, v) => a + v.value, 0);
    const base = await decisions();
    const served = async () => (await decisions()) - base;
    const problems: string[] = [];
    const waitUntil = async (what: string, ok: () => boolean | Promise<boolean>) => {
      const deadline = performance.now() + SWAP_WAIT_MS;
      while (!(await ok())) {
        if (performance.now() > deadline) {
          problems.push(`timed out waiting for: ${what}`);
          return false;
        }
        await sleep(5);
      }
      return true;
    };
    const stage = async (name: 'v2' | 'brokenCanary' | 'brokenFull', mode: 'full' | 'canary', percent: number) => {
      const version = VERSIONS[name];
      const start = performance.now();
      try {
        await models.stage(modelDir(name), { version, rollout: { mode, percent } });
        mark(
          `staged ${version} as ${mode}${mode === 'canary' ? ` ${percent} %` : ''}: loaded, checked and warmed up in ${ms(performance.now() - start)} ms (${JSON.stringify(models.status())})`,
        );
      } catch (err) {
        problems.push(`staging ${version}: ${(err as Error).message}`);
      }
    };
    mark(`live ${models.version}; decisions flowing`);
    await waitUntil(`${SWAP_LEAD} decisions`, async () => (await served()) >= SWAP_LEAD);
    await stage('v2', 'full', 100);
    await waitUntil(`${VERSIONS.v2} to pass its probation`, () => models.status().fallback === undefined);
    mark(`${models.version} live after its probation; fallback released (${JSON.stringify(models.status())})`);
    await stage('brokenCanary', 'canary', 50);
    await waitUntil(`${VERSIONS.brokenCanary} to be rolled back`, () => models.isRejected(VERSIONS.brokenCanary));
    mark(`${VERSIONS.brokenCanary} rolled back automatically (${JSON.stringify(models.status())})`);
    await stage('brokenFull', 'full', 100);
    await waitUntil(`${VERSIONS.brokenFull} to be rolled back`, () => models.isRejected(VERSIONS.brokenFull));
    mark(`${VERSIONS.brokenFull} rolled back automatically (${JSON.stringify(models.status())})`);
    const tail = (await served()) + SWAP_TAIL;
    await waitUntil(`${SWAP_TAIL} more decisions`, async () => (await served()) >= tail);
    stop = true;
    const result = await running;
    loop.disable();
    mark(
      `phase over: ${int(samples.length)} decisions in ${((performance.now() - phaseStart) / 1000).toFixed(1)} s; ` +
        `longest event-loop stall ${ms(loop.max / 1e6)} ms`,
    );
    return { ...result, events, problems, phaseStart, loopMaxMs: loop.max / 1e6 };
  }

  // --- report ----------------------------------------------------------------------------------
  const all = [warm, seq, attr, conc, swap].flatMap((p) => p.samples);
  const failed = all.filter((s) => !s.ok).length;
  const seqStats = summarize(seq.samples.map((s) => s.ms));
  const seqRps = seq.samples.length / (seq.wallMs / 1000);
  const floorStats = summarize(floorLatencies[0]!);
  const seqIntervals = seq.samples.map((x) => ({ from: x.startedAt, to: x.endedAt }));
  /** How many timed intervals a GC pause fell into, and the percentiles of the others. */
  const gcShare = (
    intervals: readonly { from: number; to: number }[],
    pauses: readonly { from: number; to: number }[],
    what: string,
  ) => {
    const hit = overlapping(intervals, pauses);
    const hits = hit.filter(Boolean).length;
    const clean = summarize(intervals.filter((_, k) => !hit[k]).map((iv) => iv.to - iv.from));
    const dirty = summarize(intervals.filter((_, k) => hit[k]).map((iv) => iv.to - iv.from));
    return `a GC pause fell into ${int(hits)} ${what} (${((hits / intervals.length) * 100).toFixed(1)} %, their p50 ${ms(dirty.p50)} ms); without them p50 ${ms(clean.p50)}, p99 ${ms(clean.p99)}, max ${ms(clean.max)} ms`;
  };
  /** Runs per second of session.run alone (back to back). */
  const rpsOf = (latencies: readonly number[]) => latencies.length / (latencies.reduce((x, y) => x + y, 0) / 1000);
  const row = (name: string, s: Summary, rps?: number, failedN = 0) => [
    name,
    int(s.n),
    rps === undefined ? '-' : int(rps),
    ms(s.mean),
    ms(s.p50),
    ms(s.p90),
    ms(s.p99),
    ms(s.max),
    String(failedN),
  ];
  const slice = (samples: readonly Sample[], f: (s: Sample) => boolean) =>
    summarize(samples.filter(f).map((s) => s.ms));
  const rows = [
    row('pipeline, sequential', seqStats, seqRps, seq.samples.filter((s) => !s.ok).length),
    ...(['identified', 'anonymous', 'none'] as const).map((k) =>
      row(
        `  shopper ${k}`,
        slice(seq.samples, (s) => s.shopper === k),
      ),
    ),
    ...[...new Set(seq.samples.map((s) => s.trigger))].map((t) =>
      row(
        `  trigger ${t}`,
        slice(seq.samples, (s) => s.trigger === t),
      ),
    ),
    row(
      '  profile lookup (identified)',
      summarize(seq.samples.filter((s) => s.shopper === 'identified').map((s) => s.lookupMs)),
    ),
    row('  decide() alone', summarize(seq.samples.map((s) => s.decideMs))),
    row('  DecisionLog.record + metrics', summarize(seq.samples.map((s) => s.logMs))),
    row('  log flush (per flush, untimed)', summarize(seq.flushes)),
    row(
      `pipeline, ${CONCURRENCY} in flight`,
      summarize(conc.samples.map((s) => s.ms)),
      conc.samples.length / (conc.wallMs / 1000),
      conc.samples.filter((s) => !s.ok).length,
    ),
    row('floor: bare session.run', floorStats, rpsOf(floorLatencies[0]!)),
    row('  same, intraOpNumThreads 1', summarize(floorLatencies[1]!), rpsOf(floorLatencies[1]!)),
    row(
      `hot swap phase, ${CONCURRENCY} in flight`,
      summarize(swap.samples.map((s) => s.ms)),
      swap.samples.length / (swap.wallMs / 1000),
      swap.samples.filter((s) => !s.ok).length,
    ),
  ];
  console.log(`\n${table(['run (ms)', 'requests', 'rps', 'mean', 'p50', 'p90', 'p99', 'max', 'failed'], rows)}`);
  console.log(
    [
      `sequential: ${describeCpu(seq.cpu)}; GC ${seq.gc.count}× (${seq.gc.major} major), ${ms(seq.gc.totalMs)} ms in all, longest ${ms(seq.gc.maxMs)} ms`,
      `  ${gcShare(seqIntervals, seq.gc.pauses, 'requests')}`,
      `  rps = decisions / wall time of the pass (session building and log flushes included); 1000 / mean = ${int(1000 / seqStats.mean)}`,
      `  log flush every ${FLUSH_MS} ms between requests, outside the timed section: ${seq.flushes.length} flushes, ${ms(seq.flushes.reduce((a, b) => a + b, 0) / seq.samples.length)} ms per decision`,
      `concurrent: ${describeCpu(conc.cpu)}; GC ${conc.gc.count}×, longest ${ms(conc.gc.maxMs)} ms (latency = start to answer, so it includes waiting for the event loop)`,
      `floor: ${describeCpu(floor.cpu)}; the served model.onnx and the first ${int(encoded.length)} model inputs of the attribution pass, encoded as HistoryRecommender.feeds does`,
      `  default options: ${gcShare(floor.runs[0]!, floor.gc.pauses, 'runs')}`,
    ].join('\n'),
  );

  // where the time goes: the attribution pass
  const a = attr.samples.filter((s) => s.ok);
  const slowest = [...a].sort((x, y) => y.ms - x.ms).slice(0, Math.max(1, Math.ceil(a.length / 100)));
  const parts: [string, (s: Sample) => number][] = [
    ['total', (s) => s.ms],
    ['profile lookup (byDevice + pin + get)', (s) => s.lookupMs],
    ['model (ModelManager.recommend → onnxruntime)', (s) => s.modelMs],
    ['bandit choose (propensity draws)', (s) => s.banditMs],
    ['rest of decide (filters, rerank, MMR, explain)', (s) => s.decideMs - s.modelMs - s.banditMs],
    ['DecisionLog.record + metrics', (s) => s.logMs],
  ];
  const mean = (xs: readonly Sample[], f: (s: Sample) => number) => xs.reduce((acc, s) => acc + f(s), 0) / xs.length;
  console.log(
    `\nwhere the time goes (attribution pass, ${int(a.length)} requests; "slowest 1 %" = mean over the ${slowest.length} slowest requests)\n${table(
      ['stage (ms)', 'mean', 'p50', 'p99', 'slowest 1 %'],
      parts.map(([name, f]) => {
        const s = summarize(a.map(f));
        return [name, ms(s.mean), ms(s.p50), ms(s.p99), ms(mean(slowest, f))];
      }),
    )}`,
  );
  const modelStats = summarize(a.filter((s) => s.modelMs > 0).map((s) => s.modelMs));
  console.log(
    `model call p50 ${ms(modelStats.p50)} / p99 ${ms(modelStats.p99)} ms vs the floor's p50 ${ms(floorStats.p50)} / p99 ${ms(floorStats.p99)} ms: ` +
      `the difference is the Recommender (encoding, an ${int((ITEMS * 4) / 1024)} KB mask per call, BigInt conversions) and the manager's bookkeeping`,
  );
  console.log(
    `\nCPU profile (${ms(profiled.totalMs)} ms sampled): self time by source file\n${table(
      ['file', 'ms', 'share'],
      profiled.files.slice(0, 12).map((f) => [f.name, ms(f.ms), `${(f.share * 100).toFixed(1)} %`]),
    )}\nself time by function\n${table(
      ['function', 'ms', 'share'],
      profiled.functions.slice(0, 15).map((f) => [f.name, ms(f.ms), `${(f.share * 100).toFixed(1)} %`]),
    )}`,
  );

  // hot swap: timeline, answers per version, logs and metrics
  const segments = swap.events.map((e, k) => ({ e, until: swap.events[k + 1]?.at ?? Number.POSITIVE_INFINITY }));
  console.log(
    `\nhot swap timeline (decisions answered in each segment, by the version that answered them)\n${table(
      ['from (s)', 'event', 'decisions', 'failed', 'answered by', 'p99', 'max'],
      segments.map(({ e, until }) => {
        const inSeg = swap.samples.filter((s) => s.endedAt >= e.at && s.endedAt < until);
        const byVersion = new Map<string, number>();
        for (const s of inSeg) if (s.ok) byVersion.set(s.version, (byVersion.get(s.version) ?? 0) + 1);
        const st = summarize(inSeg.map((s) => s.ms));
        return [
          ((e.at - swap.phaseStart) / 1000).toFixed(2),
          e.what.replace(/ \(\{.*$/, '').slice(0, 70),
          int(inSeg.length),
          String(inSeg.filter((s) => !s.ok).length),
          [...byVersion].map(([v, n]) => `${v.replace('seq-knn-20k-', '')} ${int(n)}`).join(', ') || '-',
          ms(st.p99),
          ms(st.max),
        ];
      }),
    )}`,
  );
  const v2Answers = swap.samples.filter((s) => s.ok && s.version === VERSIONS.v2).length;
  const keep = new Set([
    'model live',
    'model staged',
    'model request failed',
    'model rolled back',
    'model passed probation',
    'model closed',
    'candidate model retired',
    'model rejected: warm-up failed',
  ]);
  console.log('\nmodel lifecycle log (pino, module "models"):');
  for (const l of lines) {
    if (l.module !== 'models' || !keep.has(String(l.msg))) continue;
    const { pid: _pid, hostname: _host, time: _time, ...rest } = l;
    console.log(`  ${JSON.stringify(rest)}`);
  }
  console.log('\nmetrics (the gateway registry, as /metrics shows them):');
  for (const name of ['aisle_model_rollbacks_total', 'aisle_model_rejections_total', 'aisle_model_swaps_total'])
    console.log(
      (await metrics.registry.getSingleMetricAsString(name))
        .split('\n')
        .map((line) => `  ${line}`)
        .join('\n'),
    );
  const requestLines = (await metrics.registry.getSingleMetricAsString('aisle_model_requests_total'))
    .split('\n')
    .filter((line) => !line.startsWith('#') && !line.endsWith(' 0') && /result="(error|fallback)"/.test(line));
  console.log(requestLines.map((line) => `  ${line}`).join('\n'));

  // verdicts
  const rollbackOf = async (version: string) =>
    (await metrics.registry.getSingleMetric('aisle_model_rollbacks_total')?.get())?.values
      .filter((v) => v.labels.version === version)
      .reduce((acc, v) => acc + v.value, 0) ?? 0;
  const rolledBack = async (version: string) =>
    models.isRejected(version) &&
    (await rollbackOf(version)) >= 1 &&
    lines.some((l) => l.msg === 'model rolled back' && l.version === version);
  const checks = [
    {
      ok: failed === 0,
      what: `failed requests: ${failed} of ${int(all.length)} decisions in all passes${failures.length ? ` (${failures.join('; ')})` : ''}`,
    },
    {
      ok: v2Answers > 0,
      what: `hot swap: ${int(v2Answers)} decisions answered by ${VERSIONS.v2} after it was staged as full`,
    },
  ];
  for (const version of [VERSIONS.brokenCanary, VERSIONS.brokenFull])
    checks.push({
      ok: await rolledBack(version),
      what: `${version} rolled back automatically (rejected, counted in aisle_model_rollbacks_total, logged "model rolled back")`,
    });
  checks.push({
    ok: missingProfiles === 0,
    what: `identified shoppers whose cached profile did not load (unknown pseudonym or failing the contract): ${missingProfiles}`,
  });
  for (const p of swap.problems) checks.push({ ok: false, what: p });
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    [
      '',
      `acceptance: p99 ${ms(seqStats.p99)} ms ${seqStats.p99 <= ACCEPT.p99Ms ? '≤' : '>'} ${ACCEPT.p99Ms} ms (${seqStats.p99 <= ACCEPT.p99Ms ? 'met' : 'NOT met'}; target ${ACCEPT.targetP99Ms} ms ${seqStats.p99 <= ACCEPT.targetP99Ms ? 'met' : 'not met'})`,
      `            RSS ${int(rssMb)} MB ${rssMb <= ACCEPT.rssMb ? '≤' : '>'} ${ACCEPT.rssMb} MB with ${int(PROFILES)} profiles and the model loaded (${rssMb <= ACCEPT.rssMb ? 'met' : 'NOT met'}); peak RSS of the whole run ${int(peakRssMb)} MB (the floor's two sessions beside the live model, two models at once during the hot swap)`,
      ...checks.map((c) => `            ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}`),
      `            world build ${built.maxRssMb} MB peak in its own process; whole run ${elapsed().trim()}`,
    ].join('\n'),
  );
  console.log(
    JSON.stringify({
      p50_ms: round(seqStats.p50, 3),
      p99_ms: round(seqStats.p99, 3),
      floor_p99_ms: round(floorStats.p99, 3),
      rps: Math.round(seqRps),
      rss_mb: Math.round(rssMb),
    }),
  );
  if (checks.some((c) => !c.ok)) process.exitCode = 1;
}

main().then(
  async () => {
    await cleanup();
    process.exit(process.exitCode ?? 0);
  },
  async (err: unknown) => {
    console.error(err instanceof BenchError ? `bench:recommend: ${err.message}` : err);
    await cleanup();
    process.exit(1);
  },
);
