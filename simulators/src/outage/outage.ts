/**
 * The cloud-outage scenario (`npm run chaos:outage`, and its CI-sized test): a whole store runs as real processes
 * (`store.ts`) and its cloud is stopped for a while, then started again on the same port and database.
 *
 * Phases: `warmup` (cloud up), `outage` (cloud process stopped), `drain` (cloud back; the store keeps selling until
 * the cloud holds every sale made before it returned, and a little longer), `closed` (shoppers stop; the outbox
 * empties and the cloud must hold exactly the store's sales, seqs without gaps). Every sample reads the gateway's
 * /metrics and the screens' push count; `checkOutage` judges the run, the same for the script and the test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { prepareDemoData } from '../demo/setup';
import { checkOutage, describeSample, type OutageCounts, type Phase, type Sample } from './checks';
import {
  type Cleanup,
  connectScreens,
  openDoors,
  psql,
  type Reading,
  readGateway,
  startCloud,
  startGateway,
  withSearchPath,
} from './store';

export const OutageOptions = z
  .object({
    /** How long the cloud is down, ms. */
    outageMs: z.number().int().positive(),
    /** How long the store runs with the cloud up first, ms. */
    warmupMs: z.number().int().positive().default(30_000),
    /** How often the metrics are sampled, ms (10 s; a fifth of a shorter outage, but at least 3 s). */
    sampleMs: z.number().int().positive().optional(),
    /** How long the outage's backlog may take to reach the cloud once it is back, ms. */
    drainBoundMs: z.number().int().positive().default(120_000),
    cloudDb: z.enum(['sqlite', 'postgres']).default('sqlite'),
    /** The PostgreSQL server for `cloudDb: 'postgres'`; the run gets a schema of its own there, dropped afterwards. */
    postgresUrl: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
    /** Keep the data folder (databases, service logs) after a run that passed; a failed run always keeps it. */
    keepData: z.boolean().default(false),
  })
  .transform((o) => ({ ...o, sampleMs: o.sampleMs ?? Math.min(10_000, Math.max(3_000, Math.round(o.outageMs / 5))) }))
  .refine((o) => o.sampleMs <= o.outageMs, { message: 'the sample interval must not exceed the outage' });
export type OutageOptions = z.input<typeof OutageOptions>;

/** Once the cloud has the outage's sales, the store is watched this long before it closes, ms. */
const AFTER_DRAIN_MS = 5_000;
/** How long closing may take: the last sales reaching the gateway, then the cloud, ms. */
const CLOSE_BOUND_MS = 60_000;

/** The run's closing JSON line. */
export interface OutageSummary {
  cloud_db: 'sqlite' | 'postgres';
  outage_s: number;
  samples: number;
  min_ingest_per_s_during_outage: number;
  min_decisions_per_s_during_outage: number;
  min_purchases_per_s_during_outage: number;
  min_screen_pushes_per_s_during_outage: number;
  purchases_during_outage: number;
  /** The backlog age in the last sample of the outage. */
  backlog_age_at_outage_end_s: number;
  max_backlog_age_s: number;
  /** From the cloud answering again to it holding every sale made before; null if that did not happen in time. */
  drain_s: number | null;
  in_cloud: number;
  store_purchases: number;
  /** Sales the simulated till sent. */
  till_purchases: number;
  /** Seqs missing below the highest the cloud has. */
  seq_gaps: number;
  ok: boolean;
}

