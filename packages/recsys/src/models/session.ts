/**
 * Session / next-item model: "given the order of what this shopper just took, what comes next?" through learned
 * item embeddings (in the spirit of word2vec's CBOW with a recency-weighted context, or a one-layer GRU4Rec
 * without the recurrence).
 *
 * Every item i has an input (context) vector E_in[i] and an output vector E_out[i] (d floats each) and an output
 * bias b[i]. A history is encoded as the decayed average of its input vectors,
 *
 *   s = Σ_h c_h · E_in[h] / (Σ_h c_h + tiny),   c_h = weight_h · γ^age_h   (age 0 = the latest step counts most),
 *
 * and every item is scored by
 *
 *   score(i) = E_out[i] · s + b[i] + ε · popularity[i]
 *
 * (popularity = training interactions scaled to max 1). An empty or unknown history encodes to s = 0 and ranks by
 * b + ε · popularity: the learned prior of being the next item, popularity breaking ties.
 *
 * Training walks every training history oldest first and predicts each entry t from the (at most `window`)
 * entries strictly older than it, encoded exactly as above with ages relative to t (the entry right before t has
 * age 0; for basket data the items of t's own basket are not context, and the previous basket has age 0). The loss
 * is sampled softmax over the target and K = `negatives` items drawn with q_j ∝ (count_j + 1)^0.75, the log of the
 * expected draws subtracted from every logit (logQ correction, so the sampled loss approximates the full softmax
 * over all items instead of favouring items the sampler rarely draws):
 *
 *   loss = −log softmax(z)_target,   z_j = E_out[j] · s + b[j] − log(K · q_j),
 *
 * weighted by the target's interaction weight. The optimiser is row-wise Adagrad (one accumulator per embedding
 * row: the mean squared gradient of the row), seeded, in plain typed-array loops; the number of epochs is the only
 * regulariser.
 */
import { attr, floatTensor, int64Tensor, node } from '../onnx/builder';
import { createRng, type Rng } from '../random';
import {
  decayedWeights,
  decayedWeightsGraph,
  encodeHistory,
  type HistoryEntry,
  historyItem,
  paramsFrom,
  rowScoresGraph,
  type ScoreComponent,
  type ScorerModel,
  scorerVersion,
  weightedRowSumGraph,
} from './scorer';

export const SESSION_KIND = 'session';

export type SessionParams = {
  /** Embedding dimension d. */
  dim: number;
  /** Training context: at most this many entries before each target. */
  window: number;
  /** Weight of an entry `age` steps back: weight · γ^age (training and scoring). */
  gamma: number;
  /** Passes over the training pairs. */
  epochs: number;
  /** Sampled negatives per training pair. */
  negatives: number;
  /** Adagrad learning rate. */
  learningRate: number;
  /** Popularity (scaled to max 1) times epsilon is added to every score. */
  epsilon: number;
  /** Seed of the initial embeddings, the pair order and the negatives. */
  seed: number;
};

/**
 * Tuned on Amazon Beauty's validation split (second-to-last item as target, trained without the last two):
 * HR@10 0.099, NDCG@10 0.061 there. More negatives mattered most (16 / 32 / 64 at 3 epochs, lr 0.15: HR@10 0.091 /
 * 0.093 / 0.096), then d (32 → 64: 0.095 → 0.099); the learning rate trades against epochs (lr 0.05 × 6 epochs and
 * 0.1 × 4 both 0.099, 0.1 × 3 / × 5 0.096 / 0.098, 0.3 × 3 0.085); γ 0.3 / 0.5 / 0.65 within noise, 0.5 kept.
 * The window only bounds training cost: with γ = 0.5 an entry 10 steps back weighs 0.001.
 */
export const DEFAULT_SESSION_PARAMS: SessionParams = {
  dim: 64,
  window: 10,
  gamma: 0.5,
  epochs: 4,
  negatives: 64,
  learningRate: 0.1,
  epsilon: 0.001,
  seed: 1,
};

