import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerProfile, type PosPurchase, schemaExamples } from '@aisle/contracts';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { CloudStore, CloudStoreError, parseDatabaseUrl, SCHEMA_VERSION, SeqConflictError } from './store';
import { TEST_POSTGRES_URL, testBackends, withSearchPath } from './testing';

const profile = (customerId: string) =>
  CustomerProfile.parse({ ...schemaExamples.CustomerProfile.example, customerId });
const purchase = (eventId: string): PosPurchase => ({ ...schemaExamples.PosPurchase.example, eventId });
/** A batch of seqs `from`..`to`, each carrying event `pos-<seq>` unless `eventOf` says otherwise. */
const batch = (from: number, to: number, eventOf = (seq: number) => `pos-${seq}`) => ({
  batchId: `seoul-01:${from}-${to}`,
  entries: Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, purchase: purchase(eventOf(from + i)) })),
});
const entries = (purchases: PosPurchase[], from = 1) => ({
  batchId: `b-${from}-${purchases.length}`,
  entries: purchases.map((p, i) => ({ seq: from + i, purchase: p })),
});

describe.each(testBackends())('CloudStore on $name', (backend) => {
  afterAll(() => backend.cleanup());
  const open = async () => CloudStore.open(await backend.fresh());

  it('migrates a new database to the newest schema, and opening it again applies nothing twice', async () => {
    const url = await backend.fresh();
    const store = await CloudStore.open(url);
    expect(store.dialect).toBe(backend.name);
    expect(await store.appliedMigrations()).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    await store.upsertCustomers([profile('cus-0001')]);
    if (backend.name === 'sqlite') return store.close(); // :memory: does not outlive its connection
    await store.close();
    const again = await CloudStore.open(url);
    expect(await again.appliedMigrations()).toHaveLength(SCHEMA_VERSION);
    expect((await again.profilesSince(0, 10)).cursor).toBe(1);
    await again.close();
  });

  it('bumps the change counter on every upsert, also within one batch', async () => {
    const store = await open();
    await store.upsertCustomers([profile('cus-0001'), profile('cus-0002'), profile('cus-0001')]);
    const page = await store.profilesSince(0, 10);
    expect(page.profiles.map((p) => p.customerId)).toEqual(['cus-0002', 'cus-0001']);
    expect(page.cursor).toBe(3);
    await store.close();
  });

  it('keeps epoch-ms timestamps beyond 32 bits and model bytes exact', async () => {
    const store = await open();
    const ts = 1_764_400_000_123;
    expect(await store.addPurchases('seoul-01', entries([{ ...purchase('pos-big-ts'), ts }]), ts)).toMatchObject({
      accepted: 1,
      duplicates: 0,
    });
    const row = await store.db.selectFrom('purchases').select(['ts', 'received_at']).executeTakeFirstOrThrow();
    expect(row).toEqual({ ts, received_at: ts });
    const bytes = Buffer.from([0, 255, 1, 254, 0, 0, 7]);
    expect(await store.putModelFile('nb-1', 'model.onnx', new Uint8Array(bytes), ts)).toMatchObject({
      status: 'stored',
    });
    expect((await store.modelFile('nb-1', 'model.onnx'))?.bytes.equals(bytes)).toBe(true);
    expect(await store.purchaseCount('seoul-01')).toBe(1);
    await store.close();
  });

  it('counts a purchase repeated within one batch as a duplicate', async () => {
    const store = await open();
    const result = await store.addPurchases(
      'seoul-01',
      entries([purchase('pos-a'), purchase('pos-b'), purchase('pos-a')]),
      1,
    );
    expect(result).toEqual({ accepted: 2, duplicates: 1, highestContiguousSeq: 3, highestSeenSeq: 3, gaps: [] });
    expect(await store.purchaseCount('seoul-01')).toBe(2);
    await store.close();
  });

  it('stores each event once when overlapping batches arrive concurrently, and counts the rest as duplicates', async () => {
    const store = await open();
    // batch b holds events b*100 … b*100+299: each overlaps the next two; in reverse order every other batch
    const batches = Array.from({ length: 12 }, (_, b) => {
      const ids = Array.from({ length: 300 }, (_, i) => `pos-${String(b * 100 + i).padStart(5, '0')}`);
      return (b % 2 ? ids.reverse() : ids).map(purchase);
    });
    const distinct = new Set(batches.flat().map((p) => p.eventId)).size;
    const results = await Promise.all(
      batches.map((batch, b) => store.addPurchases('seoul-01', entries(batch, b * 300 + 1), 5)),
    );
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(distinct);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(batches.flat().length - distinct);
    expect(await store.purchaseCount('seoul-01')).toBe(distinct);
    const stored = await store.db
      .selectFrom('purchases')
      .select(['event_id', sql<number>`count(*)`.as('n')])
      .groupBy('event_id')
      .having(sql`count(*)`, '>', 1)
      .execute();
    expect(stored).toEqual([]);
    await store.close();
  });

  it('applies a batch once: a re-sent batch is ignored and answered as the first time', async () => {
    const store = await open();
    const first = await store.addPurchases('seoul-01', batch(1, 10), 5);
    expect(first).toEqual({ accepted: 10, duplicates: 0, highestContiguousSeq: 10, highestSeenSeq: 10, gaps: [] });
    expect(await store.addPurchases('seoul-01', batch(1, 10), 6)).toEqual(first);
    // the same seqs under another batch id (the store re-batched after a lost answer): duplicates, nothing applied
    const rebatched = await store.addPurchases('seoul-01', { ...batch(5, 12), batchId: 'seoul-01:5-12' }, 7);
    expect(rebatched).toMatchObject({ accepted: 2, duplicates: 6, highestContiguousSeq: 12 });
    expect(await store.purchaseCount('seoul-01')).toBe(12);
    expect(await store.db.selectFrom('store_inbox').select('seq').execute()).toHaveLength(12);
    await store.close();
  });

  it('reports the gaps of batches that arrive out of order, and closes them when the rest arrives', async () => {
    const store = await open();
    const early = await store.addPurchases('seoul-01', batch(11, 20), 5);
    expect(early).toEqual({
      accepted: 10,
      duplicates: 0,
      highestContiguousSeq: 0,
      highestSeenSeq: 20,
      gaps: [{ from: 1, to: 10 }],
    });
    await store.addPurchases('seoul-01', batch(4, 6), 6);
    expect(await store.syncStatus('seoul-01')).toEqual({
      highestContiguousSeq: 0,
      highestSeenSeq: 20,
      gaps: [
        { from: 1, to: 3 },
        { from: 7, to: 10 },
      ],
    });
    expect(await store.syncStatus('busan-02')).toEqual({ highestContiguousSeq: 0, highestSeenSeq: 0, gaps: [] });
    await store.addPurchases('seoul-01', batch(1, 3), 7);
    expect((await store.syncStatus('seoul-01')).highestContiguousSeq).toBe(6);
    const closed = await store.addPurchases('seoul-01', batch(7, 10), 8);
    expect(closed).toMatchObject({ highestContiguousSeq: 20, highestSeenSeq: 20, gaps: [] });
    expect(await store.purchaseCount('seoul-01')).toBe(20);
    await store.close();
  });

  it('refuses a seq already received for another event, or a batch id reused for other seqs, and applies nothing', async () => {
    const store = await open();
    await store.addPurchases('seoul-01', batch(1, 5), 5);
    // the store's database was reset: seq 1.. again, for new sales
    const reset = batch(1, 6, (seq) => `pos-new-${seq}`);
    await expect(store.addPurchases('seoul-01', { ...reset, batchId: 'seoul-01:1-6' }, 6)).rejects.toThrow(
      SeqConflictError,
    );
    await expect(store.addPurchases('seoul-01', { ...batch(6, 7), batchId: 'seoul-01:1-5' }, 6)).rejects.toThrow(
      /applied before/,
    );
    expect(await store.purchaseCount('seoul-01')).toBe(5);
    expect(await store.syncStatus('seoul-01')).toMatchObject({ highestContiguousSeq: 5, highestSeenSeq: 5 });
    await store.close();
  });

  it('applies a batch sent many times at once exactly once, and answers every send alike', async () => {
    const store = await open();
    const results = await Promise.all(Array.from({ length: 8 }, () => store.addPurchases('seoul-01', batch(1, 50), 5)));
    for (const r of results)
      expect(r).toEqual({ accepted: 50, duplicates: 0, highestContiguousSeq: 50, highestSeenSeq: 50, gaps: [] });
    expect(await store.purchaseCount('seoul-01')).toBe(50);
    expect(await store.db.selectFrom('store_batches').select('batch_id').execute()).toHaveLength(1);
    await store.close();
  });

  it('cursor pulls see every change exactly once while writers upsert concurrently', async () => {
    const store = await open();
    const writers = 6;
    const perWriter = 15;
    let done = false;
    const seen: string[] = [];
    let cursor = 0;
    const pull = async () => {
      for (;;) {
        const page = await store.profilesSince(cursor, 4);
        seen.push(...page.profiles.map((p) => p.customerId));
        cursor = page.cursor;
        if (!page.more) return;
      }
    };
    const reader = (async () => {
      while (!done) {
        await pull();
        await new Promise((r) => setImmediate(r));
      }
      await pull();
    })();
    const written: string[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i += 3) {
          const batch = [0, 1, 2].map((k) => `cus-w${w}-${String(i + k).padStart(3, '0')}`);
          written.push(...batch);
          await store.upsertCustomers(batch.map(profile));
        }
      }),
    );
    done = true;
    await reader;
    expect(seen.length).toBe(written.length);
    expect([...seen].sort()).toEqual([...written].sort());
    await store.close();
  });

  it('hands out release sequence numbers once each when versions are published concurrently', async () => {
    const store = await open();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.putRelease('seoul-01', {
          version: `nb-${i}`,
          kind: 'next-basket',
          files: {},
          rollout: { mode: 'full', percent: 100 },
          createdAt: 1_000,
        }),
      ),
    );
    const seqs = (await store.db.selectFrom('model_releases').select('seq').execute()).map((r) => Number(r.seq));
    expect(new Set(seqs).size).toBe(10);
    expect(Math.max(...seqs)).toBe(10);
    await store.close();
  });
});

