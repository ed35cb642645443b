import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { CARD_FILE, MODEL_FILE, type ModelCard, parseModelCard, sha256Hex } from '../card';
import {
  decodeUserVectors,
  historyInputs,
  NEXT_BASKET_IO,
  NEXT_BASKET_KIND,
  NEXT_BASKET_USERS_FILE,
  type NextBasketVectors,
  nextBasketParamsOf,
  nextBasketSignature,
} from '../models/next-basket';
import { effectiveK, RANKING_IO, rankedOutputs } from '../models/ranking';
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

/**
 * A loaded model. What `recommend` reads of the shopper state depends on the kind:
 *
 * - zone-popularity: `zoneWeights`; `exclude` (default nothing).
 * - next-basket-tifu: `history` as baskets (entries sharing an age are one basket, age 0 = the latest; see
 *   `historyVector` in models/next-basket.ts); `exclude` defaults to nothing, because buying again is what
 *   next-basket recommendation predicts. An empty or all-unknown history gets the most popular items.
 * - every other kind (history models, models/scorer.ts): `history`; `exclude` defaults to the history's items.
 */
export interface Recommender {
  readonly card: ModelCard;
  readonly version: string;
  /** Up to k items, best first; excluded items never appear, so fewer than k may come back. */
  recommend(state: ShopperState, k: number): Promise<RankedItem[]>;
  close(): Promise<void>;
}

/**
 * Loads a model folder written by saveModel: validates model.json, checks model.onnx and every other file the card
 * lists against their sha256, and opens an onnxruntime session. Every failure is an Error naming the offending file.
 */
export async function loadRecommender(dir: string): Promise<Recommender> {
  const cardPath = join(dir, CARD_FILE);
  const modelPath = join(dir, MODEL_FILE);

  const card = parseModelCard(parseJson(await readOrFail(cardPath, 'model card'), cardPath), cardPath);
  const signature = signatureOf(card);
  if (JSON.stringify(card.signature) !== JSON.stringify(signature)) {
    throw new Error(
      `${cardPath}: signature does not match the card's ${card.zones.length} zones / ${card.items.length} items`,
    );
  }

  const bytes = await readVerified(dir, MODEL_FILE, card.sha256, 'model');
  const files = new Map<string, Buffer>();
  for (const [name, sha256] of Object.entries(card.files ?? {}))
    files.set(name, await readVerified(dir, name, sha256, 'model'));
  const nextBasket = card.kind === NEXT_BASKET_KIND ? nextBasketVectors(dir, card, files) : undefined;

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
  if (nextBasket) return new NextBasketRecommender(card, session, nextBasket);
  if (card.kind === ZONE_POPULARITY_KIND) return new ZonePopularityRecommender(card, session);
  return new HistoryRecommender(card, session);
}

