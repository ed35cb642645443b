import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type DeviceStatus,
  type PosPurchase,
  Product,
  type ProductInteraction,
  type RfidRead,
  type SensorReading,
  StoreAssortment,
} from '@aisle/contracts';
import Database from 'better-sqlite3';
import { migrations } from './migrations';

export interface DeadLetter {
  topic: string;
  clientId: string | undefined;
  reason: string;
  detail?: string | undefined;
  payload: Buffer;
  receivedAt: number;
}

export interface SightingRow {
  deviceId: string;
  scannerId: string;
  rssi: number;
  ts: number;
  receivedAt: number;
}

/** Anonymous counts of one zone and hour, added to `zone_hourly`. */
export interface ZoneHourlyRow {
  zoneId: string;
  hourStart: number;
  entries: number;
  dwellMs: number;
  sightings: number;
}

export interface OutboxRow {
  /** The store's outbox sequence number: gap-free from 1, never reused. */
  seq: number;
  kind: string;
  payload: string;
  createdAt: number;
}

/** Largest part of a rejected payload kept for inspection. */
const DEAD_LETTER_PAYLOAD_BYTES = 4096;

/** Applies pending migrations; returns the schema version reached. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length)
    throw new Error(`database schema version ${current} is newer than this gateway (${migrations.length})`);
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return migrations.length;
}

/** The gateway's SQLite database: everything it keeps across restarts. */
export class GatewayStore {
  readonly db: Database.Database;
  private readonly stmts;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // deleted rows are overwritten with zeros, not just unlinked: an erased customer's data leaves the file itself
    this.db.pragma('secure_delete = ON');
    migrate(this.db);
    const db = this.db;
    this.stmts = {
      upsertProduct: db.prepare('INSERT OR REPLACE INTO catalog (item_id, product) VALUES (?, ?)'),
      allProducts: db.prepare<[], { product: string }>('SELECT product FROM catalog ORDER BY item_id'),
      enterZone: db.prepare('INSERT INTO visits (device_id, zone_id, entered_at) VALUES (?, ?, ?)'),
      leaveZone: db.prepare('UPDATE visits SET left_at = ? WHERE device_id = ? AND zone_id = ? AND left_at IS NULL'),
      insertPurchase: db.prepare(
        'INSERT OR IGNORE INTO purchases (event_id, shopper_device_id, ts, payload) VALUES (?, ?, ?, ?)',
      ),
      insertLine: db.prepare('INSERT INTO purchase_lines (event_id, item_id, quantity) VALUES (?, ?, ?)'),
      boughtBy: db.prepare<[string], { item_id: string }>(
        `SELECT DISTINCT l.item_id FROM purchases p JOIN purchase_lines l USING (event_id)
         WHERE p.shopper_device_id = ?`,
      ),
      insertInteraction: db.prepare(
        `INSERT OR IGNORE INTO interactions (event_id, zone_id, item_id, action, shopper_device_id, ts)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      nextSeq: db
        .prepare<[], number>('UPDATE outbox_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq')
        .pluck(),
      enqueue: db.prepare('INSERT INTO outbox (kind, payload, created_at, store_seq) VALUES (?, ?, ?, ?)'),
      pending: db.prepare<[number], OutboxRow>(
        `SELECT store_seq AS seq, kind, payload, created_at AS createdAt FROM outbox
         WHERE sent_at IS NULL ORDER BY store_seq LIMIT ?`,
      ),
      pendingCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL'),
      oldestPending: db
        .prepare<[], number>('SELECT created_at FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT 1')
        .pluck(),
      markSent: db.prepare('UPDATE outbox SET sent_at = ? WHERE store_seq <= ? AND sent_at IS NULL'),
      insertSighting: db.prepare(
        'INSERT INTO sightings (device_id, scanner_id, rssi, ts, received_at) VALUES (?, ?, ?, ?, ?)',
      ),
      addZoneHourly: db.prepare(
        `INSERT INTO zone_hourly (zone_id, hour_start, entries, dwell_ms, sightings) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (zone_id, hour_start) DO UPDATE SET entries = entries + excluded.entries,
         dwell_ms = dwell_ms + excluded.dwell_ms, sightings = sightings + excluded.sightings`,
      ),
      insertRfid: db.prepare(
        `INSERT OR IGNORE INTO rfid_reads (event_id, epc, item_id, zone_id, shopper_device_id, ts)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      insertReading: db.prepare(
        'INSERT OR IGNORE INTO sensor_readings (event_id, sensor_id, metric, value, ts) VALUES (?, ?, ?, ?, ?)',
      ),
      upsertStatus: db.prepare(
        `INSERT INTO device_status (family, device_id, state, status, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (family, device_id) DO UPDATE SET state = excluded.state, status = excluded.status,
         updated_at = excluded.updated_at`,
      ),
      startSession: db.prepare('INSERT INTO sessions (device_id, started_at) VALUES (?, ?)'),
      endSession: db.prepare('UPDATE sessions SET ended_at = ? WHERE device_id = ? AND ended_at IS NULL'),
      deadLetter: db.prepare(
        `INSERT INTO dead_letters (topic, client_id, reason, detail, payload, received_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** The store's stock and promotions as last received from the cloud, for offline starts. */
  saveAssortment(assortment: StoreAssortment): void {
    this.db.prepare('INSERT OR REPLACE INTO assortment (id, assortment) VALUES (1, ?)').run(JSON.stringify(assortment));
  }

  cachedAssortment(): StoreAssortment | undefined {
    const row = this.db.prepare<[], { assortment: string }>('SELECT assortment FROM assortment WHERE id = 1').get();
    if (!row) return undefined;
    const parsed = StoreAssortment.safeParse(JSON.parse(row.assortment));
    return parsed.success ? parsed.data : undefined;
  }

  replaceCatalog(products: readonly Product[]): void {
    this.db.transaction(() => {
      this.db.exec('DELETE FROM catalog');
      for (const p of products) this.stmts.upsertProduct.run(p.id, JSON.stringify(p));
    })();
  }

  /** The catalog as last received from the cloud (validated again: the file may be old or edited). */
  cachedCatalog(): Product[] {
    return this.stmts.allProducts.all().map((r) => Product.parse(JSON.parse(r.product)));
  }

  recordZoneEnter(deviceId: string, zoneId: string, at: number): void {
    this.stmts.enterZone.run(deviceId, zoneId, at);
  }

  recordZoneLeave(deviceId: string, zoneId: string, at: number): void {
    this.stmts.leaveZone.run(at, deviceId, zoneId);
  }

  /**
   * Stores a purchase and queues it for the cloud under the next outbox seq in one transaction, so a sale is
   * never stored without being queued; the commit is synchronous=FULL (a sale survives a power cut, not only a
   * crash). Returns false for a duplicate event id.
   */
  recordPurchase(p: PosPurchase, at: number): boolean {
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(() => {
        const r = this.stmts.insertPurchase.run(p.eventId, p.shopperDeviceId ?? null, p.ts, JSON.stringify(p));
        if (r.changes === 0) return false;
        for (const l of p.lines) this.stmts.insertLine.run(p.eventId, l.itemId, l.quantity);
        this.stmts.enqueue.run('purchase', JSON.stringify(p), at, this.stmts.nextSeq.get()!);
        return true;
      })();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  itemsBoughtBy(shopperDeviceId: string): string[] {
    return this.stmts.boughtBy.all(shopperDeviceId).map((r) => r.item_id);
  }

  recordInteraction(i: ProductInteraction): boolean {
    return (
      this.stmts.insertInteraction.run(i.eventId, i.zoneId, i.itemId, i.action, i.shopperDeviceId ?? null, i.ts)
        .changes > 0
    );
  }

  /** Writes a batch of raw sightings in one transaction. */
  insertSightings(rows: readonly SightingRow[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.stmts.insertSighting.run(r.deviceId, r.scannerId, r.rssi, r.ts, r.receivedAt);
    })();
  }

  /** Adds anonymous per-zone hourly counts, in one transaction. */
  addZoneHourly(rows: readonly ZoneHourlyRow[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.stmts.addZoneHourly.run(r.zoneId, r.hourStart, r.entries, r.dwellMs, r.sightings);
    })();
  }

  recordRfidRead(r: RfidRead): void {
    this.db.transaction(() => {
      for (const t of r.tags)
        this.stmts.insertRfid.run(r.eventId, t.epc, t.itemId ?? null, r.zoneId, r.shopperDeviceId ?? null, r.ts);
    })();
  }

  recordSensorReading(r: SensorReading): void {
    this.stmts.insertReading.run(r.eventId, r.sensorId, r.metric, r.value, r.ts);
  }

  recordDeviceStatus(family: string, status: DeviceStatus, at: number): void {
    this.stmts.upsertStatus.run(family, status.deviceId, status.state, JSON.stringify(status), at);
  }

  startSession(deviceId: string, at: number): void {
    this.stmts.startSession.run(deviceId, at);
  }

  endSession(deviceId: string, at: number): void {
    this.stmts.endSession.run(at, deviceId);
  }

  /** Rows per table and bytes on disk, for /metrics. */
  usage(): { rows: Record<string, number>; bytes: number } {
    const rows: Record<string, number> = {};
    for (const table of ['sightings', 'visits', 'sessions', 'interactions', 'rfid_reads', 'purchases', 'dead_letters'])
      rows[table] = this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return { rows, bytes: pages * size };
  }

  pendingOutbox(limit: number): OutboxRow[] {
    return this.stmts.pending.all(limit);
  }

  outboxDepth(): number {
    return this.stmts.pendingCount.get()!.n;
  }

  /** When the oldest unsent outbox row was queued, or undefined when nothing waits. */
  oldestOutboxAt(): number | undefined {
    return this.stmts.oldestPending.get();
  }

  /** The last outbox seq handed out (0: none yet). */
  lastOutboxSeq(): number {
    return this.db.prepare<[], number>('SELECT last_seq FROM outbox_counter WHERE id = 1').pluck().get() ?? 0;
  }

  /** Marks every unsent row up to outbox seq `upToSeq` as sent. */
  markOutboxSent(upToSeq: number, at: number): void {
    this.stmts.markSent.run(at, upToSeq);
  }

  addDeadLetter(d: DeadLetter): void {
    this.stmts.deadLetter.run(
      d.topic,
      d.clientId ?? null,
      d.reason,
      d.detail ?? null,
      d.payload.subarray(0, DEAD_LETTER_PAYLOAD_BYTES),
      d.receivedAt,
    );
  }

  /** Cheap liveness probe for /health. */
  ping(): boolean {
    return this.db.prepare('SELECT 1 AS ok').get() !== undefined;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
