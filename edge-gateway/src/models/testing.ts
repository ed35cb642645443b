/**
 * Model folders for tests and benchmarks of the model lifecycle: a small real history model, and two variants of it
 * that load cleanly (valid card, checksums, graph signature) but misbehave when served: one fails at inference time,
 * one is much slower. All are real ONNX graphs written by @aisle/recsys's saveModel.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  CARD_FILE,
  createRng,
  HISTORY_IO,
  type ModelCard,
  parseModelCard,
  RANKING_IO,
  type ScoreComponent,
  type ScoreGraph,
  type ScorerModel,
  type ShopperState,
  saveModel,
  trainSeqKnn,
} from '@aisle/recsys';
import pino, { type Logger } from 'pino';

/** Card parameters that let brokenModelDir / slowModelDir retrain the exact model a historyModelDir folder holds. */
const SEED_PARAM = 'synthetic_seed';
const TRAINED_AT = Date.UTC(2025, 5, 1);

export interface HistoryModelOptions {
  /** Catalogue size; item ids are `item-000`, `item-001`, … */
  items: number;
  /** PRNG seed of the synthetic sequences: different seeds rank differently. Default 1. */
  seed?: number;
  /** Default `seq-knn-s<seed>-n<items>`. */
  version?: string;
}

export function syntheticItems(n: number): string[] {
  const width = Math.max(3, String(n - 1).length);
  return Array.from({ length: n }, (_, i) => `item-${String(i).padStart(width, '0')}`);
}

/**
 * Shoppers' item sequences from a seeded PRNG: each mostly walks to an item near the previous one (so seq-knn learns
 * neighbours), sometimes jumps to a popular one (skewed to the first items).
 */
export function syntheticSequences(items: readonly string[], seed: number, users = 300): string[][] {
  const rand = createRng(seed);
  const n = items.length;
  const popular = () => Math.floor(n * rand() ** 2);
  return Array.from({ length: users }, () => {
    const length = 4 + Math.floor(rand() * 9);
    let at = popular();
    const seq = [items[at]!];
    for (let s = 1; s < length; s++) {
      at = rand() < 0.7 ? (at + 1 + Math.floor(rand() * 3)) % n : popular();
      seq.push(items[at]!);
    }
    return seq;
  });
}

/** Shopper states over the synthetic catalogue, for load generation (random short histories, some empty). */
export function syntheticStates(items: readonly string[], count: number, seed = 7): ShopperState[] {
  const rand = createRng(seed);
  return Array.from({ length: count }, () => {
    const length = Math.floor(rand() * 6);
    return { history: Array.from({ length }, () => items[Math.floor(rand() * items.length)]!) };
  });
}

function syntheticModel(items: number, seed: number, version: string): ScorerModel {
  const ids = syntheticItems(items);
  const model = trainSeqKnn(syntheticSequences(ids, seed), { items: ids, now: TRAINED_AT, version });
  return { ...model, params: { ...model.params, [SEED_PARAM]: seed } };
}

/** Trains a small seq-knn model on synthetic sequences and saves it to dir. */
export async function historyModelDir(
  dir: string,
  opts: HistoryModelOptions,
): Promise<{ dir: string; card: ModelCard }> {
  const seed = opts.seed ?? 1;
  const model = syntheticModel(opts.items, seed, opts.version ?? `seq-knn-s${seed}-n${opts.items}`);
  return { dir, card: await saveModel(model, dir) };
}

export interface BrokenModelOptions {
  /**
   * every: every request fails (so warm-up rejects it). history: requests with a non-empty history fail, an empty
   * shopper state is answered, so the model passes a warm-up on empty states and fails on real traffic.
   */
  failOn?: 'every' | 'history';
}

/**
 * A copy of the historyModelDir model in `base` under a new version whose graph fails at run time: its scores go
 * through a Reshape to one element more than there are items, a size known only when the graph runs (it is
 * computed from an input), so the session loads and the failure comes from `session.run`.
 */
export async function brokenModelDir(
  dir: string,
  base: string,
  version: string,
  opts: BrokenModelOptions = {},
): Promise<{ dir: string; card: ModelCard }> {
  const failOn = opts.failOn ?? 'every';
  return variantDir(dir, base, version, `broken-${failOn}`, (inner, prefix, n) => {
    const p = (name: string) => `${prefix}${name}`;
    // every: [N+1] + k·0 (k is always fed). history: [N] + len(history_items), which is N only for no history.
    const nodes =
      failOn === 'every'
        ? [
            node('Mul', [RANKING_IO.k, p('zero_i64')], [p('k_zero')]),
            node('Add', [p('bad_len'), p('k_zero')], [p('len')]),
          ]
        : [node('Shape', [HISTORY_IO.items], [p('hist_len')]), node('Add', [p('n_len'), p('hist_len')], [p('len')])];
    return {
      initializers:
        failOn === 'every'
          ? [int64Tensor(p('zero_i64'), [1], [0]), int64Tensor(p('bad_len'), [1], [n + 1])]
          : [int64Tensor(p('n_len'), [1], [n])],
      nodes: [
        ...nodes,
        node('Reshape', [inner, p('len')], [p('reshaped')]),
        node('Identity', [p('reshaped')], [p('out')]),
      ],
      output: p('out'),
    };
  });
}

