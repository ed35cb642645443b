import { CustomerId, StoreId } from '@aisle/contracts';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { requireOperator, requireStoreOrOperator, unauthorized } from './auth';
import { parseOr400 } from './http';

export type CloudApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger
>;

/** The path parameters most routes share. */
export const StorePath = z.object({ storeId: StoreId });
export const CustomerPath = z.object({ customerId: CustomerId });

/**
 * Who may call a route (every route but `public` needs a valid credential, checked in app.ts before the body is read):
 * - `operator`: only the chain's back office;
 * - `store`: the operator, or the store the path's `:storeId` names;
 * - `any`: any store and the operator;
 * - `person`: only the holder of a personal "my data" link (mydata/links.ts), never a store or the operator.
 */
export type Access = 'public' | 'operator' | 'store' | 'any' | 'person';

/** One HTTP route, described once: its validation, its access rule and its OpenAPI entry all come from here. */
export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** fastify's syntax: `/v1/stores/:storeId/sync`. */
  url: string;
  summary: string;
  /** Longer text for the OpenAPI description. */
  description?: string;
  /** The OpenAPI group. */
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  /** A JSON body. */
  body?: B;
  /** The success body (documented; the handler's return type is checked against it at compile time). */
  response: R;
  /** The success status (200). */
  status?: number;
  /** Error statuses worth documenting besides 400/401/403/429 (e.g. 404, 409). */
  errors?: readonly number[];
  /** Bodies that are raw bytes (`application/octet-stream`) rather than JSON; documented, parsed by the route. */
  binary?: { request?: boolean; response?: boolean };
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  req: FastifyRequest;
  reply: FastifyReply;
}

/** Registers routes on a fastify app and keeps their specs (for the OpenAPI document). */
export class Routes {
  readonly specs: RouteSpec[] = [];

  constructor(readonly app: CloudApp) {}

  /**
   * Whether the route at `url` (fastify's pattern) and `method` needs no credential (one path may be public to read
   * and the operator's to write, like `/v1/policies/:version`; HEAD is GET's).
   */
  isPublic(url: string | undefined, method: string): boolean {
    const m = method === 'HEAD' ? 'GET' : method;
    return this.specs.some((s) => s.access === 'public' && s.url === url && s.method === m);
  }

  /** Whether the route at `url` is for personal links only (their token is checked instead of a credential). */
  isPersonal(url: string | undefined): boolean {
    return this.specs.some((s) => s.access === 'person' && s.url === url);
  }

  /** Records the spec of a route registered by hand (a raw-bytes body, its own body limit): OpenAPI only. */
  document(spec: RouteSpec): void {
    this.specs.push(spec);
  }

  add<
    P extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
    R extends z.ZodType = z.ZodType,
  >(
    spec: Omit<RouteSpec, 'params' | 'query' | 'body' | 'response'> & { params?: P; query?: Q; body?: B; response: R },
    handler: (input: RouteInput<P, Q, B>) => Promise<z.input<R>>,
  ): void {
    this.specs.push(spec as RouteSpec);
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (req, reply) => {
        // access first: a store asking for another store's path gets 403 whatever else is wrong with the request
        if (spec.access === 'operator') requireOperator(req);
        else if (spec.access === 'store')
          requireStoreOrOperator(req, String((req.params as Record<string, unknown>).storeId));
        else if (spec.access === 'person' && !req.personal) throw unauthorized();
        const input = {
          params: (spec.params
            ? parseOr400(spec.params, req.params, 'invalid_id', 'bad path parameter')
            : undefined) as Parsed<P>,
          query: (spec.query
            ? parseOr400(spec.query, req.query, 'invalid_query', 'bad query')
            : undefined) as Parsed<Q>,
          body: (spec.body
            ? parseOr400(spec.body, req.body, 'invalid_body', 'the body does not match the schema')
            : undefined) as Parsed<B>,
          req,
          reply,
        };
        const result = await handler(input);
        if (spec.status) reply.code(spec.status);
        return result;
      },
    });
  }
}
