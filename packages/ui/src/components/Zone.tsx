import type { RecommendationsPush, ZoneContext } from '@aisle/contracts';
import { useEffect, useState } from 'react';
import type { ScreenSnapshot } from '../connection/ScreenConnection';
import { useI18n } from '../i18n/I18nProvider';
import { pluralKey, REFUSAL_KEYS } from '../i18n/messages';

/** Re-renders every `intervalMs` and returns the current time. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function ZoneName({ zone }: { zone: ZoneContext | null }) {
  const { lang, t } = useI18n();
  return (
    <h1 className="aisle-zone__name" data-testid="zone-name" data-zone-id={zone?.zoneId}>
      {zone ? zone.name[lang] : t('zone.loading')}
    </h1>
  );
}

export function ShoppersPresent({ zone }: { zone: ZoneContext | null }) {
  const { lang, t, count } = useI18n();
  if (!zone) return null;
  const key = pluralKey(lang, zone.shoppers, 'zone.shoppersOne', 'zone.shoppersOther');
  return (
    <p className="aisle-zone__shoppers" data-testid="zone-shoppers" data-count={zone.shoppers}>
      {t(key, { count: count(zone.shoppers) })}
    </p>
  );
}

/**
 * The shopper the cards are for (pseudonymous ref and how long they have been here,
 * advanced locally between pushes), or an attract message when nobody is in front of the screen.
 */
export function ShopperSummary({ recs, receivedAt }: { recs: RecommendationsPush | null; receivedAt: number | null }) {
  const { t, dwell } = useI18n();
  const now = useNow();
  const shopper = recs?.shopper;
  if (!shopper) {
    return (
      <div className="aisle-attract" data-testid="attract">
        <p className="aisle-attract__title">{t('attract.title')}</p>
        <p className="aisle-attract__subtitle">{t('attract.subtitle')}</p>
      </div>
    );
  }
  const dwellMs = shopper.dwellMs + Math.max(0, now - (receivedAt ?? now));
  return (
    <div className="aisle-shopper">
      <span className="aisle-shopper__label">{t('shopper.label')}</span>
      <strong className="aisle-shopper__ref" data-testid="shopper-ref">
        {shopper.ref}
      </strong>
      <span className="aisle-shopper__dwell" data-testid="dwell-time">
        {t('shopper.dwell', { duration: dwell(dwellMs) })}
      </span>
    </div>
  );
}

/** Full-screen explanation when the gateway refused this screen. */
export function RefusalNotice({ refusal, screenId }: { refusal: ScreenSnapshot['refusal']; screenId: string }) {
  const { t } = useI18n();
  if (!refusal) return null;
  return (
    <section className="aisle-refusal" data-testid="refusal" data-reason={refusal.reason} role="alert">
      <h1>{t('refusal.title')}</h1>
      <p className="aisle-refusal__reason">{t(REFUSAL_KEYS[refusal.reason])}</p>
      <p className="aisle-refusal__detail">
        <span>{t('refusal.screen', { screenId })}</span>
        <code>{refusal.message}</code>
      </p>
    </section>
  );
}
