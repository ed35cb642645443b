import { writeFile } from 'node:fs/promises';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadBaskets } from '../data';
import { exportNextBasketOnnx, NEXT_BASKET_IO, nextBasketInputs, trainNextBasket } from '../models/next-basket';
import { rankedOutputs } from '../models/ranking';
import type { Progress } from '../progress';

export interface BasketRunOptions {
  /** A next-basket history file (`{"uid": [[-1], basket, …, [-1]]}`). */
  data: string;
  k: number;
  out: string;
  progress: Progress;
}

/**
 * The next-basket protocol: train on the history file alone, export the ONNX graph, and
 * rank each user's next basket with onnxruntime-node. The neighbour vector is computed in
 * TypeScript from the trained user vectors (the graph takes it as an input; see
 * models/next-basket.ts), the blend, masking and top-k run in the graph.
 * Writes `{"<uid>": [k item ids, best first]}`.
 */
export async function predictBaskets(opts: BasketRunOptions): Promise<{ users: number }> {
  const { progress } = opts;
  const histories = await progress.stage('load', 0, () => loadBaskets(opts.data));
  const model = await progress.stage('train next-basket', 0, () => trainNextBasket(histories));
  const bytes = await progress.stage('export onnx', 0, () => exportNextBasketOnnx(model));
  const session = await progress.stage('load onnx session', 0, () => InferenceSession.create(bytes));
  const N = model.items.length;
  const k = Math.min(opts.k, N);
  // ids come back as the history file wrote them: JSON numbers stay numbers
  const asInFile = (id: string) => (/^-?\d+$/.test(id) ? Number(id) : id);
  const result: Record<string, (string | number)[]> = {};
  try {
    await progress.stage('score users', histories.size, async (tick) => {
      for (const user of histories.keys()) {
        const inputs = nextBasketInputs(model, user);
        const io = NEXT_BASKET_IO;
        const out = await session.run({
          [io.userVector]: new Tensor('float32', inputs.userVector, [1, N]),
          [io.neighborVector]: new Tensor('float32', inputs.neighborVector, [1, N]),
          [io.excludeMask]: new Tensor('float32', inputs.excludeMask, [1, N]),
          [io.k]: new Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
        });
        result[user] = rankedOutputs(out[io.scores]?.data, out[io.indices]?.data).map((r) =>
          asInFile(model.items[r.index]!),
        );
        tick();
      }
    });
  } finally {
    await session.release();
  }
  await writeFile(opts.out, JSON.stringify(result));
  return { users: histories.size };
}
