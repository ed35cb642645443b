import { CustomerProfile } from '@aisle/contracts';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';

export interface ProfileCacheOptions {
  /** Rows kept in SQLite; beyond it the least recently used unpinned ones go. Default 200 000. */
  maxProfiles?: number;
  /** Parsed profiles kept in memory (an LRU in front of SQLite). Default 5 000; 0 turns it off. */
  memoryProfiles?: number;
  /**
   * Profiles whose use times are kept in memory before a lookup writes them to SQLite in one
   * transaction (upserts and `flushUsage()` write them too). A hot set smaller than this never
   * makes a lookup write. Default 10 000.
   */
  usageFlushEvery?: number;
  /** Epoch milliseconds; the LRU clock. */
  now?: () => number;
  /** Told once per corrupt row. */
  logger?: Pick<Logger, 'warn'>;
  /** What the store does when the cloud says a customer was erased (privacy/erasure.ts, wired by the gateway). */
  erasure?: ErasureHook;
}

/** Erasure of a customer at the store, around the page that says so (see `applyPage`). */
export interface ErasureHook {
  /** In the page's transaction, before the profile's rows go: scrubs everything else naming the customer. */
  scrub(customerId: string, profile: CustomerProfile | undefined): void;
  /** Whether the customer was erased here: a profile of theirs is never stored again. */
  isErased(customerId: string): boolean;
  /** After the page committed and the cache's memory forgot them: the in-memory state elsewhere follows. */
  committed(customerIds: readonly string[]): void;
}

/** How a kiosk finds a profile (`profile_identities`, migration 4). */
export type IdentityKind = 'loyalty' | 'phone';

/** Told about each profile an upsert stored, after its transaction committed. */
export type OnStored = (profile: CustomerProfile, previous: CustomerProfile | undefined) => void;

interface Written {
  stored: [CustomerProfile, CustomerProfile | undefined][];
  inserted: number;
  evicted: string[];
  /** Customers the cloud said to drop: gone from memory and unpinned too. */
  dropped?: readonly string[];
  /** Of those, the ones erased. */
  erased?: readonly string[];
}

/**
 * The customer profiles this store may use, cached in the gateway's SQLite (`profiles`,
 * `profile_devices`, `sync_cursors`, migration 3; `profile_identities`, migration 4) and bounded to `maxProfiles` rows.
 *
 * Reads stay reads: lookups keep their use times in memory and write them in batches (once
 * `usageFlushEvery` profiles wait, on upsert, or on `flushUsage()`). Parsed profiles are kept in an
 * in-memory LRU so a hot lookup never touches SQLite. Pins are the shoppers in the store now;
 * they live in memory only, so they end with the process.
 */
export class ProfileCache {
  private readonly maxProfiles: number;
  private readonly memoryProfiles: number;
  private readonly usageFlushEvery: number;
  private readonly now: () => number;
  private readonly logger: Pick<Logger, 'warn'> | undefined;
  private readonly erasure: ErasureHook | undefined;
  private readonly stmts;
  /** Parsed profiles, least recently used first (a hit re-inserts). */
  private readonly memory = new Map<string, CustomerProfile>();
  /** Use times not yet written to `profiles.last_used`. */
  private readonly pendingUse = new Map<string, number>();
  private readonly pinned = new Set<string>();
  /** Rows that failed validation (already logged); treated as missing until rewritten. */
  private readonly corrupt = new Set<string>();
  private count: number;

