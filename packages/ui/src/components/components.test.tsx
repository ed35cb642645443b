import { RecommendationsPush, type RecommendedItem, schemaExamples, ZoneContext } from '@aisle/contracts';
import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { LanguageProvider } from '../i18n/I18nProvider';
import type { Lang } from '../i18n/messages';
import { itemHue, RecCard, RecGrid } from './RecCard';
import { ConnectionIndicator, LanguageToggle, OfflineBadge } from './StatusBar';
import { RefusalNotice, ShopperSummary, ShoppersPresent, ZoneName } from './Zone';

const recs = RecommendationsPush.parse(schemaExamples.RecommendationsPush.example);
const item: RecommendedItem = recs.items[0]!;
const zone = ZoneContext.parse(schemaExamples.ZoneContext.example);

const render = (element: ReactElement, lang: Lang = 'en') =>
  renderToStaticMarkup(<LanguageProvider initialLang={lang}>{element}</LanguageProvider>);

describe('RecCard', () => {
  it('renders the test hooks, name, brand, price and reason', () => {
    const html = render(<RecCard item={item} />);
    expect(html).toContain('data-testid="rec-card"');
    expect(html).toContain('data-item-id="sku-000001"');
    expect(html).toContain('Hydrating Cushion Foundation');
    expect(html).toContain('Lumi');
    expect(html).toContain('$32.50');
    expect(html).toContain('Popular with shoppers on your path');
    expect(html).not.toContain('수분');
  });

  it('says where the item is in this store and how many are here, in the active language', () => {
    expect(render(<RecCard item={{ ...item, aisle: 'A3', inStock: 12 }} />)).toMatch(
      /data-testid="rec-where"[^>]*>Aisle A3 · 12 in stock here</,
    );
    expect(render(<RecCard item={{ ...item, aisle: 'A3', inStock: 12 }} />, 'ko')).toMatch(
      /data-testid="rec-where"[^>]*>A3 통로 · 매장 재고 12개</,
    );
    expect(render(<RecCard item={{ ...item, aisle: undefined, inStock: 0 }} />)).toMatch(
      /data-testid="rec-where"[^>]*>Not in stock here</,
    );
    // unknown stock: no line at all
    expect(render(<RecCard item={{ ...item, aisle: undefined, inStock: undefined }} />)).not.toContain('rec-where');
  });

  it('switches name, reason and price format with the language', () => {
    const html = render(<RecCard item={item} />, 'ko');
    expect(html).toContain('수분 쿠션 파운데이션');
    expect(html).toContain('같은 동선의 고객에게 인기');
    expect(html).toContain('US$32.50');
    expect(html).not.toContain('Hydrating');
  });

  it('uses the item currency', () => {
    const html = render(<RecCard item={{ ...item, price: 45000, currency: 'KRW' }} />, 'ko');
    expect(html).toContain('₩45,000');
  });

  it('escapes text from the gateway', () => {
    const html = render(<RecCard item={{ ...item, brand: '<img src=x onerror=alert(1)>' }} />);
    expect(html).not.toContain('<img');
  });
});

describe('itemHue', () => {
  it('is stable per item and spreads neighbouring ids apart', () => {
    expect(itemHue('sku-000001')).toBe(itemHue('sku-000001'));
    const hues = ['sku-000001', 'sku-000002', 'sku-000003', 'sku-000004'].map(itemHue);
    for (const hue of hues) expect(hue).toBeGreaterThanOrEqual(0);
    for (const hue of hues) expect(hue).toBeLessThan(360);
    expect(new Set(hues).size).toBe(4);
  });
});

describe('RecGrid', () => {
  it('renders one card per item in order, or the empty message', () => {
    const second = { ...item, itemId: 'sku-000002' };
    const html = render(<RecGrid items={[item, second]} empty="nothing" />);
    expect(html.match(/data-testid="rec-card"/g)).toHaveLength(2);
    expect(html.indexOf('sku-000001')).toBeLessThan(html.indexOf('sku-000002'));
    expect(render(<RecGrid items={[]} empty="nothing" />)).toContain('nothing');
  });
});

describe('connection state', () => {
  it('shows the offline badge only when offline', () => {
    expect(render(<OfflineBadge state="offline" />)).toContain('data-testid="offline-badge"');
    for (const state of ['connecting', 'online', 'refused'] as const)
      expect(render(<OfflineBadge state={state} />)).toBe('');
  });

  it('exposes the state as data-state', () => {
    const html = render(<ConnectionIndicator state="online" />, 'ko');
    expect(html).toContain('data-testid="connection-state"');
    expect(html).toContain('data-state="online"');
    expect(html).toContain('실시간');
  });

  it('explains a refusal in the active language', () => {
    const refusal = { reason: 'unknownScreen', message: 'no kiosk "k" in this store' } as const;
    const html = render(<RefusalNotice refusal={refusal} screenId="k" />, 'ko');
    expect(html).toContain('data-reason="unknownScreen"');
    expect(html).toContain('이 화면은 매장 평면도에 등록되어 있지 않습니다.');
    expect(render(<RefusalNotice refusal={null} screenId="k" />)).toBe('');
  });
});

describe('zone and shopper', () => {
  it('shows the zone name in the active language and the shopper count', () => {
    expect(render(<ZoneName zone={zone} />, 'ko')).toContain('뷰티');
    expect(render(<ZoneName zone={zone} />)).toMatch(/data-testid="zone-name"[^>]*>Beauty</);
    expect(render(<ShoppersPresent zone={zone} />)).toContain('2 shoppers here now');
    expect(render(<ShoppersPresent zone={{ ...zone, shoppers: 1 }} />)).toContain('1 shopper here now');
  });

  it('shows the shopper ref and dwell time, or the attract message', () => {
    const html = render(<ShopperSummary recs={recs} receivedAt={Date.now()} />);
    expect(html).toMatch(/data-testid="shopper-ref"[^>]*>4b1e</);
    expect(html).toContain('Here for 12 sec');
    const attract = render(<ShopperSummary recs={{ ...recs, shopper: null }} receivedAt={null} />);
    expect(attract).toContain('data-testid="attract"');
    expect(attract).not.toContain('shopper-ref');
  });
});

describe('LanguageToggle', () => {
  it('marks the active language and labels each language in itself', () => {
    const html = render(<LanguageToggle />, 'ko');
    expect(html).toMatch(/aria-pressed="true"[^>]*data-testid="lang-ko"[^>]*>한국어</);
    expect(html).toMatch(/aria-pressed="false"[^>]*data-testid="lang-en"[^>]*>English</);
  });
});
