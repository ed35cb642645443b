import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelCard } from '../card';
import { loadSequences } from '../data';
import { evaluate } from '../eval';
import type { Progress } from '../progress';
import { saveModel } from '../save';
import { loadRecommender } from '../serve';
import { sequenceHoldout } from './holdout';
import { fitModel } from './train';

export interface SequenceRunOptions {
  /** A file in the sequence format (`user item item …` per line). */
  data: string;
  k: number;
  progress: Progress;
  /** Keep the exported model here; a temporary folder otherwise. */
  modelDir?: string;
  /** A history model kind or 'hybrid' (see HISTORY_TRAINERS). Default DEFAULT_SEQUENCE_MODEL. */
  model?: string;
}

/** What `predict` and `eval` train unless told otherwise. */
export const DEFAULT_SEQUENCE_MODEL = 'hybrid';

/**
 * The next-item protocol on a sequence file, through the served model: train on every
 * user's sequence without its last item, export to ONNX, load it with the serving module
 * (onnxruntime-node), and rank all items for every user, never an item of their training
 * sequence. `onUser` receives each user's list, best first.
 */
async function runSequences(
  opts: SequenceRunOptions,
  onUser: (user: string, items: string[], target: string | undefined) => void,
): Promise<ModelCard> {
  const { progress } = opts;
  const { users, sequences } = await progress.stage('load', 0, () => loadSequences(opts.data));
  const training = sequences.map((s) => s.slice(0, -1));
  // Tuning and the card's metrics use the next split back: each training sequence's own last item.
  const fitted = await fitModel(
    { histories: training, validation: sequenceHoldout(users, training) },
    { model: opts.model ?? DEFAULT_SEQUENCE_MODEL, progress },
  );
  const dir = opts.modelDir ?? (await mkdtemp(join(tmpdir(), 'aisle-model-')));
  try {
    const card = await progress.stage('export onnx', 0, () =>
      saveModel(fitted.model, dir, { metrics: fitted.metrics }),
    );
    const recommender = await progress.stage('load onnx session', 0, () => loadRecommender(dir));
    try {
      await progress.stage('score users', users.length, async (tick) => {
        for (const [u, user] of users.entries()) {
          const history = training[u]!;
          const ranked = await recommender.recommend({ history, exclude: history }, opts.k);
          onUser(
            user,
            ranked.map((r) => r.itemId),
            sequences[u]!.at(-1),
          );
          if (u % 256 === 0) tick(Math.min(256, users.length - u));
        }
      });
    } finally {
      await recommender.close();
    }
    return card;
  } finally {
    if (!opts.modelDir) await rm(dir, { recursive: true, force: true });
  }
}

/** Writes one line per user: `{"user":"…","items":[k item ids, best first]}`. */
export async function predictSequences(
  opts: SequenceRunOptions & { out: string },
): Promise<{ users: number; card: ModelCard }> {
  const out = createWriteStream(opts.out);
  let users = 0;
  const card = await runSequences(opts, (user, items) => {
    out.write(`${JSON.stringify({ user, items })}\n`);
    users++;
  });
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { users, card };
}

/** HR, NDCG, MRR… at 10 and 20 with each user's last item as the target (the datasets README's protocol). */
export async function evaluateSequences(opts: Omit<SequenceRunOptions, 'k'>): Promise<Record<string, number>> {
  const predictions = new Map<string, string[]>();
  const truth = new Map<string, string>();
  await runSequences({ ...opts, k: 20 }, (user, items, target) => {
    predictions.set(user, items);
    if (target !== undefined) truth.set(user, target);
  });
  return evaluate({ predictions, truth, k: [10, 20] });
}
