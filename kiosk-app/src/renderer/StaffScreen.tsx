import { StaffLoginRequest, type StoreOverview } from '@aisle/contracts';
import { pluralKey, ScreenFrame, type ScreenParams, type ScreenSnapshot, useI18n, useNow, useScreen } from '@aisle/ui';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CustomerCardView, CustomerList } from './staff/Customers';
import { InsightsPanel } from './staff/Insights';
import { StaffLogin } from './staff/Login';
import { AlertList, RequestList } from './staff/Requests';
import { INITIAL_STAFF_VIEW, loginErrorOf, type StaffView } from './staff/state';

/** How often the list of customers in store is refreshed while a staff member is logged in. */
export const CUSTOMERS_REFRESH_MS = 5_000;
/** How often a manager's store insights are refreshed. */
export const INSIGHTS_REFRESH_MS = 30_000;

/** Live occupancy of every zone, as bars relative to the busiest zone. */
function FloorList({ overview }: { overview: StoreOverview }) {
  const { lang, t, count } = useI18n();
  const busiest = Math.max(1, ...overview.zones.map((zone) => zone.shoppers));
  return (
    <ul className="aisle-floor">
      {overview.zones.map((zone) => (
        <li
          key={zone.zoneId}
          className="aisle-floor__zone"
          data-testid="zone-occupancy"
          data-zone-id={zone.zoneId}
          data-shoppers={zone.shoppers}
        >
          <span className="aisle-floor__name">{zone.name[lang]}</span>
          <span className="aisle-floor__count">{count(zone.shoppers)}</span>
          <span className="aisle-floor__label">{t('staff.zoneShoppers')}</span>
          <span className="aisle-floor__bar" aria-hidden="true">
            <span style={{ width: `${(100 * zone.shoppers) / busiest}%` }} />
          </span>
        </li>
      ))}
    </ul>
  );
}

/** What a staff member does on the screen; every handler is optional so the view renders without them (tests). */
export interface StaffEvents {
  pin?(pin: string): void;
  login?(): void;
  logout?(): void;
  openCustomer?(customerRef: string): void;
  closeCustomer?(): void;
  resolve?(requestId: string, status: 'accepted' | 'done'): void;
}

const none = () => {};

/**
 * The staff assistant for one connection snapshot and the screen's own state (pure). Before login: the store map
 * and the PIN pad, nothing personal. After: map, customers in store with their cards, mirror requests and alerts;
 * managers also see store insights.
 */
export function StaffScreen({
  snapshot,
  screenId,
  view = INITIAL_STAFF_VIEW,
  now = Date.now(),
  on = {},
}: {
  snapshot: ScreenSnapshot;
  screenId: string;
  view?: StaffView;
  now?: number;
  on?: StaffEvents;
}) {
  const { lang, t, count, time } = useI18n();
  const overview = snapshot.overview;
  const total = overview?.zones.reduce((sum, zone) => sum + zone.shoppers, 0) ?? 0;
  const zoneName = (zoneId: string) => overview?.zones.find((z) => z.zoneId === zoneId)?.name[lang] ?? zoneId;
  const me = view.me;
  const selected = view.card ? (view.card.state === 'open' ? view.card.card.customerRef : view.card.customerRef) : null;
  return (
    <ScreenFrame
      kind="staff"
      screenId={screenId}
      snapshot={snapshot}
      storeName={overview?.storeName ?? snapshot.store?.storeName ?? null}
    >
      <section className="aisle-zone staff-head">
        <div>
          <h1 className="aisle-zone__name">{t('staff.title')}</h1>
          {overview && (
            <p className="aisle-zone__shoppers aisle-staff__summary">
              <span data-testid="store-shoppers" data-count={total}>
                {t(pluralKey(lang, total, 'staff.inStoreOne', 'staff.inStoreOther'), { count: count(total) })}
              </span>
              <span>{t('staff.updated', { time: time(overview.updatedAt) })}</span>
            </p>
          )}
        </div>
        {me && (
          <p className="staff-me">
            <span data-testid="staff-user" data-role={me.role}>
              <strong>{me.name}</strong> · {t(`staff.role.${me.role}`)}
            </span>
            <button
              type="button"
              className="kiosk-button kiosk-button--quiet"
              data-testid="staff-logout"
              onClick={on.logout ?? none}
            >
              {t('staff.logout')}
            </button>
          </p>
        )}
      </section>
      <div className={me ? 'staff-layout staff-layout--in' : 'staff-layout'}>
        <section className="staff-col" aria-labelledby="staff-map-title">
          <h2 id="staff-map-title" className="aisle-section-title">
            {t('staff.mapTitle')}
          </h2>
          {overview ? <FloorList overview={overview} /> : <p className="aisle-empty">{t('staff.waiting')}</p>}
          {me?.role === 'manager' && view.insights && <InsightsPanel insights={view.insights} />}
        </section>
        {me ? (
          <>
            <div className="staff-col">
              <CustomerList
                customers={view.customers}
                error={view.customersError}
                selected={selected}
                zoneName={zoneName}
                onOpen={on.openCustomer ?? none}
              />
              {view.card && (
                <CustomerCardView card={view.card} zoneName={zoneName} onClose={on.closeCustomer ?? none} />
              )}
            </div>
            <div className="staff-col">
              <RequestList
                requests={snapshot.staffRequests}
                failed={view.requestError}
                zoneName={zoneName}
                onResolve={on.resolve ?? none}
              />
              <AlertList alerts={snapshot.alerts} zoneName={zoneName} onOpen={on.openCustomer ?? none} />
            </div>
          </>
        ) : (
          <StaffLogin
            pin={view.pin}
            pending={view.loggingIn}
            error={view.loginError}
            notice={view.notice}
            now={now}
            onPin={on.pin ?? none}
            onLogin={on.login ?? none}
          />
        )}
      </div>
    </ScreenFrame>
  );
}