  constructor(
    private readonly db: Database.Database,
    opts: ProfileCacheOptions = {},
  ) {
    this.maxProfiles = opts.maxProfiles ?? 200_000;
    this.memoryProfiles = opts.memoryProfiles ?? 5_000;
    this.usageFlushEvery = opts.usageFlushEvery ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger;
    this.erasure = opts.erasure;
    this.stmts = {
      profile: db.prepare<[string], string>('SELECT profile FROM profiles WHERE customer_id = ?').pluck(),
      updatedAt: db.prepare<[string], number>('SELECT updated_at FROM profiles WHERE customer_id = ?').pluck(),
      insert: db.prepare<[string, string, number, number]>(
        'INSERT INTO profiles (customer_id, profile, updated_at, last_used) VALUES (?, ?, ?, ?)',
      ),
      replace: db.prepare<[string, number, string]>(
        'UPDATE profiles SET profile = ?, updated_at = ? WHERE customer_id = ?',
      ),
      remove: db.prepare<[string]>('DELETE FROM profiles WHERE customer_id = ?'),
      count: db.prepare<[], number>('SELECT count(*) FROM profiles').pluck(),
      touch: db.prepare<[number, string]>('UPDATE profiles SET last_used = ? WHERE customer_id = ?'),
      // (last_used, rowid) is the profiles_lru index's own order: ties go oldest insert first
      lru: db.prepare<[], string>('SELECT customer_id FROM profiles ORDER BY last_used, rowid').pluck(),
      dropDevices: db.prepare<[string]>('DELETE FROM profile_devices WHERE customer_id = ?'),
      // a pseudonym seen on another customer's profile moves to this one
      addDevice: db.prepare<[string, string]>(
        'INSERT OR REPLACE INTO profile_devices (device_id, customer_id) VALUES (?, ?)',
      ),
      deviceOwner: db.prepare<[string], string>('SELECT customer_id FROM profile_devices WHERE device_id = ?').pluck(),
      dropIdentities: db.prepare<[string]>('DELETE FROM profile_identities WHERE customer_id = ?'),
      // a loyalty id or phone seen on another customer's profile moves to this one
      addIdentity: db.prepare<[IdentityKind, string, string]>(
        'INSERT OR REPLACE INTO profile_identities (kind, value, customer_id) VALUES (?, ?, ?)',
      ),
      identityOwner: db
        .prepare<[IdentityKind, string], string>(
          'SELECT customer_id FROM profile_identities WHERE kind = ? AND value = ?',
        )
        .pluck(),
      cursor: db.prepare<[string], number>('SELECT cursor FROM sync_cursors WHERE name = ?').pluck(),
      setCursor: db.prepare<[string, number]>(
        'INSERT INTO sync_cursors (name, cursor) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor',
      ),
    };
    this.count = this.stmts.count.get()!;
  }

  /**
   * Inserts or replaces profiles in one transaction. A profile older (by `updatedAt`) than the
   * cached one is ignored. Indexes each profile's `appDevices`, loyalty id and phone hash, then evicts the least recently
   * used unpinned rows beyond `maxProfiles`. Returns how many were stored (evicted ones included:
   * a batch larger than the bound keeps only its most recent part). `onStored` hears each stored
   * profile and the one it replaced, after the commit.
   */
  upsert(profiles: readonly CustomerProfile[], onStored?: OnStored): number {
    return this.commit(() => this.write(profiles, onStored !== undefined), onStored);
  }

  /**
   * A page of the cloud's profile feed in one transaction: removes the `deleted` customers (erased,
   * merged into another, out of this store's scope: their rows, device and identity indexes, and
   * afterwards their pins and in-memory entries), upserts `profiles`, and sets cursor `name`. A page
   * is applied together with its cursor or not at all. Returns how many profiles were stored.
   *
   * An `erased` customer is scrubbed by the erasure hook in the same transaction, from the profile as cached (read
   * before its row goes: it names their devices and identities), and is never stored again.
   */
  applyPage(
    name: string,
    page: {
      cursor: number;
      profiles: readonly CustomerProfile[];
      deleted: readonly string[];
      erased?: readonly string[] | undefined;
    },
    onStored?: OnStored,
  ): number {
    return this.commit(() => {
      const erased = this.erasure ? [...new Set(page.erased ?? [])] : [];
      for (const id of erased) this.erasure!.scrub(id, this.memory.get(id) ?? this.load(id));
      const dropped = [...new Set([...page.deleted, ...erased])];
      const removed = dropped.filter((id) => this.stmts.remove.run(id).changes > 0);
      // the count the eviction inside write() works from must not include the rows just removed
      this.count -= removed.length;
      const written = this.write(page.profiles, onStored !== undefined);
      this.stmts.setCursor.run(name, page.cursor);
      return { ...written, dropped, erased };
    }, onStored);
  }

