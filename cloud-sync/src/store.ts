import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CustomerProfile,
  type ModelRelease,
  type PosPurchase,
  Product,
  type ProfilePage,
  StoreAssortment,
} from '@aisle/contracts';
import Database from 'better-sqlite3';

/** Numbered migrations; the applied count lives in `user_version`. Append, never edit. */
const migrations: readonly string[] = [
  `
  CREATE TABLE products (item_id TEXT PRIMARY KEY, product TEXT NOT NULL);
  CREATE TABLE customers (customer_id TEXT PRIMARY KEY, profile TEXT NOT NULL);
  CREATE TABLE purchases (
    event_id TEXT PRIMARY KEY,
    store_id TEXT NOT NULL,
    customer_id TEXT,
    ts INTEGER NOT NULL,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL
  );
  CREATE INDEX purchases_store ON purchases (store_id, ts);
  `,
  // 2: a change counter on customers (stores pull profiles changed after a cursor), store assortments, the model registry
  `
  ALTER TABLE customers ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
  UPDATE customers SET change_seq = rowid;
  CREATE INDEX customers_change ON customers (change_seq);
  CREATE TABLE assortments (store_id TEXT PRIMARY KEY, assortment TEXT NOT NULL);
  CREATE TABLE model_files (
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (version, name)
  );
  CREATE TABLE model_releases (
    store_id TEXT NOT NULL,
    version TEXT NOT NULL,
    kind TEXT NOT NULL,
    files TEXT NOT NULL,
    rollout TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (store_id, version)
  );
  CREATE INDEX model_releases_version ON model_releases (version);
  `,
];

/** What putModelFile did: stored (new or replaced), unchanged (same bytes again), or refused (version published). */
export type PutFileResult = { status: 'stored' | 'unchanged'; sha256: string } | { status: 'published' };

