import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ELEM_TYPES, type TensorSpec } from './onnx/builder';

/** File names inside a model folder. The card is written last, so a complete card means a complete folder. */
export const MODEL_FILE = 'model.onnx';
export const CARD_FILE = 'model.json';

/**
 * The model card (model.json) next to model.onnx: what the model is, what it was trained on, how to call it,
 * and the sha256 that ties the card to exactly one model.onnx. `zones` and `items` map the graph's positions
 * back to ids, so serving needs nothing else, except for a model whose card lists further `files`.
 */
export interface ModelCard {
  kind: string;
  version: string;
  /** ISO 8601. */
  trainedAt: string;
  /** users: histories trained on, where the model has them. */
  data: { events: number; skipped: number; users?: number; zones: number; items: number };
  params: Record<string, number>;
  signature: { inputs: TensorSpec[]; outputs: TensorSpec[] };
  zones: string[];
  items: string[];
  /** Hex sha256 of model.onnx. */
  sha256: string;
  /** Other files of the folder that serving reads (e.g. next-basket's users.bin): file name → hex sha256. */
  files?: Record<string, string>;
  metrics?: Record<string, number>;
}

const Count = z.number().int().nonnegative();
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');
/** A name inside the model folder: no path, no leading dot, not one of the two fixed files. */
const FileName = z
  .string()
  .regex(/^[\w-][\w.-]*$/, 'expected a plain file name')
  .refine((name) => name !== MODEL_FILE && name !== CARD_FILE, `must not be ${MODEL_FILE} or ${CARD_FILE}`);
const TensorSpecSchema = z.object({
  name: z.string().min(1),
  type: z.enum(ELEM_TYPES),
  shape: z.array(z.union([Count, z.string().min(1)])),
});

export const ModelCardSchema: z.ZodType<ModelCard> = z
  .object({
    kind: z.string().min(1),
    version: z.string().min(1),
    trainedAt: z.iso.datetime(),
    data: z.object({ events: Count, skipped: Count, users: Count.optional(), zones: Count, items: Count }),
    params: z.record(z.string(), z.number()),
    signature: z.object({ inputs: z.array(TensorSpecSchema), outputs: z.array(TensorSpecSchema) }),
    zones: z.array(z.string()),
    items: z.array(z.string()),
    sha256: Sha256,
    files: z.record(FileName, Sha256).optional(),
    metrics: z.record(z.string(), z.number()).optional(),
  })
  .refine((c) => c.data.zones === c.zones.length && c.data.items === c.items.length, {
    message: 'data.zones / data.items do not match the zones / items lists',
  });

/** Validates parsed JSON as a model card; `source` (usually the file path) names the culprit in the error. */
export function parseModelCard(json: unknown, source: string): ModelCard {
  const result = ModelCardSchema.safeParse(json);
  if (!result.success) throw new Error(`${source}: invalid model card:\n${z.prettifyError(result.error)}`);
  return result.data;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
