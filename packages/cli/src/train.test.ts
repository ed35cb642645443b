import { createServer } from 'node:net';
import { type Cloud, operatorToken, storeToken } from '@aisle/cloud-sync';
import { afterEach, describe, expect, it } from 'vitest';
import { aisle, product, purchaseCloud, STORE, storeSecret } from './testing';

const ADMIN_SECRET = 'train-cli-operator-secret';

let cloud: Cloud | undefined;
afterEach(async () => {
  await cloud?.app.close();
  cloud = undefined;
});

/** An in-process cloud listening on a free port, with a few purchases of one store; returns its URL. */
async function startCloud(): Promise<string> {
  cloud = await purchaseCloud(
    ADMIN_SECRET,
    ['x1', 'x2', 'x3'].map((id) => product(id)),
  );
  return cloud.app.listen({ host: '127.0.0.1', port: 0 });
}

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('aisle train', () => {
  it('starts a run, follows it with --wait and prints the card’s metrics; the store gets the release', async () => {
    const url = await startCloud();
    const r = await aisle(
      'train',
      '--cloud',
      url,
      '--token',
      operatorToken(ADMIN_SECRET),
      '--rollout',
      'full',
      '--wait',
    );
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n').map((line) => line.split(/ {2,}/)[0])).toEqual([
      'build training set',
      'train holdout model',
      'evaluate on holdout',
      'train',
      'export onnx',
      'register',
      'release',
      '',
    ]);
    expect(r.stdout).toMatch(/^training run run-[0-9a-f-]{36} started: rollout full to 1 stores \(seoul-01\)$/m);
    expect(r.stdout).toContain('trained on 6 purchases: 2 customers, 2 anonymous baskets, 3 items');
    expect(r.stdout).toMatch(/^holdout\.hitRate@10 +\d/m);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.version).toMatch(/^online-\d{14}$/);
    expect(summary.metrics['holdout.users']).toBe(2);

    const releases = await cloud!.app.inject({
      method: 'GET',
      url: `/v1/stores/${STORE}/models`,
      headers: { authorization: `Bearer ${storeToken(STORE, storeSecret)}` },
    });
    expect(releases.json().releases).toEqual([
      expect.objectContaining({ version: summary.version, rollout: { mode: 'full', percent: 100 } }),
    ]);
  });

  it('says why the cloud refused: a wrong token (401), a store’s token (403), a run in progress (409)', async () => {
    const url = await startCloud();
    const wrong = await aisle('train', '--cloud', url, '--token', operatorToken('not-the-secret-at-all'));
    expect([wrong.code, wrong.stderr.trim()]).toEqual([
      1,
      'aisle: the cloud refused the token (401): pass --token admin.<secret>',
    ]);
    const store = await aisle('train', '--cloud', url, '--token', storeToken(STORE, storeSecret));
    expect(store.code).toBe(1);
    expect(store.stderr).toContain("this token is not the operator's (403)");

    await cloud!.store.db
      .insertInto('training_runs')
      .values({
        id: 'run-00000000-0000-4000-8000-000000000001',
        status: 'running',
        stage: 'train',
        stages: '[]',
        triggered_by: 'schedule',
        rollout: '{"mode":"canary","percent":10}',
        stores: '[]',
        started_at: Date.now(),
        updated_at: Date.now(),
        finished_at: null,
        counts: null,
        metrics: null,
        version: null,
        data_until: null,
        error: null,
      })
      .execute();
    const busy = await aisle('train', '--cloud', url, '--token', operatorToken(ADMIN_SECRET), '--wait');
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('a training run is already in progress (409)');
    expect(busy.stderr).toContain('run-00000000-0000-4000-8000-000000000001');
  });

  it('says when the cloud cannot be reached, and refuses bad options with exit 2', async () => {
    const port = await closedPort();
    const down = await aisle('train', '--cloud', `http://127.0.0.1:${port}`, '--token', 'admin.secret');
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`aisle: cannot reach the cloud at http://127.0.0.1:${port}: ECONNREFUSED`);

    const results = await Promise.all([
      aisle('train', '--token', 'admin.x'),
      aisle('train', '--cloud', 'not a url', '--token', 'admin.x'),
      aisle('train', '--cloud', 'http://127.0.0.1:1', '--token', 'admin.x', '--rollout', 'canary:150'),
    ]);
    expect(results.map((r) => [r.code, r.stderr.split('\n')[0]])).toEqual([
      [2, 'aisle: --cloud <url> is required'],
      [2, "aisle: --cloud must be a URL such as http://127.0.0.1:8090, got 'not a url'"],
      [2, "aisle: --rollout must be canary:<percent>, shadow:<percent> or full, got 'canary:150'"],
    ]);
  });
});
