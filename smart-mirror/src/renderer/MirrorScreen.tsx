import {
  RecGrid,
  ScreenFrame,
  type ScreenParams,
  type ScreenSnapshot,
  useI18n,
  useScreenConnection,
  ZoneName,
} from '@aisle/ui';

/**
 * Fitting-room mirror: the zone at the top, the middle left dark so the glass reflects,
 * and the pushed items as "complete the look" suggestions along the bottom.
 */
export function MirrorScreen({ snapshot, screenId }: { snapshot: ScreenSnapshot; screenId: string }) {
  const { t, lang } = useI18n();
  const headline = snapshot.recommendations?.headline?.[lang];
  return (
    <ScreenFrame kind="mirror" screenId={screenId} snapshot={snapshot}>
      <section className="aisle-mirror__top">
        <ZoneName zone={snapshot.zone} />
      </section>
      <div className="aisle-mirror__reflection" aria-hidden="true" />
      <section className="aisle-mirror__looks">
        <h2 className="aisle-mirror__title">{t('mirror.title')}</h2>
        <p className="aisle-section-subtitle" data-testid="recs-title" lang={lang}>
          {headline ?? t('mirror.subtitle')}
        </p>
        <RecGrid items={snapshot.recommendations?.items ?? []} empty={t('mirror.empty')} />
      </section>
    </ScreenFrame>
  );
}

export function MirrorApp({ params }: { params: ScreenParams }) {
  const snapshot = useScreenConnection('mirror', params.screenId, { gatewayUrl: params.gatewayUrl });
  return <MirrorScreen snapshot={snapshot} screenId={params.screenId} />;
}
