import type Database from 'better-sqlite3';

export interface LocationConsentOptions {
  /** Answers remembered at most; beyond it the memory starts afresh (anonymous devices come and go). */
  maxEntries?: number;
}

/**
 * "May this shopper device be tracked?", asked for every beacon sighting before anything about it is stored.
 *
 * Yes only when the device is a shopper app linked to a cached customer profile (`profile_devices`) whose
 * `consent.location` is true; unknown, unlinked or anonymous devices are not consented (defaults deny).
 *
 * Answers are remembered in memory, so the ingest hot path does not query SQLite per sighting. They are forgotten
 * whenever a row of `profiles` or `profile_devices` changes, however it changes (a pulled page, a tombstone, a kiosk
 * lookup, an eviction, an erasure, a cascade): temporary triggers on this connection call back into this object.
 * Forgetting everything is crude but cheap: profiles change rarely next to the thousands of sightings a second.
 */
export class LocationConsent {
  private readonly answers = new Map<string, boolean>();
  private readonly maxEntries: number;
  private readonly lookup: Database.Statement<[string], number | null>;
  /** Times the memory was cleared because profiles changed (tests and metrics). */
  invalidations = 0;

  constructor(db: Database.Database, opts: LocationConsentOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 100_000;
    this.lookup = db
      .prepare<[string], number | null>(
        `SELECT json_extract(p.profile, '$.consent.location') FROM profile_devices d
         JOIN profiles p ON p.customer_id = d.customer_id WHERE d.device_id = ?`,
      )
      .pluck();
    // a SQL function the triggers call; deterministic: false, or SQLite may fold the calls away
    db.function('aisle_location_consent_changed', { deterministic: false }, () => {
      this.forgetAll();
      return null;
    });
    // TEMP triggers live with this connection only: no migration, and gone when the gateway closes the file. A
    // profile's use time (last_used) changes often and says nothing about consent: it does not count.
    const events = {
      profiles: ['INSERT', 'DELETE', 'UPDATE OF customer_id, profile'],
      profile_devices: ['INSERT', 'DELETE', 'UPDATE'],
    };
    for (const [table, list] of Object.entries(events))
      for (const event of list)
        db.exec(
          `CREATE TEMP TRIGGER IF NOT EXISTS aisle_consent_${table}_${event.split(' ')[0]!.toLowerCase()}
           AFTER ${event} ON main.${table} BEGIN SELECT aisle_location_consent_changed(); END`,
        );
  }

  /** Whether sightings of `rawDeviceId` may be stored and its visits tracked. */
  allows(rawDeviceId: string): boolean {
    let yes = this.answers.get(rawDeviceId);
    if (yes === undefined) {
      yes = this.lookup.get(rawDeviceId) === 1;
      if (this.answers.size >= this.maxEntries) this.answers.clear();
      this.answers.set(rawDeviceId, yes);
    }
    return yes;
  }

  /** Forgets every remembered answer (profiles changed). */
  forgetAll(): void {
    if (this.answers.size > 0) this.answers.clear();
    this.invalidations++;
  }
}