export interface SessionModel extends ScorerModel {
  kind: typeof SESSION_KIND;
  /** Embedding dimension d. */
  dim: number;
  /** E_in, items.length × d, row-major. */
  inputEmbeddings: Float32Array;
  /** E_out, items.length × d, row-major. */
  outputEmbeddings: Float32Array;
  /** b, one per item. */
  bias: Float32Array;
  /** Interaction counts scaled to max 1. */
  popularity: Float32Array;
  params: SessionParams;
}

export interface TrainSessionOptions extends Partial<SessionParams> {
  /** The catalogue. Default: every item in the histories, in order of first appearance. */
  items?: readonly string[];
  /** Epoch ms recorded as trainedAt. Default Date.now(). */
  now?: number;
  version?: string;
  /** Called after every epoch with (epochs done, epochs). */
  progress?: (done: number, total: number) => void;
}

/** Added to Σ c_h before dividing, so an empty (or all-zero-weight) history encodes to s = 0. */
const TINY = 1e-12;

/** Trains on the histories (oldest first) as given (the caller holds out targets, e.g. drops each user's last item). */
export function trainSession(
  histories: readonly (readonly HistoryEntry[])[],
  opts: TrainSessionOptions = {},
): SessionModel {
  const params = paramsFrom(DEFAULT_SESSION_PARAMS, opts);
  checkParams(params);
  const now = opts.now ?? Date.now();
  const items = catalogue(histories, opts.items);
  const N = items.length;
  const data = trainingData(histories, items, params.window);

  const counts = new Float64Array(N);
  for (const i of data.items) counts[i]! += 1;
  const maxCount = counts.reduce((a, b) => Math.max(a, b), 0);
  const popularity = Float32Array.from(counts, (c) => (maxCount > 0 ? c / maxCount : 0));

  const tables = fit(data, counts, params, opts.progress);
  const model = { items, dim: params.dim, ...tables, popularity, params: { ...params } };
  return {
    kind: SESSION_KIND,
    version: opts.version ?? scorerVersion(SESSION_KIND, now),
    trainedAt: now,
    stats: { users: histories.length, events: data.items.length, skipped: data.skipped },
    ...model,
    component: sessionComponent(model),
  };
}

function checkParams(p: SessionParams): void {
  const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
  const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;
  const ok =
    positiveInt(p.dim) &&
    positiveInt(p.window) &&
    p.gamma > 0 &&
    p.gamma <= 1 &&
    positiveInt(p.epochs) &&
    positiveInt(p.negatives) &&
    Number.isFinite(p.learningRate) &&
    p.learningRate > 0 &&
    nonNegative(p.epsilon) &&
    Number.isSafeInteger(p.seed);
  if (!ok) throw new RangeError(`invalid session params: ${JSON.stringify(p)}`);
}

function catalogue(histories: readonly (readonly HistoryEntry[])[], given?: readonly string[]): string[] {
  const seen = new Set<string>();
  const items: string[] = [];
  const add = (id: string) => {
    seen.add(id);
    items.push(id);
  };
  if (given) {
    for (const id of given) {
      if (seen.has(id)) throw new RangeError(`duplicate item id: ${id}`);
      add(id);
    }
  } else for (const h of histories) for (const e of h) if (!seen.has(historyItem(e))) add(historyItem(e));
  if (items.length === 0) throw new RangeError('at least one item is required');
  return items;
}

// ---------------------------------------------------------------------------------------------------------------
// Training.

/** All histories encoded back to back, plus one (target, context range) triple per training pair. */
interface TrainingData {
  items: Int32Array;
  weights: Float32Array;
  ages: Float32Array;
  /** Position (in the arrays above) of each pair's target. */
  targets: Int32Array;
  /** Each pair's context is positions [contextStart, contextEnd). */
  contextStart: Int32Array;
  contextEnd: Int32Array;
  skipped: number;
}

