import { CustomerProfile, type MyData, type MyErasure, schemaExamples } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import type { InjectOptions } from 'fastify';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Cloud, type CloudOptions, createCloud } from '../app';
import { injectAs, TEST_ADMIN_SECRET, testBackends } from '../testing';
import { LINK_TTL_MS, PersonalLinks } from './links';

const A = 'seoul-01';
const B = 'busan-02';
const secrets: Record<string, string> = { [A]: newSecret(), [B]: newSecret() };
const LINK_SECRET = 'a-test-link-secret-of-some-length';
/** A's customer (home store A): not in B's scope. */
const customer = CustomerProfile.parse({ ...schemaExamples.CustomerProfile.example, homeStoreId: A });
const ID = customer.customerId;
const other = CustomerProfile.parse({
  ...customer,
  customerId: 'cus-0002',
  loyaltyId: 'LOY-0002',
  phoneHash: undefined,
});
const NOW = 1_800_000_000_000;
const purchase = {
  ...schemaExamples.PosPurchase.example,
  storeId: A,
  customerId: ID,
  eventId: 'pos-mydata-0001',
  ts: NOW - 60_000,
};

describe.each(testBackends())('the "my data" links and routes on $name', (backend) => {
  let cloud: Cloud | undefined;
  let clock = NOW;
  let send: ReturnType<typeof injectAs>;

  async function start(extra: Partial<CloudOptions> = {}) {
    cloud = await createCloud({
      database: await backend.fresh(),
      logger: pino({ level: 'silent' }),
      seed: {
        catalog: schemaExamples.Catalog.example,
        customers: [customer, other],
        stores: [A, B].map((storeId) => ({ storeId, secretHash: hashSecret(secrets[storeId]!) })),
      },
      adminSecret: TEST_ADMIN_SECRET,
      linkSecret: LINK_SECRET,
      now: () => clock,
      ...extra,
    });
    send = injectAs(cloud.app, secrets);
    // one sale in store A, through the store's sync route
    const sale = await send(
      {
        method: 'POST',
        url: `/v1/stores/${A}/purchases`,
        payload: { storeId: A, batchId: `${A}:1-1`, entries: [{ seq: 1, purchase }] },
      },
      A,
    );
    expect(sale.statusCode).toBe(200);
    return cloud;
  }
  afterEach(async () => {
    await cloud?.app.close();
    cloud = undefined;
  });
  afterAll(() => backend.cleanup());

  /** Store A (or the operator, `as` undefined) mints a link; the token from its fragment. */
  async function mint(as: string | undefined = A, customerId = ID) {
    const url = as
      ? `/v1/stores/${as}/customers/${customerId}/my-data-link`
      : `/v1/customers/${customerId}/my-data-link`;
    const res = await send({ method: 'POST', url }, as);
    expect(res.statusCode, res.body).toBe(201);
    const link = res.json() as { url: string; expiresAt: number };
    return { ...link, token: new URL(link.url).hash.replace(/^#t=/, '') };
  }
  const asPerson = (token: string, request: InjectOptions) =>
    cloud!.app.inject({ ...request, headers: { ...request.headers, authorization: `Bearer me.${token}` } });
  const me = (token: string) => asPerson(token, { method: 'GET', url: '/v1/me' });

  it("mints a link for a customer in the store's scope that shows what is held, where and what for", async () => {
    await start();
    const link = await mint();
    expect(link.url).toMatch(/^http:\/\/localhost(:80)?\/my-data#t=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(link.expiresAt).toBe(clock + LINK_TTL_MS);
    const res = await me(link.token);
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json() as MyData;
    expect(data).toMatchObject({
      customerId: ID,
      profile: { firstName: customer.firstName, homeStoreId: A },
      purchases: [{ eventId: purchase.eventId, storeId: A, total: purchase.total, currency: purchase.currency }],
      linkExpiresAt: link.expiresAt,
      requests: [],
    });
    expect(data.stores).toEqual([{ storeId: A, reasons: ['home', 'purchase'].sort(), since: expect.any(Number) }]);
    expect(data.identities.map((i) => i.kind)).toContain('loyalty');
    // identities are listed by kind only: no value reaches the page
    expect(JSON.stringify(data.identities)).not.toContain(customer.loyaltyId);
    expect(data.consent.current.map((c) => c.state)).toEqual(['denied', 'denied', 'denied', 'denied']);
    // the seeded profile allows personalization (no records yet): the store holding it may personalize
    expect(data.usedIn).toEqual({ personalizedIn: [A], trainingRuns: [] });
  });

  it('names the training runs whose data included the purchases, and only those', async () => {
    const { store } = await start();
    const run = (id: string, dataUntil: number, status = 'succeeded') => ({
      id,
      status,
      stage: 'done',
      stages: '[]',
      triggered_by: 'admin',
      rollout: '{"mode":"full","percent":100}',
      stores: '[]',
      started_at: dataUntil,
      updated_at: dataUntil,
      finished_at: dataUntil + 1000,
      counts: null,
      metrics: null,
      version: `v-${id}`,
      data_until: dataUntil,
      error: null,
    });
    // the sale arrived at NOW: a run cut off before it did not see it, nor did a failed one
    await store.db
      .insertInto('training_runs')
      .values([run('run-before', NOW - 1), run('run-after', NOW + 5000), run('run-failed', NOW + 9000, 'failed')])
      .execute();
    const data = (await me((await mint()).token)).json() as MyData;
    expect(data.usedIn.trainingRuns).toEqual([{ runId: 'run-after', version: 'v-run-after', at: NOW + 6000 }]);
  });

  it('uses the public address when one is configured, and the operator may mint a link for anyone', async () => {
    await start({ publicUrl: 'https://cloud.example/' });
    expect((await mint(undefined, 'cus-0002')).url).toMatch(/^https:\/\/cloud\.example\/my-data#t=/);
    expect((await send({ method: 'POST', url: '/v1/customers/nobody-1/my-data-link' })).statusCode).toBe(404);
  });

  it("refuses a link for another store's customer (404) and on another store's path (403)", async () => {
    await start();
    const res = await send({ method: 'POST', url: `/v1/stores/${B}/customers/${ID}/my-data-link` }, B);
    expect(res.statusCode).toBe(404);
    expect((await send({ method: 'POST', url: `/v1/stores/${B}/customers/${ID}/my-data-link` }, A)).statusCode).toBe(
      403,
    );
    expect((await send({ method: 'POST', url: `/v1/customers/${ID}/my-data-link` }, A)).statusCode).toBe(403);
  });

  it('answers 401 to a missing, forged, foreign or expired link, and to store or operator credentials', async () => {
    await start();
    const { token } = await mint();
    const [payload, signature] = token.split('.') as [string, string];
    // the same payload naming another customer, with the original signature
    const swapped = Buffer.from(
      Buffer.from(payload, 'base64url').toString('utf8').replace(ID, 'cus-0002'),
      'utf8',
    ).toString('base64url');
    const foreign = new PersonalLinks('another-cloud-secret-entirely', pino({ level: 'silent' }), () => clock);
    const bad = [
      `${payload}.${signature.slice(0, -2)}AA`,
      `${swapped}.${signature}`,
      foreign.forCustomer(ID).token,
      'not-a-token',
      `${payload}.`,
    ];
    for (const forged of bad) {
      const res = await me(forged);
      expect(res.statusCode, forged).toBe(401);
      expect(res.json().error.code).toBe('link_invalid');
    }
    expect((await cloud!.app.inject({ method: 'GET', url: '/v1/me' })).statusCode).toBe(401);
    expect((await send({ method: 'GET', url: '/v1/me' }, A)).statusCode).toBe(401);
    expect((await send({ method: 'GET', url: '/v1/me' })).statusCode).toBe(401);
    // a personal link opens nothing but the personal routes
    expect((await asPerson(token, { method: 'GET', url: '/v1/catalog' })).statusCode).toBe(401);
    expect((await asPerson(token, { method: 'GET', url: `/v1/customers/${ID}` })).statusCode).toBe(401);
    // valid until its expiry, not after
    clock += LINK_TTL_MS - 1;
    expect((await me(token)).statusCode).toBe(200);
    clock += 1;
    expect((await me(token)).statusCode).toBe(401);
  });

  it("records a consent change on the page as the person's decision through the web channel", async () => {
    await start();
    const { token } = await mint();
    const put = (purpose: string, body: unknown) =>
      asPerson(token, { method: 'PUT', url: `/v1/me/consent/${purpose}`, payload: body as object });
    const granted = await put('personalization', { state: 'granted', policyVersion: '2026-01' });
    expect(granted.statusCode, granted.body).toBe(200);
    expect(granted.json().current).toContainEqual(
      expect.objectContaining({ purpose: 'personalization', state: 'granted', policyVersion: '2026-01' }),
    );
    const overview = (await send({ method: 'GET', url: `/v1/customers/${ID}/consent` })).json();
    expect(overview.history).toMatchObject([
      { purpose: 'personalization', state: 'granted', channel: 'web', recordedBy: 'customer', at: clock },
    ]);
    expect((await cloud!.store.customer(ID))!.consent.personalization).toBe(true);
    // the stores holding the profile now may personalize with it
    expect(((await me(token)).json() as MyData).usedIn.personalizedIn).toEqual([A]);

    clock += 1000;
    expect((await put('personalization', { state: 'withdrawn', policyVersion: '2026-01' })).statusCode).toBe(200);
    expect((await cloud!.store.customer(ID))!.consent.personalization).toBe(false);
    const after = (await me(token)).json() as MyData;
    expect(after.consent.current.find((c) => c.purpose === 'personalization')?.state).toBe('withdrawn');
    expect(after.consent.history).toHaveLength(2);
    expect(after.usedIn.personalizedIn).toEqual([]);

    for (const [purpose, body] of [
      ['selling', { state: 'granted', policyVersion: '2026-01' }],
      ['marketing', { state: 'maybe', policyVersion: '2026-01' }],
      ['marketing', { state: 'granted', policyVersion: '2026-01', channel: 'kiosk' }],
      ['marketing', { state: 'granted', policyVersion: 'never-published' }],
    ] as const) {
      const res = await put(purpose, body);
      expect(res.statusCode, `${purpose} ${JSON.stringify(body)}`).toBe(400);
    }
    expect(((await me(token)).json() as MyData).consent.history).toHaveLength(2);
  });

  it('downloads the export as a file naming the person', async () => {
    await start();
    const { token } = await mint();
    const res = await asPerson(token, { method: 'GET', url: '/v1/me/export' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="my-data-${ID}.json"`);
    expect(res.json()).toMatchObject({ customerId: ID });
    expect(res.body).toContain(purchase.eventId);
  });

  it('erases on request; the data is gone, the status stays visible with the status link only', async () => {
    await start();
    const { token } = await mint();
    const otherToken = (await mint(undefined, 'cus-0002')).token;
    const res = await asPerson(token, { method: 'POST', url: '/v1/me/erasure' });
    expect(res.statusCode, res.body).toBe(201);
    const erasure = res.json() as MyErasure;
    expect(erasure.request).toMatchObject({ kind: 'erasure', status: 'completed', requestedBy: 'customer' });
    const statusToken = new URL(erasure.statusUrl).hash.replace(/^#r=/, '');
    expect(statusToken).not.toBe(erasure.statusUrl);

    expect(await cloud!.store.customer(ID)).toBeUndefined();
    expect((await me(token)).statusCode).toBe(404);
    expect((await asPerson(token, { method: 'GET', url: '/v1/me/export' })).statusCode).toBe(404);
    expect((await asPerson(token, { method: 'POST', url: '/v1/me/erasure' })).statusCode).toBe(404);

    const statusOf = (t: string, id = erasure.request.requestId) =>
      asPerson(t, { method: 'GET', url: `/v1/me/requests/${id}` });
    const status = await statusOf(statusToken);
    expect(status.statusCode, status.body).toBe(200);
    expect(status.json()).toMatchObject({ requestId: erasure.request.requestId, status: 'completed' });
    expect((await statusOf(token)).statusCode).toBe(200); // the person's own request
    expect((await statusOf(otherToken)).statusCode).toBe(404); // someone else's
    expect((await statusOf(statusToken, 'dsr-someone-else')).statusCode).toBe(404);
    // a status link reads that request and nothing else
    expect((await me(statusToken)).statusCode).toBe(403);
    // long after the personal link expired, the status link still works
    clock += 30 * 24 * 60 * 60_000;
    expect((await statusOf(statusToken)).statusCode).toBe(200);
  });

  it('serves the page with a CSP that allows only its own inlined script and styles', async () => {
    await start();
    const res = await cloud!.app.inject({ method: 'GET', url: '/my-data' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(res.body).toContain('<script>');
    expect(res.body).toContain('id="app"');
  });
});
