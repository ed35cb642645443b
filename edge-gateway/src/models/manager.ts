/**
 * The model lifecycle at the store: one live model, at most one candidate beside it (canary or shadow), and after a
 * swap the previous live model kept as fallback for a probation period. Every request takes a reference to the
 * model it runs on, so a model that is swapped out or rolled back is closed only once its last request has ended:
 * swaps never fail a request. A candidate (or a new live model on probation) whose rolling error rate or p99 latency
 * leaves the configured bounds is rolled back automatically and never staged again.
 */
import {
  loadRecommender,
  type ModelCard,
  type RankedItem,
  type Recommender,
  type ShopperState,
} from '@aisle/recsys/serve';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ModelBounds {
  /** Largest share of failed requests in the rolling window. */
  maxErrorRate: number;
  /** The new version's p99 may be at most this many times the baseline's. */
  maxP99Ratio: number;
  /** p99 latencies below this (ms) never count as a regression. */
  minP99Ms: number;
  /** Requests in the window before the error rate and p99 are judged (the p99 also needs them on the baseline). */
  minSamples: number;
  /** Latest requests per version kept for the judgement. */
  window: number;
  /** Requests after a swap during which the previous live version stays loaded as fallback and baseline. */
  probation: number;
  /** Consecutive failures that reject a new version before it has minSamples requests. */
  failFast: number;
}

export const DEFAULT_MODEL_BOUNDS: Readonly<ModelBounds> = {
  maxErrorRate: 0.05,
  maxP99Ratio: 3,
  minP99Ms: 1,
  minSamples: 50,
  window: 500,
  probation: 2000,
  failFast: 5,
};

export type ModelRole = 'live' | 'canary' | 'shadow';
export type RolloutMode = 'full' | 'canary' | 'shadow';

export interface ModelRollout {
  mode: RolloutMode;
  /** canary: share of routing keys; shadow: share of requests; full: ignored. 0..100. */
  percent: number;
}

export interface ModelStatus {
  live: string;
  candidate?: { version: string; mode: RolloutMode; percent: number; requests: number; meanOverlap?: number };
  /** The previous live version, during probation after a swap. */
  fallback?: string;
  /** Versions that will never be staged again. */
  rejected: string[];
  /** Versions whose onnxruntime session is still open (retired ones until their last request ends). */
  loaded: string[];
}

export interface ModelManagerOptions {
  /** The folder of the model to serve first. */
  dir: string;
  logger: Logger;
  registry: Registry;
  /** A gateway database (migration 3 or later): model_versions keeps every state and the rejections. */
  db?: Database.Database;
  bounds?: Partial<ModelBounds>;
  /** Shopper states every new version must answer (finite scores) before it serves. Default: warmupStates(card). */
  warmup?: readonly ShopperState[];
  /** Epoch ms, for model_versions.updated_at. */
  now?: () => number;
}

export interface ModelAnswer {
  items: RankedItem[];
  version: string;
  role: ModelRole;
}

type Result = 'ok' | 'error' | 'fallback';
type DbState = 'staged' | 'live' | 'canary' | 'shadow' | 'retired' | 'rejected';

/** Items asked of a model during warm-up. */
const WARMUP_K = 10;
/** Once a version has minSamples, its p99 is recomputed every this many requests (sorting is not per request). */
const P99_EVERY = 16;
/** Per-request failures logged per version; the rest are counted (a bad version is rolled back soon anyway). */
const LOGGED_FAILURES = 3;

/**
 * The stable bucket 0..9999 of a routing key (FNV-1a, then a murmur3 finaliser so that keys differing in their last
 * character spread over all buckets). A canary at p% takes buckets below 100·p, so raising p keeps its shoppers.
 */
export function routingBucket(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 10_000;
}

/** Default warm-up: an empty shopper, and one with a short history and a zone (whatever the model reads). */
export function warmupStates(card: ModelCard): ShopperState[] {
  const zone = card.zones[0];
  return [{}, { history: card.items.slice(0, 3), ...(zone !== undefined && { zoneWeights: { [zone]: 1 } }) }];
}

/** The latest `size` requests of one version: latency and failure, with running counts. */
class RollingWindow {
  readonly latencies: Float64Array;
  readonly failures: Uint8Array;
  next = 0;
  size = 0;
  errors = 0;
  consecutiveErrors = 0;
  total = 0;

