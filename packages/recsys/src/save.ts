import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CARD_FILE, MODEL_FILE, type ModelCard, sha256Hex } from './card';
import {
  encodeUserVectors,
  exportNextBasketOnnx,
  NEXT_BASKET_KIND,
  NEXT_BASKET_USERS_FILE,
  type NextBasketModel,
  nextBasketCard,
} from './models/next-basket';
import { exportScorer, type ScorerModel, scorerCard } from './models/scorer';
import { exportOnnx, type ZonePopularityModel, zonePopularityCard } from './models/zone-popularity';

export interface SaveModelOptions {
  /** Offline evaluation results to record in the card. */
  metrics?: Record<string, number>;
}

/** Every model saveModel writes. */
export type SavableModel = ZonePopularityModel | ScorerModel | NextBasketModel;

/**
 * Writes dir/model.onnx, then any further file the model needs (next-basket: users.bin, the user vectors), then
 * dir/model.json (the card, with the sha256 of every file), creating dir. Each file is written to a temporary name
 * and renamed, so a reader never sees a half-written file; a reader between the renames sees a checksum mismatch,
 * which loadRecommender reports instead of serving a mismatched card.
 */
export async function saveModel(model: SavableModel, dir: string, opts: SaveModelOptions = {}): Promise<ModelCard> {
  const { bytes, files, card } = serialize(model, opts.metrics);
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, MODEL_FILE), bytes);
  for (const [name, data] of Object.entries(files)) await writeAtomically(join(dir, name), data);
  await writeAtomically(join(dir, CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
  return card;
}

/** model.onnx, the other files by name, and the card that records all their checksums. */
function serialize(
  model: SavableModel,
  metrics: Record<string, number> | undefined,
): { bytes: Uint8Array; files: Record<string, Uint8Array>; card: ModelCard } {
  if ('component' in model) {
    const bytes = exportScorer(model);
    return { bytes, files: {}, card: scorerCard(model, sha256Hex(bytes), metrics) };
  }
  if (model.kind === NEXT_BASKET_KIND) {
    const bytes = exportNextBasketOnnx(model);
    const users = encodeUserVectors(model);
    const card = nextBasketCard(model, sha256Hex(bytes), { [NEXT_BASKET_USERS_FILE]: sha256Hex(users) }, metrics);
    return { bytes, files: { [NEXT_BASKET_USERS_FILE]: users }, card };
  }
  const bytes = exportOnnx(model);
  return { bytes, files: {}, card: zonePopularityCard(model, sha256Hex(bytes), metrics) };
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
