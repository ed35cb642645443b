import { RecGrid, ScreenFrame, type ScreenParams, type ScreenSnapshot, useI18n, useScreen, ZoneName } from '@aisle/ui';
import { useCallback, useState } from 'react';
import { GarmentSummary, SizeRequestStatus, Variants } from './Garment';
import { MIRROR_IDLE_MS, useIdleReset } from './idle';
import { StyleHistory } from './StyleHistory';
import { fromResult, garmentKey, isPending, type LocalSizeRequest, sizeRequestView } from './sizeRequest';

/**
 * Fitting-room mirror (pure view of a connection snapshot). With a garment read by the fitting room's reader:
 * the garment, its other sizes and colours (ask staff to bring one), "complete the look" and — for an identified,
 * consenting shopper — their style history. Without one: the pushed items as "complete the look" suggestions.
 * The middle stays dark so the glass reflects.
 */
export function MirrorScreen({
  snapshot,
  screenId,
  sizeRequest = null,
  onRequestSize,
  onHideHistory,
}: {
  snapshot: ScreenSnapshot;
  screenId: string;
  /** The mirror's own last size request (see `sizeRequestView`). */
  sizeRequest?: LocalSizeRequest | null;
  /** Asks staff to bring another size of the garment; no size buttons are shown without it. */
  onRequestSize?: (size: string) => void;
  /** The shopper hides their history and switches personalization off; no button is shown without it. */
  onHideHistory?: () => void;
}) {
  const { t, lang } = useI18n();
  const garment = snapshot.garment ?? null;
  const recs = snapshot.recommendations;
  const request = garment ? sizeRequestView(garment, sizeRequest, snapshot.staffRequests ?? []) : null;
  // cards a trigger pushed for this fitting (e.g. alternatives to a size not in stock), shown beside the look
  const triggered = garment && recs && recs.trigger !== 'zone' && recs.generatedAt >= garment.at ? recs : null;
  return (
    <ScreenFrame kind="mirror" screenId={screenId} snapshot={snapshot}>
      <section className="aisle-mirror__top">
        <ZoneName zone={snapshot.zone} />
        {garment && (
          <>
            <GarmentSummary garment={garment} />
            <Variants garment={garment} request={request} onRequestSize={onRequestSize} />
            <SizeRequestStatus request={request} />
          </>
        )}
      </section>
      <div className="aisle-mirror__reflection" aria-hidden="true" />
      {triggered && (
        <section className="aisle-mirror__looks aisle-mirror__looks--compact" data-testid="suggestions">
          <p className="aisle-mirror__subtitle" data-testid="recs-title" lang={lang}>
            {triggered.headline?.[lang] ?? t('mirror.alternatives.title')}
          </p>
          <RecGrid items={triggered.items} empty={t('mirror.empty')} />
        </section>
      )}
      <section
        className={garment ? 'aisle-mirror__looks aisle-mirror__looks--compact' : 'aisle-mirror__looks'}
        data-testid="look"
        data-source={garment ? 'garment' : 'pushed'}
      >
        <h2 className="aisle-mirror__title">{t('mirror.title')}</h2>
        {garment ? (
          <>
            <p className="aisle-section-subtitle" lang={lang}>
              {t('mirror.look.subtitle', { name: garment.name[lang] })}
            </p>
            <RecGrid items={garment.look} empty={t('mirror.look.empty')} />
          </>
        ) : (
          <>
            <p className="aisle-section-subtitle" data-testid="recs-title" lang={lang}>
              {recs?.headline?.[lang] ?? t('mirror.subtitle')}
            </p>
            <RecGrid items={recs?.items ?? []} empty={t('mirror.empty')} />
          </>
        )}
      </section>
      {garment && <StyleHistory history={garment.history} onHide={onHideHistory} />}
    </ScreenFrame>
  );
}

export function MirrorApp({ params }: { params: ScreenParams }) {
  const { snapshot, actions } = useScreen('mirror', params.screenId, { gatewayUrl: params.gatewayUrl });
  const [sizeRequest, setSizeRequest] = useState<LocalSizeRequest | null>(null);
  const [hiddenHistory, setHiddenHistory] = useState<string | null>(null);
  const garment = snapshot.garment ?? null;
  const key = garment ? garmentKey(garment) : null;
  const pending = garment ? isPending(sizeRequestView(garment, sizeRequest, snapshot.staffRequests ?? [])) : false;
  useIdleReset(pending ? null : key, MIRROR_IDLE_MS, () => actions.clearScreen());

  const requestSize = useCallback(
    async (size: string) => {
      if (!garment || key === null) return;
      setSizeRequest({ garmentKey: key, size, phase: 'sending' });
      const result = await actions
        .request('sizeRequest', { itemId: garment.itemId, size })
        .catch((error: unknown) => ({ ok: false as const, message: String(error) }));
      // a later request (or another garment) replaces this one; its answer must not overwrite the newer state
      setSizeRequest((current) =>
        current?.garmentKey === key && current.size === size && current.phase === 'sending'
          ? fromResult(key, size, result)
          : current,
      );
    },
    [garment, key, actions],
  );

  const hideHistory = useCallback(() => {
    setHiddenHistory(key);
    void actions.setPersonalization(false);
  }, [key, actions]);

  const shown =
    garment && key === hiddenHistory && garment.history !== null
      ? { ...snapshot, garment: { ...garment, history: null } }
      : snapshot;
  return (
    <MirrorScreen
      snapshot={shown}
      screenId={params.screenId}
      sizeRequest={sizeRequest}
      onRequestSize={(size) => void requestSize(size)}
      onHideHistory={hideHistory}
    />
  );
}