export interface OutageResult {
  summary: OutageSummary;
  samples: Sample[];
  /** Why the run failed, one sentence each; empty when the store passed. */
  failures: string[];
  /** The data folder with the databases and service logs (removed after a passing run unless `keepData`). */
  dataDir: string;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const seconds = (ms: number) => round(ms / 1000);

/** Takes samples: rates since the previous one, the outbox gauges now; each printed as it is taken. */
function createSampler(gatewayUrl: string, pushes: () => number, say: (line: string) => void, first: Reading) {
  const opened = performance.now();
  const samples: Sample[] = [];
  let previous = { reading: first, pushes: pushes(), at: opened };
  return {
    samples,
    async sample(phase: Phase): Promise<Reading> {
      const now = { reading: await readGateway(gatewayUrl), pushes: pushes(), at: performance.now() };
      const dt = (now.at - previous.at) / 1000;
      const rate = (x: number) => round(x / dt, 2);
      const r = now.reading;
      const s: Sample = {
        phase,
        at_s: seconds(now.at - opened),
        ingest_per_s: rate(r.ingested - previous.reading.ingested),
        decisions_per_s: rate(r.decisions - previous.reading.decisions),
        purchases_per_s: rate(r.purchases - previous.reading.purchases),
        screen_pushes_per_s: rate(now.pushes - previous.pushes),
        outbox_depth: r.outboxDepth,
        backlog_age_s: r.backlogAge === null ? null : round(r.backlogAge),
      };
      previous = now;
      samples.push(s);
      say(describeSample(s));
      return r;
    },
  };
}
type Sampler = ReturnType<typeof createSampler>;

/** Samples through a phase of fixed length, in equal slices of about `sampleMs`, the last at the phase's end. */
async function samplePhase(sampler: Sampler, phase: Phase, durationMs: number, sampleMs: number, signal?: AbortSignal) {
  const start = performance.now();
  const slices = Math.max(1, Math.round(durationMs / sampleMs));
  let reading: Reading | undefined;
  for (let i = 1; i <= slices; i++) {
    await sleep(Math.max(0, start + (i * durationMs) / slices - performance.now()), undefined, { signal });
    reading = await sampler.sample(phase);
  }
  return reading!;
}

/** Runs the scenario. Progress goes to `say`; aborting `signal` stops the store and rejects. */
export async function runOutage(
  input: OutageOptions,
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<OutageResult> {
  const opts = OutageOptions.parse(input);
  const dataDir = mkdtempSync(join(tmpdir(), 'aisle-outage-'));
  const cleanup: Cleanup = [];
  let passed = false;
  try {
    // --- the store opens -------------------------------------------------------------------------------------
    const files = await prepareDemoData(dataDir, () => {});
    let database: string | undefined;
    if (opts.cloudDb === 'postgres') {
      const schema = `aisle_outage_${process.pid}_${randomBytes(4).toString('hex')}`;
      psql(opts.postgresUrl, `CREATE SCHEMA ${schema}`);
      cleanup.push(() => psql(opts.postgresUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      database = withSearchPath(opts.postgresUrl, schema);
    }
    const cloud = await startCloud(files, dataDir, database, cleanup);
    say(`cloud-sync (${opts.cloudDb}) at ${cloud.url}`);
    const gateway = await startGateway(files, dataDir, cloud.url, cleanup);
    say(`edge gateway at ${gateway.httpUrl}, broker ${gateway.mqttUrl}`);
    const screens = await connectScreens(files, gateway.httpUrl, cleanup);
    say(`screens connected: ${screens.ids.join(', ')}`);
    const store = await openDoors(files, gateway.mqttUrl, cleanup);
    say(`store open: ${store.devices} devices, ${store.shoppers} shoppers`);
    const read = () => readGateway(gateway.httpUrl);
    const sampler = createSampler(gateway.httpUrl, screens.pushes, say, await read());
    const phase = (name: Phase, ms: number) => samplePhase(sampler, name, ms, opts.sampleMs, signal);

    say(`warm-up with the cloud up: ${seconds(opts.warmupMs)} s`);
    await phase('warmup', opts.warmupMs);

    // --- the cloud goes away ---------------------------------------------------------------------------------
    await cloud.stop();
    const beforeOutage = await read();
    say(`cloud-sync stopped; the outage lasts ${seconds(opts.outageMs)} s`);
    const atOutageEnd = await phase('outage', opts.outageMs);

    // --- it comes back: same port, same database; the store keeps selling ------------------------------------
    await cloud.restart();
    const back = performance.now();
    const backlog = (await read()).purchases;
    say(`cloud-sync is back at ${cloud.url}; waiting for the ${backlog} sales made so far to reach it`);
    let drainMs: number | null = null;
    for (let nextSample = back + opts.sampleMs; performance.now() - back < opts.drainBoundMs; ) {
      if ((await cloud.syncStatus(store.storeId)).highestContiguousSeq >= backlog) {
        drainMs = performance.now() - back;
        break;
      }
      await sleep(250, undefined, { signal });
      if (performance.now() >= nextSample) {
        await sampler.sample('drain');
        nextSample += opts.sampleMs;
      }
    }
    say(drainMs === null ? 'the backlog did not drain in time' : `backlog drained in ${seconds(drainMs)} s`);
    if (drainMs !== null) await phase('drain', AFTER_DRAIN_MS);

    // --- closing: shoppers stop; the last sales reach the gateway, then the cloud ----------------------------
    store.close();
    say('closing: no more shoppers; waiting for the last sales to reach the gateway and the cloud');
    const settled = async () => {
      const r = await read();
      if (r.purchases !== store.tillSales() || r.outboxDepth !== 0) return false;
      return (await cloud.purchaseCount(store.storeId)) === r.purchases;
    };
    for (const deadline = performance.now() + CLOSE_BOUND_MS; performance.now() < deadline && !(await settled()); )
      await sleep(500, undefined, { signal });
    const closed = await sampler.sample('closed');

    const counts: OutageCounts = {
      outageMs: opts.outageMs,
      drainBoundMs: opts.drainBoundMs,
      drainMs,
      purchasesDuringOutage: atOutageEnd.purchases - beforeOutage.purchases,
      inCloud: await cloud.purchaseCount(store.storeId),
      storePurchases: closed.purchases,
      tillPurchases: store.tillSales(),
      sync: await cloud.syncStatus(store.storeId),
      invalidPushes: screens.invalidPushes(),
    };
    const failures = checkOutage(sampler.samples, counts);
    passed = failures.length === 0;
    return { summary: summarize(opts, sampler.samples, counts, passed), samples: sampler.samples, failures, dataDir };
  } finally {
    for (const undo of cleanup.reverse()) {
      try {
        await undo();
      } catch (err) {
        say(`cleaning up: ${(err as Error).message}`);
      }
    }
    if (passed && !opts.keepData) rmSync(dataDir, { recursive: true, force: true });
    else say(`data folder (databases, logs in logs/): ${dataDir}`);
  }
}

function summarize(
  opts: z.output<typeof OutageOptions>,
  samples: readonly Sample[],
  c: OutageCounts,
  ok: boolean,
): OutageSummary {
  const outage = samples.filter((s) => s.phase === 'outage');
  const min = (pick: (s: Sample) => number) => Math.min(...outage.map(pick));
  return {
    cloud_db: opts.cloudDb,
    outage_s: seconds(opts.outageMs),
    samples: samples.length,
    min_ingest_per_s_during_outage: min((s) => s.ingest_per_s),
    min_decisions_per_s_during_outage: min((s) => s.decisions_per_s),
    min_purchases_per_s_during_outage: min((s) => s.purchases_per_s),
    min_screen_pushes_per_s_during_outage: min((s) => s.screen_pushes_per_s),
    purchases_during_outage: c.purchasesDuringOutage,
    backlog_age_at_outage_end_s: outage.at(-1)?.backlog_age_s ?? 0,
    max_backlog_age_s: Math.max(...samples.map((s) => s.backlog_age_s ?? 0)),
    drain_s: c.drainMs === null ? null : seconds(c.drainMs),
    in_cloud: c.inCloud,
    store_purchases: c.storePurchases,
    till_purchases: c.tillPurchases,
    seq_gaps: c.sync.gaps.reduce((n, g) => n + g.to - g.from + 1, 0),
    ok,
  };
}
