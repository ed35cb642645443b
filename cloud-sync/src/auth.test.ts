import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerProfile, type StoreAssortment, schemaExamples } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import type { InjectOptions } from 'fastify';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Cloud, type CloudOptions, createCloud } from './app';
import { operatorToken, storeToken } from './auth';
import type { RouteSpec } from './route';
import { TEST_ADMIN_SECRET, testBackends } from './testing';

const A = 'seoul-01';
const B = 'busan-02';
const secrets = { [A]: newSecret(), [B]: newSecret() };
const token = { [A]: storeToken(A, secrets[A]), [B]: storeToken(B, secrets[B]) };
const OPERATOR = operatorToken(TEST_ADMIN_SECRET);

/** B's customer: in B's scope, not in A's. */
const customer = CustomerProfile.parse({ ...schemaExamples.CustomerProfile.example, homeStoreId: B });
const purchase = schemaExamples.PosPurchase.example;
const assortmentOf = (storeId: string, onHand = 4): StoreAssortment => ({
  storeId,
  stock: [{ itemId: 'sku-000001', onHand, aisle: 'A1' }],
  promotions: [],
  updatedAt: 1_764_400_000_000,
});
/** The version released to each store (published in start()). */
const versionOf = (storeId: string) => `zp-${storeId}`;
const card = (version: string) => Buffer.from(JSON.stringify({ kind: 'zone-popularity', version }));
const onnx = Buffer.from([8, 7, 18, 4]);

/** Every route that belongs to one store: how to call it for `storeId`, and who may. */
const storeRoutes: {
  name: string;
  request: (storeId: string) => InjectOptions;
  /** Whether the store itself may call it (else only the operator). */
  storeMay: boolean;
}[] = [
  { name: 'GET profiles', request: (s) => ({ method: 'GET', url: `/v1/stores/${s}/profiles` }), storeMay: true },
  { name: 'GET assortment', request: (s) => ({ method: 'GET', url: `/v1/stores/${s}/assortment` }), storeMay: true },
  {
    name: 'PUT assortment',
    request: (s) => ({ method: 'PUT', url: `/v1/stores/${s}/assortment`, payload: assortmentOf(s, 9) }),
    storeMay: false,
  },
  {
    name: 'POST purchases',
    request: (s) => ({
      method: 'POST',
      url: `/v1/stores/${s}/purchases`,
      payload: {
        storeId: s,
        batchId: `${s}:1-1`,
        entries: [{ seq: 1, purchase: { ...purchase, storeId: s, eventId: `pos-${s}` } }],
      },
    }),
    storeMay: true,
  },
  { name: 'GET sync', request: (s) => ({ method: 'GET', url: `/v1/stores/${s}/sync` }), storeMay: true },
  {
    name: 'GET purchases/count',
    request: (s) => ({ method: 'GET', url: `/v1/stores/${s}/purchases/count` }),
    storeMay: true,
  },
  { name: 'GET models', request: (s) => ({ method: 'GET', url: `/v1/stores/${s}/models` }), storeMay: true },
  {
    name: 'PUT model release',
    request: (s) => ({
      method: 'PUT',
      url: `/v1/stores/${s}/models/${versionOf(s)}`,
      payload: { kind: 'zone-popularity', rollout: { mode: 'full', percent: 100 } },
    }),
    storeMay: false,
  },
];

/** Routes that are no store's: shared reads (any credential) and the operator's writes. */
const sharedRoutes: { name: string; request: InjectOptions; storeMay: boolean }[] = [
  { name: 'GET catalog', request: { method: 'GET', url: '/v1/catalog' }, storeMay: true },
  { name: 'GET customer', request: { method: 'GET', url: '/v1/customers/cus-0001' }, storeMay: true },
  {
    name: 'PUT customer',
    request: { method: 'PUT', url: '/v1/customers/cus-0001', payload: { ...customer, firstName: 'Changed' } },
    storeMay: false,
  },
  {
    name: 'PUT model file',
    request: {
      method: 'PUT',
      url: '/v1/models/new-1/files/model.onnx',
      payload: onnx,
      headers: { 'content-type': 'application/octet-stream' },
    },
    storeMay: false,
  },
];

const fileOf = (storeId: string): InjectOptions => ({
  method: 'GET',
  url: `/v1/models/${versionOf(storeId)}/files/model.onnx`,
});

