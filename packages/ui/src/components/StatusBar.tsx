import type { ConnectionState } from '../connection/ScreenConnection';
import { useI18n } from '../i18n/I18nProvider';
import { dictionaries, LANGS } from '../i18n/messages';

const STATE_KEYS = {
  connecting: 'connection.connecting',
  online: 'connection.online',
  offline: 'connection.offline',
  refused: 'connection.refused',
} as const satisfies Record<ConnectionState, string>;

export function ConnectionIndicator({ state }: { state: ConnectionState }) {
  const { t } = useI18n();
  return (
    <span className="aisle-conn" data-testid="connection-state" data-state={state} role="status">
      <span className="aisle-conn__dot" aria-hidden="true" />
      {t(STATE_KEYS[state])}
    </span>
  );
}

/** Shown only while the gateway is unreachable; the page keeps showing the last content it received. */
export function OfflineBadge({ state }: { state: ConnectionState }) {
  const { t } = useI18n();
  if (state !== 'offline') return null;
  return (
    <div className="aisle-offline" data-testid="offline-badge" role="alert">
      {t('offline.badge')}
    </div>
  );
}

/** ko/en switch; each language is labelled in itself. */
export function LanguageToggle() {
  const { lang, setLang, t } = useI18n();
  return (
    <fieldset className="aisle-lang" aria-label={t('languageToggleLabel')}>
      {LANGS.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          className="aisle-lang__option"
          aria-pressed={l === lang}
          data-testid={`lang-${l}`}
          onClick={() => setLang(l)}
        >
          {dictionaries[l].languageName}
        </button>
      ))}
    </fieldset>
  );
}

/** Top bar every screen shares: store name, connection state and the language toggle. */
export function StatusBar({ state, storeName }: { state: ConnectionState; storeName: string | null }) {
  return (
    <header className="aisle-status">
      <span className="aisle-status__store">{storeName}</span>
      <ConnectionIndicator state={state} />
      <LanguageToggle />
    </header>
  );
}
