import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CARD_FILE, MODEL_FILE, type ModelCard, sha256Hex } from './card';
import { exportScorer, type ScorerModel, scorerCard } from './models/scorer';
import { exportOnnx, type ZonePopularityModel, zonePopularityCard } from './models/zone-popularity';

export interface SaveModelOptions {
  /** Offline evaluation results to record in the card. */
  metrics?: Record<string, number>;
}

/**
 * Writes dir/model.onnx, then dir/model.json (the card), creating dir. Each file is written to a temporary name
 * and renamed, so a reader never sees a half-written file; a reader between the two renames sees a checksum
 * mismatch, which loadRecommender reports instead of serving a mismatched card.
 */
export async function saveModel(
  model: ZonePopularityModel | ScorerModel,
  dir: string,
  opts: SaveModelOptions = {},
): Promise<ModelCard> {
  let bytes: Uint8Array;
  let card: ModelCard;
  if (isZonePopularity(model)) {
    bytes = exportOnnx(model);
    card = zonePopularityCard(model, sha256Hex(bytes), opts.metrics);
  } else {
    bytes = exportScorer(model);
    card = scorerCard(model, sha256Hex(bytes), opts.metrics);
  }
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, MODEL_FILE), bytes);
  await writeAtomically(join(dir, CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
  return card;
}

function isZonePopularity(model: ZonePopularityModel | ScorerModel): model is ZonePopularityModel {
  return !('component' in model);
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
