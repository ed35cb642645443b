/**
 * `npm run chaos:outage [-- --outage-minutes 10]`: a real store keeps ingesting, recommending and selling while its
 * cloud is stopped, and catches the cloud up when it returns (see `outage.ts`). Prints a line per sample, any
 * failures, and a closing JSON summary; exits 1 when the store did not pass, 2 on bad options.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { OutageOptions, runOutage } from './outage';

const USAGE = `usage: npm run chaos:outage -- [--outage-minutes 10] [--warmup-seconds 30] [--sample-seconds 10]
  [--drain-bound-seconds 120] [--cloud-db sqlite|postgres] [--postgres-url postgres://…] [--keep-data]`;

/** A number of seconds or minutes from the command line (fractions allowed), as ms. */
const duration = (unitMs: number) =>
  z.coerce
    .number()
    .positive()
    .transform((x) => Math.round(x * unitMs));

const Args = z
  .object({
    'outage-minutes': duration(60_000).default(600_000),
    'warmup-seconds': duration(1_000).optional(),
    'sample-seconds': duration(1_000).optional(),
    'drain-bound-seconds': duration(1_000).optional(),
    'cloud-db': z.enum(['sqlite', 'postgres']).optional(),
    'postgres-url': z.string().optional(),
    'keep-data': z.boolean().optional(),
  })
  .strict();

function options(argv: string[]): OutageOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'outage-minutes': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      'sample-seconds': { type: 'string' },
      'drain-bound-seconds': { type: 'string' },
      'cloud-db': { type: 'string' },
      'postgres-url': { type: 'string' },
      'keep-data': { type: 'boolean' },
    },
  });
  const a = Args.parse(values);
  const opts = {
    outageMs: a['outage-minutes'],
    warmupMs: a['warmup-seconds'],
    sampleMs: a['sample-seconds'],
    drainBoundMs: a['drain-bound-seconds'],
    cloudDb: a['cloud-db'],
    postgresUrl: a['postgres-url'] || process.env.AISLE_TEST_POSTGRES_URL || undefined,
    keepData: a['keep-data'],
  };
  OutageOptions.parse(opts); // refuses, e.g., samples longer than the outage
  return opts;
}

async function main(): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let opts: OutageOptions;
  try {
    opts = options(process.argv.slice(2));
  } catch (err) {
    const detail =
      err instanceof z.ZodError
        ? err.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')
        : (err as Error).message;
    say(`${detail}\n${USAGE}`);
    return 2;
  }
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort(new Error(signal)));
  const { summary, failures } = await runOutage(opts, say, stop.signal);
  if (failures.length > 0) {
    say(`FAILED (${failures.length}):`);
    for (const f of failures) say(`  - ${f}`);
  } else say('PASSED: the store kept working without its cloud and caught the cloud up');
  say(JSON.stringify(summary));
  return summary.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stdout.write(`chaos:outage could not run: ${err.message}\n`);
    process.exit(1);
  },
);
