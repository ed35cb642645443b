import type { HandoverStatus } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { applyKey } from './Keypad';
import { KioskScreen } from './KioskScreen';
import { idlePhase, readIdleMs, warningMs } from './kiosk/idle';
import { handoverProgress } from './kiosk/OnlineCart';
import { parseAisle } from './kiosk/StoreMap';
import { holdsShopper, INITIAL_VIEW, type KioskAction, type KioskView, kioskReducer } from './kiosk/state';
import { anonymousSession, count, online, render, session, threeItems } from './test-fixtures';

const run = (...actions: KioskAction[]) => actions.reduce(kioskReducer, INITIAL_VIEW);
const inSession: KioskView = run({ type: 'start' }, { type: 'identified', result: { ok: true, session } });
const sent = {
  ok: true as const,
  handoverId: 'handover-1',
  terminalId: 'pos-2',
  code: '4821',
  lines: 1,
};
const status = (s: HandoverStatus['status'], handoverId = 'handover-1'): HandoverStatus => ({
  handoverId,
  terminalId: 'pos-2',
  status: s,
  at: Date.now(),
});

describe('kiosk attract loop', () => {
  it('shows the zone cards with a large call to start, and nothing of a shopper session', () => {
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" on={{ select: () => {} }} />);
    expect(html).toMatch(/data-testid="start"[^>]*>Touch to start</);
    expect(html).toContain('kiosk-cards--attract');
    expect(count(html, 'rec-card')).toBe(3);
    // cards open their details by touch or keyboard: a real button per card
    expect(count(html, 'rec-open')).toBe(3);
    for (const id of ['identify', 'session', 'greeting', 'end-session', 'online-cart', 'why-toggle'])
      expect(count(html, id), id).toBe(0);
  });

  it('opens the sign-in panel in place of the cards, in Korean too', () => {
    const view = run({ type: 'start' });
    expect(view.mode).toBe('identify');
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={view} />, 'ko');
    expect(html).toContain('멤버십 카드 스캔');
    expect(count(html, 'identify-code')).toBe(1);
    expect(count(html, 'identify-nfc')).toBe(1);
    expect(count(html, 'identify-phone')).toBe(1);
    expect(count(html, 'identify-anonymous')).toBe(1);
    for (const digit of '0123456789') expect(count(html, `keypad-${digit}`), digit).toBe(1);
    expect(count(html, 'rec-card')).toBe(0);
    expect(count(html, 'start')).toBe(0);
  });
});

describe('signing in at the kiosk', () => {
  it('types the phone number on the keypad, at most 24 characters', () => {
    expect(applyKey('010', '5', 24)).toBe('0105');
    expect(applyKey('0105', 'backspace', 24)).toBe('010');
    expect(applyKey('0105', 'clear', 24)).toBe('');
    expect(applyKey('12345678', '9', 8)).toBe('12345678');
    expect(applyKey('12', 'x', 8)).toBe('12');
    const html = render(
      <KioskScreen
        snapshot={online}
        screenId="kiosk-1"
        view={run({ type: 'start' }, { type: 'phone', value: '01012345678' })}
      />,
    );
    expect(html).toMatch(/data-testid="identify-phone"[^>]*value="01012345678"/);
  });

  it.each([
    ['unknown', 'We could not find that card or phone number'],
    ['invalid', 'That does not look like a card number or phone number'],
    ['refused', 'Signing in is not possible at this kiosk right now'],
  ] as const)('explains a %s answer and keeps the panel open', (reason, text) => {
    const view = run(
      { type: 'start' },
      { type: 'code', value: 'LOY-0000' },
      { type: 'identifying' },
      { type: 'identified', result: { ok: false, reason, message: 'no such card' } },
    );
    expect(view).toMatchObject({ mode: 'identify', identifying: false, identifyError: reason, code: 'LOY-0000' });
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={view} />);
    expect(html).toMatch(new RegExp(`data-testid="identify-error" data-reason="${reason}"[^>]*>${text}`));
    expect(html).not.toContain('no such card'); // the gateway's English detail is not for shoppers
  });

  it('says the store system is unreachable when the request fails without an answer', () => {
    const view = run({ type: 'start' }, { type: 'identified', result: { ok: false, message: 'not connected' } });
    expect(view.identifyError).toBe('failed');
    expect(render(<KioskScreen snapshot={online} screenId="kiosk-1" view={view} />, 'ko')).toContain(
      '키오스크가 매장 시스템에 연결하지 못했습니다',
    );
  });

  it('rejects a code the contract would refuse before asking the gateway', () => {
    const view = run({ type: 'start' }, { type: 'identifyInvalid' });
    expect(view.identifyError).toBe('invalid');
    expect(view.identifying).toBe(false);
  });

  it('shows the pending state while the gateway checks', () => {
    const html = render(
      <KioskScreen snapshot={online} screenId="kiosk-1" view={run({ type: 'start' }, { type: 'identifying' })} />,
    );
    expect(count(html, 'identify-pending')).toBe(1);
    expect(html).toMatch(/data-testid="identify-anonymous" disabled=""/);
  });

  it('starts the session and forgets what was typed', () => {
    const view = run(
      { type: 'start' },
      { type: 'phone', value: '01012345678' },
      { type: 'identified', result: { ok: true, session } },
    );
    expect(view).toMatchObject({ mode: 'session', phone: '', code: '', identifyError: null });
    expect(view.session?.customer?.firstName).toBe('Minji');
  });
});

