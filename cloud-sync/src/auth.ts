import { StoreId } from '@aisle/contracts';
import { hashSecret, StoreCredential as StoreCredentialEntry, verifySecret } from '@aisle/contracts/credentials';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { HttpError } from './http';
import type { CloudStore } from './store';

/*
 * Who may call cloud-sync. Every request but `GET /health` carries `Authorization: Bearer <id>.<secret>`:
 * - a store (its gateway): `<storeId>.<secret>`, checked against the store's hash in the `stores` table;
 * - the operator (the chain's back office): `admin.<secret>`, the secret the process was started with.
 * The secret is `newSecret()` (base64url, no "."), so the id is everything before the last ".".
 */

/** The id the operator's credential uses; no store may have it. */
export const OPERATOR_ID = 'admin';

/** A store credential the cloud accepts: the contract's, with a store id other than the operator's. */
export const StoreCredential = StoreCredentialEntry.refine(
  (c) => c.storeId !== OPERATOR_ID,
  `"${OPERATOR_ID}" is the operator's id, not a store's`,
);
export type StoreCredential = z.infer<typeof StoreCredential>;

/** The authenticated caller of a request. */
export type Principal = { kind: 'operator' } | { kind: 'store'; storeId: string };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The operator's token for `secret`. */
export const operatorToken = (secret: string) => `${OPERATOR_ID}.${secret}`;
/** A store's token for `secret`. */
export const storeToken = (storeId: string, secret: string) => `${storeId}.${secret}`;

export const unauthorized = () =>
  new HttpError(401, 'unauthorized', 'send Authorization: Bearer <storeId>.<secret> (or admin.<secret>)');
export const forbidden = (message = 'this credential may not use this resource') =>
  new HttpError(403, 'forbidden', message);

/** Checks the request's credential; undefined when it is missing, malformed or wrong. */
export async function authenticate(
  header: string | undefined,
  store: CloudStore,
  operatorHash: string | undefined,
): Promise<Principal | undefined> {
  const match = /^Bearer +(\S+)$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const token = match[1]!;
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || dot === token.length - 1 || token.length > 256) return undefined;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (id === OPERATOR_ID)
    return operatorHash !== undefined && verifySecret(secret, operatorHash) ? { kind: 'operator' } : undefined;
  if (!StoreId.safeParse(id).success) return undefined;
  const hash = await store.storeSecretHash(id);
  return hash !== undefined && verifySecret(secret, hash) ? { kind: 'store', storeId: id } : undefined;
}

/** The operator's secret as kept in memory (hashed, so a heap dump does not hold it in the clear). */
export const hashOperatorSecret = (secret: string | undefined) =>
  secret === undefined || secret === '' ? undefined : hashSecret(secret);

const principalOf = (req: FastifyRequest): Principal => {
  if (!req.principal) throw unauthorized();
  return req.principal;
};

/** Only the operator. */
export function requireOperator(req: FastifyRequest): void {
  if (principalOf(req).kind !== 'operator') throw forbidden('only the operator may do this');
}

/** The operator, or the store `storeId` itself (the raw path segment, compared before it is validated). */
export function requireStoreOrOperator(req: FastifyRequest, storeId: string): void {
  const principal = principalOf(req);
  if (principal.kind === 'store' && principal.storeId !== storeId) throw forbidden("another store's data");
}

/**
 * Per-credential token buckets: `perSecond` requests on average, `burst` at once. A caller over its budget gets
 * 429 with `retry-after`. One bucket per store and one for the operator, so the map is bounded by the stores.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {}

  /** Takes a token for `key`; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const t = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((t - bucket.at) / 1000) * this.perSecond);
    bucket.at = t;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }
}

export const principalKey = (p: Principal) => (p.kind === 'operator' ? OPERATOR_ID : `store:${p.storeId}`);
