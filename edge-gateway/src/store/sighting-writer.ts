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
  /** Per day, per shopper, the zone-hours they were counted in. */
  private entered = new Map<number, Map<string, Set<string>>>();
  private day = -1;
  private storedToday = 0;
  dropped = 0;

  constructor(
    private readonly store: GatewayStore,
    private readonly maxPerDay: number,
    /** Zone-hour entries one shopper's day may add to the counts (the aggregates' sensitivity bound). */
    private readonly maxEntriesPerShopperDay = Number.POSITIVE_INFINITY,
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
   * A shopper presence tracks (with location consent, or in memory only in transient mode) entered a zone. The
   * aggregates' noise is calibrated on how much one shopper's day can change the counts (docs/privacy/aggregates.md),
   * so a shopper counts at most once per zone and hour (walking back and forth does not count twice) and at most
   * `maxEntriesPerShopperDay` times a day (the rest of a long day is not counted). The shopper's id is kept in memory
   * only, for the day.
   */
  countEntry(zoneId: string, at: number, shopper: string): void {
    const day = Math.floor(at / DAY_MS);
    let counted = this.entered.get(day);
    if (!counted) {
      counted = new Map();
      this.entered.set(day, counted);
      for (const d of this.entered.keys()) if (d < day - 1) this.entered.delete(d);
    }
    const cell = `${zoneId}\u0000${at - (at % HOUR_MS)}`;
    let cells = counted.get(shopper);
    if (!cells) {
      cells = new Set();
      counted.set(shopper, cells);
    }
    if (cells.has(cell) || cells.size >= this.maxEntriesPerShopperDay) return;
    cells.add(cell);
    this.zoneHour(zoneId, at).entries++;
  }

  /** A shopper presence tracks left a zone after `dwellMs` there (counted in the hour they left). */
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
