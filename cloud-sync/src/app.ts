import {
  Catalog,
  CustomerProfile,
  ProfilePage,
  PurchaseBatch,
  PurchaseBatchResult,
  PurchaseCount,
  StoreAssortment,
  StoreSyncStatus,
} from '@aisle/contracts';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { registerAuditRoutes } from './audit';
import { authenticate, hashOperatorSecret, principalKey, RateLimiter, StoreCredential, unauthorized } from './auth';
import { onCartPurchases, registerCartsRoutes } from './carts';
import { registerConsentRoutes } from './consent';
import { inStoreScope, onCustomerPurchases, registerCustomersRoutes, storePage } from './customers';
import { anonymizeLateErased, isErased, registerDsrRoutes, withoutErased } from './dsr';
import type { FeatureContext } from './feature';
import { apiError, HttpError, notFound } from './http';
import { putAssortment, putProducts, registerInventoryRoutes } from './inventory';
import { registerMetricsRoute } from './metrics';
import { registerMyDataRoutes } from './mydata';
import { PersonalLinks, personalKey, personalToken, unauthorizedLink } from './mydata/links';
import { openApiDocument } from './openapi';
import { registerModelRoutes } from './registry';
import { type RetentionOptions, startRetention } from './retention';
import { CustomerPath, Routes, StorePath } from './route';
import { CloudStore, SeqConflictError } from './store';
import { registerTrainingRoutes, startTrainingSchedule, type TrainingOptions } from './training';

export const CloudSeed = z
  .object({
    catalog: Catalog,
    customers: z.array(CustomerProfile).default([]),
    assortments: z.array(StoreAssortment).default([]),
    /** Store credentials; unlike the rest, applied at every start (a new hash replaces the old: rotation). */
    stores: z.array(StoreCredential).default([]),
  })
  .strict();
export type CloudSeed = z.infer<typeof CloudSeed>;
export type CloudSeedInput = z.input<typeof CloudSeed>;

export interface CloudOptions {
  /** `postgres://…` (PostgreSQL), `sqlite:<path>`, a plain file path or `:memory:` (SQLite). */
  database: string;
  logger: Logger;
  /** Loaded into an empty database on first start. */
  seed?: CloudSeedInput;
  now?: () => number;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Largest model file accepted by `PUT /v1/models/:version/files/:name`, in bytes (200 MB). */
  modelFileLimit?: number;
  /** The operator's secret (`Authorization: Bearer admin.<secret>`); without it no request is the operator's. */
  adminSecret?: string;
  /** Store credentials registered (or rotated) at start, besides the seed's. */
  stores?: readonly StoreCredential[];
  /** Requests per credential: `perSecond` on average, `burst` at once (defaults 50 and 500); over it, 429. */
  rateLimit?: { perSecond: number; burst: number };
  /** The scheduled training runs (off when unset). */
  training?: TrainingOptions;
  /** Days each data class is kept and how often the purge runs (docs/privacy/audit.md has the defaults). */
  retention?: RetentionOptions;
  /** Signs personal "my data" links (HMAC-SHA256, ≥ 16 chars); random per start when unset (links die at restart). */
  linkSecret?: string;
  /** The cloud's public address for personal links (`https://cloud.example`); else the request's own host. */
  publicUrl?: string;
}

/** The API's version in the OpenAPI document. */
export const CLOUD_API_VERSION = '1.0.0';

const Health = z.object({ status: z.literal('pass') });

/** `?cursor=N&limit=M` of the profile feed. */
export const ProfileQuery = z.object({
  cursor: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(2000).default(500),
});

/**
 * The cloud profile service: catalog, profiles and assortments for stores, purchases from them, and the model
 * registry. Nothing listens on import.
 */
