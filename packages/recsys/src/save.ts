import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CARD_FILE, MODEL_FILE, type ModelCard, sha256Hex } from './card';
import { exportSeqKnnOnnx, type SeqKnnModel, seqKnnCard } from './models/seq-knn';
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
  model: ZonePopularityModel | SeqKnnModel,
  dir: string,
  opts: SaveModelOptions = {},
): Promise<ModelCard> {
  const bytes = model.kind === 'seq-knn' ? exportSeqKnnOnnx(model) : exportOnnx(model);
  const card =
    model.kind === 'seq-knn'
      ? seqKnnCard(model, sha256Hex(bytes), opts.metrics)
      : zonePopularityCard(model, sha256Hex(bytes), opts.metrics);
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, MODEL_FILE), bytes);
  await writeAtomically(join(dir, CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
  return card;
}

async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
