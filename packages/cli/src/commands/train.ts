import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  ModelCardDocument,
  type ModelRollout,
  parseRollout,
  TrainingRun,
  type TrainingRunRequest,
} from '@aisle/contracts';
import { CLOUD_OPTIONS, type CloudTarget, cloudRequest, cloudTarget } from '../cloud';
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
/** A run already going is the one refusal train says more about. */
const refusals = { 409: (detail: string) => `a training run is already in progress (409): ${detail}` };

function describe(rollout: ModelRollout): string {
  return rollout.mode === 'full' ? 'full' : `${rollout.mode} ${rollout.percent} %`;
}

/** Polls the run until it is over, printing each stage as it finishes (with its time) on stderr. */
async function follow(target: CloudTarget, run: TrainingRun): Promise<TrainingRun> {
  let printed = 0;
  for (;;) {
    for (const { stage, ms } of run.stages.slice(printed))
      console.error(`${stage.padEnd(22)} ${(ms / 1000).toFixed(2)} s`);
    printed = run.stages.length;
    if (run.status !== 'running') return run;
    await sleep(POLL_MS);
    run = await cloudRequest(target, { path: `/v1/training/runs/${run.id}`, schema: TrainingRun, refusals });
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
        ...CLOUD_OPTIONS,
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
  const target = cloudTarget(values, 'train');
  const rollout = values.rollout === undefined ? undefined : parseRollout(values.rollout);
  if (values.rollout !== undefined && !rollout)
    throw new UsageError(
      `--rollout must be canary:<percent>, shadow:<percent> or full, got '${values.rollout}'`,
      'train',
    );
  const request: TrainingRunRequest = { ...(rollout && { rollout }), ...(values.store && { stores: values.store }) };
  return { target, request, wait: values.wait ?? false };
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
    const { target } = opts;
    const started = await cloudRequest(target, {
      method: 'POST',
      path: '/v1/training/runs',
      schema: TrainingRun,
      body: opts.request,
      refusals,
    });
    console.log(
      `training run ${started.id} started: rollout ${describe(started.rollout)} to ${started.stores.length} stores` +
        (started.stores.length > 0 ? ` (${started.stores.join(', ')})` : ''),
    );
    if (!opts.wait) return 0;
    const run = await follow(target, started);
    if (run.status === 'failed') {
      console.error(`aisle: training run ${run.id} failed at '${run.stage}': ${run.error}; nothing was released`);
      return 1;
    }
    const card = await cloudRequest(target, {
      path: `/v1/models/${run.version}/card`,
      schema: ModelCardDocument,
      refusals,
    });
    printCard(card);
    console.log(JSON.stringify({ run: run.id, version: card.version, counts: card.data, metrics: card.metrics }));
    return 0;
  },
};