/**
 * Encodes the histories (unknown items dropped, default ages as in serving) and lists a pair for every entry with
 * an older step before it. Ages are non-increasing along a history; a run of equal ages is one step (a basket).
 * An entry's context is the last `window` entries before its own step.
 */
function trainingData(
  histories: readonly (readonly HistoryEntry[])[],
  items: readonly string[],
  window: number,
): TrainingData {
  const index = new Map(items.map((id, i) => [id, i]));
  const encoded = histories.map((h) => encodeHistory(index, h));
  const total = encoded.reduce((n, e) => n + e.items.length, 0);
  const flat = { items: new Int32Array(total), weights: new Float32Array(total), ages: new Float32Array(total) };
  const targets: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (const e of encoded) {
    flat.items.set(e.items, offset);
    flat.weights.set(e.weights, offset);
    flat.ages.set(e.ages, offset);
    let step = offset; // first position of the current step
    for (let t = offset + 1; t < offset + e.items.length; t++) {
      if (e.ages[t - offset - 1]! > e.ages[t - offset]!) step = t;
      if (step === offset) continue;
      targets.push(t);
      starts.push(Math.max(offset, step - window));
      ends.push(step);
    }
    offset += e.items.length;
  }
  const skipped = histories.reduce((n, h) => n + h.length, 0) - total;
  return {
    ...flat,
    targets: Int32Array.from(targets),
    contextStart: Int32Array.from(starts),
    contextEnd: Int32Array.from(ends),
    skipped,
  };
}

/** Trained tables of a session model. */
interface SessionTables {
  inputEmbeddings: Float32Array;
  outputEmbeddings: Float32Array;
  bias: Float32Array;
}

/**
 * Sampled-softmax training (see the file comment). Initialisation as in word2vec: E_in uniform in ±0.5/d, E_out and
 * b zero (so the first steps move E_out towards the contexts before E_in moves at all).
 * Row-wise Adagrad needs only the squared norm of a row's gradient, which is known in closed form here
 * (‖g_j · s‖² = g_j² ‖s‖²), so every row is read once for its logit and once for its update.
 */
