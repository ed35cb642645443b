import type { GatewayStore, SightingRow, ZoneHourlyRow } from './db';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Buffers raw sightings and writes them in one transaction per flush, so the hot path
 * never waits on the disk. At most `maxPerDay` are stored per (gateway) day: beyond that
 * they are counted and dropped, which bounds the disk a busy or flooded store can use.
 *
 * Also buffers the anonymous per-zone hourly counts (`zone_hourly`): entries and dwell of tracked shoppers, and
 * sightings of devices that may not be tracked (counted here instead of being stored).
 */
export class SightingWriter {
  private buffer: SightingRow[] = [];
  private counts = new Map<string, ZoneHourlyRow>();
  /** Per hour, the zone and shopper pairs already counted as an entry. */
  private entered = new Map<number, Set<string>>();
  private day = -1;
  private storedToday = 0;
  dropped = 0;

  constructor(
    private readonly store: GatewayStore,
    private readonly maxPerDay: number,
  ) {}

  add(row: SightingRow): void {
    const day = Math.floor(row.receivedAt / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.storedToday = 0;
    }
    if (this.storedToday >= this.maxPerDay) {
      this.dropped++;
      return;
    }
    this.storedToday++;
    this.buffer.push(row);
  }

  /** A sighting that was not stored (no location consent), counted for its zone and hour. */
  countUnstored(zoneId: string, at: number): void {
    this.zoneHour(zoneId, at).sightings++;
  }

  /**
   * A tracked shopper entered a zone. Counted at most once per shopper, zone and hour: the aggregates' noise is
   * calibrated on one shopper adding at most 1 to a cell (docs/privacy/aggregates.md), so a shopper walking back
   * and forth must not count twice. The shopper's id is kept in memory for the hour only.
   */
  countEntry(zoneId: string, at: number, shopper: string): void {
    const hourStart = at - (at % HOUR_MS);
    let seen = this.entered.get(hourStart);
    if (!seen) {
      seen = new Set();
      this.entered.set(hourStart, seen);
      for (const hour of this.entered.keys()) if (hour < hourStart - HOUR_MS) this.entered.delete(hour);
    }
    const key = `${zoneId}\u0000${shopper}`;
    if (seen.has(key)) return;
    seen.add(key);
    this.zoneHour(zoneId, at).entries++;
  }

  /** A tracked shopper left a zone after `dwellMs` there (counted in the hour they left). */
  countDwell(zoneId: string, at: number, dwellMs: number): void {
    this.zoneHour(zoneId, at).dwellMs += Math.max(0, dwellMs);
  }

  get pending(): number {
    return this.buffer.length;
  }

  flush(): number {
    const rows = this.buffer;
    this.buffer = [];
    const counts = [...this.counts.values()];
    this.counts = new Map();
    this.store.insertSightings(rows);
    this.store.addZoneHourly(counts);
    return rows.length;
  }

  private zoneHour(zoneId: string, at: number): ZoneHourlyRow {
    const hourStart = at - (at % HOUR_MS);
    const key = `${zoneId}\u0000${hourStart}`;
    let row = this.counts.get(key);
    if (!row) {
      row = { zoneId, hourStart, entries: 0, dwellMs: 0, sightings: 0 };
      this.counts.set(key, row);
    }
    return row;
  }
}
