/**
 * `npm run chaos:sync`: exactly-once store → cloud under faults (issue #7). Runs the chaos scenario (chaos-scenario.ts)
 * once per backend — cloud-sync on a SQLite file, then on PostgreSQL in a fresh schema — and prints, per backend, a
 * JSON line `{"backend":…,"purchases":…,"in_cloud":…,"lost":…,"duplicated":…,"seq_gaps":…,…}`, then a JSON summary
 * as the last line. Exits 1 unless every backend lost nothing, duplicated nothing and left no sequence gap.
 *
 *   npm run chaos:sync -- [--backend sqlite|postgres|both] [--purchases 10000] [--stores 3] [--seed N]
 *                         [--rate 100] [--kills 8] [--outages 2] [--outage-seconds 8]
 *
 * Needs Mosquitto (AISLE_BENCH_MQTT_URL, default mqtt://127.0.0.1:1883) and, for postgres, PostgreSQL
 * (AISLE_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test). See bench/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type Backend, CHAOS_FAULTS, type ChaosResult, passed, runChaosScenario } from './chaos-scenario';
import { cleanup, onCleanup, wasInterrupted } from './cleanup';

const Count = (min: number) => z.coerce.number().int().min(min);
const Args = z
  .object({
    backend: z.enum(['sqlite', 'postgres', 'both']).default('both'),
    purchases: Count(1).default(10_000),
    stores: Count(1).max(20).default(3),
    seed: Count(0).default(() => Math.floor(Math.random() * 2 ** 31)),
    rate: Count(1).default(100),
    kills: Count(0).default(8),
    outages: Count(0).default(2),
    'outage-seconds': z.coerce.number().positive().default(8),
  })
  .strict();

const started = performance.now();
function progress(message: string): void {
  console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

function parseCli() {
  const { values } = parseArgs({
    options: Object.fromEntries(Object.keys(Args.shape).map((k) => [k, { type: 'string' as const }])),
    strict: true,
  });
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`--${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

async function main(): Promise<boolean> {
  const args = parseCli();
  const backends: Backend[] = args.backend === 'both' ? ['sqlite', 'postgres'] : [args.backend];
  const root = mkdtempSync(join(tmpdir(), 'aisle-chaos-sync-'));
  // kept unless the run passes: the children's logs and the databases say what went wrong
  let keep = true;
  onCleanup(() => {
    if (keep) console.log(`logs kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  });
  progress(
    `chaos:sync seed ${args.seed}: ${args.purchases} sales over ${args.stores} stores at ${args.rate}/s, ` +
      `${args.kills} gateway kills, ${args.outages} cloud outages of ${args['outage-seconds']} s, on ${backends.join(' and ')}`,
  );
  const results: ChaosResult[] = [];
  for (const backend of backends) {
    const result = await runChaosScenario({
      backend,
      purchases: args.purchases,
      stores: args.stores,
      seed: args.seed,
      ratePerSecond: args.rate,
      kills: args.kills,
      outages: args.outages,
      outageMs: args['outage-seconds'] * 1000,
      faults: CHAOS_FAULTS,
      drainTimeoutMs: 180_000,
      dir: root,
      mqttUrl: process.env.AISLE_BENCH_MQTT_URL || 'mqtt://127.0.0.1:1883',
      postgresUrl: process.env.AISLE_BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test',
      log: (line) => progress(`${backend}: ${line}`),
      onTeardown: onCleanup,
    });
    results.push(result);
    const { stores, ...line } = result;
    progress(`${backend}: ${passed(result) ? 'PASS' : 'FAIL'}`);
    for (const s of stores) progress(`${backend}: ${JSON.stringify(s)}`);
    console.log(JSON.stringify(line));
  }
  const ok = results.every(passed);
  keep = !ok;
  const sum = (f: (r: ChaosResult) => number) => results.reduce((s, r) => s + f(r), 0);
  console.log(
    JSON.stringify({
      chaos_sync: ok ? 'pass' : 'fail',
      seed: args.seed,
      backends: results.map((r) => r.backend),
      purchases: sum((r) => r.purchases),
      in_cloud: sum((r) => r.in_cloud),
      lost: sum((r) => r.lost),
      duplicated: sum((r) => r.duplicated),
      seq_gaps: sum((r) => r.seq_gaps),
      kills: sum((r) => r.kills),
      cloud_down_s: Math.round(sum((r) => r.cloud_down_s) * 10) / 10,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }),
  );
  return ok;
}

try {
  const ok = await main();
  await cleanup();
  process.exit(ok ? 0 : 1);
} catch (err) {
  if (!wasInterrupted()) {
    console.error(`chaos:sync failed: ${(err as Error).message}`);
    await cleanup();
    process.exit(1);
  }
}