function fit(
  data: TrainingData,
  counts: Float64Array,
  p: SessionParams,
  progress?: (done: number, total: number) => void,
): SessionTables {
  const N = counts.length;
  const d = p.dim;
  const K = p.negatives;
  const rand = createRng(p.seed);
  const inputEmbeddings = Float32Array.from({ length: N * d }, () => (rand() - 0.5) / d);
  const outputEmbeddings = new Float32Array(N * d);
  const bias = new Float32Array(N);
  const accIn = new Float64Array(N);
  const accOut = new Float64Array(N);
  const accBias = new Float64Array(N);
  const sampler = negativeSampler(counts, K);
  /** Adagrad step size of a row after a gradient with this squared norm (per coordinate: the row's mean). */
  const stepSize = (acc: Float64Array, row: number, squaredNorm: number, size: number) => {
    acc[row]! += squaredNorm / size;
    return p.learningRate / Math.sqrt(acc[row]! + 1e-10);
  };

  const session = new Float64Array(d);
  const gradSession = new Float64Array(d);
  const candidates = new Int32Array(K + 1);
  const logits = new Float64Array(K + 1);
  const contextWeights = new Float64Array(p.window);
  const order = Int32Array.from(data.targets.keys());

  for (let epoch = 0; epoch < p.epochs; epoch++) {
    shuffle(order, rand);
    for (const pair of order) {
      const t = data.targets[pair]!;
      const from = data.contextStart[pair]!;
      const to = data.contextEnd[pair]!;
      const targetAge = data.ages[t]!;

      // s = Σ c_h E_in[h] / Σ c_h, ages relative to the target (the step before it has age 0).
      session.fill(0);
      let mass = 0;
      for (let h = from; h < to; h++) {
        const c = data.weights[h]! * p.gamma ** Math.max(0, data.ages[h]! - targetAge - 1);
        contextWeights[h - from] = c;
        mass += c;
        const base = data.items[h]! * d;
        for (let k = 0; k < d; k++) session[k]! += c * inputEmbeddings[base + k]!;
      }
      if (!(mass > 0)) continue;
      for (let k = 0; k < d; k++) session[k]! /= mass;
      const sessionNorm = dot(session, 0, session, d);

      // Logits of the target (slot 0) and the negatives, logQ-corrected; a negative equal to the target is dropped.
      const target = data.items[t]!;
      candidates[0] = target;
      for (let j = 1; j <= K; j++) candidates[j] = sampler.sample(rand);
      let top = Number.NEGATIVE_INFINITY;
      for (let j = 0; j <= K; j++) {
        const i = candidates[j]!;
        const z =
          j > 0 && i === target
            ? Number.NEGATIVE_INFINITY
            : bias[i]! - sampler.logQ[i]! + dot(outputEmbeddings, i * d, session, d);
        logits[j] = z;
        top = Math.max(top, z);
      }
      let norm = 0;
      for (let j = 0; j <= K; j++) {
        logits[j] = Math.exp(logits[j]! - top);
        norm += logits[j]!;
      }

      // ∂loss/∂z_j = weight · (softmax_j − [j = target]): update E_out and b, collecting ∂loss/∂s.
      const weight = data.weights[t]!;
      gradSession.fill(0);
      for (let j = 0; j <= K; j++) {
        const g = weight * (logits[j]! / norm - (j === 0 ? 1 : 0));
        if (g === 0) continue;
        const i = candidates[j]!;
        const step = stepSize(accOut, i, g * g * sessionNorm, d) * g;
        const base = i * d;
        for (let k = 0; k < d; k++) {
          const e = outputEmbeddings[base + k]!;
          gradSession[k]! += g * e;
          outputEmbeddings[base + k] = e - step * session[k]!;
        }
        bias[i]! -= stepSize(accBias, i, g * g, 1) * g;
      }
      // ∂loss/∂E_in[h] = (c_h / Σ c) · ∂loss/∂s.
      const gradNorm = dot(gradSession, 0, gradSession, d);
      for (let h = from; h < to; h++) {
        const share = contextWeights[h - from]! / mass;
        const row = data.items[h]!;
        const step = stepSize(accIn, row, share * share * gradNorm, d) * share;
        const base = row * d;
        for (let k = 0; k < d; k++) inputEmbeddings[base + k]! -= step * gradSession[k]!;
      }
    }
    progress?.(epoch + 1, p.epochs);
  }
  return { inputEmbeddings, outputEmbeddings, bias };
}

/** Σ_k a[offset + k] · b[k] over k < n, in four interleaved partial sums (twice as fast in V8 as one). */
function dot(a: Float32Array | Float64Array, offset: number, b: Float32Array | Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += a[offset + k]! * b[k]!;
    s1 += a[offset + k + 1]! * b[k + 1]!;
    s2 += a[offset + k + 2]! * b[k + 2]!;
    s3 += a[offset + k + 3]! * b[k + 3]!;
  }
  for (; k < n; k++) s0 += a[offset + k]! * b[k]!;
  return s0 + s1 + s2 + s3;
}

/**
 * Draws items with probability q_i ∝ (count_i + 1)^0.75 (the +1 lets every catalogue item be a negative) from a
 * unigram table as in word2vec; logQ[i] = log(K · q_i) with q_i the item's exact share of the table.
 */
function negativeSampler(counts: Float64Array, K: number): { sample: (rand: Rng) => number; logQ: Float64Array } {
  const N = counts.length;
  const mass = Float64Array.from(counts, (c) => (c + 1) ** 0.75);
  const totalMass = mass.reduce((a, b) => a + b, 0);
  const size = Math.max(1 << 20, 16 * N);
  const slots = Int32Array.from(mass, (m) => Math.max(1, Math.round((m / totalMass) * size)));
  const table = new Int32Array(slots.reduce((a, b) => a + b, 0));
  let at = 0;
  for (let i = 0; i < N; i++) {
    table.fill(i, at, at + slots[i]!);
    at += slots[i]!;
  }
  const logQ = Float64Array.from(slots, (s) => Math.log((K * s) / table.length));
  return { sample: (rand) => table[Math.floor(rand() * table.length)]!, logQ };
}