describe('kiosk session', () => {
  it('greets the shopper by first name with their cards, reasons, switch, and a way to finish', () => {
    const html = render(
      <KioskScreen snapshot={online} screenId="kiosk-1" view={inSession} onPersonalization={() => {}} />,
    );
    expect(html).toMatch(/data-testid="greeting"[^>]*>Hi Minji</);
    expect(count(html, 'rec-card')).toBe(3);
    expect(count(html, 'rec-reason')).toBe(3);
    expect(html).toContain('Popular with shoppers on your path');
    expect(count(html, 'personalization-toggle')).toBe(1);
    expect(html).toMatch(/data-testid="end-session"[^>]*>Done</);
    expect(html).toMatch(/data-testid="why-toggle" aria-expanded="false"[^>]*>Why am I seeing this\?</);
    expect(count(html, 'start')).toBe(0);
    expect(html).not.toContain('kiosk-cards--attract');
    expect(render(<KioskScreen snapshot={online} screenId="kiosk-1" view={inSession} />, 'ko')).toContain(
      'Minji님, 안녕하세요',
    );
  });

  it('explains each card: its reason, whether it is personal, and how to turn it off', () => {
    const view = kioskReducer(inSession, { type: 'toggleWhy' });
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={view} />);
    expect(count(html, 'why-item')).toBe(3);
    expect(html).toMatch(/data-testid="why-item" data-item-id="sku-000001" data-personal="true"/);
    // a zone-popularity card is the same for everyone, even in a personalized list
    expect(html).toMatch(/data-testid="why-item" data-item-id="sku-000002" data-personal="false"/);
    expect(html).toContain('Chosen for you, from your activity');
    expect(html).toContain('Not personalized: the same for everyone in this zone.');
    expect(html).toMatch(/data-testid="why-turn-off"[^>]*>You can turn personalization off/);
    const off = { ...online, recommendations: { ...online.recommendations!, personalized: false } };
    const offHtml = render(<KioskScreen snapshot={off} screenId="kiosk-1" view={view} />);
    expect(offHtml).not.toContain('data-personal="true"');
    expect(render(<KioskScreen snapshot={online} screenId="kiosk-1" view={inSession} />)).not.toContain('why-item');
  });

  it('welcomes an anonymous shopper without a name or a cart', () => {
    const view = run({ type: 'start' }, { type: 'identified', result: { ok: true, session: anonymousSession } });
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={view} />);
    expect(html).toMatch(/data-testid="greeting"[^>]*>Welcome</);
    expect(html).toContain('You are browsing without signing in');
    expect(count(html, 'online-cart')).toBe(0);
  });

  it('lists the online cart with stock and aisle here, and offers to pay at the checkout', () => {
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={inSession} />);
    expect(count(html, 'online-cart')).toBe(1);
    expect(count(html, 'cart-line')).toBe(2);
    expect(html).toContain('Linen Shirt');
    expect(html).toContain('3 in stock here · Aisle B2');
    expect(html).toMatch(/data-item-id="sku-000011" data-in-stock="0"/);
    expect(html).toContain('Not in stock here');
    expect(html).toMatch(/data-testid="handover"[^>]*>Pay for these at the checkout</);
  });

  it('offers no hand-over when nothing of the cart is in stock here', () => {
    const none = { ...session, onlineCart: session.onlineCart.map((line) => ({ ...line, inStock: 0 })) };
    const view = run({ type: 'identified', result: { ok: true, session: none } });
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={view} />);
    expect(count(html, 'handover')).toBe(0);
    expect(count(html, 'cart-none-here')).toBe(1);
  });
});

