import { useI18n } from '@aisle/ui';
import { applyKey, Keypad } from '../Keypad';
import type { StaffLoginError } from './state';

/** PIN pad for staff; the PIN is masked and never leaves this panel except to the gateway. */
export function StaffLogin({
  pin,
  pending,
  error,
  notice,
  now,
  onPin,
  onLogin,
}: {
  pin: string;
  pending: boolean;
  error: StaffLoginError | null;
  notice: 'sessionEnded' | null;
  now: number;
  onPin: (pin: string) => void;
  onLogin: () => void;
}) {
  const { t, dwell } = useI18n();
  const message = (e: StaffLoginError) => {
    if (e.reason !== 'locked') return t(`staff.error.${e.reason}`);
    if (e.until === null) return t('staff.error.lockedLater');
    // whole seconds, rounded up, so it never says "0 sec" while still locked
    return t('staff.error.locked', { duration: dwell(Math.max(1000, Math.ceil((e.until - now) / 1000) * 1000)) });
  };
  const locked = error?.reason === 'locked' && error.until !== null && error.until > now;
  return (
    <form
      className="staff-col staff-login"
      data-testid="staff-login-panel"
      aria-labelledby="staff-login-title"
      onSubmit={(event) => {
        event.preventDefault();
        onLogin();
      }}
    >
      <h2 id="staff-login-title" className="aisle-section-title">
        {t('staff.loginTitle')}
      </h2>
      <p className="aisle-section-subtitle">{t('staff.loginHint')}</p>
      {notice && (
        <p className="kiosk-error" role="status" data-testid="staff-notice">
          {t('staff.sessionEnded')}
        </p>
      )}
      {error && (
        <p className="kiosk-error" role="alert" data-testid="staff-login-error" data-reason={error.reason}>
          {message(error)}
        </p>
      )}
      <label className="kiosk-field">
        <span>{t('staff.pinLabel')}</span>
        <input
          type="password"
          inputMode="numeric"
          autoComplete="off"
          maxLength={8}
          data-testid="staff-pin"
          value={pin}
          onChange={(event) => onPin(event.target.value.replace(/[^0-9]/g, '').slice(0, 8))}
        />
      </label>
      <Keypad disabled={pending} onKey={(key) => onPin(applyKey(pin, key, 8))} />
      <button
        type="submit"
        className="kiosk-button kiosk-button--primary"
        data-testid="staff-login"
        disabled={pending || locked}
      >
        {pending ? t('staff.loginPending') : t('staff.login')}
      </button>
    </form>
  );
}
