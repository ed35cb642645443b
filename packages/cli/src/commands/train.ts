import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  ApiError,
  ModelCardDocument,
  type ModelRollout,
  parseRollout,
  TrainingRun,
  type TrainingRunRequest,
} from '@aisle/contracts';
import { type Command, parsing, UsageError } from '../command';

const help = `Usage: aisle train --cloud <url> --token admin.<secret> [--rollout canary:10|shadow:<p>|full]
                   [--store <storeId>]… [--wait]

Starts a training run in the cloud service (POST /v1/training/runs): it trains the online
recommendation model on every store's and the web's purchases, registers it with its model card
and releases it to the stores (default: every store with a credential, canary 10 %; promote a
canary with PUT /v1/stores/<storeId>/models/<version>).

  --cloud URL     the cloud service, e.g. http://127.0.0.1:8090
  --token TOKEN   the operator's credential, admin.<secret> (or set AISLE_CLOUD_TOKEN)
  --rollout R     canary:<percent>, shadow:<percent> or full
  --store ID      release only to this store (repeat for several)
  --wait          follow the run: each stage on stderr, then the version, the data counts and
                  the holdout metrics of its card on stdout, and a closing JSON line

Exit codes: 0 started (with --wait: succeeded), 1 refused, failed or unreachable, 2 wrong usage.`;

/** How often --wait asks for the run. */
const POLL_MS = 250;
/** How long one request may take. */
const REQUEST_MS = 30_000;

/** A failed request, said the way an operator can act on. */
function refusal(status: number, body: unknown, what: string): Error {
  const error = ApiError.safeParse(body);
  const detail = error.success ? error.data.error.message : 'no detail';
  if (status === 401) return new Error(`the cloud refused the token (401): pass --token admin.<secret>`);
  if (status === 403) return new Error(`this token is not the operator's (403): ${detail}`);
  if (status === 409) return new Error(`a training run is already in progress (409): ${detail}`);
  return new Error(`${what} → ${status}: ${detail}`);
}

/** A contract schema, as far as checking an answer needs it. */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/** One JSON request to the cloud, its answer checked with `schema`. */
async function call<T>(
  cloud: URL,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  schema: Schema<T>,
  body?: object,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, cloud), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body && { 'content-type': 'application/json' }) },
      ...(body && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `cannot reach the cloud at ${cloud.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw refusal(res.status, json, `${method} ${path}`);
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${method} ${path}: the cloud answered something else than expected`);
  return parsed.data;
}

function describe(rollout: ModelRollout): string {
  return rollout.mode === 'full' ? 'full' : `${rollout.mode} ${rollout.percent} %`;
}

/** Polls the run until it is over, printing each stage as it finishes (with its time) on stderr. */
async function follow(cloud: URL, token: string, run: TrainingRun): Promise<TrainingRun> {
  let printed = 0;
  for (;;) {
    for (const { stage, ms } of run.stages.slice(printed))
      console.error(`${stage.padEnd(22)} ${(ms / 1000).toFixed(2)} s`);
    printed = run.stages.length;
    if (run.status !== 'running') return run;
    await sleep(POLL_MS);
    run = await call(cloud, token, 'GET', `/v1/training/runs/${run.id}`, TrainingRun);
  }
}

function printCard(card: ModelCardDocument): void {
  const { data } = card;
  console.log(`version ${card.version} (${card.kind})`);
  console.log(
    `trained on ${data.purchases} purchases: ${data.customers} customers, ${data.anonymousBaskets} anonymous baskets, ` +
      `${data.items} items`,
  );
  console.log(`holdout: ${card.holdout.customers} customers`);
  for (const [name, value] of Object.entries(card.metrics))
    console.log(`${name.padEnd(28)} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
}

function options(args: string[]) {
  const { values } = parsing('train', () =>
    parseArgs({
      args,
      options: {
        cloud: { type: 'string' },
        token: { type: 'string' },
        rollout: { type: 'string' },
        store: { type: 'string', multiple: true },
        wait: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }),
  );
  if (values.help) return undefined;
  if (!values.cloud) throw new UsageError('--cloud <url> is required', 'train');
  let cloud: URL;
  try {
    cloud = new URL(values.cloud);
  } catch {
    throw new UsageError(`--cloud must be a URL such as http://127.0.0.1:8090, got '${values.cloud}'`, 'train');
  }
  const token = values.token ?? process.env.AISLE_CLOUD_TOKEN;
  if (!token) throw new UsageError('--token admin.<secret> is required (or set AISLE_CLOUD_TOKEN)', 'train');
  const rollout = values.rollout === undefined ? undefined : parseRollout(values.rollout);
  if (values.rollout !== undefined && !rollout)
    throw new UsageError(
      `--rollout must be canary:<percent>, shadow:<percent> or full, got '${values.rollout}'`,
      'train',
    );
  const request: TrainingRunRequest = { ...(rollout && { rollout }), ...(values.store && { stores: values.store }) };
  return { cloud, token, request, wait: values.wait ?? false };
}

export const train: Command = {
  name: 'train',
  summary: 'start a training run in the cloud (and follow it with --wait)',
  help,
  async run(args) {
    const opts = options(args);
    if (!opts) {
      console.log(help);
      return 0;
    }
    const { cloud, token } = opts;
    const started = await call(cloud, token, 'POST', '/v1/training/runs', TrainingRun, opts.request);
    console.log(
      `training run ${started.id} started: rollout ${describe(started.rollout)} to ${started.stores.length} stores` +
        (started.stores.length > 0 ? ` (${started.stores.join(', ')})` : ''),
    );
    if (!opts.wait) return 0;
    const run = await follow(cloud, token, started);
    if (run.status === 'failed') {
      console.error(`aisle: training run ${run.id} failed at '${run.stage}': ${run.error}; nothing was released`);
      return 1;
    }
    const card = await call(cloud, token, 'GET', `/v1/models/${run.version}/card`, ModelCardDocument);
    printCard(card);
    console.log(JSON.stringify({ run: run.id, version: card.version, counts: card.data, metrics: card.metrics }));
    return 0;
  },
};
