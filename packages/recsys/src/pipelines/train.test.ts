import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../data';
import { rankScorer } from '../models/scorer';
import { silentProgress } from '../progress';
import { sequenceHoldout } from './holdout';
import { fitModel, loadTrainingData } from './train';

describe('loadTrainingData', () => {
  it('turns baskets into histories aged by basket and holds out the last basket', async () => {
    const text = JSON.stringify({ u1: [[-1], [1, 2], [3], [2, 4], [-1]], u2: [[-1], [5], [-1]] });
    const data = await loadTrainingData({ text, name: 'h.json' }, 'nbr');
    expect(data.users).toEqual(['u1', 'u2']);
    expect(data.histories[0]).toEqual([
      { item: '1', age: 2 },
      { item: '2', age: 2 },
      { item: '3', age: 1 },
      { item: '2', age: 0 },
      { item: '4', age: 0 },
    ]);
    // u2 has a single basket: nothing to learn from before it, so no validation target
    expect(data.validation.users).toEqual(['u1']);
    expect(data.validation.targets).toEqual([['2', '4']]);
    expect(data.validation.histories[0]).toEqual([
      { item: '1', age: 1 },
      { item: '2', age: 1 },
      { item: '3', age: 0 },
    ]);
    expect(data.validation.excludeHistory).toBe(false);
    expect(data.stats).toEqual({ users: 2, events: 6 });
  });

  it('orders an event log by time per shopper, with the event weights', async () => {
    const text = [
      { customerId: 'c1', itemId: 'b', type: 'purchase', ts: 20 },
      { shopperId: 's9', itemId: 'a', type: 'view', ts: 5 },
      { customerId: 'c1', itemId: 'a', type: 'touch', ts: 10 },
      { customerId: 'c1', itemId: 'c', type: 'cart_add', ts: 30, weight: 0.7 },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const data = await loadTrainingData({ text, name: 'e.jsonl' }, 'events');
    expect(data.users).toEqual(['c1', 's9']);
    expect(data.histories[0]).toEqual([
      { item: 'a', weight: 0.3 },
      { item: 'b', weight: 1 },
      { item: 'c', weight: 0.7 },
    ]);
    expect(data.validation.targets).toEqual([['c']]);
    expect(data.validation.excludeHistory).toBe(true);
  });

  it('reports the line of a malformed file', async () => {
    await expect(loadTrainingData({ text: '1 2\n1 3\n', name: 's.txt' }, 'seq')).rejects.toThrow(/s\.txt:2/);
  });
});

describe('fitModel', () => {
  it('refuses an unknown model kind before training anything', async () => {
    const data = await loadTrainingData({ text: '1 2 3\n2 3 4\n', name: 's.txt' }, 'seq');
    await expect(fitModel(data, { model: 'magic', progress: silentProgress() })).rejects.toThrow(
      /unknown model 'magic'/,
    );
  });
});

describe('training with a catalogue', () => {
  const catalogText = [
    ...Array.from({ length: 8 }, (_, i) => ({
      id: `lip-${i}`,
      text: `Velvet lipstick ${i}`,
      attributes: { category: 'lips' },
    })),
    ...Array.from({ length: 8 }, (_, i) => ({
      id: `tent-${i}`,
      text: `Camping tent ${i}`,
      attributes: { category: 'outdoor' },
    })),
    { id: 'lip-new', text: 'Velvet lipstick new shade', attributes: { category: 'lips' } },
  ]
    .map((c) => JSON.stringify(c))
    .join('\n');

  it('ranks a new item (never bought) for a shopper whose history matches it, through the hybrid', async () => {
    const catalog = await loadCatalog({ text: catalogText, name: 'c.jsonl' });
    // shoppers stay within one category; 'lip-new' has no interactions at all
    const sequences = Array.from({ length: 40 }, (_, u) => {
      const cat = u % 2 ? 'lip' : 'tent';
      return Array.from({ length: 4 }, (_, j) => `${cat}-${(u + j) % 8}`);
    });
    const users = sequences.map((_, u) => `u${u}`);
    const fitted = await fitModel(
      { histories: sequences, validation: sequenceHoldout(users, sequences) },
      { model: 'hybrid', progress: silentProgress(), catalog, now: 0 },
    );
    expect(fitted.model.items).toContain('lip-new');
    expect(Object.keys(fitted.weights ?? {})).toContain('content');
    const contentOnly = await fitModel(
      { histories: sequences, validation: sequenceHoldout(users, sequences) },
      { model: 'content', progress: silentProgress(), catalog, now: 0 },
    );
    const ranked = rankScorer(
      contentOnly.model,
      ['lip-1', 'lip-2', 'lip-3', 'lip-4', 'lip-5', 'lip-6', 'lip-7', 'lip-0'],
      1,
    );
    expect(ranked[0]?.itemId).toBe('lip-new');
  });

  it('reports a malformed catalogue line', async () => {
    await expect(loadCatalog({ text: '{"id":"a"}\n{"text":"no id"}\n', name: 'c.jsonl' })).rejects.toThrow(
      /c\.jsonl:2.*id/,
    );
    await expect(loadCatalog({ text: '{"id":"a"}\n{"id":"a"}\n', name: 'c.jsonl' })).rejects.toThrow(
      /already on line 1/,
    );
  });
});
