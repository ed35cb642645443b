/**
 * Trains every history model on both public datasets and prints one table: protocol metrics and the time to
 * train. Development tool (not part of the tests): `node --import tsx bench/compare.ts [model …]`.
 * Reads ../shared/datasets (see its README for the protocols).
 */
import { join } from 'node:path';
import { loadBaskets, loadSequences } from '../src/data';
import { trainBundles } from '../src/models/bundles';
import { trainContent } from '../src/models/content';
import { trainAls } from '../src/models/latent';
import type { HistoryEntry, ScorerModel } from '../src/models/scorer';
import { trainSeqKnn } from '../src/models/seq-knn';
import { trainSession } from '../src/models/session';
import { basketHoldout, evaluateHoldout, sequenceHoldout } from '../src/pipelines/holdout';

type Trainer = (histories: readonly (readonly HistoryEntry[])[]) => ScorerModel;

/** One line per model; each trains on the histories with its default parameters. */
const trainers: Record<string, Trainer> = {
  content: (h) => trainContent(h, { catalog: [] }),
  bundles: (h) => trainBundles(h),
  'seq-knn': (h) => trainSeqKnn(h),
  session: (h) => trainSession(h),
  als: (h) => trainAls(h),
};

const datasets = join(import.meta.dirname, '../../../../shared/datasets');
const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(trainers);
for (const name of names)
  if (!trainers[name]) throw new Error(`unknown model ${name}; known: ${Object.keys(trainers)}`);

const beauty = await loadSequences(join(datasets, 'amazon-beauty/Beauty.txt'));
const seq = sequenceHoldout(beauty.users, beauty.sequences);
const tafeng = basketHoldout(
  await loadBaskets(join(datasets, 'tafeng/tafeng_history.json')),
  await loadBaskets(join(datasets, 'tafeng/tafeng_future.json')),
);

const rows: string[] = [];
for (const name of names) {
  const t0 = performance.now();
  const m1 = trainers[name]!(seq.histories);
  const t1 = performance.now();
  const r1 = evaluateHoldout(m1, seq, [10]);
  const t2 = performance.now();
  const m2 = trainers[name]!(tafeng.histories);
  const t3 = performance.now();
  const r2 = evaluateHoldout(m2, tafeng, [10]);
  const t4 = performance.now();
  const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const f = (x: number | undefined) => (x ?? Number.NaN).toFixed(4);
  const row = [
    name.padEnd(14),
    f(r1['hitRate@10']),
    f(r1['ndcg@10']),
    s(t1 - t0).padStart(7),
    s(t2 - t1).padStart(7),
    f(r2['recall@10']),
    f(r2['ndcg@10']),
    s(t3 - t2).padStart(7),
    s(t4 - t3).padStart(7),
  ].join('  ');
  rows.push(row);
  console.log(row);
}
console.log(
  `\n${'model'.padEnd(14)}  Beauty HR@10 NDCG@10 train score | Ta-Feng recall@10 NDCG@10 train score\n${rows.join('\n')}`,
);
