import { RecommendationsPush, schemaExamples, ZoneContext } from '@aisle/contracts';
import { INITIAL_SNAPSHOT, type Lang, LanguageProvider, type ScreenSnapshot } from '@aisle/ui';
import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MirrorScreen } from './MirrorScreen';

const recs = RecommendationsPush.parse(schemaExamples.RecommendationsPush.example);
const zone = ZoneContext.parse({ ...schemaExamples.ZoneContext.example, name: { en: 'Fitting rooms', ko: '피팅룸' } });
const online: ScreenSnapshot = {
  ...INITIAL_SNAPSHOT,
  state: 'online',
  store: { storeId: 'seoul-01', storeName: 'Aisle Seoul Gangnam', zoneId: 'fitting' },
  zone,
  recommendations: { ...recs, items: [recs.items[0]!, { ...recs.items[0]!, itemId: 'sku-000002' }] },
  recommendationsAt: Date.now(),
};

const render = (element: ReactElement, lang: Lang = 'en') =>
  renderToStaticMarkup(<LanguageProvider initialLang={lang}>{element}</LanguageProvider>);
const count = (html: string, testId: string) => html.split(`data-testid="${testId}"`).length - 1;

describe('MirrorScreen', () => {
  it('suggests the pushed items to complete the look, in the mirror theme', () => {
    const html = render(<MirrorScreen snapshot={online} screenId="mirror-1" />);
    expect(html).toContain('aisle-theme-mirror');
    expect(html).toMatch(/data-testid="zone-name"[^>]*>Fitting rooms</);
    expect(html).toContain('Complete the look');
    expect(count(html, 'rec-card')).toBe(2);
    expect(html).toMatch(/data-testid="connection-state"[^>]*data-state="online"/);
    expect(count(html, 'offline-badge')).toBe(0);
  });

  it('speaks Korean', () => {
    const html = render(<MirrorScreen snapshot={online} screenId="mirror-1" />, 'ko');
    expect(html).toContain('피팅룸');
    expect(html).toContain('스타일 완성하기');
    expect(html).toContain('수분 쿠션 파운데이션');
  });

  it('keeps the suggestions with the offline badge when the gateway is gone', () => {
    const html = render(<MirrorScreen snapshot={{ ...online, state: 'offline' }} screenId="mirror-1" />);
    expect(count(html, 'offline-badge')).toBe(1);
    expect(count(html, 'rec-card')).toBe(2);
  });

  it('shows a placeholder before the first suggestions', () => {
    const html = render(<MirrorScreen snapshot={INITIAL_SNAPSHOT} screenId="mirror-1" />);
    expect(count(html, 'rec-card')).toBe(0);
    expect(html).toContain('Suggestions will appear here shortly');
    expect(html).toMatch(/data-state="connecting"/);
  });

  it('explains a refusal', () => {
    const snapshot: ScreenSnapshot = {
      ...INITIAL_SNAPSHOT,
      state: 'refused',
      refusal: { reason: 'unknownScreen', message: 'no mirror "mirror-9" in this store' },
    };
    const html = render(<MirrorScreen snapshot={snapshot} screenId="mirror-9" />);
    expect(html).toContain('This screen is not registered in the store floor plan.');
    expect(count(html, 'rec-card')).toBe(0);
  });
});
