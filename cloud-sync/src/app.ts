import { type ApiError, Catalog, CustomerId, CustomerProfile, PurchaseBatch, StoreId } from '@aisle/contracts';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CloudStore } from './store';

export const CloudSeed = z.object({ catalog: Catalog, customers: z.array(CustomerProfile).default([]) }).strict();
export type CloudSeed = z.infer<typeof CloudSeed>;

export interface CloudOptions {
  databasePath: string;
  logger: Logger;
  /** Loaded into an empty database on first start. */
  seed?: CloudSeed;
  now?: () => number;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
}

function apiError(code: string, message: string, issues?: z.core.$ZodIssue[]): ApiError {
  return {
    error: {
      code,
      message,
      ...(issues && { issues: issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) }),
    },
  };
}

/** The cloud profile service: catalog and profiles for stores, purchases from them. Nothing listens on import. */
export function createCloud(opts: CloudOptions) {
  const now = opts.now ?? Date.now;
  const store = new CloudStore(opts.databasePath);
  if (opts.seed && store.isEmpty()) {
    store.upsertProducts(opts.seed.catalog.items);
    store.upsertCustomers(opts.seed.customers);
    opts.logger.info({ items: opts.seed.catalog.items.length }, 'seeded an empty database');
  }
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) opts.logger.error({ err }, 'request failed');
    reply.code(status).send(apiError(err.code ?? 'error', status === 500 ? 'internal error' : err.message));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(apiError('not_found', `no route ${req.method} ${req.url}`));
  });

  app.get('/health', async () => ({ status: 'pass' }));

  app.get('/v1/catalog', async () => ({ items: store.catalog() }));

  app.get('/v1/customers/:customerId', async (req, reply) => {
    const id = CustomerId.safeParse((req.params as { customerId: string }).customerId);
    if (!id.success) return reply.code(400).send(apiError('invalid_id', 'bad customer id', id.error.issues));
    const profile = store.customer(id.data);
    if (!profile) return reply.code(404).send(apiError('not_found', 'no such customer'));
    return profile;
  });

  app.post('/v1/stores/:storeId/purchases', async (req, reply) => {
    const storeId = StoreId.safeParse((req.params as { storeId: string }).storeId);
    if (!storeId.success) return reply.code(400).send(apiError('invalid_id', 'bad store id', storeId.error.issues));
    const batch = PurchaseBatch.safeParse(req.body);
    if (!batch.success)
      return reply.code(400).send(apiError('invalid_body', 'body does not match PurchaseBatch', batch.error.issues));
    if (batch.data.storeId !== storeId.data || batch.data.purchases.some((p) => p.storeId !== storeId.data))
      return reply.code(400).send(apiError('store_mismatch', 'every purchase must belong to the store in the path'));
    return store.addPurchases(storeId.data, batch.data.purchases, now());
  });

  app.get('/v1/stores/:storeId/purchases/count', async (req, reply) => {
    const storeId = StoreId.safeParse((req.params as { storeId: string }).storeId);
    if (!storeId.success) return reply.code(400).send(apiError('invalid_id', 'bad store id', storeId.error.issues));
    return { count: store.purchaseCount(storeId.data) };
  });

  app.addHook('onClose', async () => store.close());
  return { app, store };
}
export type Cloud = ReturnType<typeof createCloud>;
