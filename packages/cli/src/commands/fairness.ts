import { parseArgs } from 'node:util';
import { FairnessReport, type GroupExposure } from '@aisle/contracts';
import { CLOUD_OPTIONS, type CloudTarget, cloudRequest, cloudTarget } from '../cloud';
import { type Command, parsing, UsageError } from '../command';

const help = `Usage: aisle fairness --cloud <url> --token admin.<secret> --model <version> [--k <n>] [--json]

Prints the fairness and transparency report of a model version from the cloud service
(GET /v1/models/<version>/fairness): popularity bias, exposure of brands and price tiers
against their catalog and purchase shares, and calibration of categories and price tiers.
docs/privacy/fairness.md defines every number and says how to read it.

  --cloud URL      the cloud service, e.g. http://127.0.0.1:8090
  --token TOKEN    the operator's credential, admin.<secret> (or set AISLE_CLOUD_TOKEN)
  --model VERSION  the model version, e.g. online-20261129090000 (see aisle train)
  --k N            list length measured per customer (1..100, default 10)
  --json           print the report as JSON instead of tables

Exit codes: 0 printed, 1 refused, unknown version, not measurable or unreachable, 2 wrong usage.`;

/** How long the report may take: the first request for a version measures it. */
const REQUEST_MS = 120_000;

function options(args: string[]) {
  const { values } = parsing('fairness', () =>
    parseArgs({
      args,
      options: {
        ...CLOUD_OPTIONS,
        model: { type: 'string' },
        k: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }),
  );
  if (values.help) return undefined;
  const target = cloudTarget(values, 'fairness');
  if (!values.model) throw new UsageError('--model <version> is required', 'fairness');
  const k = values.k === undefined ? 10 : Number(values.k);
  if (!Number.isInteger(k) || k < 1 || k > 100)
    throw new UsageError(`--k must be a whole number from 1 to 100, got '${values.k}'`, 'fairness');
  return { target, model: values.model, k, json: values.json ?? false };
}

function fetchReport(target: CloudTarget, model: string, k: number): Promise<FairnessReport> {
  return cloudRequest(target, {
    path: `/v1/models/${encodeURIComponent(model)}/fairness?k=${k}`,
    schema: FairnessReport,
    timeoutMs: REQUEST_MS,
    expected: 'a fairness report',
    refusals: {
      404: () => `no model version '${model}' in the registry (404)`,
      422: (detail) => `model ${model} cannot be measured (422): ${detail}`,
    },
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const num = (x: number | null) => (x === null ? '—' : x.toFixed(3));

function groupTable(title: string, groups: readonly GroupExposure[]): string[] {
  const width = Math.max(8, ...groups.map((g) => g.group.length));
  return [
    title,
    `  ${'group'.padEnd(width)}  ${'exposure'.padStart(9)}  ${'catalog'.padStart(9)}  ${'bought'.padStart(9)}  ` +
      `${'vs catalog'.padStart(10)}  ${'vs bought'.padStart(9)}`,
    ...groups.map(
      (g) =>
        `  ${g.group.padEnd(width)}  ${pct(g.exposureShare).padStart(9)}  ${pct(g.catalogShare).padStart(9)}  ` +
        `${pct(g.interactionShare).padStart(9)}  ${num(g.catalogRatio).padStart(10)}  ` +
        `${num(g.interactionRatio).padStart(9)}${g.underExposed ? '  UNDER-EXPOSED' : ''}`,
    ),
  ];
}

/** The report as an operator reads it: three short sections, flags spelled out. */
export function formatReport(r: FairnessReport): string {
  const p = r.popularity;
  const c = r.calibration;
  const [low, mid] = r.exposure.priceTierBounds;
  const calibration = (name: string, s: FairnessReport['calibration']['categories']) =>
    `  ${name.padEnd(12)} mean ${num(s.mean)}  median ${num(s.median)}  p90 ${num(s.p90)}  max ${num(s.max)}  ` +
    `(${s.users} customers)`;
  return [
    `model ${r.model.version} (${r.model.kind}): top ${r.k} for ${r.users} customers, ${r.catalogItems} catalog items`,
    '',
    'Popularity bias',
    `  popularity percentile     recommended ${pct(p.recommendedPercentile)}  history ${pct(p.historyPercentile)}`,
    `  popularity lift           ${p.lift === null ? '— (no interactions)' : `${p.lift >= 0 ? '+' : ''}${pct(p.lift)}`}`,
    `  catalog coverage          ${pct(p.coverage)}`,
    `  Gini of exposure          ${num(p.gini)}`,
    `  short head / long tail    ${pct(p.shortHeadShare)} / ${pct(p.longTailShare)}`,
    '',
    ...groupTable('Exposure by brand', r.exposure.brands),
    '',
    ...groupTable(`Exposure by price tier (low ≤ ${low}, mid ≤ ${mid}, high above)`, r.exposure.priceTiers),
    `  UNDER-EXPOSED: below ${r.exposure.underExposedRatio} of both its catalog and its purchase share`,
    '',
    `Calibration, KL(history ‖ list) in nats (α = ${c.alpha}; 0 = lists mirror what customers chose)`,
    calibration('categories', c.categories),
    calibration('price tiers', c.priceTiers),
  ].join('\n');
}

export const fairness: Command = {
  name: 'fairness',
  summary: "a model version's fairness report: popularity bias, exposure, calibration",
  help,
  async run(args) {
    const opts = options(args);
    if (!opts) {
      console.log(help);
      return 0;
    }
    const report = await fetchReport(opts.target, opts.model, opts.k);
    console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return 0;
  },
};
