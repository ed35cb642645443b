import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Backend, CHAOS_FAULTS, runChaosScenario } from '../bench/chaos-scenario';

/**
 * `npm run chaos:sync` at CI size (bench/chaos-scenario.ts): 600 sales over 2 stores, gateways as processes behind
 * fault proxies (30 % of exchanges lost, resets, duplicated and reordered chunks), two gateways killed with SIGKILL
 * and the cloud process stopped once while the tills sell, on each cloud backend. Every sale Mosquitto acknowledged
 * must reach the cloud exactly once with a gap-free sequence per store.
 */
const dir = mkdtempSync(join(tmpdir(), 'aisle-chaos-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each<Backend>(['sqlite', 'postgres'])('chaos sync, cloud on %s', (backend) => {
  it('every sale reaches the cloud once, with no sequence gap, through kills, an outage and lossy links', async () => {
    const lines: string[] = [];
    const result = await runChaosScenario({
      backend,
      purchases: 600,
      stores: 2,
      seed: 7,
      ratePerSecond: 60,
      kills: 2,
      outages: 1,
      outageMs: 2_000,
      faults: CHAOS_FAULTS,
      drainTimeoutMs: 30_000,
      dir,
      mqttUrl: process.env.AISLE_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
      postgresUrl: process.env.AISLE_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test',
      log: (line) => lines.push(line),
    });
    const context = `${JSON.stringify(result)}\n${lines.join('\n')}`;
    // the faults did happen…
    expect(result.kills, context).toBe(2);
    expect(result.cloud_down_s, context).toBeGreaterThan(0);
    expect(result.proxy.exchanges_lost + result.proxy.resets, context).toBeGreaterThan(0);
    // …and still every sale made is in the cloud exactly once, each store's seqs gap-free up to its outbox's last
    expect(result.purchases, context).toBe(600);
    expect(result.publish_failures, context).toBe(0);
    expect(result.drained, context).toBe(true);
    expect(
      { lost: result.lost, duplicated: result.duplicated, seq_gaps: result.seq_gaps, unexpected: result.unexpected },
      context,
    ).toEqual({ lost: 0, duplicated: 0, seq_gaps: 0, unexpected: 0 });
    expect(result.in_cloud, context).toBe(600);
    for (const store of result.stores)
      expect(store.highestContiguousSeq, `${store.storeId}\n${context}`).toBe(store.gatewayLastSeq);
  }, 60_000);
});
