import { setTimeout as sleep } from 'node:timers/promises';
import { type Cloud, operatorToken, storeToken } from '@aisle/cloud-sync';
import { FairnessReport } from '@aisle/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aisle, product, purchaseCloud, STORE, storeSecret } from './testing';

const ADMIN_SECRET = 'fairness-cli-operator-secret';
const OPERATOR = operatorToken(ADMIN_SECRET);

let cloud: Cloud;
let url: string;
let version: string;

/** A cloud with purchases of one store, one trained model, listening on a free port. */
beforeAll(async () => {
  // two brands: Lux (x1, x2, dear) and Basic (x3, x4, cheap)
  cloud = await purchaseCloud(ADMIN_SECRET, [
    product('x1', 'Lux', 40),
    product('x2', 'Lux', 30),
    product('x3', 'Basic', 10),
    product('x4', 'Basic', 5),
  ]);
  const op = { authorization: `Bearer ${OPERATOR}` };
  const started = await cloud.app.inject({ method: 'POST', url: '/v1/training/runs', headers: op, payload: {} });
  expect(started.statusCode).toBe(202);
  for (let i = 0; i < 3000; i++) {
    const run = (await cloud.app.inject({ url: `/v1/training/runs/${started.json().id}`, headers: op })).json();
    if (run.status !== 'running') {
      expect(run.status).toBe('succeeded');
      version = run.version;
      break;
    }
    await sleep(20);
  }
  url = await cloud.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await cloud?.app.close();
});

describe('aisle fairness', () => {
  it('prints the report as tables, and as JSON with --json', async () => {
    const table = await aisle('fairness', '--cloud', url, '--token', OPERATOR, '--model', version, '--k', '2');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`model ${version} (seq-knn): top 2 for 2 customers, 4 catalog items`);
    expect(table.stdout).toMatch(/^ {2}catalog coverage +\d+\.\d %$/m);
    expect(table.stdout).toMatch(/^Exposure by brand$/m);
    expect(table.stdout).toMatch(/^ {2}Lux +\d/m);
    expect(table.stdout).toMatch(/^ {2}Basic +\d/m);
    // price tertiles of 5, 10, 30, 40: 10 and 30
    expect(table.stdout).toContain('Exposure by price tier (low ≤ 10, mid ≤ 30, high above)');
    expect(table.stdout).toMatch(/^ {2}categories +mean \d/m);

    const json = await aisle('fairness', '--cloud', url, '--token', OPERATOR, '--model', version, '--k', '2', '--json');
    expect(json.code).toBe(0);
    const report = FairnessReport.parse(JSON.parse(json.stdout));
    expect(report).toMatchObject({ model: { version, kind: 'seq-knn' }, users: 2, k: 2, catalogItems: 4 });
    expect(report.exposure.brands.map((b) => b.group).sort()).toEqual(['Basic', 'Lux']);
  });

  it('says why it failed: unknown version, a store token; bad usage exits 2', async () => {
    const unknown = await aisle('fairness', '--cloud', url, '--token', OPERATOR, '--model', 'online-nope');
    expect([unknown.code, unknown.stderr.trim()]).toEqual([
      1,
      "aisle: no model version 'online-nope' in the registry (404)",
    ]);
    const store = await aisle(
      'fairness',
      '--cloud',
      url,
      '--token',
      storeToken(STORE, storeSecret),
      '--model',
      version,
    );
    expect(store.code).toBe(1);
    expect(store.stderr).toContain("this token is not the operator's (403)");

    const results = await Promise.all([
      aisle('fairness', '--cloud', url, '--token', OPERATOR),
      aisle('fairness', '--cloud', url, '--token', OPERATOR, '--model', version, '--k', '0'),
      aisle('fairness', '--token', OPERATOR, '--model', version),
      aisle('fairness', '--cloud', url, '--token', OPERATOR, '--model', version, '--top', '3'),
    ]);
    expect(results.map((r) => [r.code, r.stderr.split('\n')[0]])).toEqual([
      [2, 'aisle: --model <version> is required'],
      [2, "aisle: --k must be a whole number from 1 to 100, got '0'"],
      [2, 'aisle: --cloud <url> is required'],
      [2, "aisle: unknown option '--top'"],
    ]);
  });
});
