import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerProfile, schemaExamples } from '@aisle/contracts';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { CloudStore } from '../store';
import { testBackends } from '../testing';
import { storePage } from './feed';

/** The customers migration's slot in store.ts's list. */
const CUSTOMERS_MIGRATION = 6;

const profile = (customerId: string, over: Record<string, unknown>) =>
  CustomerProfile.parse({ ...schemaExamples.CustomerProfile.example, customerId, ...over });

describe.each(testBackends())('the customers migration on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it("backfills a database of the earlier release: home and buyers' stores in scope, identities registered", async () => {
    const url =
      backend.name === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'aisle-cus-')), 'cloud.db') : await backend.fresh();
    const store = await CloudStore.open(url);
    // the earlier release's data: profiles (one at home in seoul-01) and a sale to another in busan-02
    const now = Date.now();
    await store.upsertCustomers([
      profile('cus-0001', {
        homeStoreId: 'seoul-01',
        loyaltyId: 'LOY-0001',
        phoneHash: undefined,
        appDevices: ['shp-1', 'shp-2'],
      }),
      profile('cus-0002', { loyaltyId: 'LOY-0002', phoneHash: 'a'.repeat(64), appDevices: [] }),
    ]);
    const sale = { ...schemaExamples.PosPurchase.example, storeId: 'busan-02', customerId: 'cus-0002', ts: now };
    await store.addPurchases('busan-02', { batchId: 'b-1', entries: [{ seq: 1, purchase: sale }] }, now);
    // rewind to before the migration: its tables, column and index gone, its version not applied
    for (const table of ['identities', 'merges', 'customer_stores', 'profile_feed'])
      await sql.raw(`DROP TABLE ${table}`).execute(store.db);
    await sql.raw('DROP INDEX purchases_customer').execute(store.db);
    await sql.raw('ALTER TABLE customers DROP COLUMN created_seq').execute(store.db);
    await store.db.deleteFrom('schema_migrations').where('version', '=', CUSTOMERS_MIGRATION).execute();
    await store.close();

    const again = await CloudStore.open(url);
    const seoul = await storePage(again, 'seoul-01', 0, 10, now);
    expect(seoul.profiles.map((p) => p.customerId)).toEqual(['cus-0001']);
    const busan = await storePage(again, 'busan-02', 0, 10, now);
    expect(busan.profiles.map((p) => p.customerId)).toEqual(['cus-0002']);
    // a gateway whose cursor is past the profiles is not sent them again
    expect((await storePage(again, 'seoul-01', 2, 10, now)).profiles).toEqual([]);
    const identities = await again.db
      .selectFrom('identities')
      .select(['kind', 'value_hash', 'customer_id'])
      .orderBy('kind')
      .orderBy('value_hash')
      .execute();
    expect(identities).toEqual([
      { kind: 'app_device', value_hash: 'shp-1', customer_id: 'cus-0001' },
      { kind: 'app_device', value_hash: 'shp-2', customer_id: 'cus-0001' },
      { kind: 'loyalty', value_hash: 'LOY-0001', customer_id: 'cus-0001' },
      { kind: 'loyalty', value_hash: 'LOY-0002', customer_id: 'cus-0002' },
      { kind: 'phone', value_hash: 'a'.repeat(64), customer_id: 'cus-0002' },
    ]);
    const created = await again.db.selectFrom('customers').select(['customer_id', 'created_seq']).execute();
    expect(created.map((r) => [r.customer_id, Number(r.created_seq)]).sort()).toEqual([
      ['cus-0001', 1],
      ['cus-0002', 2],
    ]);
    await again.close();
  });
});
