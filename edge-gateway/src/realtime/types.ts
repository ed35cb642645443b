import type {
  ScreenKind,
  ScreenRequestName,
  ScreenRequestOf,
  ScreenResultOf,
  ScreenServerToClient,
  StaffRole,
} from '@aisle/contracts';

/** Who sent a screen request: the paired screen, where it stands, and the staff member logged in on it. */
export interface ScreenContext {
  screenId: string;
  kind: ScreenKind;
  /** The zone of a kiosk or mirror; undefined for staff screens. */
  zoneId: string | undefined;
  /** Set on a staff screen's connection after `staffLogin`. */
  staff: { id: string; name: string; role: StaffRole } | undefined;
}

/**
 * What the gateway does with each screen request. The hub has already checked the token, the hello, the kind of
 * screen (`screenRequests[E].kinds`), the staff login where one is needed, and parsed the payload; a handler that
 * throws is answered `{ ok: false }` and logged.
 */
export type ScreenHandlers = {
  [E in Exclude<ScreenRequestName, 'hello' | 'staffLogin' | 'staffLogout'>]?: (
    ctx: ScreenContext,
    req: ScreenRequestOf<E>,
  ) => Promise<ScreenResultOf<E>> | ScreenResultOf<E>;
};

export type ServerEvent = keyof ScreenServerToClient;
export type ServerPayload<E extends ServerEvent> = Parameters<ScreenServerToClient[E]>[0];

/** Which screens a message goes to. Every addressed screen gets it in its own sequence, connected or not. */
export type ScreenTarget = { screen: string } | { zone: string; kinds?: readonly ScreenKind[] } | { kind: ScreenKind };

/** The gateway's way to reach its screens (implemented by `ScreenHub`). */
export interface ScreenSender {
  send<E extends ServerEvent>(target: ScreenTarget, event: E, payload: ServerPayload<E>): void;
}
