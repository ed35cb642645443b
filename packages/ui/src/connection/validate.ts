import { type ScreenServerToClient, screenEventSchemas } from '@aisle/contracts';

export type ServerEventName = keyof ScreenServerToClient;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ScreenServerToClient[E]>[0];

export type ParsedServerEvent<E extends ServerEventName> =
  | { ok: true; value: ServerEventPayload<E> }
  | { ok: false; error: string };

export const SERVER_EVENTS = Object.keys(screenEventSchemas.serverToClient) as ServerEventName[];

/**
 * Checks a payload the gateway sent against the event's contract schema. Never throws:
 * an invalid payload comes back as `{ ok: false }` with a short description of what is wrong.
 */
export function parseServerEvent<E extends ServerEventName>(event: E, payload: unknown): ParsedServerEvent<E> {
  const schema = screenEventSchemas.serverToClient[event];
  if (!schema) return { ok: false, error: `unknown event "${String(event)}"` };
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data as ServerEventPayload<E> };
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error: issues };
}
