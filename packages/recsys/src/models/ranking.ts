import { attr, floatTensor, node, type TensorSpec } from '../onnx/builder';
import type { onnx } from '../onnx/proto';

/**
 * What every model graph of this package shares: after its own state inputs it takes an
 * `exclude_mask` [1,N] and `k` [1], and returns TopK `scores` and `indices` [1,k].
 * Serving relies on this to read any model's answer the same way.
 */
export const RANKING_IO = { excludeMask: 'exclude_mask', k: 'k', scores: 'scores', indices: 'indices' } as const;

/** Added (times the mask) to the score of an excluded item: far below any real score. */
export const EXCLUDE_PENALTY = -1e9;
/** Scores below this are excluded items that TopK still returned because k exceeded the allowed items. */
export const EXCLUDED_BELOW = -1e8;

/** How many results to ask the graph for: k clamped to the item count. Throws on a negative or fractional k. */
export function effectiveK(k: number, items: number): number {
  if (!(Number.isInteger(k) && k >= 0)) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  return Math.min(k, items);
}

/** A model's signature: its state inputs, then the shared mask, k and outputs. */
export function rankingSignature(
  stateInputs: TensorSpec[],
  items: number,
): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  return {
    inputs: [
      ...stateInputs,
      { name: RANKING_IO.excludeMask, type: 'float32', shape: [1, items] },
      { name: RANKING_IO.k, type: 'int64', shape: [1] },
    ],
    outputs: [
      { name: RANKING_IO.scores, type: 'float32', shape: [1, 'k'] },
      { name: RANKING_IO.indices, type: 'int64', shape: [1, 'k'] },
    ],
  };
}

/** Item positions and scores from a graph's TopK outputs, without the excluded items. */
export function rankedOutputs(scores: unknown, indices: unknown): { index: number; score: number }[] {
  if (!(scores instanceof Float32Array && indices instanceof BigInt64Array))
    throw new Error('model returned unexpected outputs');
  const result: { index: number; score: number }[] = [];
  for (let j = 0; j < scores.length; j++)
    if (scores[j]! >= EXCLUDED_BELOW) result.push({ index: Number(indices[j]), score: scores[j]! });
  return result;
}

/**
 * The end of every ranking graph: raw scores [1,N] ─Add(exclude_mask × -1e9)─TopK(k)─▶ `scores`, `indices`.
 * Its own names start with `tail_`.
 */
export function rankingTail(rawScores: string): { initializers: onnx.ITensorProto[]; nodes: onnx.INodeProto[] } {
  return {
    initializers: [floatTensor('tail_exclude_penalty', [], Float32Array.of(EXCLUDE_PENALTY))],
    nodes: [
      node('Mul', [RANKING_IO.excludeMask, 'tail_exclude_penalty'], ['tail_penalty']),
      node('Add', [rawScores, 'tail_penalty'], ['tail_masked']),
      node(
        'TopK',
        ['tail_masked', RANKING_IO.k],
        [RANKING_IO.scores, RANKING_IO.indices],
        [attr.int('axis', -1), attr.int('largest', 1)],
      ),
    ],
  };
}