describe('CloudStore on a SQLite file of an earlier release', () => {
  it('upgrades a database of the first schema: existing customers get a change counter in their order', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'aisle-cloud-')), 'cloud.db');
    const old = new Database(path);
    // the shipped first migration, as a database written by the previous release has it
    old.exec(`
      CREATE TABLE products (item_id TEXT PRIMARY KEY, product TEXT NOT NULL);
      CREATE TABLE customers (customer_id TEXT PRIMARY KEY, profile TEXT NOT NULL);
      CREATE TABLE purchases (event_id TEXT PRIMARY KEY, store_id TEXT NOT NULL, customer_id TEXT, ts INTEGER NOT NULL,
        payload TEXT NOT NULL, received_at INTEGER NOT NULL);
      CREATE INDEX purchases_store ON purchases (store_id, ts);
    `);
    const insert = old.prepare('INSERT INTO customers (customer_id, profile) VALUES (?, ?)');
    // a profile of the previous release: none of the new fields
    for (const id of ['cus-0001', 'cus-0002'])
      insert.run(id, JSON.stringify({ ...schemaExamples.CustomerProfile.example, customerId: id }));
    old.pragma('user_version = 1');
    old.close();

    const store = await CloudStore.open(path);
    expect(await store.appliedMigrations()).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    const page = await store.profilesSince(0, 10);
    expect(page.profiles).toEqual([profile('cus-0001'), profile('cus-0002')]);
    expect(page.more).toBe(false);
    await store.upsertCustomers([profile('cus-0001')]);
    const next = await store.profilesSince(page.cursor, 10);
    expect(next.profiles.map((p) => p.customerId)).toEqual(['cus-0001']);
    expect(next.cursor).toBe(3);
    await store.close();
    // opened again by this release: schema_migrations rules, nothing is applied twice
    const again = await CloudStore.open(`sqlite:${path}`);
    expect((await again.profilesSince(0, 10)).cursor).toBe(3);
    await again.close();
  });

  it('upgrades a database of the second schema, keeping its counters going', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'aisle-cloud-')), 'cloud.db');
    const first = await CloudStore.open(path);
    await first.upsertCustomers([profile('cus-0001'), profile('cus-0002')]);
    await first.close();
    // rewind it to how the previous release left it: user_version 2, only the tables of schema 2 (no
    // schema_migrations, no counters, no later feature tables), customers without the later created_seq column
    const old = new Database(path);
    const schema2 = ['products', 'customers', 'purchases', 'assortments', 'model_files', 'model_releases'];
    const tables = old.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    for (const table of tables) if (!schema2.includes(table)) old.exec(`DROP TABLE ${table}`);
    const indexes = old.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL");
    for (const index of indexes.pluck().all())
      if (!['purchases_store', 'customers_change', 'model_releases_version'].includes(index))
        old.exec(`DROP INDEX ${index}`);
    old.exec('ALTER TABLE customers DROP COLUMN created_seq');
    old.pragma('user_version = 2');
    old.close();
    const store = await CloudStore.open(path);
    await store.upsertCustomers([profile('cus-0003')]);
    expect((await store.profilesSince(2, 10)).profiles.map((p) => p.customerId)).toEqual(['cus-0003']);
    await store.close();
  });
});