/** The graph signature a card of its kind must have. */
function signatureOf(card: ModelCard): ModelCard['signature'] {
  if (card.kind === ZONE_POPULARITY_KIND) return zonePopularitySignature(card.zones.length, card.items.length);
  if (card.kind === NEXT_BASKET_KIND) return nextBasketSignature(card.items.length);
  return historySignature(card.items.length);
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

/** dir/name, which must hash to what the card says. */
async function readVerified(dir: string, name: string, sha256: string, what: string): Promise<Buffer> {
  const path = join(dir, name);
  const bytes = await readOrFail(path, what);
  const actual = sha256Hex(bytes);
  if (actual !== sha256) {
    throw new Error(
      `${path}: sha256 mismatch (file ${actual}, ${CARD_FILE} says ${sha256}); ` +
        'the file was modified or belongs to a different card',
    );
  }
  return bytes;
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

/** A next-basket card's parameters and its verified users.bin, ready for the neighbour search. */
function nextBasketVectors(dir: string, card: ModelCard, files: ReadonlyMap<string, Buffer>): NextBasketVectors {
  const cardPath = join(dir, CARD_FILE);
  const users = files.get(NEXT_BASKET_USERS_FILE);
  if (!users) throw new Error(`${cardPath}: a ${NEXT_BASKET_KIND} card must list ${NEXT_BASKET_USERS_FILE} in files`);
  let params: NextBasketVectors['params'];
  try {
    params = nextBasketParamsOf(card.params);
  } catch (err) {
    throw new Error(`${cardPath}: invalid model card: ${(err as Error).message}`);
  }
  try {
    return { params, items: card.items, ...decodeUserVectors(users, card.items.length) };
  } catch (err) {
    throw new Error(`${join(dir, NEXT_BASKET_USERS_FILE)}: ${(err as Error).message}`);
  }
}

/** The request/response cycle every kind shares: state → graph inputs, plus k, → TopK → ranked items. */
abstract class OnnxRecommender implements Recommender {
  readonly version: string;
  #session: InferenceSession | undefined;

  constructor(
    readonly card: ModelCard,
    session: InferenceSession,
  ) {
    this.version = card.version;
    this.#session = session;
  }

  /** The graph inputs other than k for one request. */
  protected abstract feeds(state: ShopperState): Record<string, Tensor>;

  /** Called when the run that used `feeds` is over (its buffers may be reused). */
  protected done(_feeds: Record<string, Tensor>): void {}

  async recommend(state: ShopperState, k: number): Promise<RankedItem[]> {
    const session = this.#session;
    if (!session) throw new Error(`recommender ${this.version} is closed`);
    const top = effectiveK(k, this.card.items.length);
    if (top === 0) return [];
    const feeds = this.feeds(state);
    let out: InferenceSession.OnnxValueMapType;
    try {
      out = await session.run({ ...feeds, [RANKING_IO.k]: new Tensor('int64', BigInt64Array.of(BigInt(top)), [1]) });
    } finally {
      this.done(feeds);
    }
    return rankedOutputs(out[RANKING_IO.scores]?.data, out[RANKING_IO.indices]?.data).map((r) => ({
      itemId: this.card.items[r.index]!,
      score: r.score,
    }));
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.release();
  }
}

class ZonePopularityRecommender extends OnnxRecommender {
  readonly #index: ZonePopularityIndex = zonePopularityIndex(this.card);

  protected feeds(state: ShopperState): Record<string, Tensor> {
    const io = ZONE_POPULARITY_IO;
    const { zoneWeights, excludeMask } = encodeShopperState(this.#index, state);
    return {
      [io.zoneWeights]: new Tensor('float32', zoneWeights, [1, this.card.zones.length]),
      [io.excludeMask]: new Tensor('float32', excludeMask, [1, this.card.items.length]),
    };
  }
}

/** Any history model: the shopper's interactions (oldest first, with weights and ages) in, ranked items out. */
class HistoryRecommender extends OnnxRecommender {
  readonly #index: Map<string, number> = itemIndexOf(this.card.items);
  /**
   * Exclusion masks of finished requests, zeroed, for the next ones: a mask is as long as the catalogue (80 KB for
   * 20k items) and allocating one per request is most of a request's garbage.
   */
  readonly #masks: Float32Array[] = [];

  protected feeds(state: ShopperState): Record<string, Tensor> {
    const N = this.card.items.length;
    const history = state.history ?? [];
    const encoded = encodeHistory(this.#index, history);
    const L = encoded.items.length;
    const io = HISTORY_IO;
    return {
      [io.items]: new Tensor(
        'int64',
        BigInt64Array.from(encoded.items, (i) => BigInt(i)),
        [L],
      ),
      [io.weights]: new Tensor('float32', encoded.weights, [L]),
      [io.ages]: new Tensor('float32', encoded.ages, [L]),
      [io.excludeMask]: new Tensor(
        'float32',
        excludeMaskOf(this.#index, N, state.exclude ?? history.map(historyItem), this.#masks.pop()),
        [1, N],
      ),
    };
  }

  protected override done(feeds: Record<string, Tensor>): void {
    const mask = feeds[HISTORY_IO.excludeMask]?.data;
    if (mask instanceof Float32Array && this.#masks.length < 8) this.#masks.push(mask.fill(0));
  }
}

/** TIFU-KNN: the personal and neighbour vectors are built here from the history and users.bin, the graph blends. */
class NextBasketRecommender extends OnnxRecommender {
  readonly #vectors: NextBasketVectors;

  constructor(card: ModelCard, session: InferenceSession, vectors: NextBasketVectors) {
    super(card, session);
    this.#vectors = vectors;
  }

  protected feeds(state: ShopperState): Record<string, Tensor> {
    const N = this.card.items.length;
    const io = NEXT_BASKET_IO;
    const inputs = historyInputs(this.#vectors, state.history ?? [], state.exclude ?? []);
    return {
      [io.userVector]: new Tensor('float32', inputs.userVector, [1, N]),
      [io.neighborVector]: new Tensor('float32', inputs.neighborVector, [1, N]),
      [io.excludeMask]: new Tensor('float32', inputs.excludeMask, [1, N]),
    };
  }
}
