import type { GatewayStore, SightingRow } from './db';

const DAY_MS = 86_400_000;

/**
 * Buffers raw sightings and writes them in one transaction per flush, so the hot path
 * never waits on the disk. At most `maxPerDay` are stored per (gateway) day: beyond that
 * they are counted and dropped, which bounds the disk a busy or flooded store can use.
 */
export class SightingWriter {
  private buffer: SightingRow[] = [];
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

  get pending(): number {
    return this.buffer.length;
  }

  flush(): number {
    const rows = this.buffer;
    this.buffer = [];
    this.store.insertSightings(rows);
    return rows.length;
  }
}