describe('database URLs', () => {
  it('chooses the dialect from the URL or path', () => {
    expect(parseDatabaseUrl('postgres://u@h:5432/db')).toEqual({ dialect: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(parseDatabaseUrl('postgresql://h/db').dialect).toBe('postgres');
    expect(parseDatabaseUrl('sqlite:data/cloud.db')).toEqual({ dialect: 'sqlite', path: 'data/cloud.db' });
    expect(parseDatabaseUrl('sqlite:///tmp/cloud.db')).toEqual({ dialect: 'sqlite', path: '/tmp/cloud.db' });
    expect(parseDatabaseUrl(':memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
    expect(parseDatabaseUrl('data/cloud.db')).toEqual({ dialect: 'sqlite', path: 'data/cloud.db' });
    expect(parseDatabaseUrl('C:\\aisle\\cloud.db').dialect).toBe('sqlite');
  });

  it('refuses an unknown scheme and an empty URL with a clear message', async () => {
    expect(() => parseDatabaseUrl('mysql://h/db')).toThrow(/unsupported database URL scheme "mysql:"/);
    expect(() => parseDatabaseUrl('  ')).toThrow(CloudStoreError);
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/names no SQLite file/);
    await expect(CloudStore.open('redis://h')).rejects.toMatchObject({ code: 'bad_url' });
  });

  it('says which SQLite file it cannot open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-cloud-'));
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    await expect(CloudStore.open(join(dir, 'not-a-folder', 'cloud.db'))).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/^cannot open the SQLite file .*not-a-folder\/cloud\.db/),
    });
    writeFileSync(join(dir, 'garbage.db'), 'this is not a database, just text that is long enough to be read');
    await expect(CloudStore.open(join(dir, 'garbage.db'))).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/garbage\.db: file is not a database/),
    });
  });

  it('says which PostgreSQL it cannot reach, without the password', async () => {
    const err = await CloudStore.open('postgres://aisle:s3cret@127.0.0.1:1/cloud').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudStoreError);
    expect(err).toMatchObject({ code: 'unreachable' });
    expect((err as Error).message).toMatch(
      /^cannot reach PostgreSQL at postgres:\/\/aisle:\*\*\*@127\.0\.0\.1:1\/cloud/,
    );
    expect((err as Error).message).not.toContain('s3cret');
    const missing = new URL(TEST_POSTGRES_URL);
    missing.pathname = '/aisle_no_such_db';
    const noDb = await CloudStore.open(withSearchPath(missing.toString(), 'x'))
      .then(() => 'opened')
      .catch((e: unknown) => e);
    expect(noDb).toMatchObject({ code: 'unreachable' });
  });
});