  constructor(readonly capacity: number) {
    this.latencies = new Float64Array(capacity);
    this.failures = new Uint8Array(capacity);
  }

  record(ms: number, failed: boolean): void {
    const i = this.next;
    if (this.size === this.capacity) this.errors -= this.failures[i]!;
    else this.size++;
    this.latencies[i] = ms;
    this.failures[i] = failed ? 1 : 0;
    if (failed) {
      this.errors++;
      this.consecutiveErrors++;
    } else this.consecutiveErrors = 0;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    this.total++;
  }

  get errorRate(): number {
    return this.size === 0 ? 0 : this.errors / this.size;
  }

  /** Nearest-rank p99 of the window, sorted in `scratch` (at least capacity long). */
  p99(scratch: Float64Array): number {
    if (this.size === 0) return 0;
    const sorted = scratch.subarray(0, this.size);
    sorted.set(this.size === this.capacity ? this.latencies : this.latencies.subarray(0, this.size));
    sorted.sort();
    return sorted[Math.ceil(0.99 * this.size) - 1]!;
  }
}

interface Child {
  inc(): void;
}
interface Observer {
  observe(value: number): void;
}

/** A loaded version: its session, its in-flight count and its rolling window. */
class LoadedModel {
  readonly version: string;
  readonly window: RollingWindow;
  inflight = 0;
  retired = false;
  failuresLogged = 0;
  #closing: Promise<void> | undefined;
  readonly #counters = new Map<ModelRole, Record<Result, Child>>();
  readonly #latency = new Map<ModelRole, Observer>();
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(
    readonly rec: Recommender,
    readonly dir: string,
    windowSize: number,
    private readonly metrics: Metrics,
  ) {
    this.version = rec.version;
    this.window = new RollingWindow(windowSize);
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** The labelled counter children of a role, looked up once (every result, so each series starts at 0). */
  counters(role: ModelRole): Record<Result, Child> {
    let children = this.#counters.get(role);
    if (!children) {
      const of = (result: Result) => this.metrics.requests.labels({ version: this.version, role, result });
      children = { ok: of('ok'), error: of('error'), fallback: of('fallback') };
      this.#counters.set(role, children);
    }
    return children;
  }

  latency(role: ModelRole): Observer {
    let child = this.#latency.get(role);
    if (!child) {
      child = this.metrics.latency.labels({ version: this.version, role });
      this.#latency.set(role, child);
    }
    return child;
  }

  get isClosing(): boolean {
    return this.#closing !== undefined;
  }

  /** Releases the session (once); `closed` resolves when it is released. */
  close(onError: (err: unknown) => void): Promise<void> {
    this.#closing ??= this.rec
      .close()
      .catch(onError)
      .finally(() => this.#resolveClosed());
    return this.#closing;
  }
}

interface Candidate {
  model: LoadedModel;
  mode: 'canary' | 'shadow';
  percent: number;
  /** canary: routing buckets below this take the candidate. */
  threshold: number;
  /** shadow: credit accumulator; a request is shadowed each time it passes 100. */
  credit: number;
  shadowed: number;
  overlapSum: number;
}

type Metrics = ReturnType<typeof createModelMetrics>;

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

function createModelMetrics(registry: Registry) {
  const registers = [registry];
  return {
    requests: metric(
      registry,
      'aisle_model_requests_total',
      () =>
        new Counter({
          name: 'aisle_model_requests_total',
          help: 'Model requests by version, role and result (fallback: answered by the fallback after a failure)',
          labelNames: ['version', 'role', 'result'] as const,
          registers,
        }),
    ),
    latency: metric(
      registry,
      'aisle_model_request_duration_seconds',
      () =>
        new Histogram({
          name: 'aisle_model_request_duration_seconds',
          help: 'Model inference time by version and role',
          labelNames: ['version', 'role'] as const,
          buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
          registers,
        }),
    ),
    rollbacks: metric(
      registry,
      'aisle_model_rollbacks_total',
      () =>
        new Counter({
          name: 'aisle_model_rollbacks_total',
          help: 'Candidate or newly live versions rolled back, by version and reason',
          labelNames: ['version', 'reason'] as const,
          registers,
        }),
    ),
    rejections: metric(
      registry,
      'aisle_model_rejections_total',
      () =>
        new Counter({
          name: 'aisle_model_rejections_total',
          help: 'Versions rejected for good (rollbacks, failed warm-ups, bad downloads), by reason',
          labelNames: ['reason'] as const,
          registers,
        }),
    ),
    swaps: metric(
      registry,
      'aisle_model_swaps_total',
      () =>
        new Counter({
          name: 'aisle_model_swaps_total',
          help: 'Changes of the live model (full rollouts, promotions, rollbacks during probation)',
          registers,
        }),
    ),
    active: metric(
      registry,
      'aisle_model_active',
      () =>
        new Gauge({
          name: 'aisle_model_active',
          help: 'Loaded model versions by role (live, canary, shadow, fallback): 1 for the current ones',
          labelNames: ['version', 'role'] as const,
          registers,
        }),
    ),
    overlap: metric(
      registry,
      'aisle_model_shadow_overlap',
      () =>
        new Histogram({
          name: 'aisle_model_shadow_overlap',
          help: "Share of the live model's items the shadow version also ranked (overlap@k), by shadow version",
          labelNames: ['version'] as const,
          buckets: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
          registers,
        }),
    ),
  };
}

export class ModelManager {
  readonly #log: Logger;
  readonly #bounds: ModelBounds;
  readonly #metrics: Metrics;
  readonly #warmup: readonly ShopperState[] | undefined;
  readonly #now: () => number;
  readonly #writeState: ((version: string, state: DbState, reason: string | null) => void) | undefined;
  readonly #rejected = new Map<string, string>();
  readonly #models = new Set<LoadedModel>();
  readonly #pending = new Set<Promise<void>>();
  readonly #scratch: Float64Array;
  #live: LoadedModel;
  #fallback: LoadedModel | undefined;
  #probationLeft = 0;
  #candidate: Candidate | undefined;
  #staging: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(opts: ModelManagerOptions, bounds: ModelBounds, metrics: Metrics, live: Recommender) {
    this.#log = opts.logger.child({ module: 'models' });
    this.#bounds = bounds;
    this.#metrics = metrics;
    this.#warmup = opts.warmup;
    this.#now = opts.now ?? Date.now;
    this.#scratch = new Float64Array(bounds.window);
    const db = opts.db;
    if (db) {
      for (const row of db.prepare("SELECT version, reason FROM model_versions WHERE state = 'rejected'").all() as {
        version: string;
        reason: string | null;
      }[])
        this.#rejected.set(row.version, row.reason ?? 'unknown');
      // what was loaded before a restart is not any more
      db.prepare(
        "UPDATE model_versions SET state = 'retired', updated_at = ? WHERE state IN ('staged', 'live', 'canary', 'shadow') AND version <> ?",
      ).run(this.#now(), live.version);
      const upsert = db.prepare(
        `INSERT INTO model_versions (version, state, reason, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (version) DO UPDATE SET state = excluded.state, reason = excluded.reason, updated_at = excluded.updated_at`,
      );
      this.#writeState = (version, state, reason) => {
        try {
          upsert.run(version, state, reason, this.#now());
        } catch (err) {
          this.#log.error({ err, version, state }, 'cannot record the model state');
        }
      };
    }
    const reason = this.#rejected.get(live.version);
    if (reason !== undefined) {
      this.#log.warn(
        { version: live.version, reason },
        'serving a version rejected before: it is the configured model',
      );
      this.#rejected.delete(live.version);
    }
    this.#live = this.#adopt(live, opts.dir);
    this.#writeState?.(live.version, 'live', null);
    this.#updateActive();
  }

  /** Loads and warms up the model in opts.dir and serves it. */
  static async open(opts: ModelManagerOptions): Promise<ModelManager> {
    const given = Object.entries(opts.bounds ?? {}).filter(([, v]) => v !== undefined);
    const bounds: ModelBounds = { ...DEFAULT_MODEL_BOUNDS, ...Object.fromEntries(given) };
    checkBounds(bounds);
    const rec = await loadRecommender(opts.dir);
    try {
      await warmUp(rec, opts.warmup ?? warmupStates(rec.card));
    } catch (err) {
      await rec.close();
      throw new Error(`model ${rec.version} in ${opts.dir} failed its warm-up: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const manager = new ModelManager(opts, bounds, createModelMetrics(opts.registry), rec);
    manager.#log.info({ version: rec.version, kind: rec.card.kind, dir: opts.dir }, 'model live');
    return manager;
  }

  /** The live version. */
  get version(): string {
    return this.#live.version;
  }

  /** The live version's card. */
  get card(): ModelCard {
    return this.#live.rec.card;
  }

  /**
   * Up to k items for the shopper. A canary takes the request when `routingKey` (a shopper pseudonym) falls in its
   * share; a shadow is scored beside the live model and never answers. A failure of a canary or of a live version
   * on probation is counted and the request answered by the live (or previous live) version instead: this throws
   * only when the one trusted model fails, or for a bad request (RangeError: k, history weights).
   */
  recommend(state: ShopperState, k: number, routingKey?: string): Promise<ModelAnswer> {
    if (this.#closed) return Promise.reject(new Error('the model manager is closed'));
    if (!(Number.isInteger(k) && k >= 0))
      return Promise.reject(new RangeError(`k must be a non-negative integer, got ${k}`));
    const candidate = this.#candidate;
    if (candidate) {
      if (candidate.mode === 'canary') {
        if (routingKey !== undefined && routingBucket(routingKey) < candidate.threshold)
          return this.#serveCanary(candidate.model, state, k);
      } else {
        candidate.credit += candidate.percent;
        if (candidate.credit >= 100) {
          candidate.credit -= 100;
          const live = this.#serveLive(state, k);
          this.#track(this.#shadow(candidate, state, k, live));
          return live;
        }
      }
    }
    return this.#serveLive(state, k);
  }

  /**
   * Loads the version in `dir` (loadRecommender verifies the checksums), runs the warm-up states through it, then
   * rolls it out: full swaps it in as live (the previous one stays as fallback for `probation` requests), canary
   * and shadow make it the candidate (replacing any other). A version that cannot load or fails its warm-up is
   * rejected; staging a rejected version throws.
   */
  stage(dir: string, release: { version: string; rollout: ModelRollout }): Promise<void> {
    const run = this.#staging.then(() => this.#stage(dir, release));
    this.#staging = run.catch(() => undefined);
    return run;
  }

  /** The candidate becomes live (the previous live one stays as fallback during probation). */
  promote(): void {
    const candidate = this.#candidate;
    if (!candidate) throw new Error('there is no candidate model to promote');
    this.#candidate = undefined;
    this.#swapIn(candidate.model, 'promoted');
  }

  /**
   * Drops the candidate, or, without one, returns to the previous live version during probation. The version is
   * rejected for good and closed once its in-flight requests end. Throws when there is nothing to roll back.
   */
  rollback(reason: string): void {
    const target = this.#candidate?.model ?? (this.#fallback ? this.#live : undefined);
    if (!target) throw new Error('there is no candidate or version on probation to roll back');
    this.#rollBack(target, reason, {});
  }

  /** Rejects a version for good without loading it (e.g. a download that failed its checksum). */
  reject(version: string, reason: string, detail?: string): void {
    if (version === this.#live.version && !this.#fallback)
      throw new Error(`model ${version} is live with nothing to fall back to; it cannot be rejected`);
    const loaded = [this.#candidate?.model, this.#fallback ? this.#live : undefined].find(
      (m) => m?.version === version,
    );
    if (loaded) {
      this.#rollBack(loaded, reason, detail === undefined ? {} : { detail });
      return;
    }
    this.#markRejected(version, reason);
    this.#log.warn({ version, reason, ...(detail !== undefined && { detail }) }, 'model rejected');
  }

  isRejected(version: string): boolean {
    return this.#rejected.has(version);
  }

  status(): ModelStatus {
    const c = this.#candidate;
    return {
      live: this.#live.version,
      ...(c && {
        candidate: {
          version: c.model.version,
          mode: c.mode,
          percent: c.percent,
          requests: c.model.window.total,
          ...(c.mode === 'shadow' && c.shadowed > 0 && { meanOverlap: c.overlapSum / c.shadowed }),
        },
      }),
      ...(this.#fallback && { fallback: this.#fallback.version }),
      rejected: [...this.#rejected.keys()],
      loaded: [...this.#models].filter((m) => !m.isClosing).map((m) => m.version),
    };
  }

  /** Stops serving; resolves when every in-flight request has ended and every session is released. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#staging;
    await Promise.all(this.#pending);
    for (const m of this.#models) this.#retire(m);
    await Promise.all([...this.#models].map((m) => m.closed));
  }

  // --- serving ----------------------------------------------------------------------------------------------------

  async #serveLive(state: ShopperState, k: number): Promise<ModelAnswer> {
    const model = this.#live;
    if (this.#fallback) this.#countProbation();
    const outcome = await this.#run(model, 'live', state, k);
    if (outcome.items) return { items: outcome.items, version: model.version, role: 'live' };
    return this.#serveFallback(model, state, k, outcome.error);
  }

  async #serveCanary(model: LoadedModel, state: ShopperState, k: number): Promise<ModelAnswer> {
    const outcome = await this.#run(model, 'canary', state, k);
    if (outcome.items) return { items: outcome.items, version: model.version, role: 'canary' };
    return this.#serveFallback(model, state, k, outcome.error);
  }

  /** After `failed` could not answer: the live version if that is another one, else the fallback, else throw. */
  async #serveFallback(failed: LoadedModel, state: ShopperState, k: number, error: unknown): Promise<ModelAnswer> {
    const model = this.#live !== failed ? this.#live : this.#fallback;
    if (!model || error instanceof RangeError) throw error;
    const outcome = await this.#run(model, 'live', state, k, 'fallback');
    if (outcome.items) return { items: outcome.items, version: model.version, role: 'live' };
    throw outcome.error;
  }

  /** One request on one model, with its reference held; failures are counted and judged, never thrown. */
  async #run(
    model: LoadedModel,
    role: ModelRole,
    state: ShopperState,
    k: number,
    answered: 'ok' | 'fallback' = 'ok',
  ): Promise<{ items: RankedItem[]; error?: undefined } | { items?: undefined; error: unknown }> {
    model.inflight++;
    const started = performance.now();
    try {
      const items = checked(await model.rec.recommend(state, k));
      this.#settle(model, role, started, undefined, answered);
      return { items };
    } catch (error) {
      this.#settle(model, role, started, error);
      return { error };
    } finally {
      this.#release(model);
    }
  }

  /** Counts one request (a caller's RangeError is not the model's fault) and judges the version if it is new. */
  #settle(model: LoadedModel, role: ModelRole, started: number, error: unknown, answered: Result = 'ok'): void {
    const ms = performance.now() - started;
    if (error instanceof RangeError) return;
    const failed = error !== undefined;
    model.counters(role)[failed ? 'error' : answered].inc();
    model.latency(role).observe(ms / 1000);
    model.window.record(ms, failed);
    if (failed && model.failuresLogged < LOGGED_FAILURES) {
      model.failuresLogged++;
      this.#log.warn({ version: model.version, role, err: (error as Error).message }, 'model request failed');
    }
    const baseline = this.#baselineOf(model);
    if (baseline) this.#judge(model, baseline);
  }

  /** What a version under watch is compared to: live for a candidate, the previous live one during probation. */
  #baselineOf(model: LoadedModel): LoadedModel | undefined {
    if (this.#candidate?.model === model) return this.#live;
    if (this.#live === model) return this.#fallback;
    return undefined;
  }

  #judge(model: LoadedModel, baseline: LoadedModel): void {
    const w = model.window;
    const b = this.#bounds;
    if (w.size < b.minSamples) {
      if (w.consecutiveErrors >= b.failFast)
        this.#rollBack(model, 'error_rate', { errors: w.errors, requests: w.size, consecutive: w.consecutiveErrors });
      return;
    }
    if (w.errorRate > b.maxErrorRate) {
      this.#rollBack(model, 'error_rate', { errorRate: round(w.errorRate), requests: w.size });
      return;
    }
    if (w.total % P99_EVERY !== 0 || baseline.window.size < b.minSamples) return;
    const p99 = w.p99(this.#scratch);
    if (p99 <= b.minP99Ms) return;
    const baselineP99 = baseline.window.p99(this.#scratch);
    if (p99 > b.maxP99Ratio * baselineP99)
      this.#rollBack(model, 'p99_latency', {
        p99Ms: round(p99),
        baseline: baseline.version,
        baselineP99Ms: round(baselineP99),
        requests: w.size,
      });
  }

  async #shadow(candidate: Candidate, state: ShopperState, k: number, live: Promise<ModelAnswer>): Promise<void> {
    const model = candidate.model;
    const outcome = await this.#run(model, 'shadow', state, k);
    const served = await live.catch(() => undefined);
    if (!outcome.items || !served) return;
    const overlap = overlapOf(served.items, outcome.items);
    candidate.shadowed++;
    candidate.overlapSum += overlap;
    this.#metrics.overlap.observe({ version: model.version }, overlap);
    this.#log.debug({ version: model.version, live: served.version, overlap: round(overlap) }, 'shadow scored');
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch((err) => this.#log.error({ err }, 'shadow request failed unexpectedly'));
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  #countProbation(): void {
    if (--this.#probationLeft > 0) return;
    const previous = this.#fallback!;
    this.#fallback = undefined;
    this.#retire(previous);
    this.#updateActive();
    this.#log.info(
      { version: this.#live.version, retired: previous.version, requests: this.#bounds.probation },
      'model passed probation',
    );
  }

  // --- lifecycle --------------------------------------------------------------------------------------------------

  async #stage(dir: string, release: { version: string; rollout: ModelRollout }): Promise<void> {
    const { version, rollout } = release;
    if (this.#closed) throw new Error('the model manager is closed');
    const rejected = this.#rejected.get(version);
    if (rejected !== undefined)
      throw new Error(`model ${version} was rejected (${rejected}) and is never staged again`);
    if (version === this.#live.version) throw new Error(`model ${version} is already live`);
    if (version === this.#candidate?.model.version) throw new Error(`model ${version} is already the candidate`);
    if (version === this.#fallback?.version) throw new Error(`model ${version} is the fallback during probation`);
    if (!(rollout.percent >= 0 && rollout.percent <= 100))
      throw new RangeError(`rollout percent must be within 0..100, got ${rollout.percent}`);

    this.#writeState?.(version, 'staged', null);
    let rec: Recommender;
    try {
      rec = await loadRecommender(dir);
    } catch (err) {
      this.#markRejected(version, 'load');
      this.#log.error({ version, dir, err: (err as Error).message }, 'model rejected: it does not load');
      throw new Error(`model ${version} does not load: ${(err as Error).message}`, { cause: err });
    }
    if (rec.version !== version) {
      await rec.close();
      this.#markRejected(version, 'version_mismatch');
      this.#log.error({ version, found: rec.version, dir }, 'model rejected: its card names another version');
      throw new Error(`${dir} holds model ${rec.version}, not ${version}`);
    }
    const started = performance.now();
    try {
      await warmUp(rec, this.#warmup ?? warmupStates(rec.card));
    } catch (err) {
      await rec.close();
      this.#markRejected(version, 'warmup');
      this.#log.error({ version, err: (err as Error).message }, 'model rejected: warm-up failed');
      throw new Error(`model ${version} failed its warm-up: ${(err as Error).message}`, { cause: err });
    }
    if (this.#closed) {
      await rec.close();
      throw new Error('the model manager is closed');
    }
    const model = this.#adopt(rec, dir);
    const warmupMs = round(performance.now() - started);
    this.#log.info({ version, mode: rollout.mode, percent: rollout.percent, warmupMs, dir }, 'model staged');
    if (rollout.mode === 'full') {
      this.#swapIn(model, 'full');
      return;
    }
    this.#dropCandidate(`superseded by ${version}`);
    this.#candidate = {
      model,
      mode: rollout.mode,
      percent: rollout.percent,
      threshold: Math.round(rollout.percent * 100),
      credit: 0,
      shadowed: 0,
      overlapSum: 0,
    };
    this.#writeState?.(version, rollout.mode, null);
    this.#updateActive();
  }

  #adopt(rec: Recommender, dir: string): LoadedModel {
    const model = new LoadedModel(rec, dir, this.#bounds.window, this.#metrics);
    this.#models.add(model);
    return model;
  }

  /** `model` becomes live atomically; the old live version is fallback and baseline during probation. */
  #swapIn(model: LoadedModel, via: 'full' | 'promoted'): void {
    const previous = this.#live;
    if (this.#fallback) this.#retire(this.#fallback);
    if (via === 'full') this.#dropCandidate(`superseded by ${model.version}`);
    this.#live = model;
    this.#fallback = previous;
    this.#probationLeft = this.#bounds.probation;
    this.#metrics.swaps.inc();
    this.#writeState?.(model.version, 'live', null);
    this.#writeState?.(previous.version, 'retired', `replaced by ${model.version}`);
    this.#log.info({ version: model.version, previous: previous.version, via }, 'model live');
    if (this.#bounds.probation === 0) {
      this.#fallback = undefined;
      this.#retire(previous);
    }
    this.#updateActive();
  }

  #dropCandidate(reason: string): void {
    const old = this.#candidate;
    if (!old) return;
    this.#candidate = undefined;
    this.#retire(old.model);
    this.#writeState?.(old.model.version, 'retired', reason);
    this.#log.info({ version: old.model.version, reason }, 'candidate model retired');
  }

  #rollBack(model: LoadedModel, reason: string, detail: Record<string, unknown>): void {
    if (this.#candidate?.model === model) {
      this.#candidate = undefined;
    } else if (this.#live === model && this.#fallback) {
      this.#live = this.#fallback;
      this.#fallback = undefined;
      this.#metrics.swaps.inc();
      this.#writeState?.(this.#live.version, 'live', null);
    } else return; // already rolled back by a request that finished first
    this.#retire(model);
    this.#markRejected(model.version, reason);
    this.#metrics.rollbacks.labels({ version: model.version, reason }).inc();
    this.#updateActive();
    this.#log.warn({ version: model.version, reason, live: this.#live.version, ...detail }, 'model rolled back');
  }

  #markRejected(version: string, reason: string): void {
    this.#rejected.set(version, reason);
    this.#metrics.rejections.labels({ reason }).inc();
    this.#writeState?.(version, 'rejected', reason);
  }

  /** No new request will use `model`; its session is released when its last in-flight request ends. */
  #retire(model: LoadedModel): void {
    model.retired = true;
    if (model.inflight === 0) this.#close(model);
  }

  #release(model: LoadedModel): void {
    if (--model.inflight === 0 && model.retired) this.#close(model);
  }

  #close(model: LoadedModel): void {
    if (model.isClosing) return;
    void model
      .close((err) => this.#log.error({ err, version: model.version }, 'cannot release the model session'))
      .then(() => {
        this.#models.delete(model);
        this.#log.info({ version: model.version, requests: model.window.total }, 'model closed');
      });
  }

  #updateActive(): void {
    const active = this.#metrics.active;
    active.reset();
    active.set({ version: this.#live.version, role: 'live' }, 1);
    if (this.#candidate) active.set({ version: this.#candidate.model.version, role: this.#candidate.mode }, 1);
    if (this.#fallback) active.set({ version: this.#fallback.version, role: 'fallback' }, 1);
  }
}

/** Runs every state through a fresh model; any error or non-finite score fails it. */
async function warmUp(rec: Recommender, states: readonly ShopperState[]): Promise<void> {
  const k = Math.min(WARMUP_K, rec.card.items.length);
  for (const [i, state] of states.entries()) {
    try {
      checked(await rec.recommend(state, k));
    } catch (err) {
      throw new Error(`warm-up state ${i}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** A model's answer, or an Error when a score is not finite. */
function checked(items: RankedItem[]): RankedItem[] {
  for (let i = 0; i < items.length; i++)
    if (!Number.isFinite(items[i]!.score)) throw new Error(`non-finite score for ${items[i]!.itemId}`);
  return items;
}

/** overlap@k: the share of the larger list's positions whose item the other list has too (both empty: 1). */
function overlapOf(a: readonly RankedItem[], b: readonly RankedItem[]): number {
  const size = Math.max(a.length, b.length);
  if (size === 0) return 1;
  let shared = 0;
  for (const x of a) for (const y of b) if (x.itemId === y.itemId) shared++;
  return shared / size;
}

function checkBounds(b: ModelBounds): void {
  const bad = (name: keyof ModelBounds, rule: string) => {
    throw new RangeError(`model bounds: ${name} must be ${rule}, got ${b[name]}`);
  };
  if (!(b.maxErrorRate >= 0 && b.maxErrorRate <= 1)) bad('maxErrorRate', 'within 0..1');
  if (!(b.maxP99Ratio >= 1)) bad('maxP99Ratio', '≥ 1');
  if (!(b.minP99Ms >= 0)) bad('minP99Ms', '≥ 0');
  for (const name of ['minSamples', 'window', 'failFast'] as const)
    if (!(Number.isInteger(b[name]) && b[name] >= 1)) bad(name, 'a positive integer');
  if (!(Number.isInteger(b.probation) && b.probation >= 0)) bad('probation', 'a non-negative integer');
  if (b.minSamples > b.window) bad('minSamples', `at most window (${b.window})`);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
