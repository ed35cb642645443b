/**
 * Trains every model and the hybrid on both public datasets and prints one table: the protocol metrics and the
 * time to train and to score. Development tool, not a test: `npm run bench:models -w @aisle/recsys [-- model …]`.
 * Reads ../shared/datasets (see its README for the protocols). Scores come from the TypeScript references, which
 * the parity tests tie to the served ONNX graphs; `aisle recsys predict` measures the served path end to end.
 */
import { join } from 'node:path';
import { loadBaskets, loadSequences } from '../src/data';
import { evaluate } from '../src/eval';
import { rankNextBasket, trainNextBasket } from '../src/models/next-basket';
import { catalogue } from '../src/models/popularity';
import type { ScorerModel } from '../src/models/scorer';
import { basketHoldout, evaluateHoldout, type Holdout, sequenceHoldout } from '../src/pipelines/holdout';
import { fitModel, HISTORY_TRAINERS, NEXT_BASKET_CHOICE } from '../src/pipelines/train';
import { silentProgress } from '../src/progress';

const datasets = join(import.meta.dirname, '../../../../shared/datasets');
const all = [...Object.keys(HISTORY_TRAINERS).filter((k) => k !== 'content'), NEXT_BASKET_CHOICE, 'hybrid'];
const names = process.argv.slice(2).length ? process.argv.slice(2) : all;

const beauty = await loadSequences(join(datasets, 'amazon-beauty/Beauty.txt'));
const seq = sequenceHoldout(beauty.users, beauty.sequences);
const history = await loadBaskets(join(datasets, 'tafeng/tafeng_history.json'));
const nbr = basketHoldout(history, await loadBaskets(join(datasets, 'tafeng/tafeng_future.json')));

interface Run {
  metrics: Record<string, number>;
  trainMs: number;
  scoreMs: number;
}

/** Validation split one step further back, for the hybrid's tuning (never the test targets). */
function validationOf(h: Holdout, baskets: boolean): Holdout {
  if (baskets) return basketHoldout(history);
  return sequenceHoldout(h.users, h.histories);
}

async function run(name: string, h: Holdout, baskets: boolean): Promise<Run> {
  const t0 = performance.now();
  if (name === NEXT_BASKET_CHOICE) {
    // TIFU-KNN reads baskets; a sequence is a run of one-item baskets.
    const users = new Map(
      h.users.map((u, j) => [u, baskets ? history.get(u)! : h.histories[j]!.map((i) => [String(i)])]),
    );
    const model = trainNextBasket(users);
    const t1 = performance.now();
    const predictions = new Map<string, string[]>();
    const truth = new Map<string, string[]>();
    h.users.forEach((u, j) => {
      const exclude = h.excludeHistory ? users.get(u)!.flat() : [];
      predictions.set(
        u,
        rankNextBasket(model, users.get(u)!, 10, exclude).map((r) => r.itemId),
      );
      truth.set(u, h.targets[j]!);
    });
    const metrics = evaluate({ predictions, truth, k: [10] });
    return { metrics, trainMs: t1 - t0, scoreMs: performance.now() - t1 };
  }
  let model: ScorerModel;
  if (name === 'hybrid') {
    model = (
      await fitModel(
        { histories: h.histories, validation: validationOf(h, baskets) },
        { model: name, progress: silentProgress() },
      )
    ).model;
  } else {
    model = HISTORY_TRAINERS[name]!(h.histories, { items: catalogue(h.histories).items, now: Date.now(), catalog: [] });
  }
  const t1 = performance.now();
  const metrics = evaluateHoldout(model, h, [10]);
  return { metrics, trainMs: t1 - t0, scoreMs: performance.now() - t1 };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
const f = (x: number | undefined) => (x ?? Number.NaN).toFixed(4).padStart(7);
const header = `| model | Beauty HR@10 | NDCG@10 | train | score | Ta-Feng recall@10 | NDCG@10 | train | score |\n|---|---|---|---|---|---|---|---|---|`;
const rows: string[] = [];
for (const name of names) {
  const a = await run(name, seq, false);
  const b = await run(name, nbr, true);
  const row = `| ${name} | ${f(a.metrics['hitRate@10'])} | ${f(a.metrics['ndcg@10'])} | ${s(a.trainMs)} | ${s(a.scoreMs)} | ${f(b.metrics['recall@10'])} | ${f(b.metrics['ndcg@10'])} | ${s(b.trainMs)} | ${s(b.scoreMs)} |`;
  rows.push(row);
  console.error(row);
}
console.log(`${header}\n${rows.join('\n')}`);
