import { Catalog, CustomerId, CustomerProfile, PurchaseBatch, StoreAssortment, StoreId } from '@aisle/contracts';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  authenticate,
  hashOperatorSecret,
  principalKey,
  RateLimiter,
  requireOperator,
  requireStoreOrOperator,
  StoreCredential,
  unauthorized,
} from './auth';
import { apiError, HttpError, notFound, parseOr400 } from './http';
import { registerModelRoutes } from './registry';
import { CloudStore, SeqConflictError } from './store';

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
}

/** `?cursor=N&limit=M` of the profile feed. */
export const ProfileQuery = z.object({
  cursor: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(2000).default(500),
});

const rawStoreId = (params: unknown) => (params as { storeId: string }).storeId;
const storeIdOf = (params: unknown) =>
  parseOr400(StoreId, (params as { storeId: string }).storeId, 'invalid_id', 'bad store id');
const customerIdOf = (params: unknown) =>
  parseOr400(CustomerId, (params as { customerId: string }).customerId, 'invalid_id', 'bad customer id');

/**
 * The cloud profile service: catalog, profiles and assortments for stores, purchases from them, and the model
 * registry. Nothing listens on import.
 */
export async function createCloud(opts: CloudOptions) {
  const now = opts.now ?? Date.now;
  const seed = opts.seed ? CloudSeed.parse(opts.seed) : undefined;
  const store = await CloudStore.open(opts.database, {
    onPoolError: (err) => opts.logger.warn({ err }, 'an idle database connection failed'),
  });
  try {
    if (seed && (await store.isEmpty())) {
      await store.upsertProducts(seed.catalog.items);
      await store.upsertCustomers(seed.customers);
      await store.putAssortments(seed.assortments);
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

  // every route but /health needs a credential (checked before the body is read), then a request budget
  const operatorHash = hashOperatorSecret(opts.adminSecret);
  const limiter = new RateLimiter(opts.rateLimit?.perSecond ?? 50, opts.rateLimit?.burst ?? 500, now);
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.url === '/health') return;
    const principal = await authenticate(req.headers.authorization, store, operatorHash);
    if (!principal) throw unauthorized();
    req.principal = principal;
    const wait = limiter.take(principalKey(principal));
    if (wait > 0)
      return reply
        .code(429)
        .header('retry-after', String(wait))
        .send(apiError('rate_limited', `too many requests; retry in ${wait} s`));
  });

  app.get('/health', async () => ({ status: 'pass' }));

  /** Any store and the operator. */
  app.get('/v1/catalog', async () => ({ items: await store.catalog() }));

  /** Any store (every customer is in scope for every store for now) and the operator. */
  app.get('/v1/customers/:customerId', async (req) => {
    const profile = await store.customer(customerIdOf(req.params));
    if (!profile) throw notFound('no such customer');
    return profile;
  });

  /** Creates or replaces a profile (the web shop changes online carts this way); stores see it on their next pull. */
  app.put('/v1/customers/:customerId', async (req) => {
    requireOperator(req);
    const customerId = customerIdOf(req.params);
    const profile = parseOr400(CustomerProfile, req.body, 'invalid_body', 'body does not match CustomerProfile');
    if (profile.customerId !== customerId)
      throw new HttpError(400, 'customer_mismatch', 'the profile must belong to the customer in the path');
    await store.upsertCustomers([profile]);
    return profile;
  });

  /**
   * The profiles a store caches, changed after `cursor`. For now every customer is in scope for every store;
   * scoping profiles to the stores a customer uses is a later issue.
   */
  app.get('/v1/stores/:storeId/profiles', async (req) => {
    requireStoreOrOperator(req, rawStoreId(req.params));
    storeIdOf(req.params);
    const { cursor, limit } = parseOr400(ProfileQuery, req.query, 'invalid_query', 'bad cursor or limit');
    return await store.profilesSince(cursor, limit);
  });

  app.get('/v1/stores/:storeId/assortment', async (req) => {
    requireStoreOrOperator(req, rawStoreId(req.params));
    const assortment = await store.assortment(storeIdOf(req.params));
    if (!assortment) throw notFound('no assortment for this store');
    return assortment;
  });

  app.put('/v1/stores/:storeId/assortment', async (req) => {
    requireOperator(req);
    const storeId = storeIdOf(req.params);
    const assortment = parseOr400(StoreAssortment, req.body, 'invalid_body', 'body does not match StoreAssortment');
    if (assortment.storeId !== storeId)
      throw new HttpError(400, 'store_mismatch', 'the assortment must belong to the store in the path');
    await store.putAssortments([assortment]);
    return assortment;
  });

  app.post('/v1/stores/:storeId/purchases', async (req) => {
    requireStoreOrOperator(req, rawStoreId(req.params));
    const storeId = storeIdOf(req.params);
    const batch = parseOr400(PurchaseBatch, req.body, 'invalid_body', 'body does not match PurchaseBatch');
    if (batch.storeId !== storeId || batch.entries.some((e) => e.purchase.storeId !== storeId))
      throw new HttpError(400, 'store_mismatch', 'every purchase must belong to the store in the path');
    try {
      return await store.addPurchases(storeId, batch, now());
    } catch (err) {
      if (err instanceof SeqConflictError) throw new HttpError(409, 'seq_conflict', err.message);
      throw err;
    }
  });

  /** The cloud's watermark in the store's outbox sequence, and the gaps below the highest seq it has. */
  app.get('/v1/stores/:storeId/sync', async (req) => {
    requireStoreOrOperator(req, rawStoreId(req.params));
    const storeId = storeIdOf(req.params);
    return { storeId, ...(await store.syncStatus(storeId)) };
  });

  app.get('/v1/stores/:storeId/purchases/count', async (req) => {
    requireStoreOrOperator(req, rawStoreId(req.params));
    return { count: await store.purchaseCount(storeIdOf(req.params)) };
  });

  registerModelRoutes(app, store, { now, fileLimit: opts.modelFileLimit ?? 200 * 1024 * 1024 });

  app.addHook('onClose', async () => store.close());
  return { app, store };
}
export type Cloud = Awaited<ReturnType<typeof createCloud>>;
