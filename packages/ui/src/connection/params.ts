import { DeviceId, type ScreenKind } from '@aisle/contracts';
import { isLang, type Lang } from '../i18n/messages';

/** Screen id used when the URL has no (valid) `?screen=`. */
export const DEFAULT_SCREEN_IDS: Record<ScreenKind, string> = {
  kiosk: 'kiosk-1',
  mirror: 'mirror-1',
  staff: 'staff-1',
};

export interface ScreenParams {
  screenId: string;
  /** socket.io origin to use instead of the page's own (`?gateway=`, for development); null = same origin. */
  gatewayUrl: string | null;
  lang: Lang;
}

/**
 * Reads `?screen=`, `?gateway=` and `?lang=` from a page URL's query string.
 * Invalid values fall back to the defaults (with a console warning) so a typo never blanks a screen.
 */
export function readScreenParams(search: string, kind: ScreenKind, browserLanguage = ''): ScreenParams {
  const query = new URLSearchParams(search);
  const screen = query.get('screen');
  let screenId = DEFAULT_SCREEN_IDS[kind];
  if (screen !== null) {
    if (DeviceId.safeParse(screen).success) screenId = screen;
    else console.warn(`[aisle] ignoring invalid ?screen=${JSON.stringify(screen)}; using ${screenId}`);
  }

  let gatewayUrl: string | null = null;
  const gateway = query.get('gateway');
  if (gateway) {
    try {
      const url = new URL(gateway);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
      gatewayUrl = url.origin;
    } catch {
      console.warn(`[aisle] ignoring invalid ?gateway=${JSON.stringify(gateway)}; using this page's origin`);
    }
  }

  const lang = query.get('lang');
  return {
    screenId,
    gatewayUrl,
    lang: isLang(lang) ? lang : browserLanguage.toLowerCase().startsWith('ko') ? 'ko' : 'en',
  };
}
