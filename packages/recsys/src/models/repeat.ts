/**
 * Repeat purchase: the shopper's own decayed item frequency, Σ_h weight_h · γ^age_h per item (the personal part
 * of TIFU-KNN). Groceries, cosmetics refills and basics are bought again; a blend uses this for "buy it again"
 * while the other models bring new items. Nothing to learn but γ, so training only fixes the item list.
 *
 * Graph: ScatterElements(zeros [N], history_items, weight · γ^age, reduction=add).
 */
import { attr, floatTensor, node } from '../onnx/builder';
import { catalogue } from './popularity';
import {
  decayedWeights,
  decayedWeightsGraph,
  HISTORY_IO,
  type HistoryEntry,
  historyItem,
  type ScoreComponent,
  type ScorerModel,
  scorerVersion,
} from './scorer';

export const REPEAT_KIND = 'repeat';

export interface TrainRepeatOptions {
  /** Decay per step (or basket) back, in (0, 1]. Default 0.9. */
  gamma?: number;
  items?: readonly string[];
  now?: number;
  version?: string;
}

export function trainRepeat(
  histories: readonly (readonly HistoryEntry[])[],
  opts: TrainRepeatOptions = {},
): ScorerModel {
  const gamma = opts.gamma ?? 0.9;
  if (!(gamma > 0 && gamma <= 1)) throw new RangeError(`gamma must be in (0, 1], got ${gamma}`);
  const now = opts.now ?? Date.now();
  const { items, index } = catalogue(histories, opts.items);
  let events = 0;
  for (const h of histories) for (const e of h) if (index.has(historyItem(e))) events++;
  const total = histories.reduce((a, h) => a + h.length, 0);
  return {
    kind: REPEAT_KIND,
    version: opts.version ?? scorerVersion(REPEAT_KIND, now),
    items,
    trainedAt: now,
    params: { gamma },
    stats: { events, skipped: total - events, users: histories.length },
    component: repeatComponent(items.length, gamma),
  };
}

export function repeatComponent(size: number, gamma: number): ScoreComponent {
  return {
    kind: REPEAT_KIND,
    params: { gamma },
    size,
    scores(history) {
      const w = decayedWeights(history, gamma);
      const scores = new Float32Array(size);
      for (let h = 0; h < history.items.length; h++) scores[history.items[h]!]! += w[h]!;
      return scores;
    },
    graph(prefix, output) {
      const weights = decayedWeightsGraph(prefix, gamma);
      return {
        initializers: [...weights.initializers, floatTensor(`${prefix}zeros`, [size], new Float32Array(size))],
        nodes: [
          ...weights.nodes,
          node(
            'ScatterElements',
            [`${prefix}zeros`, HISTORY_IO.items, `${prefix}w`],
            [output],
            [attr.int('axis', 0), attr.string('reduction', 'add')],
          ),
        ],
      };
    },
  };
}
