import type { Product } from '@aisle/contracts';
import { createRng, pick, type Rng } from './random';

type Words = readonly (readonly [en: string, ko: string])[];

interface CategorySpec {
  category: string;
  adjectives: Words;
  nouns: Words;
  brands: readonly string[];
  price: readonly [min: number, max: number];
  attributes: (rng: Rng) => Record<string, string>;
  /** Sizes a style comes in; each size is its own item. */
  sizes?: readonly string[];
}

const colours = ['black', 'white', 'navy', 'beige', 'red', 'olive', 'grey', 'pink'];
export const APPAREL_SIZES = ['XS', 'S', 'M', 'L', 'XL'] as const;
/** Korean shoe sizes: foot length in mm. */
export const SHOE_SIZES = ['230', '240', '250', '260', '270', '280'] as const;
// the size drawn here is replaced by each variant's own; drawing it keeps every other product as it always was
const apparel = (rng: Rng) => ({ colour: pick(rng, colours), size: pick(rng, APPAREL_SIZES) });
const shoes = (rng: Rng) => ({ colour: pick(rng, colours), size: pick(rng, SHOE_SIZES) });

/**
 * Ten categories × 6 adjectives × 6 nouns = 360 styles, named in English and Korean. Apparel styles come in
 * five sizes and shoes in six, each size its own item: 1,296 items.
 */
const SPECS: readonly CategorySpec[] = [
  {
    category: 'skincare',
    adjectives: [
      ['Hydrating', '수분'],
      ['Brightening', '브라이트닝'],
      ['Calming', '진정'],
      ['Firming', '탄력'],
      ['Daily', '데일리'],
      ['Gentle', '순한'],
    ],
    nouns: [
      ['Serum', '세럼'],
      ['Toner', '토너'],
      ['Cream', '크림'],
      ['Essence', '에센스'],
      ['Sunscreen', '선크림'],
      ['Cleanser', '클렌저'],
    ],
    brands: ['Lumi', 'Dewy Lab', 'Hanbit'],
    price: [12, 68],
    attributes: (rng) => ({ volume: `${pick(rng, [30, 50, 100, 150, 200])} ml` }),
  },
  {
    category: 'makeup',
    adjectives: [
      ['Velvet', '벨벳'],
      ['Glow', '글로우'],
      ['Matte', '매트'],
      ['Long-wear', '롱웨어'],
      ['Sheer', '시어'],
      ['Cushion', '쿠션'],
    ],
    nouns: [
      ['Lipstick', '립스틱'],
      ['Foundation', '파운데이션'],
      ['Blush', '블러셔'],
      ['Mascara', '마스카라'],
      ['Tint', '틴트'],
      ['Palette', '팔레트'],
    ],
    brands: ['Lumi', 'Color Seoul', 'Peony'],
    price: [9, 55],
    attributes: (rng) => ({ shade: pick(rng, ['rose', 'coral', 'nude', 'berry', 'light', 'medium']) }),
  },
  {
    category: 'women-tops',
    adjectives: [
      ['Linen', '린넨'],
      ['Silk', '실크'],
      ['Cropped', '크롭'],
      ['Oversized', '오버핏'],
      ['Striped', '스트라이프'],
      ['Knit', '니트'],
    ],
    nouns: [
      ['Blouse', '블라우스'],
      ['T-shirt', '티셔츠'],
      ['Cardigan', '가디건'],
      ['Shirt', '셔츠'],
      ['Sweater', '스웨터'],
      ['Top', '탑'],
    ],
    brands: ['Mara', 'Seoul Atelier', 'Northline'],
    price: [19, 120],
    attributes: apparel,
    sizes: APPAREL_SIZES,
  },
  {
    category: 'women-dresses',
    adjectives: [
      ['Floral', '플로럴'],
      ['Wrap', '랩'],
      ['Pleated', '플리츠'],
      ['Maxi', '맥시'],
      ['Midi', '미디'],
      ['Satin', '새틴'],
    ],
    nouns: [
      ['Dress', '원피스'],
      ['Skirt', '스커트'],
      ['Jumpsuit', '점프수트'],
      ['Sundress', '선드레스'],
      ['Shirt Dress', '셔츠 원피스'],
      ['Slip Dress', '슬립 원피스'],
    ],
    brands: ['Mara', 'Seoul Atelier', 'Bloom'],
    price: [29, 180],
    attributes: apparel,
    sizes: APPAREL_SIZES,
  },
  {
    category: 'men-tops',
    adjectives: [
      ['Oxford', '옥스퍼드'],
      ['Merino', '메리노'],
      ['Heavyweight', '헤비웨이트'],
      ['Pique', '피케'],
      ['Flannel', '플란넬'],
      ['Waffle', '와플'],
    ],
    nouns: [
      ['Shirt', '셔츠'],
      ['Polo', '폴로'],
      ['Hoodie', '후드티'],
      ['Sweatshirt', '맨투맨'],
      ['Jacket', '재킷'],
      ['Tee', '티'],
    ],
    brands: ['Northline', 'Harbor', 'Kojo'],
    price: [19, 150],
    attributes: apparel,
    sizes: APPAREL_SIZES,
  },
  {
    category: 'men-pants',
    adjectives: [
      ['Slim', '슬림'],
      ['Relaxed', '릴랙스'],
      ['Tapered', '테이퍼드'],
      ['Stretch', '스트레치'],
      ['Cargo', '카고'],
      ['Pleated', '턱'],
    ],
    nouns: [
      ['Chinos', '치노'],
      ['Jeans', '청바지'],
      ['Trousers', '슬랙스'],
      ['Joggers', '조거'],
      ['Shorts', '반바지'],
      ['Corduroys', '코듀로이'],
    ],
    brands: ['Northline', 'Harbor', 'Denimworks'],
    price: [29, 130],
    attributes: apparel,
    sizes: APPAREL_SIZES,
  },
  {
    category: 'sneakers',
    adjectives: [
      ['Retro', '레트로'],
      ['Running', '러닝'],
      ['Canvas', '캔버스'],
      ['Leather', '가죽'],
      ['Chunky', '청키'],
      ['Slip-on', '슬립온'],
    ],
    nouns: [
      ['Sneakers', '스니커즈'],
      ['Trainers', '트레이너'],
      ['Runners', '러너'],
      ['High-tops', '하이탑'],
      ['Court Shoes', '코트화'],
      ['Skate Shoes', '스케이트화'],
    ],
    brands: ['Stride', 'Kojo', 'Airlane'],
    price: [39, 190],
    attributes: shoes,
    sizes: SHOE_SIZES,
  },
  {
    category: 'boots-sandals',
    adjectives: [
      ['Chelsea', '첼시'],
      ['Suede', '스웨이드'],
      ['Hiking', '하이킹'],
      ['Strappy', '스트랩'],
      ['Platform', '플랫폼'],
      ['Classic', '클래식'],
    ],
    nouns: [
      ['Boots', '부츠'],
      ['Sandals', '샌들'],
      ['Loafers', '로퍼'],
      ['Mules', '뮬'],
      ['Ankle Boots', '앵클 부츠'],
      ['Slides', '슬라이드'],
    ],
    brands: ['Stride', 'Bloom', 'Harbor'],
    price: [35, 220],
    attributes: shoes,
    sizes: SHOE_SIZES,
  },
  {
    category: 'bags',
    adjectives: [
      ['Mini', '미니'],
      ['Quilted', '퀼팅'],
      ['Canvas', '캔버스'],
      ['Leather', '가죽'],
      ['Woven', '위빙'],
      ['Travel', '여행용'],
    ],
    nouns: [
      ['Tote', '토트백'],
      ['Crossbody', '크로스백'],
      ['Backpack', '백팩'],
      ['Clutch', '클러치'],
      ['Shoulder Bag', '숄더백'],
      ['Belt Bag', '벨트백'],
    ],
    brands: ['Mara', 'Carryall', 'Peony'],
    price: [25, 260],
    attributes: (rng) => ({ colour: pick(rng, colours) }),
  },
  {
    category: 'jewelry',
    adjectives: [
      ['Pearl', '진주'],
      ['Gold', '골드'],
      ['Silver', '실버'],
      ['Minimal', '미니멀'],
      ['Layered', '레이어드'],
      ['Charm', '참'],
    ],
    nouns: [
      ['Necklace', '목걸이'],
      ['Earrings', '귀걸이'],
      ['Bracelet', '팔찌'],
      ['Ring', '반지'],
      ['Anklet', '발찌'],
      ['Brooch', '브로치'],
    ],
    brands: ['Peony', 'Lune', 'Seoul Atelier'],
    price: [15, 140],
    attributes: (rng) => ({ metal: pick(rng, ['gold', 'silver', 'rose gold']) }),
  },
];

