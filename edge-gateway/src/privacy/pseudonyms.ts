import { createHmac, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

const DAY_MS = 86_400_000;

export interface PseudonymOptions {
  /** Source of salts (tests may make them predictable). */
  random?: (bytes: number) => Buffer;
  /** Pseudonyms of the current day remembered in memory, so the ingest hot path rarely computes an HMAC. */
  memo?: number;
}

/**
 * Rotating device pseudonyms: what the gateway writes to disk in place of a shopper's device id.
 *
 * A pseudonym is HMAC-SHA256(salt of the UTC day, raw device id). Each day gets a fresh random salt, kept in SQLite
 * (`pseudonym_salts`) so pseudonyms survive a restart. The raw id itself only lives in memory. Once every table
 * using a day's pseudonyms has purged that day, the retention job deletes its salt (`forgetBefore`): from then on
 * nobody, the store included, can tell which device an old pseudonym stood for, and the same device seen on two
 * days gets two unrelated pseudonyms.
 *
 * Ids derived from raw BLE advertisements (`shp-…`, ingest/ble/advertisement.ts) are raw ids in this sense: that
 * salt only makes them unlinkable across gateways; they are pseudonymised here again before anything is stored.
 */
export class Pseudonyms {
  private readonly salts = new Map<number, Buffer>();
  private readonly random: (bytes: number) => Buffer;
  private readonly memoSize: number;
  private memoDay = -1;
  private memo = new Map<string, string>();
  private readonly stmts;

  constructor(db: Database.Database, opts: PseudonymOptions = {}) {
    this.random = opts.random ?? randomBytes;
    this.memoSize = opts.memo ?? 50_000;
    this.stmts = {
      insert: db.prepare('INSERT OR IGNORE INTO pseudonym_salts (day, salt) VALUES (?, ?)'),
      get: db.prepare<[number], Buffer>('SELECT salt FROM pseudonym_salts WHERE day = ?').pluck(),
      all: db.prepare<[], { day: number; salt: Buffer }>('SELECT day, salt FROM pseudonym_salts ORDER BY day'),
      forget: db.prepare('DELETE FROM pseudonym_salts WHERE day < ?'),
      oldest: db.prepare<[], number | null>('SELECT min(day) FROM pseudonym_salts').pluck(),
    };
    for (const { day, salt } of this.stmts.all.all()) this.salts.set(day, salt);
  }

  /** The pseudonym of `rawDeviceId` at time `at` (epoch ms): stable within a UTC day, unrelated across days. */
  of(rawDeviceId: string, at: number): string {
    const day = Math.floor(at / DAY_MS);
    if (day !== this.memoDay) {
      this.memoDay = day;
      this.memo = new Map();
    }
    let p = this.memo.get(rawDeviceId);
    if (p === undefined) {
      p = hash(this.saltOf(day), rawDeviceId);
      // a crude bound: forgetting everything at once is fine for a cache this cheap to refill
      if (this.memo.size >= this.memoSize) this.memo.clear();
      this.memo.set(rawDeviceId, p);
    }
    return p;
  }

  /** Every pseudonym `rawDeviceId` may have on disk: one under each salt still kept (erasure, audits, tests). */
  allOf(rawDeviceId: string): string[] {
    return [...this.salts.values()].map((salt) => hash(salt, rawDeviceId));
  }

  /**
   * Deletes the salts of days that ended before `before` (epoch ms), making their pseudonyms unlinkable for good.
   * Returns how many were deleted.
   */
  forgetBefore(before: number): number {
    const firstKept = Math.floor(before / DAY_MS);
    const n = this.stmts.forget.run(firstKept).changes;
    for (const day of this.salts.keys()) if (day < firstKept) this.salts.delete(day);
    if (this.memoDay < firstKept) {
      this.memoDay = -1;
      this.memo = new Map();
    }
    return n;
  }

  /** Start (epoch ms) of the oldest day whose salt is still kept, or undefined when there is none. */
  oldestDayStart(): number | undefined {
    const day = this.stmts.oldest.get();
    return day === null || day === undefined ? undefined : day * DAY_MS;
  }

  private saltOf(day: number): Buffer {
    let salt = this.salts.get(day);
    if (salt) return salt;
    // INSERT OR IGNORE then read back: two gateways on one file (never the case) or a racing restart agree
    this.stmts.insert.run(day, this.random(32));
    salt = this.stmts.get.get(day)!;
    this.salts.set(day, salt);
    return salt;
  }
}

function hash(salt: Buffer, rawDeviceId: string): string {
  return `pn-${createHmac('sha256', salt).update(rawDeviceId).digest('hex').slice(0, 32)}`;
}
