/**
 * Erasure at the store (issue #8, item 3): when the cloud's profile feed says a customer was erased, the gateway
 * scrubs everything it holds about them, in the same transaction that drops their cached profile, so a crash
 * cannot leave half of it. Sales are the store's revenue and are kept, anonymously: the purchase rows and the
 * outbox rows (sent or not) lose the customer id and the device id, and an unsent sale still syncs. Rows that are
 * only about the person (sightings, visits, sessions, decisions) are deleted; shelf and RFID events lose their
 * device. The customer's id is remembered as a hash only, so a late profile of theirs is refused.
 *
 * On disk the device columns hold rotating pseudonyms (privacy/pseudonyms.ts), so the customer's app device ids are
 * looked for under every salt still kept. SQLite runs with `secure_delete` (store/db.ts) and the WAL is checkpointed
 * and truncated after a scrub (`checkpoint`), so the erased bytes are gone from the files, not just unlinked.
 */
import { createHash } from 'node:crypto';
import type { CustomerProfile } from '@aisle/contracts';
import type Database from 'better-sqlite3';
import { Counter, type Registry } from 'prom-client';

/** How an erased customer is remembered: sha256 hex of the id, never the id itself. */
export function erasedHash(customerId: string): string {
  return createHash('sha256').update(`aisle-erased:${customerId}`).digest('hex');
}

export interface ScrubTarget {
  customerId: string;
  /** The customer's profile as the store cached it, read before it is deleted; undefined when it was not cached. */
  profile?: CustomerProfile | undefined;
  /** More raw device ids known to be theirs (shopper sessions in memory identified as them). */
  devices?: readonly string[];
}

export interface ScrubReport {
  /** The customer's raw device ids: the profile's app devices, those given, and none derived from the disk. */
  rawDevices: string[];
  /** Rows deleted or anonymized, by table (tables with none are left out). */
  rows: Record<string, number>;
}

export interface ErasureOptions {
  /** Every on-disk pseudonym of a raw device id (Pseudonyms.allOf); without it only raw ids are looked for. */
  pseudonymsOf?: (rawDeviceId: string) => string[];
  now?: () => number;
  /** Where `aisle_erasures_applied_total` is registered. */
  registry?: Registry;
}

/** Fields of a sale that name the shopper; what is left (lines, total, till, time) is the store's anonymous sale. */
const PERSONAL_SALE_FIELDS = "'$.customerId', '$.shopperDeviceId'";

/** A JSON array parameter read with json_each: one statement whatever the number of ids. */
const list = (values: readonly string[]) => JSON.stringify(values);
const IN_LIST = '(SELECT value FROM json_each(?))';
/** Whether a text column contains any of the needles of a JSON array parameter. */
const contains = (column: string) => `EXISTS (SELECT 1 FROM json_each(?) n WHERE instr(${column}, n.value) > 0)`;

export class Erasure {
  private readonly stmts;
  private readonly pseudonymsOf: (rawDeviceId: string) => string[];
  private readonly now: () => number;
  private readonly applied: Counter;

  constructor(
    private readonly db: Database.Database,
    opts: ErasureOptions = {},
  ) {
    this.pseudonymsOf = opts.pseudonymsOf ?? (() => []);
    this.now = opts.now ?? Date.now;
    this.applied = new Counter({
      name: 'aisle_erasures_applied_total',
      help: 'Customer erasures from the cloud applied at this store (their rows scrubbed)',
      registers: opts.registry ? [opts.registry] : [],
    });
    const run = (sql: string) => db.prepare(sql);
    this.stmts = {
      isErased: db.prepare<[string], number>('SELECT 1 FROM erased_customers WHERE customer_hash = ?').pluck(),
      remember: db.prepare('INSERT OR IGNORE INTO erased_customers (customer_hash, erased_at) VALUES (?, ?)'),
      // devices the disk ties to the customer: the cached index, and the device of any sale naming them
      indexedDevices: db
        .prepare<[string], string>('SELECT device_id FROM profile_devices WHERE customer_id = ?')
        .pluck(),
      saleDevices: db
        .prepare<[string], string>(
          `SELECT DISTINCT coalesce(shopper_device_id, json_extract(payload, '$.shopperDeviceId')) FROM purchases
           WHERE json_extract(payload, '$.customerId') = ?
             AND coalesce(shopper_device_id, json_extract(payload, '$.shopperDeviceId')) IS NOT NULL`,
        )
        .pluck(),
      // rows only about the person
      sightings: run(`DELETE FROM sightings WHERE device_id IN ${IN_LIST}`),
      visits: run(`DELETE FROM visits WHERE device_id IN ${IN_LIST}`),
      sessions: run(`DELETE FROM sessions WHERE device_id IN ${IN_LIST}`),
      decisions: run(
        `DELETE FROM decisions WHERE shopper_ref IN ${IN_LIST} OR ${contains('context')} OR ${contains('items')}`,
      ),
      // events about products, kept without the shopper
      interactions: run(`UPDATE interactions SET shopper_device_id = NULL WHERE shopper_device_id IN ${IN_LIST}`),
      rfidReads: run(`UPDATE rfid_reads SET shopper_device_id = NULL WHERE shopper_device_id IN ${IN_LIST}`),
      // sales, kept without the shopper: the stored sale and its outbox row, sent or not (an unsent one syncs as is)
      purchases: run(
        `UPDATE purchases SET shopper_device_id = NULL, payload = json_remove(payload, ${PERSONAL_SALE_FIELDS})
         WHERE json_extract(payload, '$.customerId') = ? OR shopper_device_id IN ${IN_LIST}
            OR json_extract(payload, '$.shopperDeviceId') IN ${IN_LIST}`,
      ),
      outbox: run(
        `UPDATE outbox SET payload = json_remove(payload, ${PERSONAL_SALE_FIELDS})
         WHERE json_valid(payload) AND (json_extract(payload, '$.customerId') = ?
            OR json_extract(payload, '$.shopperDeviceId') IN ${IN_LIST})`,
      ),
      handovers: run('UPDATE handovers SET customer_id = NULL WHERE customer_id = ?'),
      // a rejected message is kept for diagnosis only: one that names the person goes
      deadLetters: run(
        `DELETE FROM dead_letters WHERE ${contains('CAST(payload AS TEXT)')} OR ${contains("coalesce(detail, '')")}`,
      ),
      // what screens were sent, kept for replay: a screen's messages up to its last one naming the person go, as
      // the retention prune does (the oldest go first), so a screen that replays from before is told to resync
      screensNaming: db.prepare<[string], { screen_id: string; seq: number }>(
        `SELECT screen_id, max(seq) AS seq FROM screen_messages WHERE ${contains('payload')} GROUP BY screen_id`,
      ),
      screenPrefix: run('DELETE FROM screen_messages WHERE screen_id = ? AND seq <= ?'),
      // the cache deletes the profile itself; these catch index rows left pointing at the devices or identities
      profileDevices: run(`DELETE FROM profile_devices WHERE customer_id = ? OR device_id IN ${IN_LIST}`),
      profileIdentities: run('DELETE FROM profile_identities WHERE customer_id = ?'),
    };
  }

