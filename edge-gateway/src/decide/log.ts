/**
 * Every decision, logged with its model version, the bandit's arm and the propensity of each shown item (issue #5,
 * point 5). Rows are buffered and written in one transaction per flush, so logging costs a decision microseconds.
 * A decision earns reward 1 when its shopper picks up, tries on or buys a shown item within the horizon, else 0;
 * either way the bandit learns from it and the row keeps it for off-policy evaluation.
 */
import type Database from 'better-sqlite3';
import type { LoggedDecision, ThompsonBandit } from './bandit';
import type { DecisionRecord } from './decide';

interface Pending {
  record: DecisionRecord;
  items: Set<string>;
}

export class DecisionLog {
  readonly #insert: Database.Statement;
  readonly #setReward: Database.Statement;
  readonly #inserts: DecisionRecord[] = [];
  readonly #rewards: { id: string; reward: number }[] = [];
  /** Decisions still waiting for their outcome, oldest first… */
  readonly #pending = new Map<string, Pending>();
  /** …and the same, by shopper. */
  readonly #byShopper = new Map<string, Pending[]>();

  constructor(
    private readonly db: Database.Database,
    private readonly opts: {
      bandit: ThompsonBandit;
      horizonMs: number;
      /**
       * What is written for the shopper: the gateway passes their rotating pseudonym, or null when the device may
       * not be tracked, so no raw device id reaches the disk (privacy/pseudonyms.ts). The id as given by default.
       */
      shopperRefOf?: (deviceId: string, at: number) => string | null;
    },
  ) {
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO decisions (id, at, zone_id, screen_kind, trigger, shopper_ref, personalized, model_version,
         arm, propensity, context, items) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#setReward = db.prepare('UPDATE decisions SET reward = ? WHERE id = ?');
  }

  get pending(): number {
    return this.#pending.size;
  }

  record(record: DecisionRecord): void {
    this.#inserts.push(record);
    // only a bandit's choice with a shopper to watch can earn a reward
    if (record.arm === 'fixed' || !record.shopperRef) return;
    const pending = { record, items: new Set(record.items.map((i) => i.itemId)) };
    this.#pending.set(record.id, pending);
    const list = this.#byShopper.get(record.shopperRef);
    if (list) list.push(pending);
    else this.#byShopper.set(record.shopperRef, [pending]);
  }

  /** The shopper acted on `itemId`: decisions that showed it to them within the horizon earn the reward. */
  outcome(shopperRef: string, itemId: string, at: number, reward = 1): number {
    let rewarded = 0;
    for (const p of [...(this.#byShopper.get(shopperRef) ?? [])]) {
      if (!p.items.has(itemId) || at - p.record.at > this.opts.horizonMs) continue;
      this.#close(p, reward);
      rewarded++;
    }
    return rewarded;
  }

  /** Decisions past the horizon without an outcome earn 0. */
  expire(now: number): number {
    let expired = 0;
    for (const p of this.#pending.values()) {
      if (now - p.record.at <= this.opts.horizonMs) break; // insertion order is time order
      this.#close(p, 0);
      expired++;
    }
    return expired;
  }

  /** Writes what is buffered, in one transaction. */
  flush(): void {
    if (this.#inserts.length === 0 && this.#rewards.length === 0) return;
    const inserts = this.#inserts.splice(0);
    const rewards = this.#rewards.splice(0);
    this.db.transaction(() => {
      for (const r of inserts)
        this.#insert.run(
          r.id,
          r.at,
          r.zoneId,
          r.screen ?? null,
          r.trigger,
          r.shopperRef && (this.opts.shopperRefOf ? this.opts.shopperRefOf(r.shopperRef, r.at) : r.shopperRef),
          r.personalized ? 1 : 0,
          r.modelVersion,
          r.arm,
          r.propensity,
          JSON.stringify({ ...r.context, bandit: r.banditContext }),
          JSON.stringify(r.items),
        );
      for (const r of rewards) this.#setReward.run(r.reward, r.id);
    })();
  }

  #close(p: Pending, reward: number): void {
    const { id, shopperRef } = p.record;
    this.#pending.delete(id);
    const list = this.#byShopper.get(shopperRef!)!;
    list.splice(list.indexOf(p), 1);
    if (list.length === 0) this.#byShopper.delete(shopperRef!);
    this.#rewards.push({ id, reward });
    this.opts.bandit.update(p.record.banditContext, p.record.arm, reward);
  }
}

/** Bandit decisions with a known outcome, as `offPolicyEstimate` reads them. */
export function loggedDecisions(
  db: Database.Database,
  range: { since?: number; until?: number } = {},
): LoggedDecision[] {
  const rows = db
    .prepare<[number, number], { arm: string; propensity: number; reward: number; context: string }>(
      `SELECT arm, propensity, reward, context FROM decisions
       WHERE reward IS NOT NULL AND arm != 'fixed' AND at >= ? AND at < ? ORDER BY at`,
    )
    .all(range.since ?? 0, range.until ?? Number.MAX_SAFE_INTEGER);
  return rows.map((r) => ({
    context: (JSON.parse(r.context) as { bandit: string }).bandit,
    arm: r.arm,
    propensity: r.propensity,
    reward: r.reward,
  }));
}
