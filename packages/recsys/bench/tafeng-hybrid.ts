/** Development check: the hybrid on Ta-Feng's protocol (tuned on the history file's last baskets). */
import { join } from 'node:path';
import { loadBaskets } from '../src/data';
import { basketHoldout, evaluateHoldout } from '../src/pipelines/holdout';
import { fitModel, loadTrainingData } from '../src/pipelines/train';
import { consoleProgress } from '../src/progress';

const datasets = join(import.meta.dirname, '../../../../shared/datasets');
const data = await loadTrainingData(join(datasets, 'tafeng/tafeng_history.json'), 'nbr');
const fitted = await fitModel(data, { model: process.argv[2] ?? 'hybrid', progress: consoleProgress() });
console.log(fitted.weights, fitted.metrics['validation.recall@10']);
const test = basketHoldout(
  await loadBaskets(join(datasets, 'tafeng/tafeng_history.json')),
  await loadBaskets(join(datasets, 'tafeng/tafeng_future.json')),
);
const r = evaluateHoldout(fitted.model, test, [10]);
console.log(`test recall@10 ${r['recall@10']?.toFixed(4)} ndcg@10 ${r['ndcg@10']?.toFixed(4)}`);
