import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CustomerProfile,
  type ModelRelease,
  Product,
  type ProfilePage,
  type PurchaseBatchResult,
  type PurchaseEntry,
  type SeqGap,
  StoreAssortment,
  type SyncWatermark,
} from '@aisle/contracts';
import Database from 'better-sqlite3';
import { type Dialect, Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { type AuditTables, auditMigration } from './audit/schema';
import { type CartsTables, cartsMigration } from './carts/schema';
import { type ConsentTables, consentMigration } from './consent/schema';
import { writeProfiles } from './customers/profiles';
import { type CustomersTables, customersMigration } from './customers/schema';
import { type DsrTables, dsrMigration } from './dsr/schema';
import { type InventoryTables, inventoryMigration } from './inventory/schema';
import type { Migration } from './migration';
import { type TrainingTables, trainingMigration } from './training/schema';

/** The tables, as kysely sees them. Epoch-ms columns are BIGINT on PostgreSQL and come back as numbers. */
export interface CloudTables
  extends CustomersTables,
    CartsTables,
    TrainingTables,
    ConsentTables,
    InventoryTables,
    AuditTables,
    DsrTables {
  products: { item_id: string; product: string };
  /** `created_seq`: the `customers` counter value at creation (a stitch keeps the oldest customer; migration 6). */
  customers: { customer_id: string; profile: string; change_seq: number; created_seq: number };
  purchases: {
    event_id: string;
    store_id: string;
    customer_id: string | null;
    ts: number;
    payload: string;
    received_at: number;
  };
  assortments: { store_id: string; assortment: string };
  model_files: { version: string; name: string; sha256: string; bytes: Buffer; uploaded_at: number };
  model_releases: {
    store_id: string;
    version: string;
    kind: string;
    files: string;
    rollout: string;
    created_at: number;
    seq: number;
  };
  /** Named counters bumped inside the writing transaction: `customers` (the profile feed's cursor), `releases`. */
  counters: { name: string; value: number };
  /** Each store's credential: the salted hash of its secret (`hashSecret` of @aisle/contracts/credentials). */
  stores: { store_id: string; secret_hash: string; created_at: number };
  /** Every outbox seq a store sent, with the purchase it carried (the inbox: what was seen). */
  store_inbox: { store_id: string; seq: number; event_id: string; received_at: number };
  /** Each store's watermark in its outbox sequence. */
  store_sync: { store_id: string; highest_contiguous: number; highest_seen: number };
  /** Each batch applied, by its idempotency key, with its answer (a batch sent again gets the same one). */
  store_batches: {
    store_id: string;
    batch_id: string;
    first_seq: number;
    last_seq: number;
    size: number;
    accepted: number;
    duplicates: number;
    received_at: number;
  };
  schema_migrations: { version: number; applied_at: number };
}

export type StoreDialect = 'sqlite' | 'postgres';

/** Where the store lives, parsed from a URL or a path. */
export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/** A storage fault the process cannot serve without: a bad database URL, an unreachable server, a failed migration. */
export class CloudStoreError extends Error {
  constructor(
    readonly code: 'bad_url' | 'unreachable' | 'migration_failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CloudStoreError';
  }
}

/**
 * `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite:<path>`, `:memory:` or a plain file path → SQLite.
 * Any other scheme is refused.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const value = url.trim();
  if (value === '') throw new CloudStoreError('bad_url', 'the database URL is empty');
  if (/^postgres(ql)?:\/\//i.test(value)) return { dialect: 'postgres', url: value };
  const sqlite = /^sqlite:(?:\/\/)?(.*)$/i.exec(value);
  if (sqlite) {
    if (!sqlite[1]) throw new CloudStoreError('bad_url', `"${url}" names no SQLite file; use sqlite:<path>`);
    return { dialect: 'sqlite', path: sqlite[1] };
  }
  if (value === ':memory:') return { dialect: 'sqlite', path: value };
  // a scheme of two or more letters (a single letter is a Windows drive)
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(value);
  if (scheme)
    throw new CloudStoreError(
      'bad_url',
      `unsupported database URL scheme "${scheme[1]}:"; use postgres://…, sqlite:<path> or a file path`,
    );
  return { dialect: 'sqlite', path: value };
}

/** A PostgreSQL URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

const INT8_OID = 20;

/** A pool whose BIGINT (int8) columns parse to numbers; scoped to this pool, pg's global parsers stay untouched. */
function postgresPool(url: string, onError: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // an idle client losing its connection must not crash the process; the next query reconnects
  pool.on('error', onError);
  return pool;
}

/**
 * Numbered migrations (version = index + 1), recorded in `schema_migrations`. Append, never edit. A SQLite file of
 * the previous releases counted applied migrations in `user_version`; those count as applied here.
 */
const migrations: readonly Migration[] = [
  {
    sqlite: [
      'CREATE TABLE products (item_id TEXT PRIMARY KEY, product TEXT NOT NULL)',
      'CREATE TABLE customers (customer_id TEXT PRIMARY KEY, profile TEXT NOT NULL)',
      `CREATE TABLE purchases (event_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, customer_id TEXT,
        ts INTEGER NOT NULL, payload TEXT NOT NULL, received_at INTEGER NOT NULL)`,
      'CREATE INDEX purchases_store ON purchases (store_id, ts)',
    ],
    postgres: [
      'CREATE TABLE products (item_id TEXT PRIMARY KEY, product TEXT NOT NULL)',
      'CREATE TABLE customers (customer_id TEXT PRIMARY KEY, profile TEXT NOT NULL)',
      `CREATE TABLE purchases (event_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, customer_id TEXT,
        ts BIGINT NOT NULL, payload TEXT NOT NULL, received_at BIGINT NOT NULL)`,
      'CREATE INDEX purchases_store ON purchases (store_id, ts)',
    ],
  },
  // 2: a change counter on customers (stores pull profiles changed after a cursor), store assortments, the model registry
  {
    sqlite: [
      'ALTER TABLE customers ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0',
      'UPDATE customers SET change_seq = rowid',
      'CREATE INDEX customers_change ON customers (change_seq)',
      'CREATE TABLE assortments (store_id TEXT PRIMARY KEY, assortment TEXT NOT NULL)',
      `CREATE TABLE model_files (version TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, bytes BLOB NOT NULL,
        uploaded_at INTEGER NOT NULL, PRIMARY KEY (version, name))`,
      `CREATE TABLE model_releases (store_id TEXT NOT NULL, version TEXT NOT NULL, kind TEXT NOT NULL,
        files TEXT NOT NULL, rollout TEXT NOT NULL, created_at INTEGER NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (store_id, version))`,
      'CREATE INDEX model_releases_version ON model_releases (version)',
    ],
    postgres: [
      'ALTER TABLE customers ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0',
      'CREATE INDEX customers_change ON customers (change_seq)',
      'CREATE TABLE assortments (store_id TEXT PRIMARY KEY, assortment TEXT NOT NULL)',
      `CREATE TABLE model_files (version TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, bytes BYTEA NOT NULL,
        uploaded_at BIGINT NOT NULL, PRIMARY KEY (version, name))`,
      `CREATE TABLE model_releases (store_id TEXT NOT NULL, version TEXT NOT NULL, kind TEXT NOT NULL,
        files TEXT NOT NULL, rollout TEXT NOT NULL, created_at BIGINT NOT NULL, seq BIGINT NOT NULL,
        PRIMARY KEY (store_id, version))`,
      'CREATE INDEX model_releases_version ON model_releases (version)',
    ],
  },
  // 3: counters bumped inside the writing transaction, so concurrent writers on PostgreSQL never share a value and
  // a change becomes visible in counter order (the profile feed's cursor never skips a change)
  {
    sqlite: [
      'CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)',
      `INSERT INTO counters (name, value) VALUES
        ('customers', (SELECT coalesce(max(change_seq), 0) FROM customers)),
        ('releases', (SELECT coalesce(max(seq), 0) FROM model_releases))`,
    ],
    postgres: [
      'CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)',
      `INSERT INTO counters (name, value) VALUES
        ('customers', (SELECT coalesce(max(change_seq), 0) FROM customers)),
        ('releases', (SELECT coalesce(max(seq), 0) FROM model_releases))`,
    ],
  },
  // 4: per-store credentials (a store's gateway authenticates with its own secret)
  {
    both: ['CREATE TABLE stores (store_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, created_at BIGINT NOT NULL)'],
  },
  // 5: the inbox of store outbox sequences: what each store sent, its watermark, and each batch by idempotency key
  {
    both: [
      `CREATE TABLE store_inbox (store_id TEXT NOT NULL, seq BIGINT NOT NULL, event_id TEXT NOT NULL,
        received_at BIGINT NOT NULL, PRIMARY KEY (store_id, seq))`,
      `CREATE TABLE store_sync (store_id TEXT PRIMARY KEY, highest_contiguous BIGINT NOT NULL,
        highest_seen BIGINT NOT NULL)`,
      `CREATE TABLE store_batches (store_id TEXT NOT NULL, batch_id TEXT NOT NULL, first_seq BIGINT NOT NULL,
        last_seq BIGINT NOT NULL, size INTEGER NOT NULL, accepted INTEGER NOT NULL, duplicates INTEGER NOT NULL,
        received_at BIGINT NOT NULL, PRIMARY KEY (store_id, batch_id))`,
    ],
  },
  // 6: identities, merges, each store's scope of customers and its profile feed with tombstones
  customersMigration,
  // 7: carts (per-line versions, the losing edits kept for audit) and web-shop events
  cartsMigration,
  // 8: training runs and model cards
  trainingMigration,
  // 9: consent records per purpose
  consentMigration,
  // 10: catalog and per-store inventory change feeds
  inventoryMigration,
  // 11: the hash-chained audit log and versioned policy texts
  auditMigration,
  // 12: data-subject requests and erased customers
  dsrMigration,
];

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = migrations.length;

/** Most gaps a watermark lists. */
const MAX_GAPS = 100;

/** A batch that contradicts what the store sent before: a seq or batch id reused for something else. */
export class SeqConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeqConflictError';
  }
}