  /** The profile, or undefined when not cached (or its row is corrupt). Marks it used. */
  get(customerId: string): CustomerProfile | undefined {
    let profile = this.memory.get(customerId);
    if (profile !== undefined) {
      this.memory.delete(customerId);
      this.memory.set(customerId, profile);
    } else {
      profile = this.load(customerId);
      if (profile === undefined) return undefined;
      this.remember(customerId, profile);
    }
    this.pendingUse.set(customerId, this.now());
    if (this.pendingUse.size >= this.usageFlushEvery) this.flushUsage();
    return profile;
  }

  /** The profile as cached, without marking it used or loading it into memory. */
  peek(customerId: string): CustomerProfile | undefined {
    return this.memory.get(customerId) ?? this.load(customerId);
  }

  /** The profile of the customer whose shopper app advertises `deviceId`. Marks it used. */
  byDevice(deviceId: string): CustomerProfile | undefined {
    const customerId = this.stmts.deviceOwner.get(deviceId);
    return customerId === undefined ? undefined : this.get(customerId);
  }

  /**
   * The profile of the customer with this loyalty id (`loyalty`, as a card's QR code or NFC tag carries it) or
   * phone hash (`phone`: sha256 hex of `phoneDigits`). Marks it used.
   */
  findBy(kind: IdentityKind, value: string): CustomerProfile | undefined {
    const customerId = this.stmts.identityOwner.get(kind, value);
    return customerId === undefined ? undefined : this.get(customerId);
  }

  /**
   * The shopper is in the store: their profile is never evicted until unpinned, and is loaded
   * into memory now, ahead of the lookups their visit brings.
   */
  pin(customerId: string): void {
    this.pinned.add(customerId);
    if (!this.memory.has(customerId)) {
      const profile = this.load(customerId);
      if (profile !== undefined) this.remember(customerId, profile);
    }
  }

  unpin(customerId: string): void {
    this.pinned.delete(customerId);
  }

  isPinned(customerId: string): boolean {
    return this.pinned.has(customerId);
  }

  /** Deletes the profile and its device and identity indexes. Returns whether it was cached. */
  remove(customerId: string): boolean {
    const removed = this.stmts.remove.run(customerId).changes > 0;
    this.memory.delete(customerId);
    this.pendingUse.delete(customerId);
    this.corrupt.delete(customerId);
    if (removed) this.count--;
    return removed;
  }

  /** Profiles in SQLite. */
  get size(): number {
    return this.count;
  }

  /** Parsed profiles held in memory. */
  get memorySize(): number {
    return this.memory.size;
  }

  /** The sync cursor `name`; 0 before the first sync. */
  cursor(name: string): number {
    return this.stmts.cursor.get(name) ?? 0;
  }

  setCursor(name: string, cursor: number): void {
    this.stmts.setCursor.run(name, cursor);
  }

  /** Writes the use times remembered since the last flush. */
  flushUsage(): void {
    if (this.pendingUse.size === 0) return;
    this.db.transaction(() => this.writeUsage())();
    this.pendingUse.clear();
  }

  /** Runs `work` in a transaction, then applies its result to the memory side and tells `onStored`. */
  private commit(work: () => Written, onStored: OnStored | undefined): number {
    const count = this.count;
    let written: Written;
    try {
      written = this.db.transaction(work)();
    } catch (err) {
      this.count = count; // rolled back: so is any change work made to the count
      throw err;
    }
    // SQLite committed: the in-memory state follows
    this.pendingUse.clear();
    this.count += written.inserted - written.evicted.length;
    for (const [profile] of written.stored) {
      this.corrupt.delete(profile.customerId);
      const id = profile.customerId;
      if (this.memory.has(id)) this.memory.set(id, profile);
      else if (this.pinned.has(id)) this.remember(id, profile);
    }
    for (const id of written.evicted) {
      this.memory.delete(id);
      this.corrupt.delete(id);
    }
    for (const id of written.dropped ?? []) {
      this.memory.delete(id);
      this.corrupt.delete(id);
      this.pinned.delete(id);
    }
    if (written.erased?.length) this.erasure?.committed(written.erased);
    if (onStored) for (const [profile, previous] of written.stored) onStored(profile, previous);
    return written.stored.length;
  }

