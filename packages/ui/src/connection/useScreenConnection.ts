import { type PersonalizationResult, PROTOCOL_VERSION, type ScreenKind } from '@aisle/contracts';
import { useEffect, useMemo, useRef, useState } from 'react';
import { io } from 'socket.io-client';
import {
  INITIAL_SNAPSHOT,
  ScreenConnection,
  type ScreenConnectionOptions,
  type ScreenSnapshot,
  type ScreenSocket,
} from './ScreenConnection';

export interface UseScreenConnectionOptions extends ScreenConnectionOptions {
  /** Gateway origin; null or absent = the page's own origin (the gateway serves the screens). */
  gatewayUrl?: string | null;
}

/** Opens the socket.io connection to the gateway (same origin by default, path `/socket.io`). */
export function openScreenSocket(gatewayUrl: string | null = null): ScreenSocket {
  const options = { autoConnect: false, forceNew: true };
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
}

/** `useScreenConnection`, plus the requests a kiosk or mirror sends. */
export function useScreen(
  kind: ScreenKind,
  screenId: string,
  options: UseScreenConnectionOptions = {},
): { snapshot: ScreenSnapshot; actions: ScreenActions } {
  const [snapshot, setSnapshot] = useState<ScreenSnapshot>(INITIAL_SNAPSHOT);
  const current = useRef<ScreenConnection | undefined>(undefined);
  const actions = useMemo<ScreenActions>(
    () => ({
      setPersonalization: (on) =>
        current.current?.setPersonalization(on) ?? Promise.resolve({ ok: false, message: 'not connected' }),
    }),
    [],
  );
  const { gatewayUrl = null, helloTimeoutMs, retryMs, refusedRetryMs } = options;

  useEffect(() => {
    const connection = new ScreenConnection(
      openScreenSocket(gatewayUrl),
      { protocolVersion: PROTOCOL_VERSION, screenId, kind },
      { helloTimeoutMs, retryMs, refusedRetryMs },
    );
    const unsubscribe = connection.subscribe(() => setSnapshot(connection.getSnapshot()));
    setSnapshot(connection.getSnapshot());
    connection.start();
    current.current = connection;
    return () => {
      current.current = undefined;
      unsubscribe();
      connection.stop();
    };
  }, [kind, screenId, gatewayUrl, helloTimeoutMs, retryMs, refusedRetryMs]);

  return { snapshot, actions };
}