/** Rows per multi-row INSERT: well under SQLite's 32766 and PostgreSQL's 65535 bind parameters. */
const CHUNK = 500;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The last item per key, in the order of those last occurrences (one statement may not touch a row twice). */
function lastByKey<T>(items: readonly T[], key: (item: T) => string): { item: T; index: number }[] {
  const last = new Map<string, number>();
  items.forEach((item, index) => {
    last.set(key(item), index);
  });
  return [...last.values()].sort((a, b) => a - b).map((index) => ({ item: items[index]!, index }));
}

const asBuffer = (bytes: Uint8Array) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** What putModelFile did: stored (new or replaced), unchanged (same bytes again), or refused (version published). */
export type PutFileResult = { status: 'stored' | 'unchanged'; sha256: string } | { status: 'published' };

export interface OpenOptions {
  /** Told about a pooled PostgreSQL connection that failed while idle (the pool replaces it). */
  onPoolError?: (err: Error) => void;
  /** Applies migrations only up to this version: a database as an older release left it (migration tests). */
  upTo?: number;
}

/**
 * cloud-sync's storage: SQLite (better-sqlite3, the one-command default) or PostgreSQL (production), the same
 * methods over kysely. Open with `await CloudStore.open(url)`; it migrates the schema first.
 */
export class CloudStore {
  private constructor(
    readonly db: Kysely<CloudTables>,
    readonly dialect: StoreDialect,
  ) {}

