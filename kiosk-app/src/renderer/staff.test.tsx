import { describe, expect, it } from 'vitest';
import { StaffScreen } from './StaffScreen';
import { INITIAL_STAFF_VIEW, loginErrorOf, type StaffView } from './staff/state';
import { alert, card, count, insights, online, render, staffRequest } from './test-fixtures';

const associate: StaffView = { ...INITIAL_STAFF_VIEW, me: { name: 'Jisoo', role: 'associate' } };
const manager: StaffView = {
  ...INITIAL_STAFF_VIEW,
  me: { name: 'Hana', role: 'manager' },
  insights: { state: 'ok', insights },
};
const customers = [
  {
    customerRef: 'c7f2',
    firstName: 'Minji',
    segment: 'loyal',
    zoneId: 'beauty',
    arrivedAt: Date.UTC(2025, 5, 1, 10, 0),
    onlineCartItems: 2,
  },
  { customerRef: 'a1b2', zoneId: 'nowhere', arrivedAt: Date.UTC(2025, 5, 1, 10, 3), onlineCartItems: 0 },
];
const busy = { ...online, staffRequests: [staffRequest], alerts: [alert] };

describe('staff screen before login', () => {
  it('shows only the store map and the PIN pad: nothing personal', () => {
    const html = render(<StaffScreen snapshot={busy} screenId="staff-1" />);
    expect(count(html, 'zone-occupancy')).toBe(1);
    expect(count(html, 'store-shoppers')).toBe(1);
    expect(count(html, 'staff-pin')).toBe(1);
    expect(html).toMatch(/data-testid="staff-login"[^>]*>Log in</);
    for (const d of '0123456789') expect(count(html, `keypad-${d}`)).toBe(1);
    for (const id of ['staff-request', 'staff-alert', 'customers', 'customer-row', 'insights', 'staff-logout'])
      expect(count(html, id), id).toBe(0);
    for (const text of ['Oxford Shirt', 'A loyal customer', 'c7f2']) expect(html).not.toContain(text);
  });

  it('masks the PIN', () => {
    const html = render(
      <StaffScreen snapshot={online} screenId="staff-1" view={{ ...INITIAL_STAFF_VIEW, pin: '1234' }} />,
    );
    expect(html).toMatch(/type="password"[^>]*data-testid="staff-pin"[^>]*value="1234"/);
  });

  it('explains a wrong PIN, an invalid one, and no answer', () => {
    const wrong = loginErrorOf({ ok: false, reason: 'wrongPin', message: 'wrong pin' }, 0);
    expect(wrong).toEqual({ reason: 'wrongPin' });
    const html = render(
      <StaffScreen snapshot={online} screenId="staff-1" view={{ ...INITIAL_STAFF_VIEW, loginError: wrong }} />,
    );
    expect(html).toMatch(/data-testid="staff-login-error" data-reason="wrongPin"[^>]*>Wrong PIN. Please try again.</);
    expect(
      render(
        <StaffScreen
          snapshot={online}
          screenId="staff-1"
          view={{ ...INITIAL_STAFF_VIEW, loginError: { reason: 'invalid' } }}
        />,
        'ko',
      ),
    ).toContain('PIN은 4~8자리 숫자입니다.');
    expect(loginErrorOf({ ok: false, message: 'not connected' }, 0)).toEqual({ reason: 'failed' });
  });

  it('says how long a locked PIN pad waits, and disables the login meanwhile', () => {
    const locked = loginErrorOf({ ok: false, reason: 'locked', message: 'locked', retryAfterMs: 120_000 }, 1_000);
    expect(locked).toEqual({ reason: 'locked', until: 121_000 });
    const view = { ...INITIAL_STAFF_VIEW, loginError: locked };
    const html = render(<StaffScreen snapshot={online} screenId="staff-1" view={view} now={1_000} />);
    expect(html).toContain('Too many attempts. Try again in 2 min.');
    expect(html).toMatch(/data-testid="staff-login" disabled=""/);
    const later = render(<StaffScreen snapshot={online} screenId="staff-1" view={view} now={100_500} />);
    expect(later).toContain('Try again in 21 sec.');
    // once the time has passed, the button works again
    expect(render(<StaffScreen snapshot={online} screenId="staff-1" view={view} now={121_000} />)).not.toMatch(
      /data-testid="staff-login" disabled=""/,
    );
    const unknown = loginErrorOf({ ok: false, reason: 'locked', message: 'locked' }, 0);
    expect(
      render(
        <StaffScreen snapshot={online} screenId="staff-1" view={{ ...INITIAL_STAFF_VIEW, loginError: unknown }} />,
      ),
    ).toContain('Too many attempts. Try again later.');
  });

  it('tells staff to log in again after the connection dropped', () => {
    const html = render(
      <StaffScreen snapshot={online} screenId="staff-1" view={{ ...INITIAL_STAFF_VIEW, notice: 'sessionEnded' }} />,
    );
    expect(html).toContain('The connection to the store was lost. Please log in again.');
  });
});

