import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CustomerId, DsrRequestId } from '@aisle/contracts';
import type { Logger } from 'pino';
import { z } from 'zod';
import { HttpError } from '../http';

/*
 * Personal links: a token that lets one person see and manage their own data for a short while, without an account.
 * A token is `<payload>.<signature>`: the payload (base64url JSON) names its subject and expiry, the signature is
 * HMAC-SHA256 of the payload with the cloud's link secret. Nothing is stored: a token is valid while its signature
 * checks and it has not expired. Two subjects:
 * - a customer (`c`): the "my data" page for 15 minutes, minted by a store at its kiosk or by the operator;
 * - a data-subject request (`r`): its status only, for long after the request (the customer may be erased by then,
 *   and the person must still see that the erasure was done).
 * On the wire it is `Authorization: Bearer me.<token>`.
 */

/** How long a customer's link works. */
export const LINK_TTL_MS = 15 * 60_000;
/** How long a request's status link works: past GDPR's month for the answer, with room to spare. */
export const STATUS_TTL_MS = 90 * 24 * 60 * 60_000;

const Payload = z.discriminatedUnion('s', [
  z.object({ s: z.literal('c'), id: CustomerId, exp: z.number().int() }).strict(),
  z.object({ s: z.literal('r'), id: DsrRequestId, exp: z.number().int() }).strict(),
]);
type Payload = z.infer<typeof Payload>;

/** Who a valid personal token speaks for. */
export type PersonalSubject =
  | { kind: 'person'; customerId: string; expiresAt: number }
  | { kind: 'requester'; requestId: string; expiresAt: number };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on the personal routes (access `person`) once the link's token checked. */
    personal?: PersonalSubject;
  }
}

/** The token of `Authorization: Bearer me.<token>`, or undefined for any other header. */
export function personalToken(header: string | undefined): string | undefined {
  const match = /^Bearer +me\.(\S+)$/i.exec(header?.trim() ?? '');
  return match?.[1];
}

export class PersonalLinks {
  private readonly key: Buffer;

  /** Without a secret, a random one: links then stop working when the process restarts (a warning says so). */
  constructor(
    secret: string | undefined,
    logger: Logger,
    private readonly now: () => number,
  ) {
    if (secret === undefined || secret === '') {
      logger.warn('no link secret (AISLE_CLOUD_LINK_SECRET): personal "my data" links stop working at restart');
      this.key = randomBytes(32);
    } else {
      if (secret.length < 16) throw new Error('the link secret must be at least 16 characters');
      this.key = Buffer.from(secret, 'utf8');
    }
  }

  /** A token for a customer's page, valid for LINK_TTL_MS. */
  forCustomer(customerId: string): { token: string; expiresAt: number } {
    return this.sign({ s: 'c', id: customerId, exp: this.now() + LINK_TTL_MS });
  }

  /** A token for one request's status, valid for STATUS_TTL_MS. */
  forRequest(requestId: string): { token: string; expiresAt: number } {
    return this.sign({ s: 'r', id: requestId, exp: this.now() + STATUS_TTL_MS });
  }

  /** The subject of a token (without the `me.` prefix), or undefined when forged, malformed or expired. */
  verify(token: string): PersonalSubject | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 512) return undefined;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = this.mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let payload: Payload;
    try {
      const parsed = Payload.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
      if (!parsed.success) return undefined;
      payload = parsed.data;
    } catch {
      return undefined;
    }
    if (payload.exp <= this.now()) return undefined;
    return payload.s === 'c'
      ? { kind: 'person', customerId: payload.id, expiresAt: payload.exp }
      : { kind: 'requester', requestId: payload.id, expiresAt: payload.exp };
  }

  private sign(payload: Payload): { token: string; expiresAt: number } {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return { token: `${body}.${this.mac(body).toString('base64url')}`, expiresAt: payload.exp };
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }
}

/** The rate limiter's bucket of a personal link's holder. */
export const personalKey = (p: PersonalSubject) =>
  p.kind === 'person' ? `person:${p.customerId}` : `request:${p.requestId}`;

/** A personal route called without a valid link: the page tells the person to get a new one. */
export const unauthorizedLink = () =>
  new HttpError(401, 'link_invalid', 'this personal link is invalid or has expired; ask for a new one');
