import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CustomerProfile, type PosPurchase, Product } from '@aisle/contracts';
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
];

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

  upsertCustomers(profiles: readonly CustomerProfile[]): void {
    const stmt = this.db.prepare('INSERT OR REPLACE INTO customers (customer_id, profile) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const c of profiles) stmt.run(c.customerId, JSON.stringify(c));
    })();
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

  close(): void {
    if (this.db.open) this.db.close();
  }
}
