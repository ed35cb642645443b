/**
 * Popularity with time decay, for history data: every interaction adds weight · 0.5^(age / halfLife), where age
 * is how far back it lies in its shopper's history (0 = their latest step), scaled so the top item is 1. It ignores
 * the shopper at serving time, which makes it the floor every other model must beat and the fallback a blend
 * uses for new shoppers. (Per-zone popularity with wall-clock decay, for the store floor, is zone-popularity.ts.)
 */
import { constantComponent, type HistoryEntry, historyItem, type ScorerModel, scorerVersion } from './scorer';

export const POPULARITY_KIND = 'popularity';

export interface PopularityParams {
  /** Steps back in a shopper's history after which an interaction counts half. Infinity: no decay. */
  halfLife: number;
}

export const DEFAULT_POPULARITY_PARAMS: PopularityParams = { halfLife: 20 };

export interface TrainPopularityOptions extends Partial<PopularityParams> {
  /** The catalogue. Default: every item in the histories, in order of first appearance. */
  items?: readonly string[];
  now?: number;
  version?: string;
}

export function trainPopularity(
  histories: readonly (readonly HistoryEntry[])[],
  opts: TrainPopularityOptions = {},
): ScorerModel {
  const halfLife = opts.halfLife ?? DEFAULT_POPULARITY_PARAMS.halfLife;
  if (!(halfLife > 0)) throw new RangeError(`halfLife must be > 0, got ${halfLife}`);
  const now = opts.now ?? Date.now();
  const { items, index } = catalogue(histories, opts.items);
  const counts = new Float64Array(items.length);
  let events = 0;
  let skipped = 0;
  for (const history of histories) {
    history.forEach((entry, pos) => {
      const i = index.get(historyItem(entry));
      if (i === undefined) {
        skipped++;
        return;
      }
      const weight = typeof entry === 'string' ? 1 : (entry.weight ?? 1);
      const age = typeof entry === 'string' ? history.length - 1 - pos : (entry.age ?? history.length - 1 - pos);
      counts[i]! += weight * 0.5 ** (age / halfLife);
      events++;
    });
  }
  const max = counts.reduce((a, b) => Math.max(a, b), 0);
  const values = Float32Array.from(counts, (c) => (max > 0 ? c / max : 0));
  const params = { halfLife };
  return {
    kind: POPULARITY_KIND,
    version: opts.version ?? scorerVersion(POPULARITY_KIND, now),
    items,
    trainedAt: now,
    params,
    stats: { events, skipped, users: histories.length },
    component: constantComponent(POPULARITY_KIND, values, params),
  };
}

/** The given catalogue, or the histories' items in order of first appearance; throws when it is empty. */
export function catalogue(
  histories: readonly (readonly HistoryEntry[])[],
  given?: readonly string[],
): { items: string[]; index: Map<string, number> } {
  const index = new Map<string, number>();
  const items: string[] = [];
  const add = (id: string, strict: boolean) => {
    if (index.has(id)) {
      if (strict) throw new RangeError(`duplicate item id: ${id}`);
      return;
    }
    index.set(id, items.length);
    items.push(id);
  };
  if (given) for (const id of given) add(id, true);
  else for (const history of histories) for (const entry of history) add(historyItem(entry), false);
  if (items.length === 0) throw new RangeError('at least one item is required');
  return { items, index };
}
