import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TrainingRun } from '@aisle/contracts';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FeatureContext } from '../feature';
import { CloudStore } from '../store';
import { testBackends } from '../testing';
import { buyHistory, type Chain, CUSTOMER, STORE_B, startChain } from './fixture';
import { scheduledRun } from './schedule';

/** A pino logger whose lines are kept, to see what the schedule logged. */
function capturedLogger() {
  const lines: { msg: string; level: number }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const settings = { rollout: { mode: 'full' as const, percent: 100 }, minPurchases: 1 };

describe.each(testBackends())('the training schedule on $name', (backend) => {
  let chain: Chain | undefined;
  afterEach(async () => {
    await chain?.cloud.app.close();
    chain = undefined;
  });
  afterAll(() => backend.cleanup());

  const contextOf = (c: Chain): FeatureContext => ({
    routes: c.cloud.routes,
    store: c.cloud.store,
    logger: pino({ level: 'silent' }),
    now: () => c.clock.now++,
  });

  it('runs when enough purchases arrived since the last model, and skips otherwise', async () => {
    chain = await startChain(await backend.fresh());
    const ctx = contextOf(chain);
    expect(await scheduledRun(ctx, settings)).toEqual({
      skipped: '0 new purchases since the last model, fewer than 1',
    });
    await buyHistory(chain);
    const first = await scheduledRun(ctx, settings);
    expect(first).toMatchObject({ run: { status: 'succeeded', trigger: 'schedule', rollout: settings.rollout } });
    expect(await scheduledRun(ctx, settings)).toMatchObject({ skipped: expect.stringMatching(/^0 new purchases/) });

    await chain.buy(STORE_B, [{ customerId: CUSTOMER, items: ['f01'], ts: chain.clock.now }]);
    expect(await scheduledRun(ctx, { ...settings, minPurchases: 2 })).toMatchObject({
      skipped: '1 new purchases since the last model, fewer than 2',
    });
    const second = await scheduledRun(ctx, settings);
    expect(second).toMatchObject({ run: { status: 'succeeded' } });
    expect((second as { run: TrainingRun }).run.version).not.toBe((first as { run: TrainingRun }).run.version);
  });

  it('trains on its own, and stopping waits for the run in progress and fires no more', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-schedule-'));
    const database = backend.name === 'sqlite' ? `sqlite:${join(dir, 'cloud.db')}` : await backend.fresh();
    const { logger, lines } = capturedLogger();
    chain = await startChain(database, { logger, training: { everyMinutes: 0.001, minPurchases: 1 } });
    await buyHistory(chain);
    let runs: TrainingRun[] = [];
    for (let i = 0; i < 3000 && !runs.some((r) => r.status === 'succeeded'); i++) {
      await sleep(20);
      runs = (await chain.operator.inject({ method: 'GET', url: '/v1/training/runs' })).json().runs;
    }
    expect(runs.find((r) => r.status === 'succeeded')).toMatchObject({ trigger: 'schedule' });

    // a run started by hand just before the service stops is finished, not cut off
    const started = await chain.operator.inject({ method: 'POST', url: '/v1/training/runs', payload: {} });
    const manual = started.statusCode === 202 ? started.json<TrainingRun>().id : undefined;
    await chain.cloud.app.close();
    chain = undefined;
    await sleep(300); // five periods of the schedule: nothing may fire on the closed database

    const store = await CloudStore.open(database);
    try {
      const rows = await store.db.selectFrom('training_runs').select(['id', 'status']).execute();
      expect(rows.filter((r) => r.status === 'running')).toEqual([]);
      if (manual) expect(rows.find((r) => r.id === manual)?.status).toBe('succeeded');
    } finally {
      await store.close();
    }
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.some((l) => l.msg === 'training scheduled')).toBe(true);
  });
});
