import { type Lang, LOCALES } from './messages';

/** Price with its currency in the language's conventions, e.g. `$32.50` or `US$32.50`. */
export function formatPrice(amount: number, currency: string, lang: Lang): string {
  try {
    return new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency }).format(amount);
  } catch {
    // An unknown currency code: still show the number and the code.
    return `${new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: 2 }).format(amount)} ${currency}`;
  }
}

/** How long a shopper has been here: seconds under a minute, whole minutes after. */
export function formatDwell(ms: number, lang: Lang): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const [value, unit] = seconds < 60 ? [seconds, 'second'] : [Math.floor(seconds / 60), 'minute'];
  return new Intl.NumberFormat(LOCALES[lang], { style: 'unit', unit, unitDisplay: 'short' }).format(value);
}

export function formatCount(count: number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALES[lang]).format(count);
}

export function formatTime(epochMs: number, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { timeStyle: 'medium' }).format(epochMs);
}
