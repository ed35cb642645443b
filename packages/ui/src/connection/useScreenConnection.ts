import {
  type PersonalizationResult,
  PROTOCOL_VERSION,
  type ScreenKind,
  type ScreenRequestOf,
  type ScreenResultOf,
} from '@aisle/contracts';
import { useEffect, useMemo, useRef, useState } from 'react';
import { io } from 'socket.io-client';
import { browserStorage, type KeyValueStorage, readCredentials, rememberStore, storedSeq } from './credentials';
import {
  INITIAL_SNAPSHOT,
  ScreenConnection,
  type ScreenConnectionOptions,
  type ScreenRequest,
  type ScreenSnapshot,
  type ScreenSocket,
} from './ScreenConnection';

export interface UseScreenConnectionOptions extends Omit<ScreenConnectionOptions, 'seqStore'> {
  /** Gateway origin; null or absent = the page's own origin (the gateway serves the screens). */
  gatewayUrl?: string | null;
  /** Device token and store; by default read from the URL (`?token=`, `?store=`), the Electron shell or storage. */
  token?: string | null;
  storeId?: string | null;
  /** Where token, store and last sequence number are remembered; the page's `localStorage` by default. */
  storage?: KeyValueStorage | null;
}

/** Opens the socket.io connection to the gateway (same origin by default, path `/socket.io`) with the device token. */
export function openScreenSocket(gatewayUrl: string | null = null, token: string | null = null): ScreenSocket {
  const options = { autoConnect: false, forceNew: true, ...(token && { auth: { token } }) };
  return gatewayUrl ? io(gatewayUrl, options) : io(options);
}

/**
 * Connects a screen to the store gateway, greets it with `hello`, and returns the
 * connection state plus the last valid content the gateway pushed.
 */
export function useScreenConnection(
  kind: ScreenKind,
  screenId: string,
  options: UseScreenConnectionOptions = {},
): ScreenSnapshot {
  return useScreen(kind, screenId, options).snapshot;
}

/** What a screen may ask of the gateway, beside what it is pushed. */
export interface ScreenActions {
  /** Switches personalization for the shopper in front of the screen; the answer says whom it applied to. */
  setPersonalization(on: boolean): Promise<PersonalizationResult>;
  /** Any request this kind of screen may send; resolves `{ ok: false, message }` on failure, never rejects. */
  request<E extends ScreenRequest>(
    event: E,
    payload: ScreenRequestOf<E>,
    timeoutMs?: number,
  ): Promise<ScreenResultOf<E>>;
  /** Forgets shopper-specific content (cards, garment, hand-over), e.g. when the kiosk resets after inactivity. */
  clearScreen(): void;
}

const notConnected = { ok: false as const, message: 'not connected to the store' };

/** `useScreenConnection`, plus the requests a screen sends. */
export function useScreen(
  kind: ScreenKind,
  screenId: string,
  options: UseScreenConnectionOptions = {},
): { snapshot: ScreenSnapshot; actions: ScreenActions } {
  const [snapshot, setSnapshot] = useState<ScreenSnapshot>(INITIAL_SNAPSHOT);
  const current = useRef<ScreenConnection | undefined>(undefined);
  const actions = useMemo<ScreenActions>(
    () => ({
      setPersonalization: (on) => current.current?.setPersonalization(on) ?? Promise.resolve(notConnected),
      request: (event, payload, timeoutMs) =>
        current.current?.request(event, payload, timeoutMs) ??
        Promise.resolve(
          (event === 'identify' || event === 'staffLogin'
            ? { ...notConnected, reason: 'invalid' }
            : notConnected) as ScreenResultOf<typeof event>,
        ),
      clearScreen: () => current.current?.clearScreen(),
    }),
    [],
  );
  const { gatewayUrl = null, helloTimeoutMs, retryMs, refusedRetryMs, ackEveryMs } = options;
  const storage = options.storage === undefined ? browserStorage() : options.storage;
  const [credentials] = useState(() => {
    const read = readCredentials(typeof window === 'undefined' ? '' : window.location.search, screenId, storage);
    return {
      token: options.token === undefined ? read.token : options.token,
      storeId: options.storeId === undefined ? read.storeId : options.storeId,
    };
  });

  useEffect(() => {
    const connection = new ScreenConnection(
      openScreenSocket(gatewayUrl, credentials.token),
      { protocolVersion: PROTOCOL_VERSION, screenId, kind, storeId: credentials.storeId },
      { helloTimeoutMs, retryMs, refusedRetryMs, ackEveryMs, seqStore: storedSeq(screenId, storage) },
    );
    // for end-to-end tests: every sequence number the page processed
    (globalThis as { __aisleScreen?: unknown }).__aisleScreen = connection.debug;
    let remembered: string | undefined;
    const unsubscribe = connection.subscribe(() => {
      const next = connection.getSnapshot();
      if (next.store && next.store.storeId !== remembered) {
        remembered = next.store.storeId;
        rememberStore(screenId, remembered, storage);
      }
      setSnapshot(next);
    });
    setSnapshot(connection.getSnapshot());
    connection.start();
    current.current = connection;
    return () => {
      current.current = undefined;
      unsubscribe();
      connection.stop();
    };
  }, [kind, screenId, gatewayUrl, helloTimeoutMs, retryMs, refusedRetryMs, ackEveryMs, credentials, storage]);

  return { snapshot, actions };
}
