import { createHash } from 'node:crypto';
import {
  CustomerProfile,
  type CustomerProfileInput,
  type PosPurchase,
  ProfilePage,
  phoneDigits,
  schemaExamples,
} from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import type { InjectOptions } from 'fastify';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Cloud, createCloud } from '../app';
import { operatorToken, storeToken } from '../auth';
import { TEST_ADMIN_SECRET, testBackends } from '../testing';

const A = 'seoul-01';
const B = 'busan-02';
const secrets: Record<string, string> = { [A]: newSecret(), [B]: newSecret() };
const token = (storeId: string) => storeToken(storeId, secrets[storeId]!);
const OPERATOR = operatorToken(TEST_ADMIN_SECRET);
const DAY = 86_400_000;
const T0 = 1_764_400_000_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A profile of its own identities (loyalty `L-<n>`, device `shp-<n>`), at home in `home`. */
const person = (n: number, home: string | undefined, extra: Partial<CustomerProfileInput> = {}): CustomerProfile =>
  CustomerProfile.parse({
    customerId: `cus-${String(n).padStart(4, '0')}`,
    firstName: `P${n}`,
    loyaltyId: `L-000${n}`,
    ...(home && { homeStoreId: home }),
    consent: { personalization: true, location: true },
    favouriteCategories: [],
    appDevices: [`shp-${n}`],
    updatedAt: T0,
    ...extra,
  });

const sale = (eventId: string, storeId: string, customerId: string, ts: number): PosPurchase => ({
  ...schemaExamples.PosPurchase.example,
  eventId,
  storeId,
  customerId,
  ts,
});

