import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PosPurchase, schemaExamples } from '@aisle/contracts';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GatewayStore } from './db';
import { migrations } from './migrations';

const purchase = (eventId: string): PosPurchase => ({ ...schemaExamples.PosPurchase.example, eventId });
const pendingSeqs = (store: GatewayStore) => store.pendingOutbox(100).map((r) => r.seq);
const dbFile = () => join(mkdtempSync(join(tmpdir(), 'aisle-outbox-')), 'gateway.db');

describe('the outbox sequence', () => {
  it('numbers purchases gap-free from 1 across restarts, skipping duplicates and rolled-back sales', () => {
    const path = dbFile();
    let store = new GatewayStore(path);
    expect(store.recordPurchase(purchase('pos-00000001'), 1_000)).toBe(true);
    expect(store.recordPurchase(purchase('pos-00000001'), 1_001)).toBe(false); // duplicate: no seq used
    expect(store.recordPurchase(purchase('pos-00000002'), 1_002)).toBe(true);
    // a sale whose transaction fails uses no seq either
    store.db.exec(`CREATE TEMP TRIGGER boom BEFORE INSERT ON outbox WHEN NEW.payload LIKE '%pos-boom%'
      BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
    expect(() => store.recordPurchase(purchase('pos-boom-0001'), 1_003)).toThrow(/disk says no/);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL again after the FULL commit
    store.close();

    store = new GatewayStore(path);
    expect(store.recordPurchase(purchase('pos-00000003'), 2_000)).toBe(true);
    expect(pendingSeqs(store)).toEqual([1, 2, 3]);
    store.markOutboxSent(2, 2_500);
    store.close();

    store = new GatewayStore(path);
    expect(store.recordPurchase(purchase('pos-00000004'), 3_000)).toBe(true);
    expect(pendingSeqs(store)).toEqual([3, 4]);
    expect(store.oldestOutboxAt()).toBe(2_000);
    expect(store.lastOutboxSeq()).toBe(4);
    store.markOutboxSent(4, 3_500);
    expect(store.oldestOutboxAt()).toBeUndefined();
    expect(store.outboxDepth()).toBe(0);
    store.close();
  });

  it('numbers the unsent rows of a database of the previous schema from 1, in order', () => {
    const path = dbFile();
    const old = new Database(path);
    for (const [v, m] of migrations.slice(0, 4).entries()) {
      old.exec(m);
      old.pragma(`user_version = ${v + 1}`);
    }
    const enqueue = old.prepare('INSERT INTO outbox (kind, payload, created_at, sent_at) VALUES (?, ?, ?, ?)');
    for (const [i, sent] of [true, true, false, false, false].entries())
      enqueue.run('purchase', JSON.stringify(purchase(`pos-old-${i}`)), 100 + i, sent ? 500 : null);
    old.close();

    const store = new GatewayStore(path);
    expect(store.pendingOutbox(100).map((r) => [r.seq, JSON.parse(r.payload).eventId])).toEqual([
      [1, 'pos-old-2'],
      [2, 'pos-old-3'],
      [3, 'pos-old-4'],
    ]);
    store.recordPurchase(purchase('pos-new-0001'), 1_000);
    expect(pendingSeqs(store)).toEqual([1, 2, 3, 4]);
    store.close();
  });
});
