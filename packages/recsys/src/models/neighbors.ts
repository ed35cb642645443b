/**
 * The component shared by the item-to-item models (seq-knn's "taken next", bundles' "bought together"): a table of
 * M related items per item with a strength each, and
 *
 *   scores = Σ_h w_h · γ^age_h · strength(h, ·) + ε · popularity
 *
 * history_items ─Gather(related [N,M])──────────────────────▶ idx [L,M] ─Reshape [-1]─┐
 * history_items ─Gather(strengths [N,M])─▶ Mul(w·γ^age [L,1]) ─Reshape [-1]──────────┤
 *   ScatterElements(zeros [N], idx, contrib, reduction=add) ─Add(ε·popularity)─▶ [N]
 */
import { attr, floatTensor, int64Tensor, node } from '../onnx/builder';
import { decayedWeights, decayedWeightsGraph, HISTORY_IO, type ScoreComponent } from './scorer';

export interface NeighborTable {
  /** Related items per item (M). */
  width: number;
  /** N × M, row-major; unused slots point at item 0 with strength 0. */
  related: Int32Array;
  strengths: Float32Array;
  /** Scaled to max 1. */
  popularity: Float32Array;
}

export function neighborTableComponent(
  kind: string,
  table: NeighborTable,
  params: Readonly<Record<string, number>> & { gamma: number; epsilon: number },
): ScoreComponent {
  const N = table.popularity.length;
  const M = table.width;
  if (table.related.length !== N * M || table.strengths.length !== N * M)
    throw new Error(`${kind}: neighbour tables must have ${N * M} values`);
  const { gamma, epsilon } = params;
  const popEps = Float32Array.from(table.popularity, (p) => Math.fround(epsilon * p));
  return {
    kind,
    params: { ...params },
    size: N,
    scores(history) {
      const w = decayedWeights(history, gamma);
      const scores = new Float32Array(N);
      for (let h = 0; h < history.items.length; h++) {
        const row = history.items[h]! * M;
        for (let r = 0; r < M; r++) scores[table.related[row + r]!]! += Math.fround(w[h]! * table.strengths[row + r]!);
      }
      for (let i = 0; i < N; i++) scores[i]! += popEps[i]!;
      return scores;
    },
    graph(prefix, output) {
      const p = (name: string) => `${prefix}${name}`;
      const weights = decayedWeightsGraph(prefix, gamma);
      return {
        initializers: [
          ...weights.initializers,
          int64Tensor(p('related'), [N, M], Array.from(table.related)),
          floatTensor(p('strengths'), [N, M], table.strengths),
          floatTensor(p('popularity_eps'), [N], popEps),
          floatTensor(p('zeros'), [N], new Float32Array(N)),
          int64Tensor(p('flat_shape'), [1], [-1]),
          int64Tensor(p('axes_last'), [1], [-1]),
        ],
        nodes: [
          ...weights.nodes,
          node('Gather', [p('related'), HISTORY_IO.items], [p('hist_related')], [attr.int('axis', 0)]),
          node('Gather', [p('strengths'), HISTORY_IO.items], [p('hist_strengths')], [attr.int('axis', 0)]),
          node('Unsqueeze', [p('w'), p('axes_last')], [p('w_col')]),
          node('Mul', [p('hist_strengths'), p('w_col')], [p('contrib')]),
          node('Reshape', [p('hist_related'), p('flat_shape')], [p('flat_related')]),
          node('Reshape', [p('contrib'), p('flat_shape')], [p('flat_contrib')]),
          node(
            'ScatterElements',
            [p('zeros'), p('flat_related'), p('flat_contrib')],
            [p('related_scores')],
            [attr.int('axis', 0), attr.string('reduction', 'add')],
          ),
          node('Add', [p('related_scores'), p('popularity_eps')], [output]),
        ],
      };
    },
  };
}
