import { useI18n } from '@aisle/ui';

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** What a keypad key does to the value typed so far (pure, so both keypads share one rule). */
export function applyKey(value: string, key: string, maxLength: number): string {
  if (key === 'clear') return '';
  if (key === 'backspace') return value.slice(0, -1);
  if (/^[0-9]$/.test(key) && value.length < maxLength) return value + key;
  return value;
}

/**
 * An on-screen number pad with keys large enough to hit at arm's length (the phone number at the kiosk, the
 * staff PIN). Each digit key is `keypad-<digit>`.
 */
export function Keypad({ onKey, disabled = false }: { onKey: (key: string) => void; disabled?: boolean }) {
  const { t } = useI18n();
  const key = (k: string, label: string, aria?: string) => (
    <button
      key={k}
      type="button"
      className="kiosk-keypad__key"
      data-testid={`keypad-${k}`}
      aria-label={aria}
      disabled={disabled}
      onClick={() => onKey(k)}
    >
      {label}
    </button>
  );
  return (
    <fieldset className="kiosk-keypad" aria-label={t('keypad.label')}>
      {DIGITS.map((d) => key(d, d))}
      {key('clear', t('keypad.clear'))}
      {key('0', '0')}
      {key('backspace', '⌫', t('keypad.backspace'))}
    </fieldset>
  );
}