export const CATEGORIES = SPECS.map((s) => s.category);

/** Categories whose styles come in sizes (apparel, then shoes). */
export const SIZED_CATEGORIES = SPECS.filter((s) => s.sizes).map((s) => s.category);
export const APPAREL_CATEGORIES = SPECS.filter((s) => s.sizes === APPAREL_SIZES).map((s) => s.category);

/**
 * The demo catalog, deterministic for a seed. Styles are numbered `sku-000001` … `sku-000360`; an unsized style
 * is one item with that id, a sized style is one item per size, `<style>-<size>` (`sku-000073-xs`, `sku-000217-230`),
 * each with `attributes.style` = the style id and `attributes.size`.
 */
export function demoCatalog(seed = 7): Product[] {
  const rng = createRng(seed);
  const products: Product[] = [];
  let styles = 0;
  for (const spec of SPECS)
    for (const [adjEn, adjKo] of spec.adjectives)
      for (const [nounEn, nounKo] of spec.nouns) {
        const [min, max] = spec.price;
        const style: Product = {
          id: `sku-${String(++styles).padStart(6, '0')}`,
          name: { en: `${adjEn} ${nounEn}`, ko: `${adjKo} ${nounKo}` },
          category: spec.category,
          brand: pick(rng, spec.brands),
          price: Math.round(min + rng() * (max - min)) - 0.01, // shelf prices end in .99
          currency: 'USD',
          attributes: spec.attributes(rng),
        };
        if (!spec.sizes) products.push(style);
        else
          for (const size of spec.sizes)
            products.push({
              ...style,
              id: `${style.id}-${size.toLowerCase()}`,
              attributes: { ...style.attributes, style: style.id, size },
            });
      }
  return products;
}
