import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { CARD_FILE, MODEL_FILE, type ModelCard, parseModelCard, sha256Hex } from '../card';
import { effectiveK, rankedOutputs } from '../models/ranking';
import { encodeHistory, excludeMaskOf, HISTORY_IO, historyItem, historySignature, itemIndexOf } from '../models/scorer';
import {
  encodeShopperState,
  ZONE_POPULARITY_IO,
  ZONE_POPULARITY_KIND,
  type ZonePopularityIndex,
  zonePopularityIndex,
  zonePopularitySignature,
} from '../models/zone-popularity';
import type { RankedItem, ShopperState } from '../types';

export interface Recommender {
  readonly card: ModelCard;
  readonly version: string;
  /** Up to k items, best first; excluded items never appear, so fewer than k may come back. */
  recommend(state: ShopperState, k: number): Promise<RankedItem[]>;
  close(): Promise<void>;
}

/**
 * Loads a model folder written by saveModel: validates model.json, checks model.onnx against the card's sha256,
 * and opens an onnxruntime session. Every failure is an Error naming the offending file.
 */
export async function loadRecommender(dir: string): Promise<Recommender> {
  const cardPath = join(dir, CARD_FILE);
  const modelPath = join(dir, MODEL_FILE);

  const card = parseModelCard(parseJson(await readOrFail(cardPath, 'model card'), cardPath), cardPath);
  // Zone popularity takes the shopper's zones; every other kind is a history model (models/scorer.ts).
  const byZone = card.kind === ZONE_POPULARITY_KIND;
  const signature = byZone
    ? zonePopularitySignature(card.zones.length, card.items.length)
    : historySignature(card.items.length);
  if (JSON.stringify(card.signature) !== JSON.stringify(signature)) {
    throw new Error(
      `${cardPath}: signature does not match the card's ${card.zones.length} zones / ${card.items.length} items`,
    );
  }

  const bytes = await readOrFail(modelPath, 'model');
  const actual = sha256Hex(bytes);
  if (actual !== card.sha256) {
    throw new Error(
      `${modelPath}: sha256 mismatch (file ${actual}, ${CARD_FILE} says ${card.sha256}); ` +
        'the model was modified or belongs to a different card',
    );
  }

  // Build the session from the bytes just verified, not from the path, so a file swapped in between is not used.
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes);
  } catch (err) {
    throw new Error(`${modelPath}: onnxruntime could not load the model: ${(err as Error).message}`, { cause: err });
  }
  try {
    checkSignature(session, signature);
  } catch (err) {
    await session.release();
    throw new Error(`${modelPath}: ${(err as Error).message}`);
  }
  return byZone ? new ZonePopularityRecommender(card, session) : new HistoryRecommender(card, session);
}

async function readOrFail(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: ${what} file not found` : `${path}: cannot read ${what}: ${err}`, {
      cause: err,
    });
  }
}

function parseJson(bytes: Buffer, path: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`${path}: invalid model card: not JSON (${(err as Error).message})`);
  }
}

/** The graph must take and produce what the signature says. */
function checkSignature(session: InferenceSession, expected: ModelCard['signature']): void {
  for (const spec of expected.inputs) {
    const meta = session.inputMetadata.find((m) => m.name === spec.name);
    if (!meta?.isTensor) throw new Error(`graph has no tensor input '${spec.name}'`);
    if (meta.type !== spec.type || meta.shape.join(',') !== spec.shape.join(',')) {
      const described = `${spec.type} [${spec.shape.join(', ')}]`;
      throw new Error(`input '${spec.name}' is ${meta.type} [${meta.shape.join(', ')}], expected ${described}`);
    }
  }
  for (const spec of expected.outputs) {
    if (!session.outputNames.includes(spec.name)) throw new Error(`graph has no output '${spec.name}'`);
  }
}

class ZonePopularityRecommender implements Recommender {
  readonly version: string;
  readonly #index: ZonePopularityIndex;
  #session: InferenceSession | undefined;

  constructor(
    readonly card: ModelCard,
    session: InferenceSession,
  ) {
    this.version = card.version;
    this.#index = zonePopularityIndex(card);
    this.#session = session;
  }

  async recommend(state: ShopperState, k: number): Promise<RankedItem[]> {
    const session = this.#session;
    if (!session) throw new Error(`recommender ${this.version} is closed`);
    const Z = this.card.zones.length;
    const N = this.card.items.length;
    const top = effectiveK(k, N);
    if (top === 0) return [];

    const io = ZONE_POPULARITY_IO;
    const { zoneWeights, excludeMask } = encodeShopperState(this.#index, state);
    const out = await session.run({
      [io.zoneWeights]: new Tensor('float32', zoneWeights, [1, Z]),
      [io.excludeMask]: new Tensor('float32', excludeMask, [1, N]),
      [io.k]: new Tensor('int64', BigInt64Array.of(BigInt(top)), [1]),
    });
    return ranked(this.card, out);
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.release();
  }
}

/** Ranked item ids from a model's TopK outputs, without the excluded ones. */
function ranked(card: ModelCard, out: InferenceSession.ReturnType): RankedItem[] {
  return rankedOutputs(out.scores?.data, out.indices?.data).map((r) => ({
    itemId: card.items[r.index]!,
    score: r.score,
  }));
}

/** Any history model: the shopper's interactions (oldest first, with weights and ages) in, ranked items out. */
class HistoryRecommender implements Recommender {
  readonly version: string;
  readonly #index: Map<string, number>;
  #session: InferenceSession | undefined;

  constructor(
    readonly card: ModelCard,
    session: InferenceSession,
  ) {
    this.version = card.version;
    this.#index = itemIndexOf(card.items);
    this.#session = session;
  }

  async recommend(state: ShopperState, k: number): Promise<RankedItem[]> {
    const session = this.#session;
    if (!session) throw new Error(`recommender ${this.version} is closed`);
    const N = this.card.items.length;
    const top = effectiveK(k, N);
    if (top === 0) return [];
    const history = state.history ?? [];
    const encoded = encodeHistory(this.#index, history);
    const L = encoded.items.length;
    const io = HISTORY_IO;
    const out = await session.run({
      [io.items]: new Tensor(
        'int64',
        BigInt64Array.from(encoded.items, (i) => BigInt(i)),
        [L],
      ),
      [io.weights]: new Tensor('float32', encoded.weights, [L]),
      [io.ages]: new Tensor('float32', encoded.ages, [L]),
      [io.excludeMask]: new Tensor(
        'float32',
        excludeMaskOf(this.#index, N, state.exclude ?? history.map(historyItem)),
        [1, N],
      ),
      [io.k]: new Tensor('int64', BigInt64Array.of(BigInt(top)), [1]),
    });
    return ranked(this.card, out);
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.release();
  }
}
