import {
  applyCartEdits,
  type CartEdit,
  CartView,
  CustomerProfile,
  cartLines,
  emptyCart,
  type PosPurchase,
  type Product,
  receive,
  schemaExamples,
  tick,
  type WebEvent,
} from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import { createRng } from '@aisle/recsys/random';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type Cloud, createCloud } from '../app';
import { operatorToken, storeToken } from '../auth';
import { TEST_ADMIN_SECRET, testBackends, withCredential } from '../testing';
import { applyEdits, openCart } from './cart';
import { syncProfile } from './profile';

const STORE = 'seoul-01';
const OTHER = 'busan-02';
const secrets = { [STORE]: newSecret(), [OTHER]: newSecret() };
const NOW = 1_764_400_000_000;
const base = schemaExamples.Catalog.example.items[0]!;
const items: Product[] = ['sku-000001', 'sku-000002', 'sku-000003', 'sku-000004'].map((id) => ({ ...base, id }));
const customer = CustomerProfile.parse({ ...schemaExamples.CustomerProfile.example, homeStoreId: STORE });
const CART = '/v1/customers/cus-0001/cart';

/** An edit of cus-0001's cart from the web shop, at `wallMs`. */
const webEdit = (editId: string, itemId: string, quantity: number, wallMs: number, counter = 0): CartEdit => ({
  editId,
  customerId: 'cus-0001',
  itemId,
  quantity,
  hlc: { wallMs, counter, node: 'web' },
  origin: { channel: 'web' },
  at: wallMs,
});

const storePurchase = (eventId: string, lines: PosPurchase['lines'], ts: number): PosPurchase => ({
  eventId,
  storeId: STORE,
  terminalId: 'pos-1',
  customerId: 'cus-0001',
  lines,
  total: lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0),
  currency: 'USD',
  ts,
});