describe('hand-over to a till', () => {
  const sending = kioskReducer(inSession, { type: 'handoverSending' });
  const handedOver = kioskReducer(sending, { type: 'handoverResult', result: sent });

  it('disables the button while sending, and explains a failure', () => {
    expect(render(<KioskScreen snapshot={online} screenId="kiosk-1" view={sending} />)).toMatch(
      /data-testid="handover" disabled=""[^>]*>Sending to the checkout…</,
    );
    const failed = kioskReducer(sending, { type: 'handoverResult', result: { ok: false, message: 'no till' } });
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={failed} />);
    expect(count(html, 'handover-error')).toBe(1);
    expect(count(html, 'handover')).toBe(1); // can try again
  });

  it('shows the till and the 4-digit code, waiting until the till reports', () => {
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={handedOver} />);
    expect(html).toMatch(/data-testid="handover-code"[^>]*>4821</);
    expect(html).toContain('Go to till pos-2');
    expect(html).toMatch(/data-testid="handover-status" data-status="waiting"/);
    expect(count(html, 'handover')).toBe(0);
  });

  it('says "Paid — thank you" when the till reports the sale of this hand-over, and ignores other hand-overs', () => {
    const paid = render(
      <KioskScreen snapshot={{ ...online, handover: status('paid') }} screenId="kiosk-1" view={handedOver} />,
    );
    expect(paid).toMatch(/data-testid="handover-status" data-status="paid"[^>]*>Paid — thank you</);
    const ko = render(
      <KioskScreen snapshot={{ ...online, handover: status('paid') }} screenId="kiosk-1" view={handedOver} />,
      'ko',
    );
    expect(ko).toContain('결제 완료 — 감사합니다');
    expect(handoverProgress('handover-1', status('received'))).toBe('received');
    expect(handoverProgress('handover-1', status('paid', 'handover-9'))).toBe('waiting');
    expect(handoverProgress('handover-1', null)).toBe('waiting');
  });
});

describe('product detail', () => {
  it('shows name, brand, price, stock, aisle and a map with the shelf highlighted', () => {
    const view = kioskReducer(inSession, { type: 'openDetail', item: threeItems[0]! });
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={view} />);
    expect(html).toMatch(/data-testid="product-detail" data-item-id="sku-000001"/);
    expect(html).toContain('Hydrating Cushion Foundation');
    expect(html).toContain('Lumi');
    expect(html).toMatch(/data-testid="detail-price"[^>]*>\$32.50</);
    expect(html).toMatch(/data-testid="detail-stock" data-in-stock="12"[^>]*>12 in stock here</);
    expect(html).toMatch(/data-testid="detail-aisle"[^>]*>Aisle A3</);
    expect(html).toMatch(/data-testid="store-map" data-row="A" data-position="3"/);
    expect(count(html, 'map-highlight')).toBe(1);
    expect(html).toContain('Store map with aisle A3 highlighted');
  });

  it('draws no map for an aisle label it cannot place, and says when stock is unknown', () => {
    const odd = { ...threeItems[0]!, aisle: 'Near the lifts', inStock: undefined };
    const html = render(
      <KioskScreen
        snapshot={online}
        screenId="kiosk-1"
        view={kioskReducer(inSession, { type: 'openDetail', item: odd })}
      />,
    );
    expect(count(html, 'store-map')).toBe(0);
    expect(html).toContain('Aisle Near the lifts');
    expect(html).toContain('Stock here not known');
    const nowhere = { ...threeItems[0]!, aisle: undefined };
    expect(
      render(
        <KioskScreen
          snapshot={online}
          screenId="kiosk-1"
          view={kioskReducer(inSession, { type: 'openDetail', item: nowhere })}
        />,
      ),
    ).toContain('Ask a staff member where to find it');
  });

  it('reads aisle labels honestly', () => {
    expect(parseAisle('A3')).toEqual({ row: 'A', rowIndex: 0, position: 3 });
    expect(parseAisle('c-12')).toEqual({ row: 'C', rowIndex: 2, position: 12 });
    expect(parseAisle('B 4')).toEqual({ row: 'B', rowIndex: 1, position: 4 });
    for (const label of ['A0', '3A', 'AB3', 'A123', '', undefined, 'Near the lifts'])
      expect(parseAisle(label), String(label)).toBeNull();
  });
});

