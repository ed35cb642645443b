import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type CartEdit,
  type CustomerExport,
  CustomerProfile,
  type DsrRequest,
  type PosPurchase,
  type Product,
  schemaExamples,
} from '@aisle/contracts';
import Ajv2020 from 'ajv/dist/2020.js';
import { sql } from 'kysely';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { cloudPerTest, testBackends } from '../testing';
import { runTraining } from '../training';
import { CUSTOMER_EXPORT_SCHEMA_FILE, customerExportSchema } from './schema-doc';

const A = 'seoul-01';
const B = 'busan-02';
const NOW = 1_800_000_000_000;
const DAY = 86_400_000;
const ID = 'cus-0001';
const EMAIL = 'jiwoo@example.com';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const products: Product[] = ['sku-000001', 'sku-000002', 'sku-000003'].map((id, i) => ({
  ...schemaExamples.Product.example,
  id,
  price: 10 + i,
}));
/** Seeded with its loyalty card, phone hash and an app device (all identities), home store A. */
const customer = CustomerProfile.parse({ ...schemaExamples.CustomerProfile.example, customerId: ID, homeStoreId: A });

const sale = (storeId: string, eventId: string, ts: number, customerId?: string): PosPurchase => ({
  eventId,
  storeId,
  terminalId: 'pos-1',
  ...(customerId && { customerId, shopperDeviceId: 'shp-4b1e' }),
  lines: [{ itemId: 'sku-000001', quantity: 2, unitPrice: 10 }],
  total: 20,
  currency: 'USD',
  ts,
});

const edit = (editId: string, itemId: string, quantity: number, wallMs: number, customerId = ID): CartEdit => ({
  editId,
  customerId,
  itemId,
  quantity,
  hlc: { wallMs, counter: 0, node: 'web' },
  origin: { channel: 'web' },
  at: wallMs,
});

