/**
 * Off-policy evaluation from the gateway's decision log: how would another policy for the first card's offer type
 * have done on the traffic the store actually had? (issue #5, point 5; `aisle decisions ope`.)
 */
import Database from 'better-sqlite3';
import { type OffPolicyEstimate, offPolicyEstimate } from './bandit';
import { ARMS } from './decide';
import { loggedDecisions } from './log';

/** A candidate policy: per bandit context (or '*' for any), the probability of each arm. */
export type TargetPolicy = Record<string, Partial<Record<string, number>>>;

/** `top`, `promotion`, `discovery` (always that arm), `uniform`, or a JSON TargetPolicy. */
export function parsePolicy(spec: string): TargetPolicy {
  if ((ARMS as readonly string[]).includes(spec)) return { '*': { [spec]: 1 } };
  if (spec === 'uniform') return { '*': Object.fromEntries(ARMS.map((a) => [a, 1 / ARMS.length])) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(spec);
  } catch {
    throw new Error(
      `policy must be one of ${ARMS.join(', ')}, uniform, or JSON like {"*":{"top":0.5,"promotion":0.5}}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('a JSON policy maps contexts (or "*") to { arm: probability }');
  for (const [context, arms] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof arms !== 'object' || arms === null)
      throw new Error(`policy for "${context}" must be { arm: probability }`);
    let sum = 0;
    for (const [arm, p] of Object.entries(arms as Record<string, unknown>)) {
      if (!(ARMS as readonly string[]).includes(arm))
        throw new Error(`unknown arm "${arm}" (arms: ${ARMS.join(', ')})`);
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`probability of "${arm}" must be in [0, 1]`);
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-6) throw new Error(`probabilities for "${context}" sum to ${sum}, not 1`);
  }
  return parsed as TargetPolicy;
}

export function policyProbability(policy: TargetPolicy, context: string, arm: string): number {
  return (policy[context] ?? policy['*'])?.[arm] ?? 0;
}

export interface LogEstimate extends OffPolicyEstimate {
  /** The logging policy's own average reward on the same decisions. */
  logged: number;
}

/** Estimates a policy from a gateway database's decision log (read-only). */
export function estimateFromLog(
  dbPath: string,
  policy: TargetPolicy,
  range: { since?: number; until?: number } = {},
): LogEstimate {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return estimate(loggedDecisions(db, range), policy);
  } finally {
    db.close();
  }
}

export function estimate(logs: ReturnType<typeof loggedDecisions>, policy: TargetPolicy): LogEstimate {
  if (logs.length === 0) throw new Error('the decision log has no bandit decisions with a known outcome yet');
  const result = offPolicyEstimate(logs, (context, arm) => policyProbability(policy, context, arm));
  return { ...result, logged: logs.reduce((a, l) => a + l.reward, 0) / logs.length };
}