export function StaffApp({ params }: { params: ScreenParams }) {
  const { snapshot, actions } = useScreen('staff', params.screenId, { gatewayUrl: params.gatewayUrl });
  const [view, setView] = useState<StaffView>(INITIAL_STAFF_VIEW);
  const current = useRef(view);
  current.current = view;
  const snapshotState = useRef(snapshot.state);
  snapshotState.current = snapshot.state;
  const patch = useCallback((change: Partial<StaffView>) => setView((v) => ({ ...v, ...change })), []);
  const now = useNow(1000);
  const me = view.me;

  // the gateway forgets a login with the connection it was made on: nothing personal stays on screen
  useEffect(() => {
    if (snapshot.state !== 'online' && current.current.me) setView({ ...INITIAL_STAFF_VIEW, notice: 'sessionEnded' });
  }, [snapshot.state]);

  const loadCustomers = useCallback(async () => {
    const result = await actions.request('staffCustomers', {});
    if (!current.current.me) return;
    if (result.ok) patch({ customers: result.customers, customersError: false });
    else patch({ customersError: true });
  }, [actions, patch]);

  const loadInsights = useCallback(async () => {
    const result = await actions.request('staffInsights', {});
    if (current.current.me?.role !== 'manager') return;
    patch({ insights: result.ok ? { state: 'ok', insights: result.insights } : { state: 'error' } });
  }, [actions, patch]);

  const latestAlert = snapshot.alerts[0]?.alertId;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new alert (someone arrived, a cart at risk) refreshes the list at once
  useEffect(() => {
    if (!me) return;
    void loadCustomers();
    const timer = setInterval(() => void loadCustomers(), CUSTOMERS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [me, latestAlert, loadCustomers]);

  useEffect(() => {
    if (me?.role !== 'manager') return;
    void loadInsights();
    const timer = setInterval(() => void loadInsights(), INSIGHTS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [me, loadInsights]);

  const openCustomer = async (customerRef: string) => {
    patch({ card: { state: 'loading', customerRef } });
    const result = await actions.request('customerCard', { customerRef });
    const card = current.current.card;
    if (card?.state !== 'loading' || card.customerRef !== customerRef) return;
    patch({ card: result.ok ? { state: 'open', card: result.card } : { state: 'error', customerRef } });
  };

  const on: StaffEvents = {
    pin: (pin) => patch({ pin, loginError: null, notice: null }),
    login: async () => {
      if (current.current.loggingIn) return;
      const parsed = StaffLoginRequest.safeParse({ pin: current.current.pin });
      if (!parsed.success) {
        patch({ loginError: { reason: 'invalid' }, pin: '' });
        return;
      }
      // the connection answers `invalid` when it cannot ask at all; say that the store is unreachable instead
      if (snapshotState.current !== 'online') {
        patch({ pin: '', loginError: { reason: 'failed' } });
        return;
      }
      patch({ loggingIn: true, loginError: null, notice: null });
      const result = await actions.request('staffLogin', parsed.data);
      if (result.ok)
        setView({
          ...INITIAL_STAFF_VIEW,
          me: result.staff,
          insights: result.staff.role === 'manager' ? { state: 'loading' } : null,
        });
      else patch({ loggingIn: false, pin: '', loginError: loginErrorOf(result, Date.now()) });
    },
    logout: () => {
      setView(INITIAL_STAFF_VIEW);
      void actions.request('staffLogout', {});
    },
    openCustomer: (customerRef) => void openCustomer(customerRef),
    closeCustomer: () => patch({ card: null }),
    resolve: async (requestId, status) => {
      patch({ requestError: null });
      const result = await actions.request('resolveRequest', { requestId, status });
      if (!result.ok && current.current.me) patch({ requestError: requestId });
    },
  };

  return <StaffScreen snapshot={snapshot} screenId={params.screenId} view={view} now={now} on={on} />;
}
