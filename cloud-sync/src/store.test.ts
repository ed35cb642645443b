import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerProfile, schemaExamples } from '@aisle/contracts';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CloudStore } from './store';

const profile = (customerId: string) =>
  CustomerProfile.parse({ ...schemaExamples.CustomerProfile.example, customerId });

describe('CloudStore', () => {
  it('upgrades a database of the first schema: existing customers get a change counter in their order', () => {
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

    const store = new CloudStore(path);
    const page = store.profilesSince(0, 10);
    expect(page.profiles).toEqual([profile('cus-0001'), profile('cus-0002')]);
    expect(page.more).toBe(false);
    store.upsertCustomers([profile('cus-0001')]);
    expect(store.profilesSince(page.cursor, 10).profiles.map((p) => p.customerId)).toEqual(['cus-0001']);
    store.close();
  });

  it('bumps the change counter on every upsert, also within one batch', () => {
    const store = new CloudStore(':memory:');
    store.upsertCustomers([profile('cus-0001'), profile('cus-0002'), profile('cus-0001')]);
    const page = store.profilesSince(0, 10);
    expect(page.profiles.map((p) => p.customerId)).toEqual(['cus-0002', 'cus-0001']);
    expect(page.cursor).toBe(3);
    store.close();
  });
});
