import { parseArgs } from 'node:util';
import { estimateFromLog, parsePolicy } from '@aisle/edge-gateway';
import { type Command, parsing, UsageError } from '../command';

const help = `Usage: aisle decisions ope --db <gateway.db> --policy <policy> [--since <ISO time>] [--until <ISO time>] [--json]

Off-policy evaluation: how a candidate policy for the first card's offer type would have done on
the decisions the gateway logged (each with the arm it showed, that arm's propensity and whether
the shopper then picked up, tried on or bought a shown item), without showing it to anyone.
Prints IPS and self-normalised IPS (SNIPS) estimates of the reward rate with 95 % intervals, the
effective sample size, and the logging policy's own rate for comparison.

Policies:
  top | promotion | discovery   always that offer type
  uniform                       each offer type equally often
  '{"*":{"top":0.7,"discovery":0.3},"mirror:zone:personal":{"discovery":1}}'
                                JSON: per bandit context (screen:trigger:personal|anonymous) or "*"

Options:
  --db <file>        the gateway's SQLite database (AISLE_DB; default data/gateway.db), read-only
  --policy <policy>  the candidate policy (required)
  --since, --until   only decisions in this time range
  --json             one JSON line instead of the table`;

function time(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`--${name} must be an ISO time like 2026-11-29T10:00:00Z`, 'decisions');
  return t;
}

export const decisions: Command = {
  name: 'decisions',
  summary: 'evaluate a candidate exploration policy offline from the gateway’s decision log',
  help,
  async run(args) {
    const { values, positionals } = parsing('decisions', () =>
      parseArgs({
        args,
        options: {
          db: { type: 'string', default: process.env.AISLE_DB ?? 'data/gateway.db' },
          policy: { type: 'string' },
          since: { type: 'string' },
          until: { type: 'string' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: true,
      }),
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals[0] !== 'ope' || positionals.length !== 1)
      throw new UsageError('the only subcommand is `ope`', 'decisions');
    if (!values.policy) throw new UsageError('--policy is required', 'decisions');
    let policy: ReturnType<typeof parsePolicy>;
    try {
      policy = parsePolicy(values.policy);
    } catch (err) {
      throw new UsageError((err as Error).message, 'decisions');
    }
    const range = { since: time(values.since, 'since'), until: time(values.until, 'until') };
    let est: ReturnType<typeof estimateFromLog>;
    try {
      est = estimateFromLog(values.db, policy, range);
    } catch (err) {
      console.error(`aisle decisions: ${values.db}: ${(err as Error).message}`);
      return 1;
    }
    const r = (x: number) => Math.round(x * 10_000) / 10_000;
    if (values.json) {
      console.log(
        JSON.stringify({
          n: est.n,
          logged: r(est.logged),
          ips: r(est.ips),
          ips_ci: est.ipsInterval.map(r),
          snips: r(est.snips),
          snips_ci: est.snipsInterval.map(r),
          effective_n: Math.round(est.effectiveSize),
        }),
      );
      return 0;
    }
    const ci = ([a, b]: [number, number]) => `[${r(a)}, ${r(b)}]`;
    console.log(`decisions with an outcome  ${est.n}`);
    console.log(`logging policy's reward    ${r(est.logged)}`);
    console.log(`candidate, IPS             ${r(est.ips)}  95% ${ci(est.ipsInterval)}`);
    console.log(`candidate, SNIPS           ${r(est.snips)}  95% ${ci(est.snipsInterval)}`);
    console.log(`effective sample size      ${Math.round(est.effectiveSize)}`);
    return 0;
  },
};
