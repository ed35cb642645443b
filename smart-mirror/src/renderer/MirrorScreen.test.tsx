import { RecommendationsPush, schemaExamples, ZoneContext } from '@aisle/contracts';
import { INITIAL_SNAPSHOT, type Lang, LanguageProvider, type ScreenSnapshot } from '@aisle/ui';
import type { ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MirrorScreen } from './MirrorScreen';
import { garmentKey, type LocalSizeRequest } from './sizeRequest';
import { garment, staffRequest } from './test-fixtures';

const recs = RecommendationsPush.parse(schemaExamples.RecommendationsPush.example);
const zone = ZoneContext.parse({ ...schemaExamples.ZoneContext.example, name: { en: 'Fitting rooms', ko: '피팅룸' } });
const online: ScreenSnapshot = {
  ...INITIAL_SNAPSHOT,
  state: 'online',
  store: { storeId: 'seoul-01', storeName: 'Aisle Seoul Gangnam', zoneId: 'fitting' },
  zone,
  recommendations: { ...recs, items: [recs.items[0]!, { ...recs.items[0]!, itemId: 'sku-000002' }] },
  recommendationsAt: Date.now(),
  garment: null,
  staffRequests: [],
};
const trying: ScreenSnapshot = { ...online, garment };
const key = garmentKey(garment);

const render = (element: ReactElement, lang: Lang = 'en') =>
  renderToStaticMarkup(<LanguageProvider initialLang={lang}>{element}</LanguageProvider>);
