import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type DecisionExplanation, SCREEN_CSP } from '@aisle/contracts';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';

export type CheckStatus = 'pass' | 'warn' | 'fail';
export interface HealthCheck {
  status: CheckStatus;
  observedValue?: string | number;
  output?: string;
}

export interface HttpOptions {
  logger: Logger;
  registry: Registry;
  health(): Record<string, HealthCheck>;
  /** Built screens by URL prefix, e.g. { kiosk: '/…/kiosk-app/dist' }. */
  screens: Record<string, string>;
  /** A logged decision in plain language (decide/explain.ts explainDecision); undefined for an unknown id. */
  explanation?(decisionId: string): DecisionExplanation | undefined;
}

/** A decision id as screens get it on every RecommendationsPush. */
const DecisionPath = z.object({ decisionId: z.string().min(1).max(64) });

/** /health (application/health+json, draft-inadarei-api-health-check), /metrics, and the built screens. */
export async function createHttp(opts: HttpOptions) {
  const app = Fastify({
    loggerInstance: opts.logger.child({ module: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.get('/health', async (_req, reply) => {
    const checks = opts.health();
    const statuses = Object.values(checks).map((c) => c.status);
    const status: CheckStatus = statuses.includes('fail') ? 'fail' : statuses.includes('warn') ? 'warn' : 'pass';
    reply
      .code(status === 'fail' ? 503 : 200)
      .type('application/health+json')
      .send({
        status,
        checks: Object.fromEntries(Object.entries(checks).map(([k, v]) => [k, [v]])),
      });
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(opts.registry.contentType).send(await opts.registry.metrics());
  });

  // a screen asks why it shows what it shows (issue #8): the shopper reads it, so it carries no identifier
  app.get('/v1/decisions/:decisionId/explanation', async (req, reply) => {
    const params = DecisionPath.safeParse(req.params);
    if (!params.success)
      return reply.code(400).send({
        error: { code: 'invalid_id', message: 'bad decision id', issues: params.error.issues.map((i) => i.message) },
      });
    const explanation = opts.explanation?.(params.data.decisionId);
    if (!explanation) return reply.code(404).send({ error: { code: 'not_found', message: 'no such decision' } });
    return explanation;
  });

  let decorated = false;
  for (const [prefix, dir] of Object.entries(opts.screens)) {
    const root = resolve(dir);
    if (!existsSync(root)) {
      opts.logger.warn({ prefix, dir: root }, 'screen not built; run `npm run build`');
      app.get(`/${prefix}/*`, async (_req, reply) =>
        reply.code(503).type('text/plain').send(`The ${prefix} screen is not built. Run \`npm run build\`.\n`),
      );
      continue;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: `/${prefix}/`,
      decorateReply: !decorated,
      setHeaders: (res) => res.setHeader('Content-Security-Policy', SCREEN_CSP),
    });
    decorated = true;
  }

  app.get('/', async (_req, reply) => {
    const links = Object.keys(opts.screens)
      .map((p) => `<li><a href="/${p}/">${p}</a></li>`)
      .join('');
    reply
      .type('text/html')
      .send(`<!doctype html><title>Aisle gateway</title><h1>Aisle edge gateway</h1><ul>${links}</ul>`);
  });

  return app;
}