  /** Opens (creating a SQLite file and its folder if needed) and migrates. See parseDatabaseUrl for the URLs. */
  static async open(url: string, opts: OpenOptions = {}): Promise<CloudStore> {
    const target = parseDatabaseUrl(url);
    let dialect: Dialect;
    if (target.dialect === 'sqlite') {
      let database: Database.Database;
      try {
        if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true });
        database = new Database(target.path);
        database.pragma('journal_mode = WAL');
      } catch (err) {
        throw new CloudStoreError(
          'unreachable',
          `cannot open the SQLite file ${target.path}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      dialect = new SqliteDialect({ database });
    } else {
      dialect = new PostgresDialect({ pool: postgresPool(target.url, opts.onPoolError ?? (() => {})) });
    }
    const store = new CloudStore(new Kysely<CloudTables>({ dialect }), target.dialect);
    try {
      await store.migrate(opts.upTo ?? migrations.length);
    } catch (err) {
      await store.close();
      if (target.dialect === 'postgres' && isConnectionError(err))
        throw new CloudStoreError(
          'unreachable',
          `cannot reach PostgreSQL at ${redactUrl(target.url)}: ${(err as Error).message || (err as { code?: string }).code}`,
          { cause: err },
        );
      throw new CloudStoreError('migration_failed', `migrating the cloud database failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return store;
  }

  /** Applies the pending migrations, each recorded in `schema_migrations`, all in one transaction. */
  private async migrate(upTo: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // one migrator at a time per database (two processes starting together)
      if (this.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(${0x41_49_53_4c})`.execute(trx);
      const fresh = !(await this.hasMigrationTable(trx));
      if (fresh) {
        await sql`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`.execute(
          trx,
        );
        // a SQLite file of the previous releases: its user_version counts the migrations it has
        if (this.dialect === 'sqlite') {
          const legacy = Number(
            (await sql<{ user_version: number }>`PRAGMA user_version`.execute(trx)).rows[0]?.user_version ?? 0,
          );
          for (let v = 1; v <= legacy; v++)
            await trx.insertInto('schema_migrations').values({ version: v, applied_at: Date.now() }).execute();
        }
      }
      const applied = new Set(
        (await trx.selectFrom('schema_migrations').select('version').execute()).map((r) => Number(r.version)),
      );
      if (applied.size > 0 && Math.max(...applied) > migrations.length)
        throw new Error(
          `the database has schema version ${Math.max(...applied)}, newer than this build's ${migrations.length}`,
        );
      for (const [i, migration] of migrations.entries()) {
        const version = i + 1;
        if (applied.has(version) || version > upTo) continue;
        const statements = 'both' in migration ? migration.both : migration[this.dialect];
        for (const statement of statements) await sql.raw(statement).execute(trx);
        await trx.insertInto('schema_migrations').values({ version, applied_at: Date.now() }).execute();
      }
    });
  }

  private async hasMigrationTable(trx: Transaction<CloudTables>): Promise<boolean> {
    const found =
      this.dialect === 'sqlite'
        ? await sql`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`.execute(trx)
        : await sql`SELECT 1 FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`.execute(trx);
    return found.rows.length > 0;
  }

  /** The migration versions recorded as applied, ascending. */
  async appliedMigrations(): Promise<number[]> {
    const rows = await this.db.selectFrom('schema_migrations').select('version').orderBy('version').execute();
    return rows.map((r) => Number(r.version));
  }

  /** Adds `n` to a counter in the caller's transaction and returns the new value; the row lock serialises writers. */
  async bump(trx: Transaction<CloudTables>, name: string, n: number): Promise<number> {
    const row = await trx
      .updateTable('counters')
      .set((eb) => ({ value: eb('value', '+', n) }))
      .where('name', '=', name)
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  /** On PostgreSQL, serialises writers of one model version until the transaction ends (SQLite has one writer). */
  private async lockVersion(trx: Transaction<CloudTables>, version: string): Promise<void> {
    if (this.dialect === 'postgres')
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`model:${version}`}))`.execute(trx);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.db.selectFrom('products').select('item_id').limit(1).executeTakeFirst()) === undefined;
  }

  async upsertProducts(products: readonly Product[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(lastByKey(products, (p) => p.id)))
        await trx
          .insertInto('products')
          .values(part.map(({ item: p }) => ({ item_id: p.id, product: JSON.stringify(p) })))
          .onConflict((oc) => oc.column('item_id').doUpdateSet({ product: (eb) => eb.ref('excluded.product') }))
          .execute();
    });
  }

  async catalog(): Promise<Product[]> {
    const rows = await this.db.selectFrom('products').select('product').orderBy('item_id').execute();
    return rows.map((r) => Product.parse(JSON.parse(r.product)));
  }

  /**
   * Inserts or replaces profiles; each one gets the next value of the change counter, in order (a profile twice in
   * the batch keeps its last version and value). The counter is bumped first in the transaction, so concurrent
   * batches commit in counter order and a cursor pull never skips a change. In the same transaction each store in a
   * profile's scope gets a feed row, the identities a profile names are registered, and its home store is placed in
   * its scope (see customers/profiles.ts).
   */
  async upsertCustomers(profiles: readonly CustomerProfile[]): Promise<void> {
    if (profiles.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      const base = (await this.bump(trx, 'customers', profiles.length)) - profiles.length;
      const changes = lastByKey(profiles, (c) => c.customerId).map(({ item, index }) => ({
        profile: item,
        seq: base + index + 1,
      }));
      await writeProfiles(trx, changes);
    });
  }

  /**
   * Read-modify-write of one profile without losing a concurrent writer's change: `change` gets the profile as
   * stored and returns the new one (or undefined to leave it); the write happens only if nobody wrote the profile in
   * between (its change counter is still the one read), else `change` runs again on the newer profile. `change` may
   * read other tables (it runs outside the write's transaction). Returns the profile as written or left, or undefined
   * for an unknown customer.
   */
  async updateCustomer(
    customerId: string,
    change: (profile: CustomerProfile) => Promise<CustomerProfile | undefined> | CustomerProfile | undefined,
  ): Promise<CustomerProfile | undefined> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.db
        .selectFrom('customers')
        .select(['profile', 'change_seq'])
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      if (!row) return undefined;
      const current = CustomerProfile.parse(JSON.parse(row.profile));
      const next = await change(current);
      if (next === undefined) return current;
      if (next.customerId !== customerId) throw new Error(`updateCustomer(${customerId}) got ${next.customerId}`);
      const written = await this.db.transaction().execute(async (trx) => {
        const seq = await this.bump(trx, 'customers', 1);
        // the counter's row lock orders writers; a profile written since our read has a newer change_seq
        const now = await trx
          .selectFrom('customers')
          .select('change_seq')
          .where('customer_id', '=', customerId)
          .executeTakeFirst();
        if (Number(now?.change_seq) !== Number(row.change_seq)) return false;
        await writeProfiles(trx, [{ profile: next, seq }]);
        return true;
      });
      if (written) return next;
      if (attempt >= 50) throw new Error(`the profile of ${customerId} kept changing while being updated`);
    }
  }

  /**
   * Every profile changed after `cursor`, whatever its scope, oldest change first, at most `limit`; `cursor` of the
   * page is its last change. The operator's view: it lists no tombstones (a store pulls its own feed,
   * customers/feed.ts `storePage`).
   */
  async profilesSince(cursor: number, limit: number): Promise<ProfilePage> {
    const rows = await this.db
      .selectFrom('customers')
      .select(['profile', 'change_seq'])
      .where('change_seq', '>', cursor)
      .orderBy('change_seq')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    return {
      profiles: page.map((r) => CustomerProfile.parse(JSON.parse(r.profile))),
      deleted: [],
      cursor: page.length > 0 ? Number(page.at(-1)!.change_seq) : cursor,
      more: rows.length > limit,
    };
  }

  async customer(customerId: string): Promise<CustomerProfile | undefined> {
    const row = await this.db
      .selectFrom('customers')
      .select('profile')
      .where('customer_id', '=', customerId)
      .executeTakeFirst();
    return row === undefined ? undefined : CustomerProfile.parse(JSON.parse(row.profile));
  }

  /**
   * Applies a batch of a store's outbox in one transaction, through the inbox: a batch id seen before is ignored
   * and answered as the first time; a seq seen before with the same event id is a duplicate; a seq seen before with
   * another event id is a `SeqConflictError` (nothing is applied: the store's database was reset). An event id
   * already stored under another seq counts as a duplicate, its seq as received. Batches of one store are applied
   * one at a time (SQLite has one writer; PostgreSQL takes a per-store lock), so concurrent sends apply once.
   */
  async addPurchases(
    storeId: string,
    batch: { batchId: string; entries: readonly PurchaseEntry[] },
    receivedAt: number,
  ): Promise<PurchaseBatchResult> {
    const { batchId, entries } = batch;
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres')
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`sync:${storeId}`}))`.execute(trx);
      const firstSeq = entries[0]!.seq;
      const lastSeq = entries.at(-1)!.seq;
      const seen = await trx
        .selectFrom('store_batches')
        .selectAll()
        .where('store_id', '=', storeId)
        .where('batch_id', '=', batchId)
        .executeTakeFirst();
      if (seen) {
        if (Number(seen.first_seq) !== firstSeq || Number(seen.last_seq) !== lastSeq || seen.size !== entries.length)
          throw new SeqConflictError(
            `batch ${batchId} was applied before with seqs ${seen.first_seq}..${seen.last_seq} (${seen.size} entries)`,
          );
        return {
          accepted: seen.accepted,
          duplicates: seen.duplicates,
          ...(await this.watermark(trx, storeId)),
        };
      }
      const known = new Map<number, string>();
      for (const part of chunks(entries))
        for (const r of await trx
          .selectFrom('store_inbox')
          .select(['seq', 'event_id'])
          .where('store_id', '=', storeId)
          .where(
            'seq',
            'in',
            part.map((e) => e.seq),
          )
          .execute())
          known.set(Number(r.seq), r.event_id);
      for (const e of entries) {
        const had = known.get(e.seq);
        if (had !== undefined && had !== e.purchase.eventId)
          throw new SeqConflictError(
            `seq ${e.seq} of store ${storeId} was received before for event ${had}, now for ${e.purchase.eventId}: ` +
              "the store's database was reset or restored",
          );
      }
      const fresh = entries.filter((e) => !known.has(e.seq));
      let accepted = 0;
      for (const part of chunks(fresh)) {
        await trx
          .insertInto('store_inbox')
          .values(
            part.map((e) => ({ store_id: storeId, seq: e.seq, event_id: e.purchase.eventId, received_at: receivedAt })),
          )
          .execute();
        // event-id order, so overlapping writers lock rows in the same order
        const rows = [...part]
          .sort((a, b) =>
            a.purchase.eventId < b.purchase.eventId ? -1 : a.purchase.eventId > b.purchase.eventId ? 1 : 0,
          )
          .map(({ purchase: p }) => ({
            event_id: p.eventId,
            store_id: storeId,
            customer_id: p.customerId ?? null,
            ts: p.ts,
            payload: JSON.stringify(p),
            received_at: receivedAt,
          }));
        const inserted = await trx
          .insertInto('purchases')
          .values(rows)
          .onConflict((oc) => oc.column('event_id').doNothing())
          .returning('event_id')
          .execute();
        accepted += inserted.length;
      }
      const duplicates = entries.length - accepted;
      const mark = await this.advance(trx, storeId, fresh.length > 0 ? lastSeq : 0);
      await trx
        .insertInto('store_batches')
        .values({
          store_id: storeId,
          batch_id: batchId,
          first_seq: firstSeq,
          last_seq: lastSeq,
          size: entries.length,
          accepted,
          duplicates,
          received_at: receivedAt,
        })
        .execute();
      return { accepted, duplicates, ...mark };
    });
  }

  /** A store's watermark in its outbox sequence: 0s before its first batch. */
  async syncStatus(storeId: string): Promise<SyncWatermark> {
    return this.db.transaction().execute((trx) => this.watermark(trx, storeId));
  }

  /** Moves the store's watermark past the seqs now in its inbox (`seen`: the highest seq just received, or 0). */
  private async advance(trx: Transaction<CloudTables>, storeId: string, seen: number): Promise<SyncWatermark> {
    const row = await trx
      .selectFrom('store_sync')
      .select(['highest_contiguous', 'highest_seen'])
      .where('store_id', '=', storeId)
      .executeTakeFirst();
    let contiguous = Number(row?.highest_contiguous ?? 0);
    const highest = Math.max(Number(row?.highest_seen ?? 0), seen);
    const above = await trx
      .selectFrom('store_inbox')
      .select('seq')
      .where('store_id', '=', storeId)
      .where('seq', '>', contiguous)
      .orderBy('seq')
      .execute();
    for (const r of above) {
      if (Number(r.seq) !== contiguous + 1) break;
      contiguous++;
    }
    await trx
      .insertInto('store_sync')
      .values({ store_id: storeId, highest_contiguous: contiguous, highest_seen: highest })
      .onConflict((oc) =>
        oc.column('store_id').doUpdateSet({
          highest_contiguous: (eb) => eb.ref('excluded.highest_contiguous'),
          highest_seen: (eb) => eb.ref('excluded.highest_seen'),
        }),
      )
      .execute();
    return this.watermark(trx, storeId);
  }

  private async watermark(trx: Transaction<CloudTables>, storeId: string): Promise<SyncWatermark> {
    const row = await trx
      .selectFrom('store_sync')
      .select(['highest_contiguous', 'highest_seen'])
      .where('store_id', '=', storeId)
      .executeTakeFirst();
    const contiguous = Number(row?.highest_contiguous ?? 0);
    const highest = Number(row?.highest_seen ?? 0);
    const gaps: SeqGap[] = [];
    if (highest > contiguous) {
      const above = await trx
        .selectFrom('store_inbox')
        .select('seq')
        .where('store_id', '=', storeId)
        .where('seq', '>', contiguous)
        .orderBy('seq')
        .execute();
      let next = contiguous + 1;
      for (const r of above) {
        const seq = Number(r.seq);
        if (seq > next && gaps.length < MAX_GAPS) gaps.push({ from: next, to: seq - 1 });
        next = seq + 1;
      }
    }
    return { highestContiguousSeq: contiguous, highestSeenSeq: highest, gaps };
  }

  async purchaseCount(storeId: string): Promise<number> {
    const row = await this.db
      .selectFrom('purchases')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('store_id', '=', storeId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async assortment(storeId: string): Promise<StoreAssortment | undefined> {
    const row = await this.db
      .selectFrom('assortments')
      .select('assortment')
      .where('store_id', '=', storeId)
      .executeTakeFirst();
    return row === undefined ? undefined : StoreAssortment.parse(JSON.parse(row.assortment));
  }

  async putAssortments(assortments: readonly StoreAssortment[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(lastByKey(assortments, (a) => a.storeId)))
        await trx
          .insertInto('assortments')
          .values(part.map(({ item: a }) => ({ store_id: a.storeId, assortment: JSON.stringify(a) })))
          .onConflict((oc) => oc.column('store_id').doUpdateSet({ assortment: (eb) => eb.ref('excluded.assortment') }))
          .execute();
    });
  }

  /**
   * Stores one file of a model version. Files of a version some store has been given are immutable: the same
   * bytes again are a no-op, different bytes are refused.
   */
  async putModelFile(version: string, name: string, bytes: Uint8Array, at: number): Promise<PutFileResult> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return this.db.transaction().execute(async (trx): Promise<PutFileResult> => {
      await this.lockVersion(trx, version);
      const existing = await trx
        .selectFrom('model_files')
        .select('sha256')
        .where('version', '=', version)
        .where('name', '=', name)
        .executeTakeFirst();
      if (existing?.sha256 === sha256) return { status: 'unchanged', sha256 };
      const published = await trx
        .selectFrom('model_releases')
        .select('version')
        .where('version', '=', version)
        .limit(1)
        .executeTakeFirst();
      if (published) return { status: 'published' };
      await trx
        .insertInto('model_files')
        .values({ version, name, sha256, bytes: asBuffer(bytes), uploaded_at: at })
        .onConflict((oc) =>
          oc.columns(['version', 'name']).doUpdateSet({
            sha256: (eb) => eb.ref('excluded.sha256'),
            bytes: (eb) => eb.ref('excluded.bytes'),
            uploaded_at: (eb) => eb.ref('excluded.uploaded_at'),
          }),
        )
        .execute();
      return { status: 'stored', sha256 };
    });
  }

  async modelFileSha(version: string, name: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('model_files')
      .select('sha256')
      .where('version', '=', version)
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.sha256;
  }

  async modelFile(version: string, name: string): Promise<{ bytes: Buffer; sha256: string } | undefined> {
    return this.db
      .selectFrom('model_files')
      .select(['bytes', 'sha256'])
      .where('version', '=', version)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  /**
   * Publishes (or re-publishes, e.g. canary → full) a version for a store; it becomes the store's newest release.
   * Returns false, storing nothing, if a file of the release no longer has the sha256 the release names (it was
   * replaced after the caller checked it).
   */
  async putRelease(storeId: string, release: ModelRelease): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await this.lockVersion(trx, release.version);
      const stored = new Map(
        (
          await trx
            .selectFrom('model_files')
            .select(['name', 'sha256'])
            .where('version', '=', release.version)
            .execute()
        ).map((r) => [r.name, r.sha256]),
      );
      if (Object.entries(release.files).some(([name, sha256]) => stored.get(name) !== sha256)) return false;
      const seq = await this.bump(trx, 'releases', 1);
      const row = {
        store_id: storeId,
        version: release.version,
        kind: release.kind,
        files: JSON.stringify(release.files),
        rollout: JSON.stringify(release.rollout),
        created_at: release.createdAt,
        seq,
      };
      await trx
        .insertInto('model_releases')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['store_id', 'version']).doUpdateSet({
            kind: row.kind,
            files: row.files,
            rollout: row.rollout,
            created_at: row.created_at,
            seq: row.seq,
          }),
        )
        .execute();
      return true;
    });
  }

  /** Whether `version` has been published to `storeId` (a store may download only the files of its releases). */
  async hasRelease(storeId: string, version: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('model_releases')
      .select('version')
      .where('store_id', '=', storeId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Registers stores or replaces their secret hash (rotation); `created_at` stays the first registration's. */
  async putStoreCredentials(stores: readonly { storeId: string; secretHash: string }[], at: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(lastByKey(stores, (s) => s.storeId)))
        await trx
          .insertInto('stores')
          .values(part.map(({ item: s }) => ({ store_id: s.storeId, secret_hash: s.secretHash, created_at: at })))
          .onConflict((oc) =>
            oc.column('store_id').doUpdateSet({ secret_hash: (eb) => eb.ref('excluded.secret_hash') }),
          )
          .execute();
    });
  }

  /** The stored secret hash of a store's credential, or undefined for a store that has none. */
  async storeSecretHash(storeId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('stores')
      .select('secret_hash')
      .where('store_id', '=', storeId)
      .executeTakeFirst();
    return row?.secret_hash;
  }

  /** A store's releases, oldest first (newest createdAt last). */
  async releases(storeId: string): Promise<ModelRelease[]> {
    const rows = await this.db
      .selectFrom('model_releases')
      .select(['version', 'kind', 'files', 'rollout', 'created_at'])
      .where('store_id', '=', storeId)
      .orderBy('created_at')
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      version: r.version,
      kind: r.kind,
      files: JSON.parse(r.files),
      rollout: JSON.parse(r.rollout),
      createdAt: Number(r.created_at),
    }));
  }

  private closed = false;

  /** Closes the SQLite file or ends the PostgreSQL pool. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }
}

/** Errors of reaching the server (refused, unknown host, timeout, bad login, no such database), not of the SQL. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code))
      return true;
    // 08…: connection exception, 28…: invalid authorisation, 3D000: no such database
    if (/^(08|28)/.test(code) || code === '3D000') return true;
  }
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  return /timeout exceeded when trying to connect|Connection terminated/i.test((err as Error)?.message ?? '');
}