describe.each(testBackends())('data-subject rights on $name', (backend) => {
  const { start: startCloud, cloud, send } = cloudPerTest(backend, { now: NOW, stores: [A, B] });
  const start = () => startCloud({ catalog: { items: products }, customers: [customer] });
  const ok = async (res: Promise<{ statusCode: number; body: string; json: () => unknown }>, status = 200) => {
    const r = await res;
    expect(r.statusCode, r.body).toBe(status);
    return r.json();
  };
  const post = (url: string, payload: object, as?: string, headers?: Record<string, string>) =>
    send({ method: 'POST', url, payload, ...(headers && { headers }) }, as);
  const get = (url: string, as?: string) => send({ method: 'GET', url }, as);
  const submit = (payload: object) => post('/v1/dsr/requests', payload);
  const auditRows = (action: string) =>
    cloud().store.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq').execute();
  /** The customer grants a purpose online, under the seeded policy. */
  const grant = (customerId: string, purpose: string, at: number) =>
    ok(
      post(`/v1/customers/${customerId}/consent`, {
        purpose,
        state: 'granted',
        policyVersion: '2026-01',
        channel: 'web',
        at,
      }),
      201,
    );

  /**
   * The customer shops online and in two stores: an e-mail attached by a web sign-in, a consent decision, cart
   * edits (one losing to a later edit of its line), a web view and a web purchase, a sale at A and at B through
   * the stores' sync route, and a kiosk lookup at B.
   */
  async function shop() {
    await ok(
      post('/v1/identities/resolve', {
        identifiers: [
          { kind: 'loyalty', value: customer.loyaltyId },
          { kind: 'email', value: EMAIL },
        ],
      }),
    );
    await grant(ID, 'personalization', NOW - 5 * DAY);
    await ok(
      post(`/v1/customers/${ID}/cart/edits`, {
        edits: [
          edit('web-cart-0001', 'sku-000002', 1, NOW - 4 * DAY),
          edit('web-cart-0002', 'sku-000002', 3, NOW - 4 * DAY + 1),
          edit('web-cart-0003', 'sku-000003', 1, NOW - 4 * DAY + 2),
        ],
      }),
    );
    const web = { sessionId: 'sess-1', customerId: ID };
    await ok(
      post('/v1/web/events', {
        events: [
          { ...web, eventId: 'web-view-0001', type: 'view', itemId: 'sku-000003', at: NOW - 3 * DAY },
          {
            ...web,
            eventId: 'web-buy-00001',
            type: 'purchase',
            lines: [{ itemId: 'sku-000003', quantity: 1, unitPrice: 12 }],
            total: 12,
            currency: 'USD',
            at: NOW - 3 * DAY + 1,
          },
        ],
      }),
    );
    for (const [storeId, eventId] of [
      [A, 'pos-a-000001'],
      [B, 'pos-b-000001'],
    ] as const)
      await ok(
        post(
          `/v1/stores/${storeId}/purchases`,
          {
            storeId,
            batchId: `${storeId}:1-1`,
            entries: [{ seq: 1, purchase: sale(storeId, eventId, NOW - 2 * DAY, ID) }],
          },
          storeId,
        ),
      );
    await ok(post(`/v1/stores/${B}/customers/lookup`, { kind: 'loyalty', value: customer.loyaltyId }, B));
  }

  it('exports everything about a customer who shopped online and in two stores, valid against the published schema', async () => {
    await start();
    await shop();
    // a training run reads every purchase received so far: the export names it
    const run = await runTraining({
      routes: cloud().routes,
      store: cloud().store,
      logger: pino({ level: 'silent' }),
      now: () => NOW,
    });
    const access = (await ok(submit({ kind: 'access', customerId: ID }), 201)) as DsrRequest;
    expect(access).toMatchObject({
      kind: 'access',
      status: 'completed',
      customerHash: sha256(ID),
      dueAt: NOW + 30 * DAY,
    });

    const res = await get(`/v1/customers/${ID}/export`);
    expect(res.statusCode, res.body).toBe(200);
    const doc = res.json() as CustomerExport;
    expect(doc).toMatchObject({ format: 'aisle.customer-export', customerId: ID, exportedAt: NOW });
    expect(doc.profile.customerId).toBe(ID);
    // identities as stored: the e-mail only as its hash, nowhere in the clear
    expect(doc.identities).toContainEqual(
      expect.objectContaining({ kind: 'email', value: sha256(EMAIL), hashed: true }),
    );
    expect(doc.identities.map((i) => i.kind).sort()).toEqual(['app_device', 'email', 'loyalty', 'phone']);
    expect(res.body).not.toContain(EMAIL);
    expect(doc.consent.history).toHaveLength(1);
    expect(doc.consent.current.find((s) => s.purpose === 'personalization')?.state).toBe('granted');
    // the cart and every edit, the losing one with the edit that beat it
    expect(doc.cart.current.lines.map((l) => [l.itemId, l.quantity])).toContainEqual(['sku-000002', 3]);
    expect(doc.cart.edits.find((e) => e.edit.editId === 'web-cart-0001')).toMatchObject({
      status: 'lost',
      supersededBy: 'web-cart-0002',
    });
    expect(doc.webEvents.map((e) => e.event.eventId)).toEqual(['web-view-0001', 'web-buy-00001']);
    expect(doc.purchases.online.map((p) => p.purchase.eventId)).toEqual(['web-buy-00001']);
    expect(doc.purchases.inStore.map((p) => [p.storeId, p.purchase.eventId])).toEqual([
      [A, 'pos-a-000001'],
      [B, 'pos-b-000001'],
    ]);
    // what each store holds and why
    const holding = (storeId: string) => doc.stores.find((s) => s.storeId === storeId)!;
    expect(holding(A)).toMatchObject({ profile: 'holds', purchases: ['pos-a-000001'], firstPurchaseAt: NOW - 2 * DAY });
    expect(
      holding(A)
        .reasons.map((r) => r.reason)
        .sort(),
    ).toEqual(['home', 'purchase']);
    expect(holding(B)).toMatchObject({ profile: 'holds', purchases: ['pos-b-000001'] });
    expect(holding(B).reasons).toEqual(
      expect.arrayContaining([
        { reason: 'purchase', lastAt: NOW - 2 * DAY, expiresAt: NOW + 88 * DAY },
        { reason: 'lookup', lastAt: NOW, expiresAt: NOW + 30 * DAY },
      ]),
    );
    expect(doc.requests.map((r) => r.requestId)).toEqual([access.requestId]);
    expect(doc.training).toEqual([
      expect.objectContaining({ runId: run.id, status: run.status, dataUntil: NOW, purchases: 3 }),
    ]);

    // the published schema: the file is current, served publicly, and the export validates against it
    const published = JSON.parse(readFileSync(CUSTOMER_EXPORT_SCHEMA_FILE, 'utf8'));
    expect(published, 'run `npm run docs -w @aisle/cloud-sync`').toEqual(customerExportSchema());
    const served = await cloud().app.inject({ method: 'GET', url: '/v1/schemas/customer-export.json' });
    expect(served.statusCode).toBe(200);
    expect(served.json()).toEqual(published);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(published);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    // and the validator is not vacuous: a purchase without its lines fails
    const broken = structuredClone(doc) as unknown as { purchases: { inStore: { purchase: { lines?: unknown } }[] } };
    delete broken.purchases.inStore[0]!.purchase.lines;
    expect(validate(broken)).toBe(false);

    expect(await auditRows('dsr.export')).toHaveLength(1);
    expect((await get(`/v1/customers/cus-nobody/export`)).statusCode).toBe(404);
  });

  it('erases the person everywhere in one go; late sales stay anonymous and nothing brings the id back', async () => {
    await start();
    await shop();
    // a second record of the same person, merged in: its consent and cart edits stay under its own id
    await ok(
      send({
        method: 'PUT',
        url: '/v1/customers/cus-0002',
        payload: { ...customer, customerId: 'cus-0002', loyaltyId: undefined, phoneHash: undefined, appDevices: [] },
      }),
    );
    await grant('cus-0002', 'marketing', NOW - DAY);
    await ok(
      post('/v1/customers/cus-0002/cart/edits', {
        edits: [edit('web-cart-0100', 'sku-000001', 1, NOW - DAY, 'cus-0002')],
      }),
    );
    await ok(post(`/v1/customers/${ID}/merge`, { from: 'cus-0002' }));
    const salesBefore = await cloud()
      .store.db.selectFrom('purchases')
      .select(['event_id', 'store_id', 'payload'])
      .execute();

    const erased = (await ok(send({ method: 'DELETE', url: `/v1/customers/${ID}` }))) as {
      stores: number;
      requestId: string;
    };
    expect(erased.stores).toBe(2);

    // a store offline during the erasure sends a sale of the customer later: kept, anonymous, no scope
    await ok(
      post(
        `/v1/stores/${B}/purchases`,
        { storeId: B, batchId: `${B}:2-2`, entries: [{ seq: 2, purchase: sale(B, 'pos-b-000002', NOW - DAY, ID) }] },
        B,
      ),
    );

    // a scan of every table: the ids, the loyalty card, the phone and e-mail hashes and the app device are gone.
    // Exceptions: the tombstones in the stores' feeds (the bare id, so a store that was offline still drops it)
    // and the audit log (append-only by design; its consent entries name the customer id).
    const { db } = cloud().store;
    const tables =
      backend.name === 'sqlite'
        ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db)).rows
        : (
            await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
              WHERE table_schema = current_schema()`.execute(db)
          ).rows;
    const needles = [ID, 'cus-0002', customer.loyaltyId!, customer.phoneHash!, sha256(EMAIL), 'shp-4b1e'];
    // the audit log too: it names customers by hash only, so an erased id does not outlive the erasure there
    for (const { name } of tables) {
      let rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(db)).rows;
      if (name === 'profile_feed') rows = rows.filter((r) => Number(r.deleted) === 0);
      const text = JSON.stringify(rows);
      for (const needle of needles) expect(text.includes(needle), `${name} holds ${needle}`).toBe(false);
    }
    const feed = await db.selectFrom('profile_feed').selectAll().where('customer_id', '=', ID).execute();
    expect(feed.map((r) => [r.store_id, Number(r.deleted)]).sort()).toEqual([
      [B, 1],
      [A, 1],
    ]);
    // sales survive as anonymous sales, the same figures, plus the late one
    const sales = await db.selectFrom('purchases').selectAll().orderBy('event_id').execute();
    expect(sales.map((s) => s.event_id).sort()).toEqual([...salesBefore.map((s) => s.event_id), 'pos-b-000002'].sort());
    expect(sales.every((s) => s.customer_id === null)).toBe(true);
    const totals = (rows: { payload: string }[]) => rows.reduce((sum, r) => sum + JSON.parse(r.payload).total, 0);
    expect(totals(sales)).toBe(totals(salesBefore) + 20);

    // nothing answers for the id any more, and nothing brings it back
    expect((await get(`/v1/customers/${ID}/export`)).statusCode).toBe(404);
    expect((await send({ method: 'PUT', url: `/v1/customers/${ID}`, payload: customer })).statusCode).toBe(410);
    expect(
      (await post(`/v1/stores/${A}/customers/lookup`, { kind: 'loyalty', value: customer.loyaltyId }, A)).statusCode,
    ).toBe(404);
    const again = (await ok(
      post('/v1/identities/resolve', { identifiers: [{ kind: 'loyalty', value: customer.loyaltyId }] }),
    )) as {
      customerId: string;
      created: boolean;
    };
    expect(again.created).toBe(true);
    expect(again.customerId).not.toBe(ID);
    expect((await send({ method: 'DELETE', url: `/v1/customers/${ID}` })).statusCode).toBe(404);

    // the status stays visible by the request, which holds only the hash of the id
    const status = (await ok(get(`/v1/dsr/requests/${erased.requestId}`))) as DsrRequest;
    expect(status).toMatchObject({ kind: 'erasure', status: 'completed', customerHash: sha256(ID), completedAt: NOW });
    const listed = (await ok(get(`/v1/customers/${ID}/dsr`))) as { requests: DsrRequest[] };
    expect(listed.requests.map((r) => r.requestId)).toEqual([erased.requestId]);
    // a request after the erasure is answered, rejected
    const late = (await ok(submit({ kind: 'access', customerId: ID }), 201)) as DsrRequest;
    expect(late).toMatchObject({ status: 'rejected', reason: expect.stringContaining('erased') });

    const [entry] = await auditRows('dsr.erasure');
    expect(entry).toMatchObject({ subject: erased.requestId });
    expect(JSON.parse(entry!.detail)).toMatchObject({ status: 'completed', aliases: 1, consentRecords: 2, merges: 1 });
    for (const needle of needles) expect(entry!.detail).not.toContain(needle);
  });

  it('rectifies profile fields and identities, which reach the stores by their feed', async () => {
    await start();
    await ok(
      post('/v1/identities/resolve', {
        identifiers: [
          { kind: 'loyalty', value: customer.loyaltyId },
          { kind: 'email', value: EMAIL },
        ],
      }),
    );
    const cursorB = ((await ok(get(`/v1/stores/${B}/profiles`, B))) as { cursor: number }).cursor;
    const request = (await ok(
      submit({
        kind: 'rectification',
        customerId: ID,
        changes: {
          firstName: 'Jiwon',
          email: 'jiwon@example.com',
          phone: '+82 10-9999-0000',
          homeStoreId: B,
          tastes: { beauty: 0.2 },
        },
      }),
      201,
    )) as DsrRequest;
    expect(request).toMatchObject({
      status: 'completed',
      fields: ['email', 'firstName', 'homeStoreId', 'phone', 'tastes'],
    });
    const profile = (await ok(get(`/v1/customers/${ID}`))) as CustomerProfile;
    expect(profile).toMatchObject({
      firstName: 'Jiwon',
      homeStoreId: B,
      tastes: { beauty: 0.2 },
      phoneHash: sha256('821099990000'),
    });
    const identities = (await ok(get(`/v1/customers/${ID}/identities`))) as {
      identities: { kind: string; value: string }[];
    };
    const of = (kind: string) => identities.identities.filter((i) => i.kind === kind).map((i) => i.value);
    expect(of('email')).toEqual([sha256('jiwon@example.com')]);
    expect(of('phone')).toEqual([sha256('821099990000')]);
    // the new home store's feed brings the corrected profile; the old one is told to drop it
    const pageB = (await ok(get(`/v1/stores/${B}/profiles?cursor=${cursorB}`, B))) as { profiles: CustomerProfile[] };
    expect(pageB.profiles.find((p) => p.customerId === ID)?.firstName).toBe('Jiwon');
    const pageA = (await ok(get(`/v1/stores/${A}/profiles`, A))) as { deleted: string[] };
    expect(pageA.deleted).toContain(ID);
    // the audit names the fields, never the values
    const [entry] = await auditRows('dsr.rectification');
    expect(entry).toMatchObject({ subject: request.requestId, actor: 'admin' });
    expect(entry!.detail).not.toContain('Jiwon');

    // an e-mail someone else holds is not a correction: rejected, nothing changed
    await ok(post('/v1/identities/resolve', { identifiers: [{ kind: 'email', value: 'other@example.com' }] }));
    const refused = (await ok(
      submit({ kind: 'rectification', customerId: ID, changes: { email: 'other@example.com', firstName: 'X' } }),
      201,
    )) as DsrRequest;
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.stringContaining('another customer') });
    expect(((await ok(get(`/v1/customers/${ID}`))) as CustomerProfile).firstName).toBe('Jiwon');
  });

  it('records an objection as consent withdrawn or denied, and the GPC signal once as an opt-out of sale', async () => {
    await start();
    await grant(ID, 'personalization', NOW - DAY);
    const objection = (await ok(
      submit({
        kind: 'objection',
        customerId: ID,
        purposes: ['personalization', 'analytics'],
        channel: 'kiosk',
        storeId: A,
      }),
      201,
    )) as DsrRequest;
    expect(objection).toMatchObject({ status: 'completed', purposes: ['personalization', 'analytics'] });
    const consent = (await ok(get(`/v1/customers/${ID}/consent`))) as {
      current: { purpose: string; state: string }[];
      history: { channel: string; storeId?: string }[];
    };
    const state = (purpose: string) => consent.current.find((s) => s.purpose === purpose)?.state;
    expect(state('personalization')).toBe('withdrawn');
    expect(state('analytics')).toBe('denied');
    expect(consent.history.at(-1)).toMatchObject({ channel: 'kiosk', storeId: A });
    expect(((await ok(get(`/v1/customers/${ID}`))) as CustomerProfile).consent.personalization).toBe(false);
    expect(
      (await submit({ kind: 'objection', customerId: ID, purposes: ['marketing'], channel: 'kiosk' })).statusCode,
    ).toBe(400);

    // GPC by header: marketing granted before, so the signal withdraws it, once however often it is sent
    await grant(ID, 'marketing', NOW - DAY);
    const view = (eventId: string, customerId?: string) => ({
      events: [
        {
          eventId,
          sessionId: 'sess-9',
          ...(customerId && { customerId }),
          type: 'view',
          itemId: 'sku-000001',
          at: NOW,
        },
      ],
    });
    await ok(post('/v1/web/events', view('web-gpc-0001', ID), undefined, { 'sec-gpc': '1' }));
    await ok(post('/v1/web/events', view('web-gpc-0002', ID), undefined, { 'sec-gpc': '1' }));
    const marketing = async (customerId: string) =>
      (
        (await ok(get(`/v1/customers/${customerId}/consent`))) as {
          history: { purpose: string; state: string; channel: string }[];
        }
      ).history.filter((r) => r.purpose === 'marketing');
    expect((await marketing(ID)).map((r) => [r.state, r.channel])).toEqual([
      ['granted', 'web'],
      ['withdrawn', 'web'],
    ]);
    // GPC by the body's field, for a customer who never decided: an explicit denial, once
    await ok(
      send({
        method: 'PUT',
        url: '/v1/customers/cus-0003',
        payload: { ...customer, customerId: 'cus-0003', loyaltyId: undefined, phoneHash: undefined, appDevices: [] },
      }),
    );
    await ok(post('/v1/web/events', { ...view('web-gpc-0003', 'cus-0003'), gpc: true }));
    await ok(post('/v1/web/events', { ...view('web-gpc-0004', 'cus-0003'), gpc: true }));
    expect((await marketing('cus-0003')).map((r) => r.state)).toEqual(['denied']);
    // anonymous visitors and requests without the signal record nothing
    await ok(post('/v1/web/events', view('web-gpc-0005'), undefined, { 'sec-gpc': '1' }));
    await ok(post('/v1/web/events', view('web-gpc-0006', 'cus-0001')));
    const gpc = (await ok(get(`/v1/customers/cus-0003/dsr`))) as { requests: DsrRequest[] };
    expect(gpc.requests).toEqual([
      expect.objectContaining({ kind: 'objection', requestedBy: 'gpc', status: 'completed', purposes: ['marketing'] }),
    ]);
    expect((await auditRows('dsr.objection')).map((r) => r.actor)).toEqual(['admin', 'gpc', 'gpc']);
  });

  it('answers bad requests with 400 and the issue, unknown ones with 404', async () => {
    await start();
    const bad = await submit({ kind: 'rectification', customerId: ID, changes: {} });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues.join()).toContain('at least one field');
    expect((await submit({ kind: 'forget', customerId: ID })).statusCode).toBe(400);
    expect((await submit({ kind: 'objection', customerId: ID, purposes: [], channel: 'web' })).statusCode).toBe(400);
    expect((await submit({ kind: 'access', customerId: 'cus-nobody' })).statusCode).toBe(404);
    expect((await get('/v1/dsr/requests/dsr-nothere')).statusCode).toBe(404);
    expect((await get('/v1/dsr/requests/not-a-request')).statusCode).toBe(400);
    // operator only
    expect((await get(`/v1/customers/${ID}/export`, A)).statusCode).toBe(403);
    expect((await post('/v1/dsr/requests', { kind: 'access', customerId: ID }, A)).statusCode).toBe(403);
  });
});