  /** Whether the customer was erased at this store: a profile of theirs must not be stored again. */
  isErased(customerId: string): boolean {
    return this.stmts.isErased.get(erasedHash(customerId)) !== undefined;
  }

  /**
   * Deletes or anonymizes every row naming the customer or their devices, and remembers the erasure. Runs in the
   * caller's transaction when there is one (the profile page's), else in its own.
   */
  scrub(target: ScrubTarget): ScrubReport {
    return this.db.transaction(() => this.scrubRows(target))();
  }

  /**
   * After the transaction of `erased` scrubs committed: counts them, and copies the WAL into the database file and
   * truncates it, since the WAL would otherwise keep the pages as they were before the scrub until SQLite reuses it.
   * Must run outside a transaction.
   */
  committed(erased: number): void {
    this.applied.inc(erased);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  private scrubRows({ customerId, profile, devices = [] }: ScrubTarget): ScrubReport {
    const s = this.stmts;
    const rawDevices = [...new Set([...(profile?.appDevices ?? []), ...devices])];
    // as the disk holds them: raw ids (older rows, a gateway without pseudonyms), each under every salt still kept,
    // and whatever device the store itself tied to the customer
    const onDisk = new Set<string>(rawDevices);
    for (const raw of rawDevices) for (const p of this.pseudonymsOf(raw)) onDisk.add(p);
    for (const d of s.indexedDevices.all(customerId)) onDisk.add(d);
    for (const d of s.saleDevices.all(customerId)) onDisk.add(d);
    const ids = list([...onDisk]);
    // text needles, JSON-quoted so that "cus-1" does not match "cus-10"
    const quoted = [customerId, ...onDisk, profile?.loyaltyId, profile?.phoneHash]
      .filter((v): v is string => v !== undefined)
      .map((v) => JSON.stringify(v));
    if (profile?.firstName) quoted.push(`"firstName":${JSON.stringify(profile.firstName)}`);
    const needles = list(quoted);
    // dead letters may be any bytes, not JSON: the bare ids
    const bare = list([customerId, ...onDisk, profile?.loyaltyId, profile?.phoneHash].filter((v) => v !== undefined));

    const rows: Record<string, number> = {};
    const count = (table: string, n: number) => {
      if (n > 0) rows[table] = (rows[table] ?? 0) + n;
    };
    count('sightings', s.sightings.run(ids).changes);
    count('visits', s.visits.run(ids).changes);
    count('sessions', s.sessions.run(ids).changes);
    count('decisions', s.decisions.run(ids, needles, needles).changes);
    count('interactions', s.interactions.run(ids).changes);
    count('rfid_reads', s.rfidReads.run(ids).changes);
    count('purchases', s.purchases.run(customerId, ids, ids).changes);
    count('outbox', s.outbox.run(customerId, ids).changes);
    count('handovers', s.handovers.run(customerId).changes);
    count('dead_letters', s.deadLetters.run(bare, bare).changes);
    for (const { screen_id, seq } of s.screensNaming.all(needles))
      count('screen_messages', s.screenPrefix.run(screen_id, seq).changes);
    count('profile_devices', s.profileDevices.run(customerId, ids).changes);
    count('profile_identities', s.profileIdentities.run(customerId).changes);
    s.remember.run(erasedHash(customerId), this.now());
    return { rawDevices, rows };
  }
}