describe('staff screen after login', () => {
  it('shows who is logged in, the customers in store, requests and alerts', () => {
    const html = render(<StaffScreen snapshot={busy} screenId="staff-1" view={{ ...associate, customers }} />);
    expect(html).toMatch(/data-testid="staff-user" data-role="associate"[^>]*><strong>Jisoo<\/strong> · Associate/);
    expect(count(html, 'staff-logout')).toBe(1);
    expect(count(html, 'staff-pin')).toBe(0);
    expect(count(html, 'zone-occupancy')).toBe(1);
    expect(count(html, 'customer-row')).toBe(2);
    expect(html).toMatch(/data-testid="customer-row" data-customer-ref="c7f2"/);
    expect(html).toContain('Minji');
    expect(html).toContain('Online cart: 2');
    // a customer without a first name, in a zone the overview does not know
    expect(html).toContain('Customer a1b2');
    expect(html).toContain('nowhere ·');
    expect(count(html, 'insights')).toBe(0); // associates do not see store insights
  });

  it('lists mirror requests with their next step', () => {
    const accepted = { ...staffRequest, requestId: 'req-2', status: 'accepted' as const };
    const done = { ...staffRequest, requestId: 'req-3', status: 'done' as const };
    const snapshot = { ...busy, staffRequests: [staffRequest, accepted, done] };
    const html = render(
      <StaffScreen snapshot={snapshot} screenId="staff-1" view={{ ...associate, requestError: 'req-2' }} />,
    );
    expect(count(html, 'staff-request')).toBe(3);
    expect(html).toMatch(/data-testid="staff-request" data-request-id="req-1" data-status="open"/);
    expect(html).toContain('Size M: Oxford Shirt');
    expect(html).toContain('Beauty · mirror-1 ·');
    expect(count(html, 'staff-request-accept')).toBe(1); // only the open one
    expect(count(html, 'staff-request-done')).toBe(2); // open and accepted
    expect(html).toMatch(/data-testid="staff-request-accept"[^>]*>On my way</);
    expect(count(html, 'staff-request-error')).toBe(1);
    expect(render(<StaffScreen snapshot={snapshot} screenId="staff-1" view={associate} />, 'ko')).toContain(
      'M 사이즈: 옥스퍼드 셔츠',
    );
  });

  it('shows alerts by kind, with a way to the customer card', () => {
    const atRisk = { ...alert, alertId: 'alert-2', kind: 'cart_at_risk' as const };
    const html = render(
      <StaffScreen snapshot={{ ...busy, alerts: [atRisk, alert] }} screenId="staff-1" view={associate} />,
    );
    expect(count(html, 'staff-alert')).toBe(2);
    expect(html).toMatch(/data-testid="staff-alert" data-kind="cart_at_risk" data-customer-ref="c7f2"/);
    expect(html).toContain('Loyal customer arrived');
    expect(html).toContain('Online cart at risk');
    expect(count(html, 'staff-alert-open')).toBe(2);
  });

  it('opens a customer card with preferences, purchases by channel, cart, talking points and bundles', () => {
    const html = render(
      <StaffScreen
        snapshot={busy}
        screenId="staff-1"
        view={{ ...associate, customers, card: { state: 'open', card } }}
      />,
    );
    expect(html).toMatch(/data-testid="customer-card" data-state="open"/);
    expect(html).toMatch(/data-customer-ref="c7f2" aria-pressed="true"/);
    expect(html).toContain('skincare');
    expect(count(html, 'card-purchase')).toBe(2);
    expect(html).toMatch(/data-channel="online"[^>]*><span[^>]*>Night Serum<\/span> <span class="staff-tag">Online</);
    expect(html).toMatch(/data-channel="store"[^>]*><span[^>]*>Wide Jeans<\/span> <span class="staff-tag">In store</);
    expect(count(html, 'card-cart-line')).toBe(2);
    expect(html).toContain('Ask how the Night Serum worked out');
    expect(html).toMatch(/data-testid="card-bundle" data-item-id="sku-000030"/);
    expect(html).toContain('Aisle C1');
    const ko = render(
      <StaffScreen snapshot={busy} screenId="staff-1" view={{ ...associate, card: { state: 'open', card } }} />,
      'ko',
    );
    expect(ko).toContain('나이트 세럼 사용 후기를 물어보세요');
    expect(ko).toContain('매장');
  });

  it('says when a card is loading or could not be opened', () => {
    const loading = render(
      <StaffScreen
        snapshot={busy}
        screenId="staff-1"
        view={{ ...associate, card: { state: 'loading', customerRef: 'c7f2' } }}
      />,
    );
    expect(loading).toContain('Opening the customer card…');
    const failed = render(
      <StaffScreen
        snapshot={busy}
        screenId="staff-1"
        view={{ ...associate, card: { state: 'error', customerRef: 'c7f2' } }}
      />,
    );
    expect(count(failed, 'customer-card-error')).toBe(1);
  });

  it('says when no customers are in store, or when the list failed', () => {
    expect(render(<StaffScreen snapshot={busy} screenId="staff-1" view={{ ...associate, customers: [] }} />)).toContain(
      'No signed-in customers in the store right now',
    );
    expect(
      count(
        render(<StaffScreen snapshot={busy} screenId="staff-1" view={{ ...associate, customersError: true }} />),
        'customers-error',
      ),
    ).toBe(1);
  });

  it('shows managers store insights, withholding figures from fewer than k shoppers', () => {
    const html = render(<StaffScreen snapshot={busy} screenId="staff-1" view={manager} />);
    expect(html).toMatch(/data-testid="staff-user" data-role="manager"/);
    expect(count(html, 'insights')).toBe(1);
    expect(html).toMatch(
      /data-testid="insight-zone" data-zone-id="beauty"><th scope="row">Beauty<\/th><td>42<\/td><td>3 min</,
    );
    // both figures of the small zone are withheld, and say so
    expect(count(html, 'insight-suppressed')).toBe(2);
    expect(html).toContain('fewer than 5');
    expect(html).not.toMatch(/data-zone-id="denim">.*<td>0</);
    expect(html).toContain('skincare');
    expect(html).toContain('17 shoppers');
    expect(render(<StaffScreen snapshot={busy} screenId="staff-1" view={manager} />, 'ko')).toContain('5명 미만');
    const failed = render(
      <StaffScreen snapshot={busy} screenId="staff-1" view={{ ...manager, insights: { state: 'error' } }} />,
    );
    expect(failed).toContain('Could not load the store insights');
  });
});