describe.each(testBackends())('carts on $name', (backend) => {
  let cloud: Cloud | undefined;
  let clock = NOW;
  async function start(customers: CustomerProfile[] = [customer]) {
    clock = NOW;
    cloud = await createCloud({
      database: await backend.fresh(),
      logger: pino({ level: 'silent' }),
      seed: {
        catalog: { items },
        customers,
        stores: [
          { storeId: STORE, secretHash: hashSecret(secrets[STORE]) },
          { storeId: OTHER, secretHash: hashSecret(secrets[OTHER]) },
        ],
      },
      adminSecret: TEST_ADMIN_SECRET,
      now: () => clock,
    });
    return withCredential(cloud.app, operatorToken(TEST_ADMIN_SECRET));
  }
  type App = Awaited<ReturnType<typeof start>>;
  const edits = (app: App, list: CartEdit[], customerId = 'cus-0001') =>
    app.inject({ method: 'POST', url: `/v1/customers/${customerId}/cart/edits`, payload: { edits: list } });
  const cartOf = async (app: App) => CartView.parse((await app.inject({ method: 'GET', url: CART })).json());
  const profileOf = async (app: App) =>
    CustomerProfile.parse((await app.inject({ method: 'GET', url: '/v1/customers/cus-0001' })).json());
  const storeBatch = (app: App, firstSeq: number, purchases: PosPurchase[]) =>
    app.inject({
      method: 'POST',
      url: `/v1/stores/${STORE}/purchases`,
      headers: { authorization: `Bearer ${storeToken(STORE, secrets[STORE])}` },
      payload: {
        storeId: STORE,
        batchId: `${STORE}:${firstSeq}-${firstSeq + purchases.length - 1}`,
        entries: purchases.map((purchase, i) => ({ seq: firstSeq + i, purchase })),
      },
    });
  afterEach(async () => {
    await cloud?.app.close();
    cloud = undefined;
  });
  afterAll(() => backend.cleanup());

  it("carries the merged-away customer's cart to the survivor line by line by clock, and back at undo", async () => {
    const other = CustomerProfile.parse({ ...customer, customerId: 'cus-0002', loyaltyId: undefined, onlineCart: [] });
    const app = await start([{ ...customer, onlineCart: [] }, other]);
    const edit = (id: string, customerId: string, itemId: string, quantity: number, wallMs: number) => ({
      ...webEdit(id, itemId, quantity, wallMs),
      customerId,
    });
    const first = await edits(app, [edit('web-a0001', 'cus-0001', 'sku-000001', 1, NOW)]);
    expect(first.statusCode, first.body).toBe(200);
    expect((await edits(app, [edit('web-a0002', 'cus-0001', 'sku-000003', 1, NOW)])).statusCode).toBe(200);
    // cus-0002 has sku-000003 too, edited later (it wins), and sku-000002 the survivor lacks
    expect((await edits(app, [edit('web-b0001', 'cus-0002', 'sku-000003', 2, NOW + 5)], 'cus-0002')).statusCode).toBe(
      200,
    );
    expect((await edits(app, [edit('web-b0002', 'cus-0002', 'sku-000002', 1, NOW + 6)], 'cus-0002')).statusCode).toBe(
      200,
    );
    clock = NOW + 10;
    const merged = await app.inject({
      method: 'POST',
      url: '/v1/customers/cus-0001/merge',
      payload: { from: 'cus-0002' },
    });
    expect(merged.statusCode).toBe(200);
    const lines = (await cartOf(app)).lines.map((l) => [l.itemId, l.quantity]);
    expect(lines.sort()).toEqual([
      ['sku-000001', 1],
      ['sku-000002', 1],
      ['sku-000003', 2],
    ]);
    expect((await profileOf(app)).onlineCart.map((l) => l.itemId).sort()).toEqual([
      'sku-000001',
      'sku-000002',
      'sku-000003',
    ]);
    // the survivor's next edit keeps the carried lines
    expect((await edits(app, [edit('web-a0003', 'cus-0001', 'sku-000001', 0, NOW + 20)])).statusCode).toBe(200);
    expect((await profileOf(app)).onlineCart.map((l) => l.itemId).sort()).toEqual(['sku-000002', 'sku-000003']);
    // undo: what came only from the merge leaves the survivor; the merged-away cart is back as it was
    clock = NOW + 30;
    const mergeId = merged.json().merge.mergeId;
    expect((await app.inject({ method: 'POST', url: `/v1/merges/${mergeId}/undo` })).statusCode).toBe(200);
    expect((await cartOf(app)).lines.map((l) => l.itemId)).toEqual([]);
    expect((await profileOf(app)).onlineCart).toEqual([]);
    const restored = CartView.parse((await app.inject({ method: 'GET', url: '/v1/customers/cus-0002/cart' })).json());
    expect(restored.lines.map((l) => [l.itemId, l.quantity]).sort()).toEqual([
      ['sku-000002', 1],
      ['sku-000003', 2],
    ]);
  });

  it("shows a profile's cart with the versions its import gives, then keeps those lines when the cart is edited", async () => {
    const app = await start();
    const before = await cartOf(app);
    expect(before.lines).toEqual([
      {
        itemId: 'sku-000002',
        quantity: 1,
        addedAt: 1_764_396_400_000,
        editId: 'cloud:import:cus-0001:sku-000002',
        hlc: { wallMs: 1_764_396_400_000, counter: 0, node: 'profile' },
        origin: { channel: 'web' },
      },
    ]);
    const res = await edits(app, [webEdit('web-000001', 'sku-000003', 2, NOW)]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const after = await cartOf(app);
    expect(after.lines.map((l) => [l.itemId, l.quantity, l.editId])).toEqual([
      ['sku-000002', 1, 'cloud:import:cus-0001:sku-000002'],
      ['sku-000003', 2, 'web-000001'],
    ]);
    expect(after.clock).toEqual({ wallMs: NOW, counter: 0, node: 'web' });
    const profile = await profileOf(app);
    expect(profile.onlineCart).toEqual([
      { itemId: 'sku-000002', quantity: 1, addedAt: 1_764_396_400_000 },
      { itemId: 'sku-000003', quantity: 2, addedAt: NOW },
    ]);
    // the stores whose scope the customer is in see the change on their next pull
    const page = await app.inject({
      method: 'GET',
      url: `/v1/stores/${STORE}/profiles?cursor=0`,
      headers: { authorization: `Bearer ${storeToken(STORE, secrets[STORE])}` },
    });
    const pulled = page.json().profiles.find((p: CustomerProfile) => p.customerId === 'cus-0001');
    expect(pulled.onlineCart).toEqual(profile.onlineCart);
  });

  it('converges whatever the order and duplication of conflicting edits, and keeps the losing ones for audit', async () => {
    // the app and a store edit the same line; the store's clock is behind but it saw the app's edit first
    const app1: CartEdit = { ...webEdit('app-000001', 'sku-000001', 3, NOW - 1_000), origin: { channel: 'app' } };
    const seen = receive({ wallMs: 0, counter: 0, node: 'pos:seoul-01' }, app1.hlc, NOW - 5_000);
    const store1: CartEdit = {
      ...webEdit('pos-000001', 'sku-000001', 1, 0),
      hlc: tick(seen, NOW - 4_000),
      origin: { channel: 'store', storeId: STORE },
      at: NOW - 4_000,
    };
    const web1 = webEdit('web-000002', 'sku-000003', 1, NOW - 2_000);
    const web2 = webEdit('web-000003', 'sku-000003', 0, NOW - 1_500);
    const results: unknown[] = [];
    for (const order of [
      [[app1, store1, web1, web2]],
      [[web2, store1], [app1, web1, web2], [store1]],
      [[store1], [web1], [app1], [web2, app1]],
    ]) {
      const app = await start([{ ...customer, onlineCart: [] }]);
      for (const batch of order) expect((await edits(app, batch)).statusCode).toBe(200);
      const cart = await cartOf(app);
      const audit = (await app.inject({ method: 'GET', url: `${CART}/audit` })).json();
      results.push({ cart, audit, profile: (await profileOf(app)).onlineCart });
      await cloud!.app.close();
      cloud = undefined;
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    const { cart, audit } = results[0] as { cart: CartView; audit: { superseded: unknown[] } };
    expect(cart.lines).toEqual([
      {
        itemId: 'sku-000001',
        quantity: 1,
        addedAt: NOW - 1_000,
        editId: 'pos-000001',
        hlc: store1.hlc,
        origin: { channel: 'store', storeId: STORE },
      },
    ]);
    expect(audit.superseded).toEqual([
      { edit: app1, supersededBy: 'pos-000001' },
      { edit: web1, supersededBy: 'web-000003' },
    ]);
  });

  it('holds the cart the merge of the contracts gives, for random edit histories delivered in random ways', async () => {
    const runs = 20;
    const ids = Array.from({ length: runs }, (_, i) => `cus-r${String(i).padStart(3, '0')}`);
    const app = await start(ids.map((customerId) => ({ ...customer, customerId, onlineCart: [] })));
    const random = createRng(20_261_129);
    for (const customerId of ids) {
      const history = randomHistory(customerId, random);
      // each edit sent 1–2 times, shuffled, in batches of 1–4
      const sent = shuffle(
        history.flatMap((e) => (random() < 0.3 ? [e, e] : [e])),
        random,
      );
      for (let i = 0; i < sent.length; ) {
        const size = 1 + Math.floor(random() * 4);
        const batch = sent.slice(i, i + size).map((e) => ({ ...e, customerId }));
        const res = await edits(app, batch, customerId);
        expect(res.statusCode).toBe(200);
        i += size;
      }
      const reference = applyCartEdits(emptyCart, history);
      const cart = CartView.parse(
        (await app.inject({ method: 'GET', url: `/v1/customers/${customerId}/cart` })).json(),
      );
      expect(cart.lines.map(({ itemId, quantity, addedAt }) => ({ itemId, quantity, addedAt }))).toEqual(
        cartLines(reference),
      );
      for (const line of cart.lines) expect(line.editId).toBe(reference.lines[line.itemId]!.winner.editId);
      const audit = (await app.inject({ method: 'GET', url: `/v1/customers/${customerId}/cart/audit` })).json();
      const lost = Object.values(reference.lines).flatMap((l) =>
        l.superseded.map((e) => ({ edit: e, supersededBy: l.winner.editId })),
      );
      const byId = (a: { edit: CartEdit }, b: { edit: CartEdit }) => (a.edit.editId < b.edit.editId ? -1 : 1);
      expect([...audit.superseded].sort(byId)).toEqual(lost.sort(byId));
    }
  });

  it('applies an edit once: the same id again is a duplicate, the same id with other content a 409', async () => {
    const app = await start();
    const edit = webEdit('web-000010', 'sku-000001', 2, NOW);
    expect((await edits(app, [edit])).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await edits(app, [edit, edit])).json()).toMatchObject({ accepted: 0, duplicates: 2 });
    const changed = await edits(app, [webEdit('web-000011', 'sku-000003', 1, NOW), { ...edit, quantity: 5 }]);
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error.code).toBe('edit_conflict');
    // nothing of the refused batch was applied
    expect((await cartOf(app)).lines.map((l) => [l.itemId, l.quantity])).toEqual([
      ['sku-000002', 1],
      ['sku-000001', 2],
    ]);
  });

  it('loses no edit when many are sent at once: the profile ends with every line', async () => {
    const app = await start([{ ...customer, onlineCart: [] }]);
    const ids = Array.from({ length: 40 }, (_, i) => `sku-8${String(i).padStart(5, '0')}`);
    await cloud!.store.upsertProducts(ids.map((id) => ({ ...base, id })));
    // two edits per line, each batch on its own: the later one of each line wins
    const sent = await Promise.all(
      [...ids, ...ids].map((itemId, i) =>
        edits(app, [webEdit(`web-3${String(i).padStart(5, '0')}`, itemId, 1 + i, NOW + i)]),
      ),
    );
    expect(sent.map((r) => r.statusCode)).toEqual(Array(80).fill(200));
    const expected = ids.map((itemId, i) => ({ itemId, quantity: 41 + i, addedAt: NOW + i }));
    expect((await profileOf(app)).onlineCart).toEqual(expected);
    expect((await cartOf(app)).lines.map(({ itemId, quantity, addedAt }) => ({ itemId, quantity, addedAt }))).toEqual(
      expected,
    );
  });

  it("does not let a writer's stale cart overwrite a newer one: it computes again on the newer profile", async () => {
    const app = await start([{ ...customer, onlineCart: [] }]);
    const store = cloud!.store;
    // writer A committed its edit; its profile write is computed, then waits until writer B has edited and written
    await store.db.transaction().execute(async (trx) => {
      await openCart(store, trx, 'cus-0001', NOW);
      await applyEdits(trx, 'cus-0001', [webEdit('web-400001', 'sku-000001', 1, NOW)], NOW);
    });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let waiting = false;
    let rounds = 0;
    const paused = new Proxy(store, {
      get(target, key) {
        if (key === 'updateCustomer')
          return (id: string, change: (p: CustomerProfile) => Promise<CustomerProfile | undefined>) =>
            target.updateCustomer(id, async (profile) => {
              rounds++;
              const next = await change(profile);
              if (!waiting) {
                waiting = true;
                await gate;
              }
              return next;
            });
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const writerA = syncProfile(
      { routes: cloud!.routes, store: paused, logger: pino({ level: 'silent' }), now: () => clock },
      'cus-0001',
    );
    await vi.waitUntil(() => waiting);
    expect((await edits(app, [webEdit('web-400002', 'sku-000003', 1, NOW + 1)])).statusCode).toBe(200);
    expect((await profileOf(app)).onlineCart.map((l) => l.itemId)).toEqual(['sku-000001', 'sku-000003']);
    release(); // A's stale cart (without B's line) is refused: the profile changed since A read it
    await writerA;
    expect(rounds).toBe(2);
    expect((await profileOf(app)).onlineCart.map((l) => l.itemId)).toEqual(['sku-000001', 'sku-000003']);
  });

  it("takes an in-store purchase out of the customer's online cart, once, as the cart stood when it was bought", async () => {
    const app = await start([{ ...customer, onlineCart: [] }]);
    await edits(app, [
      webEdit('web-000020', 'sku-000001', 3, NOW - 10_000),
      webEdit('web-000021', 'sku-000002', 1, NOW - 10_000),
    ]);
    // bought 1 of the 3 and the whole of the other line; the batch is sent twice
    const purchase = storePurchase(
      'pos-00000020',
      [
        { itemId: 'sku-000001', quantity: 1, unitPrice: 32.5 },
        { itemId: 'sku-000002', quantity: 1, unitPrice: 32.5 },
        { itemId: 'sku-000004', quantity: 1, unitPrice: 32.5 },
      ],
      NOW - 5_000,
    );
    for (let i = 0; i < 2; i++) expect((await storeBatch(app, 1, [purchase])).statusCode).toBe(200);
    const cart = await cartOf(app);
    expect(cart.lines.map((l) => [l.itemId, l.quantity, l.editId, l.origin])).toEqual([
      ['sku-000001', 2, 'cloud:pos:pos-00000020:sku-000001', { channel: 'store', storeId: STORE }],
    ]);
    expect((await profileOf(app)).onlineCart).toEqual([{ itemId: 'sku-000001', quantity: 2, addedAt: NOW - 10_000 }]);
    // put back online after the purchase: the later edit wins, and a later batch with an older purchase changes nothing
    await edits(app, [webEdit('web-000022', 'sku-000002', 1, NOW - 1_000)]);
    await storeBatch(app, 2, [
      storePurchase('pos-00000021', [{ itemId: 'sku-000002', quantity: 1, unitPrice: 32.5 }], NOW - 3_000),
    ]);
    expect((await cartOf(app)).lines.map((l) => [l.itemId, l.quantity])).toEqual([
      ['sku-000001', 2],
      ['sku-000002', 1],
    ]);
    const audit = (await app.inject({ method: 'GET', url: `${CART}/audit` })).json();
    expect(audit.superseded.map((s: { edit: CartEdit }) => s.edit.editId).sort()).toEqual([
      'cloud:pos:pos-00000020:sku-000002',
      'web-000020',
      'web-000021',
    ]);
  });

  it("takes an in-store purchase out of a profile's cart that was never edited", async () => {
    const app = await start();
    await storeBatch(app, 1, [
      storePurchase('pos-00000030', [{ itemId: 'sku-000002', quantity: 1, unitPrice: 32.5 }], NOW),
    ]);
    expect((await cartOf(app)).lines).toEqual([]);
    expect((await profileOf(app)).onlineCart).toEqual([]);
  });

  it('records web events once; a web purchase is a purchase of the customer, in their profile, out of their cart', async () => {
    const app = await start();
    const session = { sessionId: 'sess-0001', customerId: 'cus-0001' };
    const events: WebEvent[] = [
      { type: 'view', eventId: 'web-evt-0001', itemId: 'sku-000003', at: NOW - 3_000, ...session },
      { type: 'view', eventId: 'web-evt-0002', sessionId: 'sess-anon', itemId: 'sku-000003', at: NOW - 3_000 },
      { type: 'add_to_cart', eventId: 'web-evt-0003', itemId: 'sku-000003', quantity: 1, at: NOW - 2_000, ...session },
      {
        type: 'purchase',
        eventId: 'web-evt-0004',
        lines: [{ itemId: 'sku-000002', quantity: 1, unitPrice: 32.5 }],
        total: 32.5,
        currency: 'USD',
        at: NOW - 1_000,
        ...session,
      },
    ];
    const first = await app.inject({ method: 'POST', url: '/v1/web/events', payload: { events } });
    expect(first.json()).toEqual({ accepted: 4, duplicates: 0 });
    const again = await app.inject({ method: 'POST', url: '/v1/web/events', payload: { events } });
    expect(again.json()).toEqual({ accepted: 0, duplicates: 4 });
    expect(await cloud!.store.purchaseCount('web')).toBe(1);
    const row = await cloud!.store.db.selectFrom('purchases').selectAll().where('store_id', '=', 'web').execute();
    expect(row.map((r) => [r.event_id, r.customer_id, JSON.parse(r.payload).lines])).toEqual([
      ['web-evt-0004', 'cus-0001', [{ itemId: 'sku-000002', quantity: 1, unitPrice: 32.5 }]],
    ]);
    const profile = await profileOf(app);
    expect(profile.onlineCart).toEqual([]);
    expect(profile.recentPurchases.filter((p) => p.at === NOW - 1_000)).toEqual([
      { itemId: 'sku-000002', at: NOW - 1_000, channel: 'online' },
    ]);
    const stored = await cloud!.store.db.selectFrom('web_events').select(['event_id', 'type']).execute();
    expect(stored.map((r) => r.type).sort()).toEqual(['add_to_cart', 'purchase', 'view', 'view']);
  });

  it('refuses bad input with a clear code', async () => {
    const app = await start();
    const ok = webEdit('web-000040', 'sku-000001', 1, NOW);
    const cases: [object, number, string][] = [
      [{ edits: [] }, 400, 'invalid_body'],
      [{ edits: [{ ...ok, quantity: -1 }] }, 400, 'invalid_body'],
      [{ edits: [{ ...ok, origin: { channel: 'store' } }] }, 400, 'invalid_body'],
      [{ edits: [{ ...ok, customerId: 'cus-0002' }] }, 400, 'customer_mismatch'],
      [{ edits: [webEdit('web-000041', 'sku-000001', 1, NOW + 10 * 60_000)] }, 400, 'clock_skew'],
      [{ edits: [webEdit('web-000042', 'sku-unknown', 1, NOW)] }, 400, 'unknown_item'],
      [{ edits: [webEdit('cloud:pos:pos-1:sku-000001', 'sku-000001', 0, NOW)] }, 400, 'reserved_edit_id'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await app.inject({ method: 'POST', url: `${CART}/edits`, payload });
      expect([res.statusCode, res.json().error.code]).toEqual([status, code]);
    }
    const nobody = await edits(app, [{ ...ok, customerId: 'cus-9999' }], 'cus-9999');
    expect([nobody.statusCode, nobody.json().error.code]).toEqual([404, 'not_found']);
    for (const url of ['/v1/customers/cus-9999/cart', '/v1/customers/cus-9999/cart/audit']) {
      const missing = await app.inject({ method: 'GET', url });
      expect([url, missing.statusCode, missing.json().error.code]).toEqual([url, 404, 'not_found']);
    }
    const badLimit = await app.inject({ method: 'GET', url: `${CART}/audit?limit=0` });
    expect([badLimit.statusCode, badLimit.json().error.code]).toEqual([400, 'invalid_query']);
    const badPath = await app.inject({ method: 'GET', url: '/v1/customers/bad%20id/cart' });
    expect([badPath.statusCode, badPath.json().error.code]).toEqual([400, 'invalid_id']);
    const unknownCustomer = await app.inject({
      method: 'POST',
      url: '/v1/web/events',
      payload: {
        events: [
          { type: 'view', eventId: 'web-evt-0100', sessionId: 's', customerId: 'cus-9', itemId: 'sku-000001', at: NOW },
        ],
      },
    });
    expect([unknownCustomer.statusCode, unknownCustomer.json().error.code]).toEqual([400, 'unknown_customer']);
    const badEvent = await app.inject({
      method: 'POST',
      url: '/v1/web/events',
      payload: { events: [{ type: 'wishlist', eventId: 'web-evt-0101', sessionId: 's', at: NOW }] },
    });
    expect([badEvent.statusCode, badEvent.json().error.code]).toEqual([400, 'invalid_body']);
    // a cart may not grow past the 100 lines a profile carries
    await cloud!.store.upsertProducts(
      Array.from({ length: 101 }, (_, i) => ({ ...base, id: `sku-9${String(i).padStart(5, '0')}` })),
    );
    const many = Array.from({ length: 101 }, (_, i) =>
      webEdit(`web-2${i}-0000`, `sku-9${String(i).padStart(5, '0')}`, 1, NOW),
    );
    const full = await edits(app, many);
    expect([full.statusCode, full.json().error.code]).toEqual([409, 'cart_full']);
    expect((await cartOf(app)).lines).toHaveLength(1);
  });

  it('lets only the operator use carts and web events', async () => {
    const app = await start();
    const requests = [
      {
        method: 'POST' as const,
        url: `${CART}/edits`,
        payload: { edits: [webEdit('web-000050', 'sku-000001', 1, NOW)] },
      },
      { method: 'GET' as const, url: CART },
      { method: 'GET' as const, url: `${CART}/audit` },
      {
        method: 'POST' as const,
        url: '/v1/web/events',
        payload: { events: [{ type: 'view', eventId: 'web-evt-0200', sessionId: 's', itemId: 'sku-000001', at: NOW }] },
      },
    ];
    for (const request of requests) {
      const asStore = await app.inject({
        ...request,
        headers: { authorization: `Bearer ${storeToken(STORE, secrets[STORE])}` },
      });
      expect([request.url, asStore.statusCode, asStore.json().error.code]).toEqual([request.url, 403, 'forbidden']);
      const anonymous = await cloud!.app.inject(request);
      expect([request.url, anonymous.statusCode]).toEqual([request.url, 401]);
    }
    // nothing was written by the refused requests
    expect((await cartOf(app)).lines.map((l) => l.itemId)).toEqual(['sku-000002']);
    expect(await cloud!.store.db.selectFrom('web_events').selectAll().execute()).toEqual([]);
  });
});

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Up to 16 edits of 3 lines from the web, the app and a store, each on its own skewed clock, syncing now and then. */
function randomHistory(customerId: string, random: () => number): CartEdit[] {
  const origins = [
    { node: 'web', origin: { channel: 'web' as const }, wall: NOW - 60_000 },
    { node: 'app:phone-1', origin: { channel: 'app' as const }, wall: NOW - 61_000 },
    { node: 'pos:seoul-01', origin: { channel: 'store' as const, storeId: STORE }, wall: NOW - 65_000 },
  ].map((o) => ({ ...o, clock: { wallMs: 0, counter: 0, node: o.node } }));
  const out: CartEdit[] = [];
  const n = 1 + Math.floor(random() * 16);
  for (let i = 0; i < n; i++) {
    const o = origins[Math.floor(random() * origins.length)]!;
    o.wall += Math.floor(random() * 40) - 10;
    if (random() < 0.25) o.clock = receive(o.clock, origins[Math.floor(random() * 3)]!.clock, o.wall);
    o.clock = tick(o.clock, o.wall);
    out.push({
      editId: `${o.node.replace(':', '-')}-${customerId}-${i}`,
      customerId,
      itemId: items[Math.floor(random() * 3)]!.id,
      quantity: Math.floor(random() * 3),
      hlc: o.clock,
      origin: o.origin,
      at: o.wall,
    });
  }
  return out;
}
