import { describe, expect, it } from 'vitest';
import { expectScorerParity } from '../testing/scorer-parity';
import { type CatalogItem, textTokens, trainContent } from './content';
import { rankScorer } from './scorer';

/** A small fashion/beauty catalogue in the shape of the demo one: category, brand, colour, price; en + ko names. */
const catalog: CatalogItem[] = [
  { id: 'serum', text: 'Hydrating Serum 수분 세럼', attributes: { category: 'skincare', brand: 'Lumi', price: 30 } },
  { id: 'toner', text: 'Calming Toner 진정 토너', attributes: { category: 'skincare', brand: 'Lumi', price: 22 } },
  {
    id: 'cleanser',
    text: 'Gentle Cleanser 순한 클렌저',
    attributes: { category: 'skincare', brand: 'Hanbit', price: 14 },
  },
  { id: 'lipstick', text: 'Matte Lipstick 매트 립스틱', attributes: { category: 'makeup', brand: 'Peony', price: 19 } },
  { id: 'tint', text: 'Glow Tint 글로우 틴트', attributes: { category: 'makeup', brand: 'Peony', price: 12 } },
  {
    id: 'sneaker',
    text: 'Court Sneaker 코트 스니커즈',
    attributes: { category: 'sneakers', brand: 'Stride', price: 99 },
  },
  { id: 'runner', text: 'Trail Runner 트레일 러너', attributes: { category: 'sneakers', brand: 'Stride', price: 120 } },
  {
    id: 'tote',
    text: 'Canvas Tote 캔버스 토트백',
    attributes: { category: 'bags', brand: 'Carryall', colour: 'beige' },
  },
  {
    id: 'clutch',
    text: 'Leather Clutch 레더 클러치',
    attributes: { category: 'bags', brand: 'Mara', colour: 'black' },
  },
  // New: in the catalogue, in no history.
  { id: 'new-cream', text: 'Firming Cream 탄력 크림', attributes: { category: 'skincare', brand: 'Lumi', price: 45 } },
];

/** Sneakers and bags are the best sellers; skincare sells little. */
const histories = [
  ['sneaker', 'runner', 'tote'],
  ['sneaker', 'tote', 'clutch'],
  ['runner', 'sneaker'],
  ['tote', 'lipstick'],
  ['serum'],
];

describe('trainContent', () => {
  const model = trainContent(histories, { catalog, now: 0 });

  it('embeds every catalogue item, bought or not, in unit rows', () => {
    expect(model.items).toEqual(catalog.map((c) => c.id));
    expect(model.stats).toEqual({ users: 5, events: 11, skipped: 0 });
    for (let i = 0; i < model.items.length; i++) {
      const row = model.embeddings.subarray(i * model.dim, (i + 1) * model.dim);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
    expect(model.popularity[model.items.indexOf('new-cream')]).toBe(0);
  });

  it('ranks a new item like the shopper’s history above popular unrelated items', () => {
    const ranked = rankScorer(model, ['serum'], 4).map((r) => r.itemId);
    expect(ranked.slice(0, 3).sort()).toEqual(['cleanser', 'new-cream', 'toner']);
    // Same category and brand beats same category only.
    expect(ranked.indexOf('new-cream')).toBeLessThan(ranked.indexOf('cleanser'));
    expect(ranked.indexOf('toner')).toBeLessThan(ranked.indexOf('cleanser'));
  });

  it('ranks an empty or unknown history by popularity', () => {
    const byPopularity = ['sneaker', 'tote', 'runner'];
    expect(rankScorer(model, [], 3).map((r) => r.itemId)).toEqual(byPopularity);
    expect(rankScorer(model, ['never-seen'], 3).map((r) => r.itemId)).toEqual(byPopularity);
  });

  it('weights recent history more (gamma)', () => {
    const top = (lipstickAge: number, sneakerAge: number) =>
      rankScorer(
        model,
        [
          { item: 'lipstick', age: lipstickAge },
          { item: 'sneaker', age: sneakerAge },
        ],
        1,
      )[0]!.itemId;
    expect(top(3, 0)).toBe('runner');
    expect(top(0, 3)).toBe('tint');
  });

  it('matches Korean text, compounds included, through character bigrams', () => {
    expect(textTokens('수분크림 Long-wear')).toEqual(['w:수분크림', 'g:수분', 'g:분크', 'g:크림', 'w:long', 'w:wear']);
    const korean: CatalogItem[] = [
      { id: 'a', text: '수분 세럼' },
      { id: 'b', text: '수분크림' },
      { id: 'c', text: '매트 립스틱' },
      { id: 'd', text: '매트 틴트' },
      { id: 'e', text: '세럼 앰플' },
    ];
    const m = trainContent([['c'], ['c'], ['d']], { catalog: korean, epsilon: 0.01, now: 0 });
    expect(rankScorer(m, ['a'], 2).map((r) => r.itemId)).toEqual(['b', 'e']);
    expect(rankScorer(m, ['c'], 1).map((r) => r.itemId)).toEqual(['d']);
  });

  it('puts numbers into catalogue quantile tiers', () => {
    const priced: CatalogItem[] = [10, 11, 50, 52, 200, 210].map((price, j) => ({
      id: `p${j}`,
      attributes: { price },
    }));
    const m = trainContent([], { catalog: priced, numericBins: 3, now: 0 });
    expect(rankScorer(m, ['p2'], 1)[0]!.itemId).toBe('p3');
    expect(rankScorer(m, ['p4'], 1)[0]!.itemId).toBe('p5');
  });

  it('degrades to popularity without any content; history items outside the catalogue get a zero vector', () => {
    const m = trainContent([['x', 'y'], ['y']], { catalog: [], now: 0 });
    expect(m.items).toEqual(['x', 'y']);
    expect(Array.from(m.embeddings)).toEqual([0, 0]);
    expect(rankScorer(m, ['x'], 2, []).map((r) => r.itemId)).toEqual(['y', 'x']);
    const mixed = trainContent([['outside', 'serum']], { catalog, now: 0 });
    expect(mixed.items.at(-1)).toBe('outside');
  });

  it('projects a large vocabulary to dims dimensions', () => {
    const m = trainContent(histories, { catalog, dims: 8, now: 0 });
    expect(m.dim).toBe(8);
    expect(rankScorer(m, ['sneaker'], 1)[0]!.itemId).toBe('runner');
  });

  it('rejects invalid params and catalogues', () => {
    expect(() => trainContent([], { catalog, dims: 0 })).toThrow(RangeError);
    expect(() => trainContent([], { catalog, gamma: 1.5 })).toThrow(RangeError);
    expect(() => trainContent([], { catalog, epsilon: -1 })).toThrow(RangeError);
    expect(() => trainContent([], { catalog, minDf: 0.5 })).toThrow(RangeError);
    expect(() => trainContent([], { catalog: [{ id: 'a' }, { id: 'a' }] })).toThrow(RangeError);
    expect(() => trainContent([], { catalog: [] })).toThrow(RangeError);
  });

  it('serves the same ranking through ONNX', async () => {
    expect(await expectScorerParity(model)).toBeGreaterThan(0);
    expect(await expectScorerParity(trainContent(histories, { catalog, dims: 8, now: 0 }), { cases: 20 })).toBe(22);
  });
});