describe.each(testBackends())('cloud-sync credentials on $name', (backend) => {
  let cloud: Cloud | undefined;
  let clock = 1_000_000;
  async function start(extra: Partial<CloudOptions> = {}) {
    cloud = await createCloud({
      database: await backend.fresh(),
      logger: pino({ level: 'silent' }),
      seed: {
        catalog: schemaExamples.Catalog.example,
        customers: [customer],
        assortments: [assortmentOf(A), assortmentOf(B)],
        stores: [
          { storeId: A, secretHash: hashSecret(secrets[A]) },
          { storeId: B, secretHash: hashSecret(secrets[B]) },
        ],
      },
      adminSecret: TEST_ADMIN_SECRET,
      now: () => clock,
      ...extra,
    });
    // one model version released to each store (the clock moves on, so the operator's budget never runs out here)
    for (const storeId of [A, B]) {
      const version = versionOf(storeId);
      for (const [name, bytes] of [
        ['model.onnx', onnx],
        ['model.json', card(version)],
      ] as const)
        expect((await as(OPERATOR, putFile(version, name, bytes), undefined, 60_000)).statusCode).toBe(201);
      clock += 60_000;
      const release = await as(OPERATOR, storeRoutes.find((r) => r.name === 'PUT model release')!.request(storeId));
      expect(release.statusCode).toBe(200);
    }
    return cloud;
  }
  const putFile = (version: string, name: string, bytes: Buffer): InjectOptions => ({
    method: 'PUT',
    url: `/v1/models/${version}/files/${name}`,
    payload: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  /** Sends `request` with `credential` as its bearer token (none when undefined). */
  const as = (
    credential: string | undefined,
    request: InjectOptions,
    authorization = `Bearer ${credential}`,
    after = 0,
  ) => {
    clock += after;
    return cloud!.app.inject({
      ...request,
      headers: { ...request.headers, ...(credential !== undefined && { authorization }) },
    });
  };
  afterEach(async () => {
    await cloud?.app.close();
    cloud = undefined;
  });
  afterAll(() => backend.cleanup());

  it('lets a store use its own routes and refuses (403) every route of another store, changing nothing of it', async () => {
    const { store } = await start();
    for (const route of storeRoutes) {
      const other = await as(token[A], route.request(B));
      expect(other.statusCode, route.name).toBe(403);
      expect(other.json().error.code, route.name).toBe('forbidden');
      const own = await as(token[A], route.request(A));
      expect(own.statusCode, route.name).toBe(route.storeMay ? 200 : 403);
    }
    // B's data is untouched by A's attempts
    expect(await store.purchaseCount(B)).toBe(0);
    expect(await store.purchaseCount(A)).toBe(1);
    expect((await store.assortment(B))?.stock[0]?.onHand).toBe(4);
    expect((await store.releases(B)).map((r) => r.version)).toEqual([versionOf(B)]);
    // what A reads is its own
    expect((await as(token[A], { method: 'GET', url: `/v1/stores/${A}/assortment` })).json().storeId).toBe(A);
    expect((await as(token[A], { method: 'GET', url: `/v1/stores/${A}/models` })).json().releases).toMatchObject([
      { version: versionOf(A) },
    ]);
  });

  it('lets a store download only the files of versions released to it; to others they do not exist (404)', async () => {
    await start();
    const own = await as(token[A], fileOf(A));
    expect(own.statusCode).toBe(200);
    expect(own.rawPayload.equals(onnx)).toBe(true);
    const other = await as(token[A], fileOf(B));
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe('not_found');
    expect((await as(token[B], fileOf(B))).statusCode).toBe(200);
    expect((await as(OPERATOR, fileOf(B))).statusCode).toBe(200);
  });

  it("lets the operator use every route, and refuses the operator's routes (403) to stores", async () => {
    const { store } = await start();
    for (const route of sharedRoutes) {
      const res = await as(token[B], route.request);
      expect(res.statusCode, route.name).toBe(route.storeMay ? 200 : 403);
      if (!route.storeMay) expect(res.json().error.code, route.name).toBe('forbidden');
    }
    expect((await store.customer('cus-0001'))?.firstName).toBe(customer.firstName);
    expect(await store.modelFileSha('new-1', 'model.onnx')).toBeUndefined();
    // a customer outside a store's scope does not exist for it
    expect((await as(token[A], { method: 'GET', url: '/v1/customers/cus-0001' })).statusCode).toBe(404);
    for (const route of sharedRoutes)
      expect((await as(OPERATOR, route.request)).statusCode, route.name).toBeLessThan(300);
    for (const route of storeRoutes)
      expect((await as(OPERATOR, route.request(B))).statusCode, route.name).toBeLessThan(300);
    expect((await store.customer('cus-0001'))?.firstName).toBe('Changed');
    expect((await store.assortment(B))?.stock[0]?.onHand).toBe(9);
  });

  it('answers 401 on every route without a valid credential, and leaves /health open', async () => {
    const { store } = await start();
    const requests = [
      ...storeRoutes.map((r) => r.request(A)),
      ...sharedRoutes.map((r) => r.request),
      fileOf(A),
      { method: 'GET', url: '/v1/nothing-here' } as InjectOptions,
    ];
    const forged: [string | undefined, string?][] = [
      [undefined],
      [storeToken(A, secrets[B])], // B's secret under A's id
      [storeToken(A, newSecret())],
      [storeToken('nowhere-9', secrets[A])], // no such store
      [operatorToken('not-the-secret')],
      [secrets[A]], // no id
      [`${A}.`],
      [token[A], `Basic ${token[A]}`], // not a bearer token
      [token[A], `Bearer ${token[A]} extra`],
    ];
    for (const request of requests)
      for (const [credential, header] of forged) {
        const res = await as(credential, request, header ?? `Bearer ${credential}`);
        expect(res.statusCode, `${request.method} ${request.url} with ${header ?? credential}`).toBe(401);
        expect(res.json().error.code).toBe('unauthorized');
      }
    expect(await store.purchaseCount(A)).toBe(0);
    expect((await store.customer('cus-0001'))?.firstName).toBe(customer.firstName);
    expect((await as(undefined, { method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it("applies every documented route's access rule: operator routes, another store's paths, no credential", async () => {
    await start();
    const sample: Record<string, string> = {
      customerId: 'cus-0001',
      version: 'v1',
      name: 'model.onnx',
      itemId: 'sku-000001',
      mergeId: 'mrg-000000000000',
      id: 'run-1',
    };
    const request = (spec: RouteSpec, storeId: string): InjectOptions => ({
      method: spec.method,
      url: spec.url.replace(/:([A-Za-z]+)/g, (_, p: string) => (p === 'storeId' ? storeId : (sample[p] ?? 'x'))),
      ...(spec.binary?.request
        ? { payload: Buffer.from('bytes'), headers: { 'content-type': 'application/octet-stream' } }
        : spec.method === 'GET' || spec.method === 'DELETE'
          ? {}
          : { payload: {} }),
    });
    const specs = cloud!.routes.specs;
    expect(specs.length).toBeGreaterThan(30);
    for (const spec of specs) {
      const name = `${spec.method} ${spec.url}`;
      if (spec.access === 'public') continue;
      expect((await as(undefined, request(spec, A))).statusCode, name).toBe(401);
      if (spec.access === 'operator') {
        expect((await as(token[A], request(spec, A))).statusCode, name).toBe(403);
        expect([401, 403]).not.toContain((await as(OPERATOR, request(spec, A))).statusCode);
      }
      if (spec.access === 'store') {
        expect((await as(token[A], request(spec, B))).statusCode, `${name} as ${A} on ${B}`).toBe(403);
        expect([401, 403]).not.toContain((await as(token[A], request(spec, A))).statusCode);
      }
    }
  });

  it('has no operator when started without an admin secret', async () => {
    cloud = await createCloud({
      database: await backend.fresh(),
      logger: pino({ level: 'silent' }),
      seed: { catalog: schemaExamples.Catalog.example },
    });
    for (const credential of [operatorToken(''), operatorToken(TEST_ADMIN_SECRET)])
      expect((await as(credential, { method: 'GET', url: '/v1/catalog' })).statusCode).toBe(401);
  });

  it('replaces a store secret given again at start (rotation) and refuses "admin" as a store id', async () => {
    const database =
      backend.name === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'aisle-auth-')), 'cloud.db') : await backend.fresh();
    cloud = await createCloud({
      database,
      logger: pino({ level: 'silent' }),
      seed: { catalog: schemaExamples.Catalog.example },
      stores: [{ storeId: A, secretHash: hashSecret(secrets[A]) }],
    });
    const catalog: InjectOptions = { method: 'GET', url: '/v1/catalog' };
    expect((await as(token[A], catalog)).statusCode).toBe(200);
    await cloud.app.close();
    const rotated = newSecret();
    cloud = await createCloud({
      database,
      logger: pino({ level: 'silent' }),
      stores: [{ storeId: A, secretHash: hashSecret(rotated) }],
    });
    expect((await as(token[A], catalog)).statusCode).toBe(401);
    expect((await as(storeToken(A, rotated), catalog)).statusCode).toBe(200);
    await cloud.app.close();
    cloud = undefined;
    await expect(
      createCloud({
        database: await backend.fresh(),
        logger: pino({ level: 'silent' }),
        stores: [{ storeId: 'admin', secretHash: hashSecret(rotated) }],
      }),
    ).rejects.toThrow(/operator's id/);
  });

  it('limits requests per credential (429 with retry-after), each credential on its own budget', async () => {
    await start({ rateLimit: { perSecond: 1, burst: 3 } });
    const catalog: InjectOptions = { method: 'GET', url: '/v1/catalog' };
    // start() spent the operator's budget on uploads; the stores have theirs
    for (let i = 0; i < 3; i++) expect((await as(token[A], catalog)).statusCode).toBe(200);
    const limited = await as(token[A], catalog);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBe('1');
    expect((await as(token[B], catalog)).statusCode).toBe(200);
    clock += 1_000;
    expect((await as(token[A], catalog)).statusCode).toBe(200);
    expect((await as(token[A], catalog)).statusCode).toBe(429);
  });
});
