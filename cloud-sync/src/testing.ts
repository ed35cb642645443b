import { randomBytes } from 'node:crypto';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach } from 'vitest';
import { type Cloud, type CloudSeedInput, createCloud } from './app';
import { operatorToken, storeToken } from './auth';

/**
 * The databases cloud-sync's tests run against: SQLite in memory and PostgreSQL on this machine (CI runs one too),
 * each PostgreSQL database a fresh schema of its own so parallel test files never meet. Not for production code.
 */
export const TEST_POSTGRES_URL = process.env.AISLE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface TestBackend {
  readonly name: 'sqlite' | 'postgres';
  /** A URL of a new, empty database. */
  fresh(): Promise<string>;
  /** Drops what fresh() created (call it in afterAll). */
  cleanup(): Promise<void>;
}

/** `url` with its search_path set to `schema`, so every table the store creates lands there. */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

function sqliteBackend(): TestBackend {
  return { name: 'sqlite', fresh: async () => ':memory:', cleanup: async () => {} };
}

function postgresBackend(url = TEST_POSTGRES_URL): TestBackend {
  const schemas: string[] = [];
  const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
    } catch (err) {
      throw new Error(`the PostgreSQL tests need a server at ${url} (set AISLE_TEST_POSTGRES_URL): ${err}`);
    }
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    async fresh() {
      const schema = `cloud_test_${process.pid}_${randomBytes(6).toString('hex')}`;
      await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
      schemas.push(schema);
      return withSearchPath(url, schema);
    },
    async cleanup() {
      const drop = schemas.splice(0);
      if (drop.length > 0)
        await admin(async (c) => {
          for (const schema of drop) await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        });
    },
  };
}

/** One backend of each kind, for `describe.each(testBackends())`. */
export function testBackends(): TestBackend[] {
  return [sqliteBackend(), postgresBackend()];
}

/** The operator's secret the tests start cloud-sync with (`adminSecret`). */
export const TEST_ADMIN_SECRET = 'test-operator-secret';

/** `app` whose `inject` sends `Authorization: Bearer <token>` unless the request names its own header. */
export function withCredential<T extends Pick<FastifyInstance, 'inject'>>(app: T, token: string): T {
  const inject = (opts: InjectOptions) =>
    app.inject({ ...opts, headers: { authorization: `Bearer ${token}`, ...opts.headers } });
  return new Proxy(app, {
    get(target, key) {
      if (key === 'inject') return inject;
      // a fastify instance is thenable (it awaits its plugins); the proxy must not be, or awaiting it unwraps it
      if (key === 'then') return undefined;
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Injects requests as one of the stores whose secrets are given (`storeId`) or, without one, as the operator
 * (`TEST_ADMIN_SECRET`): for tests that switch callers from request to request.
 */
export function injectAs(app: Pick<FastifyInstance, 'inject'>, secrets: Readonly<Record<string, string>>) {
  return (opts: InjectOptions, storeId?: string) => {
    const secret = storeId === undefined ? undefined : secrets[storeId];
    if (storeId !== undefined && secret === undefined) throw new Error(`no secret for store ${storeId}`);
    const token = secret === undefined ? operatorToken(TEST_ADMIN_SECRET) : storeToken(storeId!, secret);
    return app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
  };
}

/**
 * A fresh cloud for each test of a `describe.each(testBackends())` block, on that block's backend: call it in the
 * block. `start(seed)` creates the cloud with the operator's TEST_ADMIN_SECRET, its clock fixed at `now` and a
 * credential for each of `stores` besides `seed`; `cloud()` is the running one; `send` injects as the operator or,
 * naming one of `stores`, as that store (injectAs). Each test's cloud is closed after it and the backend's
 * databases are dropped after the block.
 */
export function cloudPerTest(backend: TestBackend, { now, stores = [] }: { now: number; stores?: readonly string[] }) {
  const secrets = Object.fromEntries(stores.map((storeId) => [storeId, newSecret()]));
  let current: Cloud | undefined;
  afterEach(async () => {
    await current?.app.close();
    current = undefined;
  });
  afterAll(() => backend.cleanup());
  const cloud = (): Cloud => {
    if (!current) throw new Error('no cloud yet: call start() first');
    return current;
  };
  return {
    async start(seed: CloudSeedInput): Promise<Cloud> {
      current = await createCloud({
        database: await backend.fresh(),
        logger: pino({ level: 'silent' }),
        seed: {
          ...seed,
          ...(stores.length > 0 && {
            stores: stores.map((storeId) => ({ storeId, secretHash: hashSecret(secrets[storeId]!) })),
          }),
        },
        adminSecret: TEST_ADMIN_SECRET,
        now: () => now,
      });
      return current;
    },
    cloud,
    send: (opts: InjectOptions, storeId?: string) => injectAs(cloud().app, secrets)(opts, storeId),
  };
}
