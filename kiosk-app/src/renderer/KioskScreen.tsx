import { IdentifyRequest, type RecommendedItem } from '@aisle/contracts';
import {
  RecGrid,
  readShellBridge,
  ScreenFrame,
  type ScreenParams,
  type ScreenSnapshot,
  ShopperSummary,
  ShoppersPresent,
  useI18n,
  useScreen,
  ZoneName,
} from '@aisle/ui';
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { type IdentifyAttempt, IdentifyPanel } from './kiosk/IdentifyPanel';
import { DEFAULT_IDLE_MS, useIdleCountdown } from './kiosk/idle';
import { MyDataPanel } from './kiosk/MyDataQr';
import { OnlineCart } from './kiosk/OnlineCart';
import { ProductDetail } from './kiosk/ProductDetail';
import { holdsShopper, INITIAL_VIEW, type KioskView, kioskReducer } from './kiosk/state';
import { IdleWarning, WhyPanel } from './kiosk/Why';

/** What the shopper does at the kiosk; every handler is optional so the view renders without them (tests). */
export interface KioskEvents {
  start?(): void;
  cancelIdentify?(): void;
  code?(value: string): void;
  phone?(value: string): void;
  identify?(attempt: IdentifyAttempt): void;
  endSession?(): void;
  select?(item: RecommendedItem): void;
  closeDetail?(): void;
  toggleWhy?(): void;
  handover?(): void;
  /** The shopper asks for their "my data" link (QR code), or closes it. */
  myData?(): void;
  closeMyData?(): void;
  stillHere?(): void;
}

const none = () => {};

/**
 * The shopper kiosk for one connection snapshot and the kiosk's own state (pure, so tests render it without a
 * gateway): the zone's cards with a call to start (attract), the sign-in panel, or the shopper's session with
 * their cards, explanations, online cart and hand-over.
 */
export function KioskScreen({
  snapshot,
  screenId,
  view = INITIAL_VIEW,
  idleRemainingMs = null,
  on = {},
  onPersonalization,
}: {
  snapshot: ScreenSnapshot;
  screenId: string;
  view?: KioskView;
  /** The "Are you still there?" countdown, while it runs. */
  idleRemainingMs?: number | null;
  on?: KioskEvents;
  /** Switches personalization for the shopper in front of the kiosk; no switch is shown without it. */
  onPersonalization?: (on: boolean) => void;
}) {
  const { t, lang } = useI18n();
  const recs = snapshot.recommendations;
  const session = view.mode === 'session' ? view.session : null;
  // a trigger's own sentence ("Size M is not in stock here…"), else whether the cards are for this shopper
  const title = recs?.headline?.[lang] ?? (recs?.personalized ? t('recs.forYou') : t('recs.popular'));
  return (
    <ScreenFrame kind="kiosk" screenId={screenId} snapshot={snapshot}>
      <section className="aisle-zone">
        <ZoneName zone={snapshot.zone} />
        <ShoppersPresent zone={snapshot.zone} />
      </section>
      {session ? (
        <section className="kiosk-session" data-testid="session" data-identified={session.customer !== null}>
          <p className="kiosk-session__greeting" data-testid="greeting">
            {session.customer?.firstName
              ? t('kiosk.greeting', { name: session.customer.firstName })
              : t('kiosk.greetingGuest')}
          </p>
          {!session.customer && <p className="aisle-section-subtitle">{t('kiosk.guestNote')}</p>}
          <button
            type="button"
            className="kiosk-button kiosk-button--primary kiosk-session__end"
            data-testid="end-session"
            onClick={on.endSession ?? none}
          >
            {t('kiosk.endSession')}
          </button>
          {session.customer && (
            <MyDataPanel myData={view.myData} onOpen={on.myData ?? none} onClose={on.closeMyData ?? none} />
          )}
        </section>
      ) : (
        <ShopperSummary recs={recs} receivedAt={snapshot.recommendationsAt} />
      )}
      {view.mode === 'attract' && (
        <div className="kiosk-start">
          <button
            type="button"
            className="kiosk-button kiosk-button--primary kiosk-start__button"
            data-testid="start"
            onClick={on.start ?? none}
          >
            {t('kiosk.start')}
          </button>
          <p className="aisle-section-subtitle">{t('kiosk.startHint')}</p>
        </div>
      )}
      {view.mode === 'identify' ? (
        <IdentifyPanel
          code={view.code}
          phone={view.phone}
          pending={view.identifying}
          error={view.identifyError}
          onCode={on.code ?? none}
          onPhone={on.phone ?? none}
          onSubmit={on.identify ?? none}
          onCancel={on.cancelIdentify ?? none}
        />
      ) : (
        <>
          {recs?.shopper && onPersonalization && (
            <p className="aisle-privacy" data-testid="personalization" data-on={String(recs.personalized)}>
              <span>{recs.personalized ? t('privacy.on') : t('privacy.off')}</span>
              <button
                type="button"
                className="aisle-privacy__toggle"
                data-testid="personalization-toggle"
                aria-pressed={recs.personalized}
                onClick={() => onPersonalization(!recs.personalized)}
              >
                {recs.personalized ? t('privacy.turnOff') : t('privacy.turnOn')}
              </button>
            </p>
          )}
          <div className="kiosk-recs-head">
            <h2 className="aisle-section-title" data-testid="recs-title" lang={lang}>
              {title}
            </h2>
            {session && recs && recs.items.length > 0 && (
              <button
                type="button"
                className="kiosk-button kiosk-button--quiet"
                data-testid="why-toggle"
                aria-expanded={view.why}
                onClick={on.toggleWhy ?? none}
              >
                {view.why ? t('why.hide') : t('why.toggle')}
              </button>
            )}
          </div>
          {session && view.why && recs && <WhyPanel recs={recs} />}
          <div className={view.mode === 'attract' ? 'kiosk-cards kiosk-cards--attract' : 'kiosk-cards'}>
            <RecGrid items={recs?.items ?? []} empty={t('recs.empty')} onSelect={on.select} />
          </div>
          {session && session.onlineCart.length > 0 && (
            <OnlineCart
              cart={session.onlineCart}
              handover={view.handover}
              status={snapshot.handover}
              onHandover={on.handover ?? none}
            />
          )}
        </>
      )}
      {view.detail && <ProductDetail item={view.detail} onClose={on.closeDetail ?? none} />}
      {idleRemainingMs !== null && <IdleWarning remainingMs={idleRemainingMs} onContinue={on.stillHere ?? none} />}
    </ScreenFrame>
  );
}

