import type { RecommendationsPush, RecommendedItem } from '@aisle/contracts';
import { useI18n } from '@aisle/ui';

/** Reasons that say nothing about the shopper: the same for everyone in the zone. */
const NON_PERSONAL = new Set<RecommendedItem['reason']['code']>(['popular_in_zone', 'on_promotion']);

/** Whether this card was chosen for the shopper (a personalized list and a personal reason). */
export function isPersonal(recs: RecommendationsPush, item: RecommendedItem): boolean {
  return recs.personalized && !NON_PERSONAL.has(item.reason.code);
}

/** "Why am I seeing this?": per card, the reason, whether it is personal, and how to turn personalization off. */
export function WhyPanel({ recs }: { recs: RecommendationsPush }) {
  const { t, lang } = useI18n();
  return (
    <section className="kiosk-why" data-testid="why-panel" aria-labelledby="why-title">
      <h2 id="why-title" className="aisle-section-title">
        {t('why.title')}
      </h2>
      <ul>
        {recs.items.map((item) => {
          const personal = isPersonal(recs, item);
          return (
            <li key={item.itemId} data-testid="why-item" data-item-id={item.itemId} data-personal={personal}>
              <strong lang={lang}>{item.name[lang]}</strong>
              <span lang={lang}>{item.reason.text[lang]}</span>
              <span className="aisle-section-subtitle">{personal ? t('why.personal') : t('why.notPersonal')}</span>
            </li>
          );
        })}
      </ul>
      <p data-testid="why-turn-off">{t('why.howToTurnOff')}</p>
    </section>
  );
}

/** The last seconds before an untouched kiosk starts over. */
export function IdleWarning({ remainingMs, onContinue }: { remainingMs: number; onContinue: () => void }) {
  const { t } = useI18n();
  const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
  return (
    <div className="kiosk-overlay kiosk-overlay--top">
      <section
        className="kiosk-idle"
        data-testid="idle-warning"
        data-seconds={seconds}
        role="alertdialog"
        aria-labelledby="idle-title"
        aria-describedby="idle-countdown"
      >
        <h2 id="idle-title">{t('idle.title')}</h2>
        <p id="idle-countdown" className="kiosk-idle__countdown">
          {t('idle.countdown', { seconds })}
        </p>
        <button
          type="button"
          className="kiosk-button kiosk-button--primary"
          data-testid="idle-continue"
          // biome-ignore lint/a11y/noAutofocus: the one action of this alert
          autoFocus
          onClick={onContinue}
        >
          {t('idle.continue')}
        </button>
      </section>
    </div>
  );
}
