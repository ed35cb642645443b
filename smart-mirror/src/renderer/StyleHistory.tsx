import type { MirrorGarment } from '@aisle/contracts';
import { LOCALES, useI18n } from '@aisle/ui';

type History = NonNullable<MirrorGarment['history']>;

/**
 * What this shopper tried and bought before, newest first. The gateway sends a history only for an identified
 * shopper who consented to personalization; without one (null) nothing is shown, not even the heading.
 */
export function StyleHistory({ history, onHide }: { history: History | null; onHide?: () => void }) {
  const { lang, t } = useI18n();
  if (history === null) return null;
  const date = new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium' });
  return (
    <section className="aisle-mirror__history" data-testid="style-history" aria-labelledby="mirror-history-title">
      <div className="aisle-mirror__history-head">
        <h3 className="aisle-mirror__subtitle" id="mirror-history-title">
          {t('mirror.history.title')}
        </h3>
        {onHide && (
          <button type="button" className="aisle-mirror__ask" data-testid="hide-history" onClick={onHide}>
            {t('mirror.history.hide')}
          </button>
        )}
      </div>
      {history.length === 0 ? (
        <p className="aisle-empty">{t('mirror.history.empty')}</p>
      ) : (
        <ul className="aisle-mirror__history-list">
          {history.map((entry) => (
            <li
              key={`${entry.kind}-${entry.itemId}-${entry.at}`}
              data-testid="history-item"
              data-item-id={entry.itemId}
              data-kind={entry.kind}
            >
              <span className="aisle-mirror__history-name" lang={lang}>
                {entry.name[lang]}
              </span>
              <span className="aisle-mirror__history-when">
                {t(entry.kind === 'bought' ? 'mirror.history.bought' : 'mirror.history.tried', {
                  date: date.format(entry.at),
                })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
