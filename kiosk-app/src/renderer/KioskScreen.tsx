import {
  RecGrid,
  ScreenFrame,
  type ScreenParams,
  type ScreenSnapshot,
  ShopperSummary,
  ShoppersPresent,
  useI18n,
  useScreen,
  ZoneName,
} from '@aisle/ui';

/** The shopper kiosk for one connection snapshot (pure, so tests render it without a gateway). */
export function KioskScreen({
  snapshot,
  screenId,
  onPersonalization,
}: {
  snapshot: ScreenSnapshot;
  screenId: string;
  /** Switches personalization for the shopper in front of the kiosk; no switch is shown without it. */
  onPersonalization?: (on: boolean) => void;
}) {
  const { t, lang } = useI18n();
  const recs = snapshot.recommendations;
  // a trigger's own sentence ("Size M is not in stock here…"), else whether the cards are for this shopper
  const title = recs?.headline?.[lang] ?? (recs?.personalized ? t('recs.forYou') : t('recs.popular'));
  return (
    <ScreenFrame kind="kiosk" screenId={screenId} snapshot={snapshot}>
      <section className="aisle-zone">
        <ZoneName zone={snapshot.zone} />
        <ShoppersPresent zone={snapshot.zone} />
      </section>
      <ShopperSummary recs={recs} receivedAt={snapshot.recommendationsAt} />
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
      <h2 className="aisle-section-title" data-testid="recs-title" lang={lang}>
        {title}
      </h2>
      <RecGrid items={recs?.items ?? []} empty={t('recs.empty')} />
    </ScreenFrame>
  );
}

export function KioskApp({ params }: { params: ScreenParams }) {
  const { snapshot, actions } = useScreen('kiosk', params.screenId, { gatewayUrl: params.gatewayUrl });
  return (
    <KioskScreen
      snapshot={snapshot}
      screenId={params.screenId}
      onPersonalization={(on) => void actions.setPersonalization(on)}
    />
  );
}
