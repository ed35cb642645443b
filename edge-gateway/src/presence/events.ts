import type { PresenceEvent } from '@aisle/contracts';
import type { ZoneChange } from './engine';

/** The presence events a zone change means: a visit starts or ends, a zone is left, another entered. */
export function eventsOfChange(c: ZoneChange, sourceTs?: number): PresenceEvent[] {
  const events: PresenceEvent[] = [];
  const { deviceId, at } = c;
  if (c.from === null)
    events.push({ type: 'session_start', deviceId, at, ...(sourceTs !== undefined && { sourceTs }) });
  else
    events.push({ type: 'zone_leave', deviceId, zoneId: c.from, at, dwellMs: Math.max(0, at - (c.fromSince ?? at)) });
  if (c.to === null) events.push({ type: 'session_end', deviceId, at });
  else events.push({ type: 'zone_enter', deviceId, zoneId: c.to, at, ...(sourceTs !== undefined && { sourceTs }) });
  return events;
}
