import { PresenceEvent } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import { eventsOfChange } from './events';

describe('eventsOfChange', () => {
  it('starts a visit with its first zone, moves with leave then enter, ends with leave then the end', () => {
    const start = eventsOfChange({ deviceId: 'shp-1', from: null, fromSince: null, to: 'a', at: 100 }, 90);
    const move = eventsOfChange({ deviceId: 'shp-1', from: 'a', fromSince: 100, to: 'b', at: 5_100 });
    const end = eventsOfChange({ deviceId: 'shp-1', from: 'b', fromSince: 5_100, to: null, at: 8_100 });
    expect([...start, ...move, ...end].map((e) => e.type)).toEqual([
      'session_start',
      'zone_enter',
      'zone_leave',
      'zone_enter',
      'zone_leave',
      'session_end',
    ]);
    expect(move[0]).toMatchObject({ zoneId: 'a', dwellMs: 5_000 });
    expect(end[0]).toMatchObject({ zoneId: 'b', dwellMs: 3_000 });
    expect(start[1]).toMatchObject({ sourceTs: 90 });
    for (const e of [...start, ...move, ...end]) expect(PresenceEvent.safeParse(e).error).toBeUndefined();
  });
});
