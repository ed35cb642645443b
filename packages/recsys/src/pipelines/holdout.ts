/**
 * The two offline protocols as plain data, so any history model can be trained and scored the same way:
 *
 * - next-item (sequence files): each user's last item is the target, the rest is their history; items already
 *   in the history are excluded from the ranking.
 * - next-basket (basket files): the target is a basket; the history is the earlier baskets flattened, each item
 *   with age = baskets before the latest (0 = the latest basket), so every model sees basket order; repeat
 *   purchases are allowed (nothing is excluded).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../eval';
import { type HistoryEntry, type HistoryEvent, historyItem, rankScorer, type ScorerModel } from '../models/scorer';
import { saveModel } from '../save';
import { loadRecommender } from '../serve';

export interface Holdout {
  users: string[];
  /** Training histories, users[i] owns histories[i]. */
  histories: HistoryEntry[][];
  /** What to predict per user (one item for next-item, a basket for next-basket). */
  targets: string[][];
  /** Whether a user's own history items are excluded from their list. */
  excludeHistory: boolean;
}

/** Next-item: drop each user's last item as the target (users with fewer than 2 items are left out). */
export function sequenceHoldout(users: readonly string[], sequences: readonly (readonly HistoryEntry[])[]): Holdout {
  const out: Holdout = { users: [], histories: [], targets: [], excludeHistory: true };
  sequences.forEach((seq, u) => {
    if (seq.length < 2) return;
    out.users.push(users[u]!);
    out.histories.push(seq.slice(0, -1));
    out.targets.push([historyItem(seq.at(-1)!)]);
  });
  return out;
}

/** Baskets (oldest first) as one history: every item of basket b gets age = baskets after b. */
export function basketHistory(baskets: readonly (readonly string[])[]): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  baskets.forEach((basket, b) => {
    for (const item of new Set(basket)) out.push({ item, age: baskets.length - 1 - b });
  });
  return out;
}

/**
 * Next-basket: with `future`, each user's history is all their baskets and the target their future basket;
 * without, the last history basket is the target (a validation split inside the history file).
 */
export function basketHoldout(
  histories: ReadonlyMap<string, readonly (readonly string[])[]>,
  future?: ReadonlyMap<string, readonly (readonly string[])[]>,
): Holdout {
  const out: Holdout = { users: [], histories: [], targets: [], excludeHistory: false };
  for (const [user, baskets] of histories) {
    const target = future ? future.get(user)?.[0] : baskets.at(-1);
    const history = future ? baskets : baskets.slice(0, -1);
    if (!target?.length || history.length === 0) continue;
    out.users.push(user);
    out.histories.push(basketHistory(history));
    out.targets.push([...new Set(target)]);
  }
  return out;
}

/** Protocol metrics of a model's TypeScript reference ranking (fast; the served path is checked by parity tests). */
export function evaluateHoldout(
  model: Pick<ScorerModel, 'items' | 'component'>,
  holdout: Holdout,
  k: readonly number[] = [10, 20],
): Record<string, number> {
  const kmax = Math.max(...k);
  const predictions = new Map<string, string[]>();
  const truth = new Map<string, string[]>();
  const index = new Map(model.items.map((id, i) => [id, i]));
  holdout.users.forEach((user, u) => {
    const history = holdout.histories[u]!;
    const exclude = holdout.excludeHistory ? undefined : [];
    const ranked = rankScorer(model, history, kmax, exclude, index);
    predictions.set(
      user,
      ranked.map((r) => r.itemId),
    );
    truth.set(user, holdout.targets[u]!);
  });
  return evaluate({ predictions, truth, k });
}

/**
 * The same metrics through the served graph: the model is saved to a temporary folder and ranked by the serving
 * module (onnxruntime-node), exactly as a store would run it.
 */
export async function evaluateServed(
  model: ScorerModel,
  holdout: Holdout,
  k: readonly number[] = [10, 20],
): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'aisle-validate-'));
  try {
    await saveModel(model, dir);
    const served = await loadRecommender(dir);
    try {
      const predictions = new Map<string, string[]>();
      const truth = new Map<string, string[]>();
      for (const [u, user] of holdout.users.entries()) {
        const history = holdout.histories[u]!;
        const ranked = await served.recommend(
          { history, ...(!holdout.excludeHistory && { exclude: [] }) },
          Math.max(...k),
        );
        predictions.set(
          user,
          ranked.map((r) => r.itemId),
        );
        truth.set(user, holdout.targets[u]!);
      }
      return evaluate({ predictions, truth, k });
    } finally {
      await served.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
