import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Routes } from './route';

/**
 * `GET /metrics`: the cloud's Prometheus metrics (the retention purge's, for now). Operator only: counts of purged
 * rows say something about the business, so they are not public.
 */
export function registerMetricsRoute(routes: Routes, registry: Registry): void {
  routes.add(
    {
      method: 'GET',
      url: '/metrics',
      tag: 'service',
      summary: 'Prometheus metrics (text exposition format)',
      description:
        '`aisle_cloud_retention_purged_total{class}` and `aisle_cloud_retention_last_run_timestamp_seconds`.',
      access: 'operator',
      response: z.string(),
    },
    async ({ reply }) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}
