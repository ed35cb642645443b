import { evaluateServed, type Holdout, type SeqKnnModel, trainSeqKnn } from '@aisle/recsys';
import type { Basket, TrainingSet } from './dataset';

/**
 * The online model is seq-knn (packages/recsys models/seq-knn.ts): "what do people buy next after what this
 * customer bought?". It is chosen over the hybrid because
 * - it ranks from the customer's own history, weighting the latest purchases most, which is exactly what the
 *   acceptance asks for (a purchase in store changes that customer's list after the next run);
 * - anonymous baskets feed it too (each is a short sequence, so items bought together become neighbours);
 * - it trains in one deterministic pass, without the hybrid's blend tuning, which needs many holdout customers
 *   (a young chain has few) and would make each run's model an accident of the split; on Amazon Beauty it reaches
 *   93 % of the hybrid's HR@10 (0.0962 against 0.1033, docs/recsys.md) in about 1 % of its training time;
 * - its ONNX graph is the history graph every gateway already serves.
 */
export const ONLINE_MODEL_KIND = 'seq-knn';

/** The share of purchases (by time) the holdout model is trained on; the rest is what it must predict. */
const HOLDOUT_TRAIN_SHARE = 0.8;

/** The sequences seq-knn trains on: each customer's purchases in order, and each anonymous basket on its own. */
export function sequencesOf(customers: ReadonlyMap<string, readonly Basket[]>, baskets: readonly Basket[]): string[][] {
  return [...[...customers.values()].map((list) => list.flatMap((b) => b.items)), ...baskets.map((b) => b.items)];
}

/** A time-based holdout: the model trained on purchases before `splitAt` predicts what customers bought after. */
export interface TimeHoldout {
  splitAt: number | null;
  /** The purchases before splitAt, as training sequences. */
  sequences: string[][];
  /** Customers with a history before splitAt and something new after it. */
  holdout: Holdout;
}

/**
 * Splits the set at the time before which `HOLDOUT_TRAIN_SHARE` of the purchases were made. A customer is scored
 * on the items they bought after the split that they had not bought before (their history is excluded from their
 * list, so a repeat could never be hit); customers without both are left out.
 */
export function timeHoldout(set: Pick<TrainingSet, 'customers' | 'baskets'>): TimeHoldout {
  const times = [...[...set.customers.values()].flat(), ...set.baskets].map((b) => b.ts).sort((a, b) => a - b);
  const holdout: Holdout = { users: [], histories: [], targets: [], excludeHistory: true };
  if (times.length < 2) return { splitAt: null, sequences: [], holdout };
  const splitAt = times[Math.floor(times.length * HOLDOUT_TRAIN_SHARE)]!;
  const before = new Map<string, Basket[]>();
  for (const [customer, list] of set.customers) {
    const history = list.filter((b) => b.ts < splitAt);
    if (history.length > 0) before.set(customer, history);
    const seen = new Set(history.flatMap((b) => b.items));
    const targets = [...new Set(list.filter((b) => b.ts >= splitAt).flatMap((b) => b.items))].filter(
      (item) => !seen.has(item),
    );
    if (history.length === 0 || targets.length === 0) continue;
    holdout.users.push(customer);
    holdout.histories.push(history.flatMap((b) => b.items));
    holdout.targets.push(targets);
  }
  const sequences = sequencesOf(
    before,
    set.baskets.filter((b) => b.ts < splitAt),
  );
  return { splitAt, sequences, holdout };
}

export interface OnlineModel {
  model: SeqKnnModel;
  /** Holdout metrics, keys `holdout.<metric>` (hitRate@10, ndcg@10, recall@20, …), finite values only. */
  metrics: Record<string, number>;
  splitAt: number | null;
  holdoutCustomers: number;
}

/**
 * Measures the model on the time-based holdout through the served ONNX graph (recsys `evaluateServed`, as a store
 * would run it), then trains the released model on the whole set with the same settings.
 */
export async function trainOnlineModel(
  set: TrainingSet,
  opts: { version: string; now: number; stage: <T>(name: string, run: () => Promise<T> | T) => Promise<T> },
): Promise<OnlineModel> {
  if (set.items.length === 0) throw new Error('the catalog is empty: there is nothing to rank');
  const split = timeHoldout(set);
  let metrics: Record<string, number> = {};
  if (split.holdout.users.length > 0) {
    const holdoutModel = await opts.stage('train holdout model', () =>
      trainSeqKnn(split.sequences, { items: set.items, now: split.splitAt ?? opts.now }),
    );
    const measured = await opts.stage('evaluate on holdout', () => evaluateServed(holdoutModel, split.holdout));
    metrics = Object.fromEntries(
      Object.entries(measured)
        .filter(([, v]) => Number.isFinite(v))
        .map(([key, v]) => [`holdout.${key}`, v]),
    );
  }
  const model = await opts.stage('train', () =>
    trainSeqKnn(sequencesOf(set.customers, set.baskets), { items: set.items, now: opts.now, version: opts.version }),
  );
  return { model, metrics, splitAt: split.splitAt, holdoutCustomers: split.holdout.users.length };
}