export function KioskApp({ params, idleMs = DEFAULT_IDLE_MS }: { params: ScreenParams; idleMs?: number }) {
  const { snapshot, actions } = useScreen('kiosk', params.screenId, { gatewayUrl: params.gatewayUrl });
  const [view, dispatch] = useReducer(kioskReducer, INITIAL_VIEW);
  const current = useRef(view);
  current.current = view;
  const online = useRef(snapshot.state);
  online.current = snapshot.state;
  /** Bumped at every reset, so an answer that arrives after the shopper left is not shown to the next one. */
  const generation = useRef(0);

  /** Forgets the shopper here and at the gateway (Done, or nobody touched the kiosk). */
  const finish = useCallback(
    (reason: 'done' | 'inactivity') => {
      const hadSession = current.current.session !== null;
      generation.current++;
      dispatch({ type: 'reset' });
      actions.clearScreen();
      if (hadSession) void actions.request('endSession', { reason });
    },
    [actions],
  );
  const idleRemainingMs = useIdleCountdown(holdsShopper(view), idleMs, () => finish('inactivity'));

  const on: KioskEvents = {
    start: () => dispatch({ type: 'start' }),
    cancelIdentify: () => dispatch({ type: 'cancelIdentify' }),
    code: (value) => dispatch({ type: 'code', value }),
    phone: (value) => dispatch({ type: 'phone', value }),
    identify: async (attempt) => {
      if (current.current.identifying || current.current.session) return;
      const parsed = IdentifyRequest.safeParse(attempt);
      if (!parsed.success) {
        dispatch({ type: 'identifyInvalid' });
        return;
      }
      // the connection answers `invalid` when it cannot ask at all; the shopper must hear that the store is unreachable
      if (online.current !== 'online') {
        dispatch({ type: 'identified', result: { ok: false, message: 'not connected to the store' } });
        return;
      }
      dispatch({ type: 'identifying' });
      const started = generation.current;
      const result = await actions.request('identify', parsed.data);
      if (generation.current !== started) {
        // the kiosk reset while the gateway answered: the session it opened must not outlive the shopper
        if (result.ok) void actions.request('endSession', { reason: 'inactivity' });
        return;
      }
      dispatch({ type: 'identified', result });
    },
    endSession: () => finish('done'),
    select: (item) => {
      dispatch({ type: 'openDetail', item });
      if (current.current.session) void actions.request('viewItem', { itemId: item.itemId });
    },
    closeDetail: () => dispatch({ type: 'closeDetail' }),
    toggleWhy: () => dispatch({ type: 'toggleWhy' }),
    handover: async () => {
      if (!current.current.session || current.current.handover.state === 'sending') return;
      dispatch({ type: 'handoverSending' });
      const started = generation.current;
      const result = await actions.request('handover', {});
      if (generation.current === started) dispatch({ type: 'handoverResult', result });
    },
    myData: async () => {
      if (!current.current.session?.customer || current.current.myData.state === 'loading') return;
      // without the store there is no link to get: say so at once rather than wait for a timeout
      if (online.current !== 'online') {
        dispatch({ type: 'myDataResult', result: { ok: false, message: 'not connected to the store' } });
        return;
      }
      dispatch({ type: 'myDataLoading' });
      const started = generation.current;
      const result = await actions.request('myDataLink', {});
      if (generation.current === started) dispatch({ type: 'myDataResult', result });
    },
    closeMyData: () => dispatch({ type: 'myDataClose' }),
    // any touch already counts as activity; the button is there so the shopper knows what to do
    stillHere: () => {},
  };

  // a loyalty card tapped on the shell's NFC reader signs in from the attract loop or the sign-in panel
  const identifyRef = useRef(on.identify);
  identifyRef.current = on.identify;
  useEffect(
    () =>
      readShellBridge()?.onNfc((tag) => {
        if (current.current.session) return;
        dispatch({ type: 'start' });
        identifyRef.current?.({ method: 'nfc', code: tag.code });
      }),
    [],
  );

  return (
    <KioskScreen
      snapshot={snapshot}
      screenId={params.screenId}
      view={view}
      idleRemainingMs={idleRemainingMs}
      on={on}
      onPersonalization={(on) => void actions.setPersonalization(on)}
    />
  );
}
