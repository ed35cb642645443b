import {
  MirrorGarment,
  RecommendationsPush,
  type RecommendedItem,
  StaffRequest,
  schemaExamples,
} from '@aisle/contracts';

const card = RecommendationsPush.parse(schemaExamples.RecommendationsPush.example).items[0]!;

export const lookItem = (itemId: string, en: string, ko: string): RecommendedItem => ({
  ...card,
  itemId,
  name: { en, ko },
  reason: { code: 'completes_your_look', text: { en: 'Completes your look', ko: '스타일을 완성해요' } },
});

/** A navy shirt in M, read at 2025-03-14 12:00 UTC: S in stock, L not, XL in stock, M also in black. */
export const garment: MirrorGarment = MirrorGarment.parse({
  zoneId: 'fitting',
  itemId: 'sku-000073-m',
  name: { en: 'Oversized Cotton Shirt', ko: '오버사이즈 코튼 셔츠' },
  brand: 'Norde',
  price: 49,
  currency: 'USD',
  size: 'M',
  colour: 'navy',
  variants: [
    { itemId: 'sku-000073-m', size: 'M', colour: 'navy', inStock: 1 },
    { itemId: 'sku-000073-s', size: 'S', colour: 'navy', inStock: 3 },
    { itemId: 'sku-000073-l', size: 'L', colour: 'navy', inStock: 0 },
    { itemId: 'sku-000074-m', size: 'M', colour: 'black', inStock: 2 },
    { itemId: 'sku-000074-l', size: 'L', colour: 'black', inStock: 4 },
    { itemId: 'sku-000073-xl', size: 'XL', colour: 'navy', inStock: 1 },
  ],
  look: [
    lookItem('sku-000201', 'Wide Chinos', '와이드 치노 팬츠'),
    lookItem('sku-000202', 'Canvas Sneakers', '캔버스 스니커즈'),
    lookItem('sku-000203', 'Leather Belt', '가죽 벨트'),
  ],
  history: [
    {
      itemId: 'sku-000071-m',
      name: { en: 'Striped Tee', ko: '스트라이프 티셔츠' },
      kind: 'bought',
      at: Date.UTC(2025, 2, 1, 12),
    },
    {
      itemId: 'sku-000072-m',
      name: { en: 'Linen Shirt', ko: '린넨 셔츠' },
      kind: 'tried',
      at: Date.UTC(2025, 1, 20, 12),
    },
  ],
  at: Date.UTC(2025, 2, 14, 12),
});

export const staffRequest = (overrides: Partial<StaffRequest> = {}): StaffRequest =>
  StaffRequest.parse({
    requestId: 'req-1',
    kind: 'size',
    mirrorId: 'mirror-1',
    zoneId: 'fitting',
    itemId: garment.itemId,
    name: garment.name,
    size: 'S',
    status: 'open',
    at: garment.at + 5_000,
    ...overrides,
  });
