import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { formatCount, formatDwell, formatPrice, formatTime } from './format';
import { type Lang, type MessageKey, type TranslateArgs, translate } from './messages';

export interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t<K extends MessageKey>(key: K, ...args: TranslateArgs<K>): string;
  price(amount: number, currency: string): string;
  dwell(ms: number): string;
  count(n: number): string;
  time(epochMs: number): string;
}

function makeI18n(lang: Lang, setLang: (lang: Lang) => void): I18n {
  return {
    lang,
    setLang,
    t: (key, ...args) => translate(lang, key, ...args),
    price: (amount, currency) => formatPrice(amount, currency, lang),
    dwell: (ms) => formatDwell(ms, lang),
    count: (n) => formatCount(n, lang),
    time: (epochMs) => formatTime(epochMs, lang),
  };
}

const I18nContext = createContext<I18n>(makeI18n('en', () => {}));

/** Holds the active language; components read it with `useI18n()`. Without a provider the language is English. */
export function LanguageProvider({ initialLang, children }: { initialLang: Lang; children: ReactNode }) {
  const [lang, setLang] = useState<Lang>(initialLang);
  const value = useMemo(() => makeI18n(lang, setLang), [lang]);
  useEffect(() => {
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
  }, [lang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
