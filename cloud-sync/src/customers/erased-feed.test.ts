import { CustomerProfile, ProfilePage, schemaExamples } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Cloud, createCloud } from '../app';
import { injectAs, TEST_ADMIN_SECRET, testBackends } from '../testing';

/**
 * A store scrubs everything it holds about a customer its feed says was erased (edge-gateway privacy/erasure.ts), so
 * the feed must tell an erasure from the other drops: a merge (the merged customer's data now belongs to the
 * survivor, and an undo brings them back) and leaving the store's scope.
 */

const A = 'seoul-01';
const B = 'busan-02';
const secrets: Record<string, string> = { [A]: newSecret(), [B]: newSecret() };
const NOW = 1_800_000_000_000;
const person = (id: string, homeStoreId = A) =>
  CustomerProfile.parse({
    ...schemaExamples.CustomerProfile.example,
    customerId: id,
    loyaltyId: undefined,
    phoneHash: undefined,
    appDevices: [],
    homeStoreId,
    updatedAt: NOW - 60_000,
  });

describe.each(testBackends())('erasures in the profile feed on $name', (backend) => {
  let cloud: Cloud | undefined;
  let send: ReturnType<typeof injectAs>;

  afterEach(async () => {
    await cloud?.app.close();
    cloud = undefined;
  });
  afterAll(() => backend.cleanup());

  it('marks an erased customer as erased, and a merged or out-of-scope one only as dropped', async () => {
    cloud = await createCloud({
      database: await backend.fresh(),
      logger: pino({ level: 'silent' }),
      seed: {
        catalog: schemaExamples.Catalog.example,
        customers: ['cus-e1', 'cus-m1', 'cus-s1', 'cus-k1'].map((id) => person(id)),
        stores: [A, B].map((storeId) => ({ storeId, secretHash: hashSecret(secrets[storeId]!) })),
      },
      adminSecret: TEST_ADMIN_SECRET,
      now: () => NOW,
    });
    send = injectAs(cloud.app, secrets);
    let cursor = 0;
    const pull = async () => {
      const res = await send({ method: 'GET', url: `/v1/stores/${A}/profiles?cursor=${cursor}&limit=100` }, A);
      expect(res.statusCode).toBe(200);
      const page = ProfilePage.parse(res.json());
      cursor = page.cursor;
      return page;
    };
    expect((await pull()).profiles).toHaveLength(4);

    expect((await send({ method: 'DELETE', url: '/v1/customers/cus-e1' })).statusCode).toBe(200);
    const merged = await send({ method: 'POST', url: '/v1/customers/cus-k1/merge', payload: { from: 'cus-m1' } });
    expect(merged.statusCode).toBe(200);
    const moved = await send({ method: 'PUT', url: '/v1/customers/cus-s1', payload: person('cus-s1', B) });
    expect(moved.statusCode).toBe(200);

    const page = await pull();
    expect([...page.deleted].sort()).toEqual(['cus-e1', 'cus-m1', 'cus-s1']);
    expect(page.erased).toEqual(['cus-e1']);
    expect(page.profiles.map((p) => p.customerId)).toEqual(['cus-k1']);
  });
});
