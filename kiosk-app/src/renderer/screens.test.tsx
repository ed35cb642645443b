import { RecommendationsPush, StoreOverview, schemaExamples, ZoneContext } from '@aisle/contracts';
import { INITIAL_SNAPSHOT, type Lang, LanguageProvider, type ScreenSnapshot } from '@aisle/ui';
import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { KioskScreen } from './KioskScreen';
import { StaffScreen } from './StaffScreen';

const recs = RecommendationsPush.parse(schemaExamples.RecommendationsPush.example);
const zone = ZoneContext.parse(schemaExamples.ZoneContext.example);
const overview = StoreOverview.parse(schemaExamples.StoreOverview.example);
const item = recs.items[0]!;
const threeItems = [item, { ...item, itemId: 'sku-000002' }, { ...item, itemId: 'sku-000003' }];

const online: ScreenSnapshot = {
  ...INITIAL_SNAPSHOT,
  state: 'online',
  store: { storeId: 'seoul-01', storeName: 'Aisle Seoul Gangnam', zoneId: 'beauty' },
  zone,
  recommendations: { ...recs, items: threeItems },
  recommendationsAt: Date.now(),
};

const render = (element: ReactElement, lang: Lang = 'en') =>
  renderToStaticMarkup(<LanguageProvider initialLang={lang}>{element}</LanguageProvider>);
const count = (html: string, testId: string) => html.split(`data-testid="${testId}"`).length - 1;

describe('KioskScreen', () => {
  it('shows the zone, the shopper and one card per pushed item', () => {
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" />);
    expect(html).toMatch(/data-testid="zone-name"[^>]*>Beauty</);
    expect(html).toContain('2 shoppers here now');
    expect(html).toMatch(/data-testid="shopper-ref"[^>]*>4b1e</);
    expect(html).toContain('Recommended for you');
    expect(count(html, 'rec-card')).toBe(3);
    expect(html).toMatch(/data-testid="connection-state"[^>]*data-state="online"/);
    expect(count(html, 'offline-badge')).toBe(0);
    expect(html).toContain('Aisle Seoul Gangnam');
  });

  it('titles the cards by what made them: a trigger’s headline, for this shopper, or the zone’s favourites', () => {
    const headline = {
      en: 'From your online cart, in stock in this store',
      ko: '온라인 장바구니 상품이 이 매장에 있어요',
    };
    const triggered = { ...online, recommendations: { ...online.recommendations!, headline } };
    expect(render(<KioskScreen snapshot={triggered} screenId="kiosk-1" />)).toMatch(
      /data-testid="recs-title"[^>]*>From your online cart, in stock in this store</,
    );
    expect(render(<KioskScreen snapshot={triggered} screenId="kiosk-1" />, 'ko')).toContain(headline.ko);
    const anonymous = { ...online, recommendations: { ...online.recommendations!, personalized: false } };
    expect(render(<KioskScreen snapshot={anonymous} screenId="kiosk-1" />)).toMatch(
      /data-testid="recs-title"[^>]*>Popular in this zone</,
    );
  });

  it('offers the shopper in front of it a personalization switch that says its state', () => {
    const calls: boolean[] = [];
    const on = render(<KioskScreen snapshot={online} screenId="kiosk-1" onPersonalization={(v) => calls.push(v)} />);
    expect(on).toMatch(/data-testid="personalization" data-on="true"/);
    expect(on).toContain('Personalized for you');
    expect(on).toMatch(/data-testid="personalization-toggle" aria-pressed="true"[^>]*>Turn off</);
    const offSnapshot = { ...online, recommendations: { ...online.recommendations!, personalized: false } };
    const off = render(<KioskScreen snapshot={offSnapshot} screenId="kiosk-1" onPersonalization={() => {}} />, 'ko');
    expect(off).toContain('맞춤 추천 꺼짐');
    expect(off).toMatch(/aria-pressed="false"[^>]*>켜기</);
    // nobody in front of the kiosk, or no way to send it: no switch
    const nobody = { ...online, recommendations: { ...online.recommendations!, shopper: null, personalized: false } };
    expect(
      count(
        render(<KioskScreen snapshot={nobody} screenId="kiosk-1" onPersonalization={() => {}} />),
        'personalization',
      ),
    ).toBe(0);
    expect(count(render(<KioskScreen snapshot={online} screenId="kiosk-1" />), 'personalization')).toBe(0);
  });

  it('speaks Korean', () => {
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" />, 'ko');
    expect(html).toMatch(/data-testid="zone-name"[^>]*>뷰티</);
    expect(html).toContain('수분 쿠션 파운데이션');
    expect(html).toContain('고객님을 위한 추천');
  });

  it('shows the attract message when nobody is in front of it', () => {
    const snapshot = { ...online, recommendations: { ...recs, shopper: null, personalized: false } };
    const html = render(<KioskScreen snapshot={snapshot} screenId="kiosk-1" />);
    expect(count(html, 'shopper-ref')).toBe(0);
    expect(html).toContain('Discover what is popular here');
    expect(html).toContain('Popular in this zone');
  });

  it('keeps the last content with the offline badge when the gateway is gone', () => {
    const html = render(<KioskScreen snapshot={{ ...online, state: 'offline' }} screenId="kiosk-1" />);
    expect(count(html, 'offline-badge')).toBe(1);
    expect(count(html, 'rec-card')).toBe(3);
    expect(html).toMatch(/data-state="offline"/);
  });

  it('waits politely before the first content', () => {
    const html = render(<KioskScreen snapshot={INITIAL_SNAPSHOT} screenId="kiosk-1" />);
    expect(html).toMatch(/data-state="connecting"/);
    expect(html).toContain('Recommendations will appear here shortly');
    expect(count(html, 'offline-badge')).toBe(0);
  });

  it('explains a refusal instead of the content', () => {
    const snapshot: ScreenSnapshot = {
      ...INITIAL_SNAPSHOT,
      state: 'refused',
      refusal: { reason: 'clientTooOld', message: 'gateway speaks protocol 2' },
    };
    const html = render(<KioskScreen snapshot={snapshot} screenId="kiosk-9" />);
    expect(html).toContain('This screen runs older software than the store gateway');
    expect(html).toContain('Screen kiosk-9');
    expect(html).toMatch(/data-state="refused"/);
    expect(count(html, 'rec-card')).toBe(0);
  });
});

describe('StaffScreen', () => {
  const twoZones: StoreOverview = {
    ...overview,
    zones: [...overview.zones, { zoneId: 'denim', name: { en: 'Denim', ko: '데님' }, shoppers: 5 }],
  };

  it('lists every zone with its occupancy', () => {
    const html = render(<StaffScreen snapshot={{ ...online, overview: twoZones }} screenId="staff-1" />);
    expect(count(html, 'zone-occupancy')).toBe(2);
    expect(html).toMatch(/data-testid="zone-occupancy" data-zone-id="beauty" data-shoppers="2"/);
    expect(html).toMatch(/data-zone-id="denim" data-shoppers="5"/);
    expect(html).toContain('7 shoppers in the store');
    expect(html).toContain('width:100%');
  });

  it('waits for the overview', () => {
    const html = render(<StaffScreen snapshot={{ ...online, overview: null }} screenId="staff-1" />, 'ko');
    expect(count(html, 'zone-occupancy')).toBe(0);
    expect(html).toContain('매장 정보를 기다리는 중');
  });
});