/** cloud-sync's storage (SQLite; PostgreSQL joins behind the same methods later). */
export class CloudStore {
  readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < migrations.length; v++)
      this.db.transaction(() => {
        this.db.exec(migrations[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
  }

  isEmpty(): boolean {
    return this.db.prepare('SELECT count(*) AS n FROM products').pluck().get() === 0;
  }

  upsertProducts(products: readonly Product[]): void {
    const stmt = this.db.prepare('INSERT OR REPLACE INTO products (item_id, product) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const p of products) stmt.run(p.id, JSON.stringify(p));
    })();
  }

  catalog(): Product[] {
    const rows = this.db.prepare('SELECT product FROM products ORDER BY item_id').pluck().all() as string[];
    return rows.map((r) => Product.parse(JSON.parse(r)));
  }

  /** Inserts or replaces profiles; each one gets the next value of the change counter, in order. */
  upsertCustomers(profiles: readonly CustomerProfile[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO customers (customer_id, profile, change_seq)
       VALUES (?, ?, (SELECT coalesce(max(change_seq), 0) + 1 FROM customers))
       ON CONFLICT (customer_id) DO UPDATE SET profile = excluded.profile, change_seq = excluded.change_seq`,
    );
    this.db.transaction(() => {
      for (const c of profiles) stmt.run(c.customerId, JSON.stringify(c));
    })();
  }

  /** Profiles changed after `cursor`, oldest change first, at most `limit`; `cursor` of the page is its last change. */
  profilesSince(cursor: number, limit: number): ProfilePage {
    const rows = this.db
      .prepare('SELECT profile, change_seq AS seq FROM customers WHERE change_seq > ? ORDER BY change_seq LIMIT ?')
      .all(cursor, limit + 1) as { profile: string; seq: number }[];
    const page = rows.slice(0, limit);
    return {
      profiles: page.map((r) => CustomerProfile.parse(JSON.parse(r.profile))),
      cursor: page.at(-1)?.seq ?? cursor,
      more: rows.length > limit,
    };
  }

  customer(customerId: string): CustomerProfile | undefined {
    const row = this.db.prepare('SELECT profile FROM customers WHERE customer_id = ?').pluck().get(customerId);
    return row === undefined ? undefined : CustomerProfile.parse(JSON.parse(row as string));
  }

  /** Applies a batch in one transaction; an event id already stored is counted as a duplicate. */
  addPurchases(storeId: string, purchases: readonly PosPurchase[], receivedAt: number) {
    const stmt = this.db.prepare(
      `INSERT OR IGNORE INTO purchases (event_id, store_id, customer_id, ts, payload, received_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    return this.db.transaction(() => {
      let accepted = 0;
      for (const p of purchases)
        accepted += stmt.run(p.eventId, storeId, p.customerId ?? null, p.ts, JSON.stringify(p), receivedAt).changes;
      return { accepted, duplicates: purchases.length - accepted };
    })();
  }

  purchaseCount(storeId: string): number {
    return this.db.prepare('SELECT count(*) FROM purchases WHERE store_id = ?').pluck().get(storeId) as number;
  }

  assortment(storeId: string): StoreAssortment | undefined {
    const row = this.db.prepare('SELECT assortment FROM assortments WHERE store_id = ?').pluck().get(storeId);
    return row === undefined ? undefined : StoreAssortment.parse(JSON.parse(row as string));
  }

  putAssortments(assortments: readonly StoreAssortment[]): void {
    const stmt = this.db.prepare('INSERT OR REPLACE INTO assortments (store_id, assortment) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const a of assortments) stmt.run(a.storeId, JSON.stringify(a));
    })();
  }

  /**
   * Stores one file of a model version. Files of a version some store has been given are immutable: the same
   * bytes again are a no-op, different bytes are refused.
   */
  putModelFile(version: string, name: string, bytes: Uint8Array, at: number): PutFileResult {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return this.db.transaction((): PutFileResult => {
      const existing = this.modelFileSha(version, name);
      if (existing === sha256) return { status: 'unchanged', sha256 };
      if (this.db.prepare('SELECT 1 FROM model_releases WHERE version = ? LIMIT 1').get(version))
        return { status: 'published' };
      this.db
        .prepare(
          'INSERT OR REPLACE INTO model_files (version, name, sha256, bytes, uploaded_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(version, name, sha256, bytes, at);
      return { status: 'stored', sha256 };
    })();
  }

  modelFileSha(version: string, name: string): string | undefined {
    return this.db
      .prepare('SELECT sha256 FROM model_files WHERE version = ? AND name = ?')
      .pluck()
      .get(version, name) as string | undefined;
  }

  modelFile(version: string, name: string): { bytes: Buffer; sha256: string } | undefined {
    return this.db.prepare('SELECT bytes, sha256 FROM model_files WHERE version = ? AND name = ?').get(version, name) as
      | { bytes: Buffer; sha256: string }
      | undefined;
  }

  /** Publishes (or re-publishes, e.g. canary → full) a version for a store; it becomes the store's newest release. */
  putRelease(storeId: string, release: ModelRelease): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO model_releases (store_id, version, kind, files, rollout, created_at, seq)
         VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM model_releases))`,
      )
      .run(
        storeId,
        release.version,
        release.kind,
        JSON.stringify(release.files),
        JSON.stringify(release.rollout),
        release.createdAt,
      );
  }

  /** A store's releases, oldest first (newest createdAt last). */
  releases(storeId: string): ModelRelease[] {
    const rows = this.db
      .prepare(
        'SELECT version, kind, files, rollout, created_at FROM model_releases WHERE store_id = ? ORDER BY created_at, seq',
      )
      .all(storeId) as { version: string; kind: string; files: string; rollout: string; created_at: number }[];
    return rows.map((r) => ({
      version: r.version,
      kind: r.kind,
      files: JSON.parse(r.files),
      rollout: JSON.parse(r.rollout),
      createdAt: r.created_at,
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