describe.each(testBackends())('customers on $name', (backend) => {
  let cloud: Cloud | undefined;
  let clock = T0;
  const seqs: Record<string, number> = { [A]: 0, [B]: 0 };
  async function start(customers: CustomerProfile[] = []) {
    clock = T0;
    seqs[A] = seqs[B] = 0;
    cloud = await createCloud({
      database: await backend.fresh(),
      logger: pino({ level: 'silent' }),
      now: () => clock,
      seed: {
        catalog: schemaExamples.Catalog.example,
        customers,
        stores: [A, B].map((storeId) => ({ storeId, secretHash: hashSecret(secrets[storeId]!) })),
      },
      adminSecret: TEST_ADMIN_SECRET,
    });
    return cloud;
  }
  afterEach(async () => {
    await cloud?.app.close();
    cloud = undefined;
  });
  afterAll(() => backend.cleanup());

  const as = (credential: string, opts: InjectOptions) =>
    cloud!.app.inject({ ...opts, headers: { authorization: `Bearer ${credential}`, ...opts.headers } });
  const op = (opts: InjectOptions) => as(OPERATOR, opts);
  const ok = async (opts: InjectOptions, credential = OPERATOR) => {
    const res = await as(credential, opts);
    expect(res.statusCode, `${opts.method} ${opts.url}: ${res.body}`).toBe(200);
    return res.json();
  };
  const resolve = (body: Record<string, unknown>) =>
    ok({ method: 'POST', url: '/v1/identities/resolve', payload: body });
  const identities = async (customerId: string) =>
    (await ok({ method: 'GET', url: `/v1/customers/${customerId}/identities` })).identities;
  const buy = (storeId: string, purchases: PosPurchase[]) => {
    const first = seqs[storeId]! + 1;
    seqs[storeId]! += purchases.length;
    return ok(
      {
        method: 'POST',
        url: `/v1/stores/${storeId}/purchases`,
        payload: {
          storeId,
          batchId: `${storeId}:${first}`,
          entries: purchases.map((purchase, i) => ({ seq: first + i, purchase })),
        },
      },
      token(storeId),
    );
  };
  const purchaseOwners = async () =>
    (
      await cloud!.store.db.selectFrom('purchases').select(['event_id', 'customer_id']).orderBy('event_id').execute()
    ).map((r) => [r.event_id, r.customer_id]);

  /** A store's gateway: pulls its feed page by page and keeps what it was told, as the ProfileCache does. */
  function gateway(storeId: string) {
    const cached = new Map<string, CustomerProfile>();
    let cursor = 0;
    return {
      cached,
      async pull(limit = 500) {
        for (;;) {
          const page = ProfilePage.parse(
            await ok(
              { method: 'GET', url: `/v1/stores/${storeId}/profiles?cursor=${cursor}&limit=${limit}` },
              token(storeId),
            ),
          );
          for (const p of page.profiles) cached.set(p.customerId, p);
          for (const id of page.deleted) cached.delete(id);
          cursor = page.cursor;
          if (!page.more) return [...cached.keys()].sort();
        }
      },
    };
  }

  it('resolves unknown identifiers to a new customer, hashing e-mail and phone and keeping only the hashes', async () => {
    await start();
    const created = await resolve({
      identifiers: [
        { kind: 'email', value: '  Min.Ji@Example.COM ' },
        { kind: 'phone', value: '+82 10-5555-0001' },
        { kind: 'loyalty', value: 'AISLE-9001' },
      ],
      profile: { firstName: 'Minji', homeStoreId: A },
    });
    expect(created).toMatchObject({ created: true, attached: 3, merged: [] });
    expect(created.customerId).toMatch(/^cus-/);
    const profile = CustomerProfile.parse(await ok({ method: 'GET', url: `/v1/customers/${created.customerId}` }));
    expect(profile).toMatchObject({
      firstName: 'Minji',
      homeStoreId: A,
      loyaltyId: 'AISLE-9001',
      phoneHash: sha256(phoneDigits('+82 10-5555-0001')),
      consent: { personalization: false, location: false },
      updatedAt: T0,
    });
    const held = await identities(created.customerId);
    expect(held).toEqual(
      expect.arrayContaining([
        { kind: 'email', value: sha256('min.ji@example.com'), hashed: true, since: T0 },
        { kind: 'phone', value: sha256('821055550001'), hashed: true, since: T0 },
        { kind: 'loyalty', value: 'AISLE-9001', hashed: false, since: T0 },
      ]),
    );
    const stored = JSON.stringify(await cloud!.store.db.selectFrom('identities').selectAll().execute());
    expect(stored).not.toMatch(/example\.com|5555/i);
    // the home store's feed carries the new customer
    expect(await gateway(A).pull()).toEqual([created.customerId]);
    expect(await gateway(B).pull()).toEqual([]);
  });

  it('attaches unknown identifiers to the one customer the known ones belong to, once', async () => {
    await start([person(1, A, { appDevices: [] })]);
    const first = await resolve({
      identifiers: [
        { kind: 'loyalty', value: 'L-0001' },
        { kind: 'account', value: 'web-77' },
        { kind: 'app_device', value: 'shp-new' },
        // the same e-mail twice, as the hash the web shop may already have
        { kind: 'email', value: 'p1@example.com' },
        { kind: 'email', hash: sha256('p1@example.com') },
      ],
      profile: { firstName: 'ignored' },
    });
    expect(first).toEqual({ customerId: 'cus-0001', created: false, attached: 3, merged: [] });
    const again = await resolve({ identifiers: [{ kind: 'account', value: 'web-77' }] });
    expect(again).toEqual({ customerId: 'cus-0001', created: false, attached: 0, merged: [] });
    const profile = await ok({ method: 'GET', url: '/v1/customers/cus-0001' });
    expect(profile).toMatchObject({ firstName: 'P1', appDevices: ['shp-new'] });
    expect((await identities('cus-0001')).map((i: { kind: string }) => i.kind).sort()).toEqual([
      'account',
      'app_device',
      'email',
      'loyalty',
    ]);
  });

  it('stitches identifiers of several customers into the oldest, and tells every store to drop the others', async () => {
    await start([person(1, A), person(2, B), person(3, undefined)]);
    const a = gateway(A);
    const b = gateway(B);
    expect(await a.pull()).toEqual(['cus-0001']);
    expect(await b.pull()).toEqual(['cus-0002']);
    const stitched = await resolve({
      identifiers: [
        { kind: 'app_device', value: 'shp-3' },
        { kind: 'loyalty', value: 'L-0002' },
        { kind: 'loyalty', value: 'L-0001' },
        { kind: 'email', value: 'all@example.com' },
      ],
    });
    expect(stitched).toMatchObject({ customerId: 'cus-0001', created: false, attached: 1 });
    expect(stitched.merged.map((m: { mergedId: string }) => m.mergedId)).toEqual(['cus-0002', 'cus-0003']);
    for (const m of stitched.merged) expect(m).toMatchObject({ survivorId: 'cus-0001', mergedAt: T0 });
    expect((await op({ method: 'GET', url: '/v1/customers/cus-0002' })).statusCode).toBe(404);
    expect((await identities('cus-0001')).map((i: { value: string }) => i.value).sort()).toEqual(
      ['L-0001', 'L-0002', 'L-0003', 'shp-1', 'shp-2', 'shp-3', sha256('all@example.com')].sort(),
    );
    // busan-02 was cus-0002's home: it drops cus-0002 and keeps the merged customer (nearby, 30 days)
    expect(await a.pull()).toEqual(['cus-0001']);
    expect(await b.pull()).toEqual(['cus-0001']);
    expect(b.cached.get('cus-0001')?.appDevices).toEqual(['shp-1', 'shp-2', 'shp-3']);
  });

  it('merges two customers and undoes it: profiles, identities, purchases and store feeds as they were', async () => {
    const one = person(1, A, {
      consent: { personalization: true, location: true },
      tastes: { beauty: 0.2, shoes: 0.9 },
      recentPurchases: [{ itemId: 'sku-000001', at: T0 - 5 * DAY, channel: 'store' }],
      onlineCart: [{ itemId: 'sku-000001', quantity: 1, addedAt: T0 - 2 * DAY }],
    });
    const two = person(2, B, {
      firstName: undefined,
      phoneHash: sha256('821099990002'),
      consent: { personalization: false, location: true },
      tastes: { beauty: 0.7 },
      recentPurchases: [{ itemId: 'sku-000002', at: T0 - 3 * DAY, channel: 'online' }],
      onlineCart: [{ itemId: 'sku-000001', quantity: 3, addedAt: T0 - DAY }],
    });
    await start([one, two]);
    await buy(A, [sale('pos-a0000001', A, 'cus-0001', T0 - DAY)]);
    await buy(B, [sale('pos-b0000001', B, 'cus-0002', T0 - DAY), sale('pos-b0000002', B, 'cus-0002', T0)]);
    const a = gateway(A);
    const b = gateway(B);
    await a.pull();
    await b.pull();
    const before = {
      one: await ok({ method: 'GET', url: '/v1/customers/cus-0001' }),
      two: await ok({ method: 'GET', url: '/v1/customers/cus-0002' }),
      ids1: await identities('cus-0001'),
      ids2: await identities('cus-0002'),
      purchases: await purchaseOwners(),
    };

    clock = T0 + 1000;
    const merged = await ok({ method: 'POST', url: '/v1/customers/cus-0001/merge', payload: { from: 'cus-0002' } });
    expect(merged.merge).toMatchObject({ survivorId: 'cus-0001', mergedId: 'cus-0002', mergedAt: clock });
    expect(merged.profile).toMatchObject({
      firstName: 'P1',
      loyaltyId: 'L-0001',
      phoneHash: two.phoneHash,
      homeStoreId: A,
      consent: { personalization: false, location: true },
      tastes: { beauty: 0.7, shoes: 0.9 },
      recentPurchases: [one.recentPurchases[0], two.recentPurchases[0]],
      // the newer line of the two (as the stores' sales left the carts)
      onlineCart: before.two.onlineCart,
      appDevices: ['shp-1', 'shp-2'],
      updatedAt: clock,
    });
    expect(await purchaseOwners()).toEqual(before.purchases.map(([e]) => [e, 'cus-0001']));
    expect(await a.pull()).toEqual(['cus-0001']);
    expect(await b.pull()).toEqual(['cus-0001']);

    // an edit to the survivor after the merge: kept by the undo
    clock = T0 + 2000;
    const edited = { ...merged.profile, firstName: 'Edited', updatedAt: clock };
    await ok({ method: 'PUT', url: '/v1/customers/cus-0001', payload: edited });

    clock = T0 + 3000;
    const undone = await ok({ method: 'POST', url: `/v1/merges/${merged.merge.mergeId}/undo` });
    expect(undone.merge).toMatchObject({ mergeId: merged.merge.mergeId, undoneAt: clock });
    expect(undone.restored).toEqual(before.two);
    expect(undone.survivor).toEqual({ ...before.one, firstName: 'Edited', updatedAt: clock });
    expect(await ok({ method: 'GET', url: '/v1/customers/cus-0002' })).toEqual(before.two);
    expect(await identities('cus-0001')).toEqual(before.ids1);
    expect(await identities('cus-0002')).toEqual(before.ids2);
    expect(await purchaseOwners()).toEqual(before.purchases);
    // each store has its own customer back, and only it
    expect(await a.pull()).toEqual(['cus-0001']);
    expect(await b.pull()).toEqual(['cus-0002']);
    expect(b.cached.get('cus-0002')).toEqual(before.two);
    expect(a.cached.get('cus-0001')?.firstName).toBe('Edited');

    const twice = await op({ method: 'POST', url: `/v1/merges/${merged.merge.mergeId}/undo` });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('already_undone');
  });

  it('refuses an undo whose survivor is gone, and a merge of a customer into itself or of an unknown one', async () => {
    await start([person(1, A), person(2, A), person(3, A)]);
    const merged = await ok({ method: 'POST', url: '/v1/customers/cus-0001/merge', payload: { from: 'cus-0002' } });
    // the survivor merged again into another customer
    const again = await ok({ method: 'POST', url: '/v1/customers/cus-0003/merge', payload: { from: 'cus-0001' } });
    const undo = await op({ method: 'POST', url: `/v1/merges/${merged.merge.mergeId}/undo` });
    expect(undo.statusCode).toBe(409);
    expect(undo.json().error.code).toBe('survivor_missing');
    // an erasure takes the merge records naming the customer with it (data-subject erasure): nothing to undo
    await ok({ method: 'DELETE', url: '/v1/customers/cus-0003' });
    expect((await op({ method: 'POST', url: `/v1/merges/${again.merge.mergeId}/undo` })).statusCode).toBe(404);
    const self = await op({ method: 'POST', url: '/v1/customers/cus-0002/merge', payload: { from: 'cus-0002' } });
    expect(self.json().error.code).toBe('same_customer');
    const unknown = await op({ method: 'POST', url: '/v1/customers/cus-0009/merge', payload: { from: 'cus-0002' } });
    expect(unknown.statusCode).toBe(404);
    expect((await op({ method: 'POST', url: '/v1/merges/mrg-nothing/undo' })).statusCode).toBe(404);
  });

  it("scopes each store's feed: home, purchases for 90 days, lookups for 30, with tombstones when one ends", async () => {
    await start([person(1, A), person(2, A), person(3, B)]);
    const a = gateway(A);
    const b = gateway(B);
    expect(await a.pull()).toEqual(['cus-0001', 'cus-0002']);
    expect(await b.pull()).toEqual(['cus-0003']);

    // a purchase in busan-02 brings cus-0001 into its feed; a sale again later is idempotent
    await buy(B, [sale('pos-b0000001', B, 'cus-0001', clock)]);
    await buy(B, [sale('pos-b0000001', B, 'cus-0001', clock)]);
    expect(await b.pull()).toEqual(['cus-0001', 'cus-0003']);
    // a profile change reaches every store in scope
    await ok({ method: 'PUT', url: '/v1/customers/cus-0001', payload: { ...person(1, A), firstName: 'New' } });
    await a.pull();
    await b.pull();
    expect([a.cached.get('cus-0001')?.firstName, b.cached.get('cus-0001')?.firstName]).toEqual(['New', 'New']);

    // a kiosk in busan-02 identifies cus-0002 by phone hash... it has none: by loyalty card
    const missing = await as(token(B), {
      method: 'POST',
      url: `/v1/stores/${B}/customers/lookup`,
      payload: { kind: 'phone', hash: sha256('1') },
    });
    expect(missing.statusCode).toBe(404);
    clock = T0 + 10 * DAY;
    const found = await ok(
      { method: 'POST', url: `/v1/stores/${B}/customers/lookup`, payload: { kind: 'loyalty', value: 'L-0002' } },
      token(B),
    );
    expect(found.customerId).toBe('cus-0002');
    expect(await b.pull()).toEqual(['cus-0001', 'cus-0002', 'cus-0003']);

    // 31 days after the purchase: still in scope (90); 41 days after the lookup: gone (30)
    clock = T0 + 41 * DAY;
    expect(await b.pull()).toEqual(['cus-0001', 'cus-0003']);
    clock = T0 + 91 * DAY;
    expect(await b.pull()).toEqual(['cus-0003']);
    // a home store keeps its customers
    expect(await a.pull()).toEqual(['cus-0001', 'cus-0002']);

    // a new home: the old one drops the customer, the new one gets it
    await ok({ method: 'PUT', url: '/v1/customers/cus-0002', payload: person(2, B) });
    expect(await a.pull()).toEqual(['cus-0001']);
    expect(await b.pull()).toEqual(['cus-0002', 'cus-0003']);

    // erasure: gone from the cloud and from every store that had it
    const erased = await ok({ method: 'DELETE', url: '/v1/customers/cus-0002' });
    expect(erased).toEqual({ customerId: 'cus-0002', stores: 1, requestId: expect.stringMatching(/^dsr-/) });
    expect(await b.pull()).toEqual(['cus-0003']);
    expect((await op({ method: 'GET', url: '/v1/customers/cus-0002' })).statusCode).toBe(404);
    expect(await identities('cus-0003')).toHaveLength(2);
    expect((await op({ method: 'GET', url: '/v1/customers/cus-0002/identities' })).statusCode).toBe(404);
    expect((await op({ method: 'DELETE', url: '/v1/customers/cus-0002' })).statusCode).toBe(404);
  });

  it('pages resumably while profiles change between pages: every change once, ending in the same state', async () => {
    const many = Array.from({ length: 12 }, (_, i) => person(i + 1, i % 3 === 2 ? B : A));
    await start(many);
    const a = gateway(A);
    const seen: string[] = [];
    let cursor = 0;
    let step = 0;
    for (;;) {
      const page = ProfilePage.parse(
        await ok({ method: 'GET', url: `/v1/stores/${A}/profiles?cursor=${cursor}&limit=3` }, token(A)),
      );
      seen.push(...page.profiles.map((p) => p.customerId), ...page.deleted.map((id) => `-${id}`));
      expect(page.cursor).toBeGreaterThanOrEqual(cursor);
      cursor = page.cursor;
      // between pages: one already sent changes, one not yet sent changes, one leaves the store
      if (step++ === 1) {
        await ok({ method: 'PUT', url: '/v1/customers/cus-0001', payload: { ...many[0]!, firstName: 'Again' } });
        await ok({ method: 'PUT', url: '/v1/customers/cus-0011', payload: { ...many[10]!, firstName: 'Later' } });
        await ok({ method: 'DELETE', url: '/v1/customers/cus-0002' });
      }
      if (!page.more) break;
    }
    const home = many.filter((_, i) => i % 3 !== 2).map((p) => p.customerId);
    expect(seen.filter((s) => !s.startsWith('-')).sort()).toEqual([...home, 'cus-0001'].sort());
    expect(seen.filter((s) => s.startsWith('-'))).toEqual(['-cus-0002']);
    expect(await a.pull()).toEqual(home.filter((id) => id !== 'cus-0002'));
    expect(a.cached.get('cus-0011')?.firstName).toBe('Later');
  });

  it('creates one customer when the same new identifiers are resolved many times at once', async () => {
    await start();
    const identifiers = [
      { kind: 'email', value: 'race@example.com' },
      { kind: 'account', value: 'web-race' },
    ];
    const results = await Promise.all(Array.from({ length: 8 }, () => resolve({ identifiers })));
    expect(new Set(results.map((r) => r.customerId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await cloud!.store.db.selectFrom('customers').select('customer_id').execute()).toHaveLength(1);
  });

  it("a store's pulls see every change of its customers once while writers upsert concurrently", async () => {
    await start();
    const store = cloud!.store;
    const seen: string[] = [];
    let cursor = 0;
    let done = false;
    const pull = async () => {
      for (;;) {
        const res = ProfilePage.parse(
          await ok({ method: 'GET', url: `/v1/stores/${A}/profiles?cursor=${cursor}&limit=4` }, token(A)),
        );
        seen.push(...res.profiles.map((p) => p.customerId));
        cursor = res.cursor;
        if (!res.more) return;
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
      Array.from({ length: 5 }, async (_, w) => {
        for (let i = 0; i < 12; i += 3) {
          const batch = [0, 1, 2].map((k) => person(100 + w * 20 + i + k, k === 2 ? B : A));
          written.push(...batch.filter((p) => p.homeStoreId === A).map((p) => p.customerId));
          await store.upsertCustomers(batch);
        }
      }),
    );
    done = true;
    await reader;
    expect([...seen].sort()).toEqual([...written].sort());
  });

  it('lets only the operator resolve, merge, undo, list identities and erase; a store looks up only in its own path', async () => {
    await start([person(1, A), person(2, B)]);
    const operatorOnly: InjectOptions[] = [
      {
        method: 'POST',
        url: '/v1/identities/resolve',
        payload: { identifiers: [{ kind: 'loyalty', value: 'L-0001' }] },
      },
      { method: 'POST', url: '/v1/customers/cus-0001/merge', payload: { from: 'cus-0002' } },
      { method: 'POST', url: '/v1/merges/mrg-any/undo' },
      { method: 'GET', url: '/v1/customers/cus-0001/identities' },
      { method: 'DELETE', url: '/v1/customers/cus-0001' },
    ];
    for (const request of operatorOnly) {
      const res = await as(token(A), request);
      expect(res.statusCode, String(request.url)).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
      expect((await cloud!.app.inject(request)).statusCode, String(request.url)).toBe(401);
    }
    expect(await ok({ method: 'GET', url: '/v1/customers/cus-0002' })).toMatchObject({ customerId: 'cus-0002' });
    const lookup = (storeId: string) => ({
      method: 'POST' as const,
      url: `/v1/stores/${storeId}/customers/lookup`,
      payload: { kind: 'loyalty', value: 'L-0002' },
    });
    const other = await as(token(A), lookup(B));
    expect(other.statusCode).toBe(403);
    expect(await gateway(B).pull()).toEqual(['cus-0002']); // the refused lookup added nothing
    expect((await as(token(A), lookup(A))).statusCode).toBe(200);
    expect((await op(lookup(A))).statusCode).toBe(200);
  });

  it('answers bad input with 400 and a clear code, and changes nothing', async () => {
    await start([person(1, A)]);
    const bad: [InjectOptions, string][] = [
      [{ method: 'POST', url: '/v1/identities/resolve', payload: { identifiers: [] } }, 'invalid_body'],
      [
        {
          method: 'POST',
          url: '/v1/identities/resolve',
          payload: { identifiers: [{ kind: 'email', value: 'no-at' }] },
        },
        'invalid_body',
      ],
      [
        {
          method: 'POST',
          url: '/v1/identities/resolve',
          payload: { identifiers: [{ kind: 'phone', value: 'call me' }] },
        },
        'invalid_body',
      ],
      [
        { method: 'POST', url: '/v1/identities/resolve', payload: { identifiers: [{ kind: 'fax', value: '123456' }] } },
        'invalid_body',
      ],
      [
        {
          method: 'POST',
          url: '/v1/identities/resolve',
          payload: { identifiers: [{ kind: 'loyalty', value: 'L-0001' }], profile: { customerId: 'cus-9' } },
        },
        'invalid_body',
      ],
      [{ method: 'POST', url: '/v1/customers/cus-0001/merge', payload: {} }, 'invalid_body'],
      [{ method: 'POST', url: '/v1/customers/a%20b/merge', payload: { from: 'cus-0001' } }, 'invalid_id'],
      [{ method: 'POST', url: '/v1/merges/cus-0001/undo' }, 'invalid_id'],
      [{ method: 'GET', url: '/v1/customers/a%20b/identities' }, 'invalid_id'],
      [{ method: 'DELETE', url: '/v1/customers/a%20b' }, 'invalid_id'],
      [
        { method: 'POST', url: `/v1/stores/${A}/customers/lookup`, payload: { kind: 'loyalty', hash: sha256('x') } },
        'invalid_body',
      ],
      [
        { method: 'POST', url: '/v1/stores/a%2Fb/customers/lookup', payload: { kind: 'loyalty', value: 'L-0001' } },
        'invalid_id',
      ],
    ];
    for (const [request, code] of bad) {
      const res = await op(request);
      expect(res.statusCode, `${request.method} ${request.url} ${JSON.stringify(request.payload)}`).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    expect(await cloud!.store.db.selectFrom('customers').select('customer_id').execute()).toHaveLength(1);
    expect(await identities('cus-0001')).toHaveLength(2);
  });
});