describe('inactivity reset', () => {
  it('counts down 10 s after the idle time, shorter for short idle times', () => {
    expect(warningMs(60_000)).toBe(10_000);
    expect(warningMs(20_000)).toBe(10_000);
    expect(warningMs(8_000)).toBe(4_000);
    expect(idlePhase(59_999, 60_000)).toEqual({ phase: 'active' });
    expect(idlePhase(60_000, 60_000)).toEqual({ phase: 'warning', remainingMs: 10_000 });
    expect(idlePhase(67_500, 60_000)).toEqual({ phase: 'warning', remainingMs: 2_500 });
    expect(idlePhase(70_000, 60_000)).toEqual({ phase: 'expired' });
    expect(idlePhase(12_000, 8_000)).toEqual({ phase: 'expired' });
  });

  it('reads ?idle=<seconds>, falling back to 60 s on a bad value', () => {
    const warnings: string[] = [];
    const warn = (m: string) => warnings.push(m);
    expect(readIdleMs('', warn)).toBe(60_000);
    expect(readIdleMs('?idle=15', warn)).toBe(15_000);
    expect(readIdleMs('?screen=kiosk-2&idle=90', warn)).toBe(90_000);
    expect(warnings).toEqual([]);
    for (const bad of ['?idle=abc', '?idle=', '?idle=-3', '?idle=1', '?idle=99999'])
      expect(readIdleMs(bad, warn)).toBe(60_000);
    expect(warnings).toHaveLength(5);
  });

  it('asks "Are you still there?" with the seconds left', () => {
    const html = render(<KioskScreen snapshot={online} screenId="kiosk-1" view={inSession} idleRemainingMs={7_200} />);
    expect(html).toMatch(/data-testid="idle-warning" data-seconds="8"/);
    expect(html).toContain('Are you still there?');
    expect(html).toContain('This kiosk starts over in 8 s');
    expect(count(html, 'idle-continue')).toBe(1);
  });

  it('runs only while something of a shopper is on screen', () => {
    expect(holdsShopper(INITIAL_VIEW)).toBe(false);
    expect(holdsShopper(run({ type: 'start' }))).toBe(true);
    expect(holdsShopper(inSession)).toBe(true);
    expect(holdsShopper(run({ type: 'openDetail', item: threeItems[0]! }))).toBe(true);
  });

  it('leaves nothing of the shopper on screen after the reset', () => {
    const busy = [
      { type: 'toggleWhy' },
      { type: 'openDetail', item: threeItems[0]! },
      { type: 'handoverSending' },
      { type: 'handoverResult', result: sent },
    ] satisfies KioskAction[];
    const before = busy.reduce(kioskReducer, inSession);
    const shown = render(
      <KioskScreen snapshot={{ ...online, handover: status('paid') }} screenId="kiosk-1" view={before} />,
    );
    for (const text of ['Minji', 'Linen Shirt', '4821']) expect(shown).toContain(text);

    const after = kioskReducer(before, { type: 'reset' });
    expect(after).toEqual(INITIAL_VIEW);
    // clearScreen() drops the shopper's cards and hand-over from the snapshot
    const cleared = { ...online, recommendations: null, recommendationsAt: null, handover: null };
    const html = render(<KioskScreen snapshot={cleared} screenId="kiosk-1" view={after} />);
    for (const text of ['Minji', 'Linen Shirt', 'Silk Scarf', '4821', 'pos-2', 'Hydrating'])
      expect(html).not.toContain(text);
    for (const id of ['online-cart', 'product-detail', 'why-panel', 'greeting', 'handover-code', 'idle-warning'])
      expect(count(html, id), id).toBe(0);
    expect(count(html, 'start')).toBe(1);
    // the reset happens the same way offline: nothing of it needs the gateway
    const offline = render(<KioskScreen snapshot={{ ...cleared, state: 'offline' }} screenId="kiosk-1" view={after} />);
    expect(offline).not.toContain('Minji');
    expect(count(offline, 'offline-badge')).toBe(1);
  });

  it('keeps the refusal notice in place of everything', () => {
    const refused = {
      ...online,
      state: 'refused' as const,
      refusal: { reason: 'clientTooOld' as const, message: 'x' },
    };
    const html = render(<KioskScreen snapshot={refused} screenId="kiosk-1" view={inSession} />);
    expect(count(html, 'refusal')).toBe(1);
    expect(html).not.toContain('Minji');
  });
});
