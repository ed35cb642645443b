import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rankSeqKnn, trainSeqKnn } from '../models/seq-knn';
import { saveModel } from '../save';
import { loadRecommender } from './recommender';

describe('serving a seq-knn model', () => {
  it('loads the saved model and ranks exactly as the TypeScript reference', async () => {
    const sequences = Array.from({ length: 60 }, (_, u) =>
      Array.from({ length: 6 }, (_, j) => `i${(u * 3 + j * 7) % 40}`),
    );
    const model = trainSeqKnn(sequences, { now: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'aisle-seqknn-'));
    const card = await saveModel(model, dir);
    expect(card.kind).toBe('seq-knn');
    const recommender = await loadRecommender(dir);
    try {
      for (const history of [sequences[0]!, sequences[7]!.slice(0, 3), [], ['unknown', 'i5']]) {
        const served = await recommender.recommend({ history }, 10);
        const reference = rankSeqKnn(model, history, 10);
        expect(served.map((r) => r.score)).toEqual(reference.map((r) => expect.closeTo(r.score, 4)));
        expect(served.filter((r) => history.includes(r.itemId))).toEqual([]);
      }
    } finally {
      await recommender.close();
    }
  });
});
