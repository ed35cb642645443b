import { ScreenAuth, StoreId } from '@aisle/contracts';
import type { SeqStore } from './ScreenConnection';

/** The part of `localStorage` a screen uses (a `Map`-backed twin in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** What a screen presents to the gateway: its device token and the store it stands in (null when not known). */
export interface ScreenCredentials {
  token: string | null;
  storeId: string | null;
}

const key = (screenId: string, what: 'token' | 'store' | 'lastSeq') => `aisle.screen.${screenId}.${what}`;

/** The page's `localStorage`, or null where there is none (or it is blocked). */
export function browserStorage(): KeyValueStorage | null {
  try {
    return (globalThis as { localStorage?: KeyValueStorage }).localStorage ?? null;
  } catch {
    return null;
  }
}

function safeGet(storage: KeyValueStorage | null, k: string): string | null {
  try {
    return storage?.getItem(k) ?? null;
  } catch {
    return null;
  }
}

function safeSet(storage: KeyValueStorage | null, k: string, value: string): void {
  try {
    storage?.setItem(k, value);
  } catch {
    // storage full or blocked: the screen still works, it just will not remember
  }
}

/**
 * A screen's device token and store: from the URL (`?token=`, `?store=`), which are then remembered per screen so a
 * reload without them still works; else from the Electron shell (`window.aisle.token` / `storeId`); else what was
 * remembered. The store is also remembered from every accepted hello (`rememberStore`).
 */
export function readCredentials(
  search: string,
  screenId: string,
  storage: KeyValueStorage | null = browserStorage(),
  shell: { token?: unknown; storeId?: unknown } | null = (globalThis as { aisle?: object }).aisle ?? null,
): ScreenCredentials {
  const query = new URLSearchParams(search);
  const valid = <T>(schema: { safeParse(v: unknown): { success: boolean } }, v: T | null | undefined) =>
    v !== null && v !== undefined && schema.safeParse(v).success ? v : null;
  const token = (v: unknown) => (valid(ScreenAuth, { token: v }) ? (v as string) : null);
  const store = (v: unknown) => (valid(StoreId, v) ? (v as string) : null);
  const urlToken = token(query.get('token'));
  const urlStore = store(query.get('store'));
  if (urlToken) safeSet(storage, key(screenId, 'token'), urlToken);
  if (urlStore) safeSet(storage, key(screenId, 'store'), urlStore);
  return {
    token: urlToken ?? token(shell?.token) ?? token(safeGet(storage, key(screenId, 'token'))),
    storeId: urlStore ?? store(shell?.storeId) ?? store(safeGet(storage, key(screenId, 'store'))),
  };
}

/** Remembers the store a gateway accepted this screen in. */
export function rememberStore(screenId: string, storeId: string, storage = browserStorage()): void {
  safeSet(storage, key(screenId, 'store'), storeId);
}

/** Keeps a screen's last processed sequence number in storage, so a page reload resumes where it was. */
export function storedSeq(screenId: string, storage = browserStorage()): SeqStore {
  return {
    load: () => {
      const n = Number(safeGet(storage, key(screenId, 'lastSeq')));
      return Number.isSafeInteger(n) && n > 0 ? n : 0;
    },
    save: (seq) => safeSet(storage, key(screenId, 'lastSeq'), String(seq)),
  };
}