const count = (html: string, testId: string) => html.split(`data-testid="${testId}"`).length - 1;
/** The opening tag of each element with this test id. */
const tags = (html: string, testId: string) => html.match(new RegExp(`<[^>]*data-testid="${testId}"[^>]*>`, 'g')) ?? [];
const attr = (tag: string, name: string) => tag.match(new RegExp(`${name}="([^"]*)"`))?.[1];
/** The text of the element with this test id (no nested elements). */
const text = (html: string, testId: string) => html.match(new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`))?.[1];
const noop = () => {};

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

  it('without a garment, keeps the pushed suggestions and no garment parts', () => {
    const html = render(<MirrorScreen snapshot={online} screenId="mirror-1" onRequestSize={noop} />);
    expect(count(html, 'garment')).toBe(0);
    expect(count(html, 'variant')).toBe(0);
    expect(count(html, 'style-history')).toBe(0);
    expect(count(html, 'size-request-status')).toBe(0);
    expect(tags(html, 'look')[0]).toContain('data-source="pushed"');
    expect(tags(html, 'rec-card').map((tag) => attr(tag, 'data-item-id'))).toEqual(['sku-000001', 'sku-000002']);
    expect(text(html, 'recs-title')).toBe('Pieces that go well with what you are trying on');
    const headline = { en: 'Not in size M here; these are', ko: 'M 사이즈가 없어 대신 추천해요' };
    const triggered = { ...online, recommendations: { ...online.recommendations!, headline } };
    expect(text(render(<MirrorScreen snapshot={triggered} screenId="mirror-1" />), 'recs-title')).toBe(headline.en);
  });

  it('shows the garment with its price, size and colour', () => {
    const html = render(<MirrorScreen snapshot={trying} screenId="mirror-1" />);
    expect(tags(html, 'garment')[0]).toContain('data-item-id="sku-000073-m"');
    expect(html).toContain('Oversized Cotton Shirt');
    expect(html).toContain('Norde');
    expect(text(html, 'garment-price')).toBe('$49.00');
    expect(text(html, 'garment-size')).toBe('Size M');
    expect(text(html, 'garment-colour')).toBe('Colour: navy');
    expect(html).toContain('Other sizes and colours');
    const ko = render(<MirrorScreen snapshot={trying} screenId="mirror-1" />, 'ko');
    expect(ko).toContain('오버사이즈 코튼 셔츠');
    expect(text(ko, 'garment-size')).toBe('사이즈 M');
    expect(ko).toContain('다른 사이즈와 색상');
  });

  it('marks each variant in or out of stock, and offers each other size of the colour once', () => {
    const html = render(<MirrorScreen snapshot={trying} screenId="mirror-1" onRequestSize={noop} />);
    const variants = tags(html, 'variant').map((tag) => [
      attr(tag, 'data-item-id'),
      attr(tag, 'data-size'),
      attr(tag, 'data-in-stock'),
    ]);
    // the variant being tried is not among the others
    expect(variants).toEqual([
      ['sku-000073-s', 'S', 'true'],
      ['sku-000073-l', 'L', 'false'],
      ['sku-000074-m', 'M', 'true'],
      ['sku-000074-l', 'L', 'true'],
      ['sku-000073-xl', 'XL', 'true'],
    ]);
    const stock = (itemId: string) =>
      html.match(new RegExp(`data-testid="variant" data-item-id="${itemId}".*?variant-stock">([^<]*)<`))?.[1];
    expect(garment.variants.slice(1).map((v) => stock(v.itemId))).toEqual([
      'In stock here',
      'Not in stock here',
      'In stock here',
      'In stock here',
      'In stock here',
    ]);
    // the current size and the other colour are not offered; L navy (out of stock) asks for similar pieces
    const asks = tags(html, 'request-size').map((tag) => [attr(tag, 'data-size'), attr(tag, 'data-in-stock')]);
    expect(asks).toEqual([
      ['S', 'true'],
      ['L', 'false'],
      ['XL', 'true'],
    ]);
    expect(html).toContain('Bring me size S');
    expect(html).toContain('Size L: show similar');
    expect(html).not.toMatch(/data-testid="request-size"[^>]*disabled/);
    // without a request handler there is nothing to press
    expect(count(render(<MirrorScreen snapshot={trying} screenId="mirror-1" />), 'request-size')).toBe(0);
  });

  it('follows a size request: sending, open, accepted, done', () => {
    const mine: LocalSizeRequest = { garmentKey: key, size: 'S', phase: 'open', requestId: 'req-1' };
    const status = (sizeRequest: LocalSizeRequest, staffRequests = [staffRequest()], lang: Lang = 'en') => {
      const html = render(
        <MirrorScreen
          snapshot={{ ...trying, staffRequests }}
          screenId="mirror-1"
          sizeRequest={sizeRequest}
          onRequestSize={noop}
        />,
        lang,
      );
      return {
        html,
        status: attr(tags(html, 'size-request-status')[0] ?? '', 'data-status'),
        says: text(html, 'size-request-status'),
      };
    };
    const sending = status({ garmentKey: key, size: 'S', phase: 'sending' }, []);
    expect([sending.status, sending.says]).toEqual(['sending', 'Asking for size S…']);
    expect(sending.html).toMatch(/data-testid="request-size"[^>]*data-size="XL"[^>]*disabled/);

    const open = status(mine);
    expect([open.status, open.says]).toEqual(['open', 'A staff member will bring size S']);
    expect(open.html).toMatch(/data-testid="request-size"[^>]*data-size="S"[^>]*disabled/);
    expect(open.html).not.toMatch(/data-testid="request-size"[^>]*data-size="XL"[^>]*disabled/);
    expect(status(mine, [staffRequest()], 'ko').says).toBe('직원이 S 사이즈를 가져다 드릴게요');

    const accepted = status(mine, [staffRequest({ status: 'accepted' })]);
    expect([accepted.status, accepted.says]).toEqual(['accepted', 'On the way: size S']);
    const done = status(mine, [staffRequest({ status: 'done' })]);
    expect([done.status, done.says]).toEqual(['done', 'Delivered: size S']);
    expect(done.html).not.toMatch(/data-testid="request-size"[^>]*disabled/);
  });

  it('says when a size is not in stock, beside the alternatives the gateway pushed', () => {
    const headline = { en: 'Not in size L here; these are', ko: 'L 사이즈가 없어 대신 추천해요' };
    const alternatives = {
      ...online.recommendations!,
      trigger: 'size_unavailable' as const,
      headline,
      generatedAt: garment.at + 2_000,
    };
    const html = render(
      <MirrorScreen
        snapshot={{ ...trying, recommendations: alternatives }}
        screenId="mirror-1"
        sizeRequest={{ garmentKey: key, size: 'L', phase: 'unavailable' }}
        onRequestSize={noop}
      />,
    );
    expect(tags(html, 'size-request-status')[0]).toContain('data-status="unavailable"');
    expect(text(html, 'size-request-status')).toBe('Size L is not in stock here. Similar pieces are shown below.');
    expect(count(html, 'suggestions')).toBe(1);
    expect(text(html, 'recs-title')).toBe(headline.en);
    // 2 alternatives + 3 look cards
    expect(count(html, 'rec-card')).toBe(5);
    const failed = render(
      <MirrorScreen
        snapshot={trying}
        screenId="mirror-1"
        sizeRequest={{ garmentKey: key, size: 'S', phase: 'failed' }}
      />,
    );
    expect(failed).toMatch(/data-status="failed"[^>]*>Could not ask for size S. Please try again.</);
  });

  it('completes the look from the garment, ignoring the zone’s pushed cards', () => {
    const html = render(<MirrorScreen snapshot={trying} screenId="mirror-1" />);
    expect(tags(html, 'look')[0]).toContain('data-source="garment"');
    expect(count(html, 'suggestions')).toBe(0);
    expect(tags(html, 'rec-card').map((tag) => attr(tag, 'data-item-id'))).toEqual([
      'sku-000201',
      'sku-000202',
      'sku-000203',
    ]);
    expect(html).toContain('Goes well with Oversized Cotton Shirt');
    const empty = render(
      <MirrorScreen snapshot={{ ...trying, garment: { ...garment, look: [] } }} screenId="mirror-1" />,
    );
    expect(count(empty, 'rec-card')).toBe(0);
    expect(empty).toContain('No matching pieces in stock right now');
  });

  it('shows the style history only when the gateway sent one', () => {
    const html = render(<MirrorScreen snapshot={trying} screenId="mirror-1" onHideHistory={noop} />);
    expect(count(html, 'style-history')).toBe(1);
    expect(tags(html, 'history-item').map((tag) => [attr(tag, 'data-item-id'), attr(tag, 'data-kind')])).toEqual([
      ['sku-000071-m', 'bought'],
      ['sku-000072-m', 'tried'],
    ]);
    expect(html).toContain('Bought Mar 1, 2025');
    expect(html).toContain('Tried on Feb 20, 2025');
    expect(count(html, 'hide-history')).toBe(1);
    expect(render(<MirrorScreen snapshot={trying} screenId="mirror-1" />, 'ko')).toContain('2025. 3. 1. 구매');

    const anonymous = render(
      <MirrorScreen snapshot={{ ...trying, garment: { ...garment, history: null } }} screenId="mirror-1" />,
    );
    expect(count(anonymous, 'style-history')).toBe(0);
    expect(anonymous).not.toContain('Striped Tee');
    expect(anonymous).not.toContain('Your style history');
  });

  it('hides the garment behind the refusal notice and keeps it with the offline badge', () => {
    const offline = render(<MirrorScreen snapshot={{ ...trying, state: 'offline' }} screenId="mirror-1" />);
    expect(count(offline, 'offline-badge')).toBe(1);
    expect(count(offline, 'garment')).toBe(1);
    const refused: ScreenSnapshot = {
      ...trying,
      state: 'refused',
      refusal: { reason: 'unknownScreen', message: 'no mirror' },
    };
    expect(count(render(<MirrorScreen snapshot={refused} screenId="mirror-1" />), 'garment')).toBe(0);
  });
});
