import { ApiError } from '@aisle/contracts';
import { z } from 'zod';
import type { RouteSpec } from './route';

/** JSON Schema of a zod schema as a request (`input`) or response (`output`) body: OpenAPI 3.1 speaks 2020-12. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  return rest;
}

/** Path and query parameters of a route from its zod object schemas. */
function parameters(spec: RouteSpec): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (!schema) continue;
    const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {}))
      out.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: property,
      });
  }
  return out;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input: the error lists the failing fields',
  401: 'Missing or wrong credential',
  403: 'This credential may not use this resource',
  404: 'Not found',
  409: 'Conflict with the stored state',
  413: 'Body too large',
  429: 'Over the request budget (Retry-After says when to retry)',
};

function operation(spec: RouteSpec): Record<string, unknown> {
  const errorBody = { content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } };
  const statuses = new Set<number>([
    ...(spec.params || spec.query || spec.body || spec.binary?.request ? [400] : []),
    ...(spec.access === 'public' ? [] : [401, 429]),
    ...(spec.access === 'operator' || spec.access === 'store' ? [403] : []),
    ...(spec.errors ?? []),
  ]);
  const responses: Record<string, unknown> = {
    [String(spec.status ?? 200)]: {
      description: 'OK',
      content: spec.binary?.response
        ? { 'application/octet-stream': { schema: { type: 'string', contentEncoding: 'binary' } } }
        : { 'application/json': { schema: jsonSchema(spec.response, 'output') } },
    },
  };
  for (const status of [...statuses].sort())
    responses[String(status)] = { description: ERROR_TEXT[status], ...errorBody };
  const access = {
    public: 'No credential.',
    operator: 'The operator only.',
    store: 'The operator, or the store named in the path.',
    any: 'Any store, or the operator.',
    person: 'A personal "my data" link only: `Bearer me.<token>`.',
  }[spec.access];
  const params = parameters(spec);
  return {
    tags: [spec.tag],
    summary: spec.summary,
    description: [spec.description, `Access: ${access}`].filter(Boolean).join('\n\n'),
    ...(spec.access === 'public' ? { security: [] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(spec.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } }
      : spec.binary?.request
        ? {
            requestBody: {
              required: true,
              content: { 'application/octet-stream': { schema: { type: 'string', contentEncoding: 'binary' } } },
            },
          }
        : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of cloud-sync, generated from the routes' specs (the zod schemas they validate with). */
export function openApiDocument(specs: readonly RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of [...specs].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
    const path = spec.url.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Aisle cloud-sync',
      version,
      description:
        'The cloud profile service: customers and identities, carts, consent, catalog and inventory, purchases ' +
        'from every store, and the model registry. Generated from the zod schemas the routes validate with; do ' +
        'not edit by hand (`npm run docs -w @aisle/cloud-sync`).',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            '`<storeId>.<secret>` for a store, `admin.<secret>` for the operator, `me.<token>` for a personal link.',
        },
      },
      schemas: { ApiError: jsonSchema(ApiError, 'output') },
    },
  };
}