export interface SlowModelOptions {
  /** Side of the square matrices multiplied per request. Default 256. */
  size?: number;
  /** MatMuls per request. Default 24 (a few milliseconds on a laptop core). */
  depth?: number;
}

/**
 * A copy of the historyModelDir model in `base` under a new version that ranks exactly like it but runs a chain of
 * `depth` size×size MatMuls per request first. The chain starts from an input (so it cannot be folded away at load
 * time) and its result is multiplied by 0 before it touches the scores.
 */
export async function slowModelDir(
  dir: string,
  base: string,
  version: string,
  opts: SlowModelOptions = {},
): Promise<{ dir: string; card: ModelCard }> {
  const size = opts.size ?? 256;
  const depth = opts.depth ?? 24;
  return variantDir(dir, base, version, 'slow', (inner, prefix) => {
    const p = (name: string) => `${prefix}${name}`;
    // every entry 1/size: X·H keeps X's entries where they are, so the chain stays finite
    const heavy = new Float32Array(size * size).fill(1 / size);
    const nodes = [
      node('ReduceSum', [RANKING_IO.excludeMask], [p('excluded')], [attr.int('keepdims', 0)]),
      node('Add', [p('excluded'), p('one')], [p('seed')]),
      node('Mul', [p('heavy'), p('seed')], [p('x0')]),
    ];
    for (let d = 0; d < depth; d++) nodes.push(node('MatMul', [p(`x${d}`), p('heavy')], [p(`x${d + 1}`)]));
    nodes.push(
      node('ReduceSum', [p(`x${depth}`)], [p('total')], [attr.int('keepdims', 0)]),
      node('Mul', [p('total'), p('zero')], [p('nothing')]),
      node('Add', [inner, p('nothing')], [p('out')]),
    );
    return {
      initializers: [
        floatTensor(p('heavy'), [size, size], heavy),
        floatTensor(p('one'), [], Float32Array.of(1)),
        floatTensor(p('zero'), [], Float32Array.of(0)),
      ],
      nodes,
      output: p('out'),
    };
  });
}

/** Extra nodes after the base model's raw scores (`inner`, [N]); `output` is the tensor that replaces them. */
type Extra = (inner: string, prefix: string, n: number) => ScoreGraph & { output: string };

async function variantDir(
  dir: string,
  base: string,
  version: string,
  variant: string,
  extra: Extra,
): Promise<{ dir: string; card: ModelCard }> {
  const cardPath = join(base, CARD_FILE);
  const baseCard = parseModelCard(JSON.parse(await readFile(cardPath, 'utf8')), cardPath);
  const seed = baseCard.params[SEED_PARAM];
  if (seed === undefined) throw new Error(`${cardPath}: not a historyModelDir model (no ${SEED_PARAM} parameter)`);
  const model = syntheticModel(baseCard.items.length, seed, version);
  const inner = model.component;
  const component: ScoreComponent = {
    kind: `${inner.kind}-${variant}`,
    params: inner.params,
    size: inner.size,
    scores: (history) => inner.scores(history),
    graph(prefix, output) {
      const body = inner.graph(`${prefix}base_`, `${prefix}base_scores`);
      const tail = extra(`${prefix}base_scores`, `${prefix}${variant.replace(/\W/g, '_')}_`, inner.size);
      return {
        initializers: [...body.initializers, ...tail.initializers],
        nodes: [...body.nodes, ...tail.nodes, node('Identity', [tail.output], [output])],
      };
    },
  };
  const card = await saveModel({ ...model, kind: component.kind, component }, dir);
  return { dir, card };
}

/** A pino logger whose lines are kept, parsed, for assertions. */
export function memoryLogger(level: pino.Level = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

// Minimal ONNX protobuf builders (the @aisle/recsys ones are internal to that package).
type GraphNode = ScoreGraph['nodes'][number];
type Initializer = ScoreGraph['initializers'][number];
type Attribute = NonNullable<GraphNode['attribute']>[number];

function node(opType: string, inputs: string[], outputs: string[], attribute: Attribute[] = []): GraphNode {
  return { opType, name: `${opType}_${outputs[0]}`, input: inputs, output: outputs, attribute };
}

const attr = { int: (name: string, i: number): Attribute => ({ name, type: 2 /* INT */, i }) };

function floatTensor(name: string, dims: number[], data: Float32Array): Initializer {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return { name, dims, dataType: 1 /* FLOAT */, rawData: bytes };
}

function int64Tensor(name: string, dims: number[], data: number[]): Initializer {
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return { name, dims, dataType: 7 /* INT64 */, rawData: bytes };
}