  /** The SQL side of an upsert; runs inside a transaction and leaves the memory side alone. */
  private write(profiles: readonly CustomerProfile[], wantPrevious: boolean): Written {
    const s = this.stmts;
    const now = this.now();
    const stored: Written['stored'] = [];
    const fresh = new Set<string>();
    // an earlier profile in this batch is what a later one replaces
    const latest = new Map<string, CustomerProfile>();
    for (const p of profiles) {
      const id = p.customerId;
      // erased here: a late profile (an older page, a lookup answered before the erasure) must not bring them back
      if (this.erasure?.isErased(id)) continue;
      const cachedAt = s.updatedAt.get(id);
      if (cachedAt !== undefined && p.updatedAt < cachedAt) continue;
      let previous: CustomerProfile | undefined;
      if (wantPrevious && cachedAt !== undefined) previous = latest.get(id) ?? this.memory.get(id) ?? this.load(id);
      const json = JSON.stringify(p);
      if (cachedAt === undefined) {
        s.insert.run(id, json, p.updatedAt, now);
        fresh.add(id);
      } else {
        s.replace.run(json, p.updatedAt, id);
        s.dropDevices.run(id);
        s.dropIdentities.run(id);
      }
      for (const device of p.appDevices) s.addDevice.run(device, id);
      if (p.loyaltyId !== undefined) s.addIdentity.run('loyalty', p.loyaltyId, id);
      if (p.phoneHash !== undefined) s.addIdentity.run('phone', p.phoneHash, id);
      stored.push([p, previous]);
      latest.set(id, p);
    }
    this.writeUsage();
    const evicted = this.evict(this.count + fresh.size - this.maxProfiles);
    return { stored, inserted: fresh.size, evicted };
  }

  private writeUsage(): void {
    for (const [id, at] of this.pendingUse) this.stmts.touch.run(at, id);
  }

  /** Deletes up to `n` least recently used unpinned rows (their devices go by cascade). */
  private evict(n: number): string[] {
    if (n <= 0) return [];
    const victims: string[] = [];
    // collect first: the connection cannot write while a read is open
    for (const id of this.stmts.lru.iterate()) {
      if (this.pinned.has(id)) continue;
      victims.push(id);
      if (victims.length === n) break;
    }
    for (const id of victims) this.stmts.remove.run(id);
    return victims;
  }

  /** Reads and validates one row; a corrupt row is logged once and reads as missing. */
  private load(customerId: string): CustomerProfile | undefined {
    if (this.corrupt.has(customerId)) return undefined;
    const json = this.stmts.profile.get(customerId);
    if (json === undefined) return undefined;
    let reason: string;
    try {
      const parsed = CustomerProfile.safeParse(JSON.parse(json));
      if (parsed.success && parsed.data.customerId === customerId) return parsed.data;
      reason = parsed.success ? 'customerId does not match its row' : (parsed.error.issues[0]?.message ?? 'invalid');
    } catch (err) {
      reason = (err as Error).message;
    }
    this.corrupt.add(customerId);
    this.logger?.warn({ reason }, 'cached customer profile is corrupt; treated as missing');
    return undefined;
  }

  private remember(customerId: string, profile: CustomerProfile): void {
    if (this.memoryProfiles <= 0) return;
    this.memory.set(customerId, profile);
    if (this.memory.size > this.memoryProfiles) this.memory.delete(this.memory.keys().next().value!);
  }
}
