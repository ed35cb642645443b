import { useI18n } from '@aisle/ui';
import { applyKey, Keypad } from '../Keypad';
import type { IdentifyError } from './state';

/** What the shopper asked for; the kiosk validates it against the contract before it goes to the gateway. */
export type IdentifyAttempt =
  | { method: 'qr' | 'nfc'; code: string }
  | { method: 'phone'; phone: string }
  | { method: 'anonymous' };

const ERROR_KEYS = {
  unknown: 'identify.error.unknown',
  invalid: 'identify.error.invalid',
  refused: 'identify.error.refused',
  failed: 'identify.error.failed',
} as const satisfies Record<IdentifyError, string>;

/**
 * The three ways to start at the kiosk: the loyalty card (a keyboard-wedge QR scanner types into the card field and
 * presses Enter; the NFC button sends the same field as a tapped card), the phone number on an on-screen keypad, or
 * no sign-in at all.
 */
export function IdentifyPanel({
  code,
  phone,
  pending,
  error,
  onCode,
  onPhone,
  onSubmit,
  onCancel,
}: {
  code: string;
  phone: string;
  pending: boolean;
  error: IdentifyError | null;
  onCode: (value: string) => void;
  onPhone: (value: string) => void;
  onSubmit: (attempt: IdentifyAttempt) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <section className="kiosk-identify" data-testid="identify" aria-labelledby="identify-title" aria-busy={pending}>
      <h2 id="identify-title" className="aisle-section-title">
        {t('identify.title')}
      </h2>
      {error && (
        <p className="kiosk-error" role="alert" data-testid="identify-error" data-reason={error}>
          {t(ERROR_KEYS[error])}
        </p>
      )}
      {pending && (
        <p className="kiosk-pending" role="status" data-testid="identify-pending">
          {t('identify.pending')}
        </p>
      )}
      <form
        className="kiosk-identify__way"
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit({ method: 'qr', code: code.trim() });
        }}
      >
        <h3>{t('identify.scanTitle')}</h3>
        <p className="aisle-section-subtitle">{t('identify.scanHint')}</p>
        <label className="kiosk-field">
          <span>{t('identify.codeLabel')}</span>
          <input
            data-testid="identify-code"
            value={code}
            // the QR scanner types into whatever has focus: the card field, as soon as the panel opens
            // biome-ignore lint/a11y/noAutofocus: a kiosk panel the shopper opened; the scanner needs the focus
            autoFocus
            autoComplete="off"
            spellCheck={false}
            maxLength={64}
            onChange={(event) => onCode(event.target.value)}
          />
        </label>
        <div className="kiosk-actions">
          <button
            type="submit"
            className="kiosk-button kiosk-button--primary"
            data-testid="identify-submit"
            disabled={pending}
          >
            {t('identify.submitCode')}
          </button>
          <button
            type="button"
            className="kiosk-button"
            data-testid="identify-nfc"
            disabled={pending}
            onClick={() => onSubmit({ method: 'nfc', code: code.trim() })}
          >
            {t('identify.nfc')}
          </button>
        </div>
      </form>
      <form
        className="kiosk-identify__way"
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit({ method: 'phone', phone });
        }}
      >
        <h3>{t('identify.phoneTitle')}</h3>
        <label className="kiosk-field">
          <span>{t('identify.phoneLabel')}</span>
          <input
            data-testid="identify-phone"
            value={phone}
            inputMode="tel"
            autoComplete="off"
            maxLength={24}
            onChange={(event) => onPhone(event.target.value)}
          />
        </label>
        <Keypad disabled={pending} onKey={(key) => onPhone(applyKey(phone, key, 24))} />
        <button
          type="submit"
          className="kiosk-button kiosk-button--primary"
          data-testid="identify-phone-submit"
          disabled={pending}
        >
          {t('identify.submitPhone')}
        </button>
      </form>
      <div className="kiosk-identify__way">
        <button
          type="button"
          className="kiosk-button"
          data-testid="identify-anonymous"
          disabled={pending}
          onClick={() => onSubmit({ method: 'anonymous' })}
        >
          {t('identify.anonymous')}
        </button>
        <p className="aisle-section-subtitle">{t('identify.anonymousHint')}</p>
      </div>
      <button
        type="button"
        className="kiosk-button kiosk-button--quiet"
        data-testid="identify-cancel"
        onClick={onCancel}
      >
        {t('identify.cancel')}
      </button>
    </section>
  );
}
