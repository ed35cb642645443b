export { RecCard, RecGrid } from './components/RecCard';
export { readShellInfo, ScreenFrame, ScreenRoot } from './components/Screen';
export { ConnectionIndicator, LanguageToggle, OfflineBadge, StatusBar } from './components/StatusBar';
export { RefusalNotice, ShopperSummary, ShoppersPresent, useNow, ZoneName } from './components/Zone';
export {
  browserStorage,
  type KeyValueStorage,
  readCredentials,
  rememberStore,
  type ScreenCredentials,
  storedSeq,
} from './connection/credentials';
export { DEFAULT_SCREEN_IDS, readScreenParams, type ScreenParams } from './connection/params';
export {
  type ConnectionState,
  INITIAL_SNAPSHOT,
  ScreenConnection,
  type ScreenConnectionOptions,
  type ScreenDebug,
  type ScreenGreeting,
  type ScreenRefusal,
  type ScreenRequest,
  type ScreenSnapshot,
  type ScreenSocket,
  type SeqStore,
} from './connection/ScreenConnection';
export {
  openScreenSocket,
  type ScreenActions,
  type UseScreenConnectionOptions,
  useScreen,
  useScreenConnection,
} from './connection/useScreenConnection';
export { type ParsedServerEvent, parseServerEvent, SERVER_EVENTS, type ServerEventName } from './connection/validate';
export { type AisleShellBridge, type AisleShellInfo, type NfcTagRead, readShellBridge } from './electron/shell-info';
export { formatCount, formatDwell, formatPrice, formatTime } from './i18n/format';
export { type I18n, LanguageProvider, useI18n } from './i18n/I18nProvider';
export {
  type Dictionary,
  dictionaries,
  en,
  isLang,
  ko,
  LANGS,
  type Lang,
  LOCALES,
  type MessageKey,
  placeholdersOf,
  pluralKey,
  REFUSAL_KEYS,
  translate,
} from './i18n/messages';