function shuffle(values: Int32Array, rand: Rng): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const v = values[i]!;
    values[i] = values[j]!;
    values[j] = v;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scoring: the component that rankScorer and the ONNX graph share.

/**
 * scores = E_out · (Σ_h c_h E_in[h] / (Σ_h c_h + tiny)) + (b + ε · popularity), c_h = weight_h · γ^age_h.
 *
 * history_items ─Gather(E_in [N,d])─▶ [L,d] ─Mul(c [L,1])─ReduceSum(axis 0)─▶ [d] ─┐
 * c ─ReduceSum─Add(tiny)───────────────────────────────────────────────────────── Div ─▶ s [d]
 *   Gemm(s [1,d], E_out [N,d]ᵀ, b + ε·popularity) ─▶ [N]
 */
export function sessionComponent(
  model: Pick<
    SessionModel,
    'items' | 'dim' | 'inputEmbeddings' | 'outputEmbeddings' | 'bias' | 'popularity' | 'params'
  >,
): ScoreComponent {
  const N = model.items.length;
  const d = model.dim;
  if (model.inputEmbeddings.length !== N * d || model.outputEmbeddings.length !== N * d)
    throw new Error(`embedding tables must have ${N * d} values`);
  if (model.bias.length !== N || model.popularity.length !== N) throw new Error(`bias and popularity need ${N} values`);
  const { gamma, epsilon } = model.params;
  const offset = Float32Array.from(model.bias, (b, i) => b + Math.fround(epsilon * model.popularity[i]!));
  return {
    kind: SESSION_KIND,
    params: { ...model.params },
    size: N,
    scores(history) {
      const c = decayedWeights(history, gamma);
      const num = new Float32Array(d);
      let mass = 0;
      for (let h = 0; h < c.length; h++) {
        mass = Math.fround(mass + c[h]!);
        const base = history.items[h]! * d;
        for (let k = 0; k < d; k++) num[k]! += Math.fround(c[h]! * model.inputEmbeddings[base + k]!);
      }
      const denominator = Math.fround(mass + TINY);
      const session = Float32Array.from(num, (v) => v / denominator);
      const scores = new Float32Array(N);
      for (let i = 0; i < N; i++) scores[i] = Math.fround(dot(model.outputEmbeddings, i * d, session, d)) + offset[i]!;
      return scores;
    },
    graph(prefix, output) {
      const p = (name: string) => `${prefix}${name}`;
      const weights = decayedWeightsGraph(prefix, gamma);
      const context = weightedRowSumGraph(prefix, p('input_embeddings'), p('numerator'));
      const scoring = rowScoresGraph(prefix, p('output_embeddings'), p('session'), p('offset'), output);
      return {
        initializers: [
          ...weights.initializers,
          ...context.initializers,
          ...scoring.initializers,
          floatTensor(p('input_embeddings'), [N, d], model.inputEmbeddings),
          floatTensor(p('output_embeddings'), [N, d], model.outputEmbeddings),
          floatTensor(p('offset'), [N], offset),
          floatTensor(p('tiny'), [], Float32Array.of(TINY)),
          int64Tensor(p('axes_first'), [1], [0]),
        ],
        nodes: [
          ...weights.nodes,
          ...context.nodes,
          node('ReduceSum', [p('w'), p('axes_first')], [p('mass')], [attr.int('keepdims', 0)]),
          node('Add', [p('mass'), p('tiny')], [p('denominator')]),
          node('Div', [p('numerator'), p('denominator')], [p('session')]),
          ...scoring.nodes,
        ],
      };
    },
  };
}