export async function createCloud(opts: CloudOptions) {
  const now = opts.now ?? Date.now;
  const seed = opts.seed ? CloudSeed.parse(opts.seed) : undefined;
  const links = new PersonalLinks(opts.linkSecret, opts.logger, now);
  const store = await CloudStore.open(opts.database, {
    onPoolError: (err) => opts.logger.warn({ err }, 'an idle database connection failed'),
  });
  try {
    if (seed && (await store.isEmpty())) {
      await putProducts(store, seed.catalog.items);
      await store.upsertCustomers(seed.customers);
      for (const assortment of seed.assortments) await putAssortment(store, assortment);
      opts.logger.info(
        { items: seed.catalog.items.length, customers: seed.customers.length, assortments: seed.assortments.length },
        'seeded an empty database',
      );
    }
    const stores = [...(seed?.stores ?? []), ...z.array(StoreCredential).parse(opts.stores ?? [])];
    if (stores.length > 0) await store.putStoreCredentials(stores, now());
  } catch (err) {
    await store.close();
    throw err;
  }
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) opts.logger.error({ err }, 'request failed');
    const issues = err instanceof HttpError ? err.issues : undefined;
    reply.code(status).send(apiError(err.code ?? 'error', status === 500 ? 'internal error' : err.message, issues));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(apiError('not_found', `no route ${req.method} ${req.url}`));
  });

  // every route fastify registers, to check each has a spec (OpenAPI covers the whole API)
  const registered: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') registered.push({ method, url: r.url });
  });
  const routes = new Routes(app);

  // every route but the public ones needs a credential (checked before the body is read), then a request budget
  const operatorHash = hashOperatorSecret(opts.adminSecret);
  const limiter = new RateLimiter(opts.rateLimit?.perSecond ?? 50, opts.rateLimit?.burst ?? 500, now);
  app.addHook('onRequest', async (req, reply) => {
    if (routes.isPublic(req.routeOptions.url, req.method)) return;
    let key: string;
    if (routes.isPersonal(req.routeOptions.url)) {
      // a personal link, never a store's or the operator's credential (mydata/links.ts)
      const token = personalToken(req.headers.authorization);
      req.personal = token === undefined ? undefined : links.verify(token);
      if (!req.personal) throw unauthorizedLink();
      key = personalKey(req.personal);
    } else {
      const principal = await authenticate(req.headers.authorization, store, operatorHash);
      if (!principal) throw unauthorized();
      req.principal = principal;
      key = principalKey(principal);
    }
    const wait = limiter.take(key);
    if (wait > 0)
      return reply
        .code(429)
        .header('retry-after', String(wait))
        .send(apiError('rate_limited', `too many requests; retry in ${wait} s`));
  });

  const ctx: FeatureContext = { routes, store, logger: opts.logger, now };

  routes.add(
    { method: 'GET', url: '/health', tag: 'service', summary: 'Liveness', access: 'public', response: Health },
    async () => ({ status: 'pass' as const }),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/catalog',
      tag: 'catalog',
      summary: 'The whole catalog',
      access: 'any',
      response: Catalog,
    },
    async () => ({ items: await store.catalog() }),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/customers/:customerId',
      tag: 'customers',
      summary: "A customer's profile",
      description: 'A store sees only the customers in its scope (others are 404); see the profile feed.',
      access: 'any',
      params: CustomerPath,
      response: CustomerProfile,
      errors: [404],
    },
    async ({ params, req }) => {
      const profile = await store.customer(params.customerId);
      // to a store, a customer outside its scope does not exist (it may look one up by identifier instead)
      const principal = req.principal;
      if (
        !profile ||
        (principal?.kind === 'store' && !(await inStoreScope(store, principal.storeId, profile.customerId)))
      )
        throw notFound('no such customer');
      return profile;
    },
  );

  routes.add(
    {
      method: 'PUT',
      url: '/v1/customers/:customerId',
      tag: 'customers',
      summary: 'Create or replace a profile',
      description: 'Stores in scope see the change on their next pull. 410 for the id of an erased customer.',
      access: 'operator',
      params: CustomerPath,
      body: CustomerProfile,
      response: CustomerProfile,
      errors: [410],
    },
    async ({ params, body }) => {
      if (body.customerId !== params.customerId)
        throw new HttpError(400, 'customer_mismatch', 'the profile must belong to the customer in the path');
      // an erased customer's id stays erased: a profile write must not bring the person back
      if (await isErased(store.db, params.customerId))
        throw new HttpError(410, 'customer_erased', 'this customer was erased; their id cannot be used again');
      await store.upsertCustomers([body]);
      return body;
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/stores/:storeId/profiles',
      tag: 'stores',
      summary: 'The profiles a store caches, changed after a cursor, and the customers it must drop',
      description:
        "The store's scope: customers whose home store it is, who bought there in the last 90 days or were looked " +
        'up there in the last 30. `deleted` lists customers erased, merged away or out of scope.',
      access: 'store',
      params: StorePath,
      query: ProfileQuery,
      response: ProfilePage,
    },
    async ({ params, query }) => storePage(store, params.storeId, query.cursor, query.limit, now()),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/stores/:storeId/assortment',
      tag: 'stores',
      summary: "A store's assortment: stock, aisles and promotions",
      access: 'store',
      params: StorePath,
      response: StoreAssortment,
      errors: [404],
    },
    async ({ params }) => {
      const assortment = await store.assortment(params.storeId);
      if (!assortment) throw notFound('no assortment for this store');
      return assortment;
    },
  );

  routes.add(
    {
      method: 'PUT',
      url: '/v1/stores/:storeId/assortment',
      tag: 'stores',
      summary: "Replace a store's assortment",
      access: 'operator',
      params: StorePath,
      body: StoreAssortment,
      response: StoreAssortment,
    },
    async ({ params, body }) => {
      if (body.storeId !== params.storeId)
        throw new HttpError(400, 'store_mismatch', 'the assortment must belong to the store in the path');
      await putAssortment(store, body);
      return body;
    },
  );

  routes.add(
    {
      method: 'POST',
      url: '/v1/stores/:storeId/purchases',
      tag: 'sync',
      summary: "Apply a batch of the store's outbox",
      description:
        'Applied once per batch id and once per outbox seq; a batch sent again gets the first answer. A seq reused ' +
        'for another purchase is a 409 (the store database was reset or restored).',
      access: 'store',
      params: StorePath,
      body: PurchaseBatch,
      response: PurchaseBatchResult,
      errors: [409],
    },
    async ({ params, body }) => {
      if (body.storeId !== params.storeId || body.entries.some((e) => e.purchase.storeId !== params.storeId))
        throw new HttpError(400, 'store_mismatch', 'every purchase must belong to the store in the path');
      // a sale of an erased customer (from a till or a store offline during the erasure) is kept anonymously
      const batch = await withoutErased(ctx, body);
      let result: PurchaseBatchResult;
      try {
        result = await store.addPurchases(params.storeId, batch, now());
      } catch (err) {
        if (err instanceof SeqConflictError) throw new HttpError(409, 'seq_conflict', err.message);
        throw err;
      }
      const purchases = batch.entries.map((e) => e.purchase);
      await anonymizeLateErased(
        ctx,
        purchases.flatMap((p) => (p.customerId ? [p.customerId] : [])),
      );
      await onCustomerPurchases(ctx, params.storeId, purchases);
      await onCartPurchases(ctx, params.storeId, purchases);
      return result;
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/stores/:storeId/sync',
      tag: 'sync',
      summary: "The cloud's watermark in the store's outbox sequence, and the gaps below the highest seq it has",
      access: 'store',
      params: StorePath,
      response: StoreSyncStatus,
    },
    async ({ params }) => ({ storeId: params.storeId, ...(await store.syncStatus(params.storeId)) }),
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/stores/:storeId/purchases/count',
      tag: 'sync',
      summary: 'How many purchases of the store the cloud holds',
      access: 'store',
      params: StorePath,
      response: PurchaseCount,
    },
    async ({ params }) => ({ count: await store.purchaseCount(params.storeId) }),
  );

  registerCustomersRoutes(ctx);
  registerCartsRoutes(ctx);
  registerTrainingRoutes(ctx);
  registerConsentRoutes(ctx);
  registerInventoryRoutes(ctx);
  registerAuditRoutes(ctx);
  registerDsrRoutes(ctx);
  registerMyDataRoutes(ctx, { links, publicUrl: opts.publicUrl });
  const stopTraining = startTrainingSchedule(ctx, opts.training);
  const metrics = new Registry();
  const stopRetention = await startRetention(ctx, opts.retention, metrics);
  registerMetricsRoute(routes, metrics);

  routes.add(
    {
      method: 'GET',
      url: '/openapi.json',
      tag: 'service',
      summary: 'This document',
      access: 'public',
      response: z.record(z.string(), z.unknown()),
    },
    async () => openApiDocument(routes.specs, CLOUD_API_VERSION),
  );

  registerModelRoutes(ctx, opts.modelFileLimit ?? 200 * 1024 * 1024);

  app.addHook('onClose', async () => {
    await stopTraining();
    await stopRetention();
    await store.close();
  });
  return { app, store, routes, registered };
}
export type Cloud = Awaited<ReturnType<typeof createCloud>>;
