import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type Cloud, createCloud, storeToken } from '@aisle/cloud-sync';
import type { PosPurchase, Product } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import pino from 'pino';
import { expect } from 'vitest';

/*
 * What the CLI's tests against a real cloud share: running the `aisle` command and a cloud that has seen a few
 * purchases of one store. Not for production code.
 */

/** The real `aisle` command: the bin shim, in its own node process. */
const BIN = fileURLToPath(new URL('../bin/aisle.js', import.meta.url));

/** Runs `aisle <args>` and collects its exit code and both output streams. */
export async function aisle(...args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

/** The one store of the purchase cloud, and its secret. */
export const STORE = 'seoul-01';
export const storeSecret = newSecret();
const T0 = Date.UTC(2026, 10, 1);

/** A catalog item of the purchase cloud. */
export const product = (id: string, brand = 'Aisle', price = 10): Product => ({
  id,
  name: { en: id, ko: id },
  category: 'beauty',
  brand,
  price,
  currency: 'USD',
  attributes: {},
});

const customer = (customerId: string) => ({
  customerId,
  consent: { personalization: true, location: false },
  favouriteCategories: [],
  updatedAt: T0,
});

/**
 * An in-process cloud (SQLite in memory) with `items` (x1, x2 and x3 at least), customers cus-a and cus-b and six
 * purchases in STORE over a week: cus-a and cus-b each bought x1 and then x2, two anonymous baskets x1+x2 and x3.
 */
export async function purchaseCloud(adminSecret: string, items: Product[]): Promise<Cloud> {
  const cloud = await createCloud({
    database: ':memory:',
    logger: pino({ level: 'silent' }),
    seed: { catalog: { items }, customers: ['cus-a', 'cus-b'].map(customer) },
    stores: [{ storeId: STORE, secretHash: hashSecret(storeSecret) }],
    adminSecret,
  });
  const bought: [string | undefined, string[], number][] = [
    ['cus-a', ['x1'], 1],
    ['cus-b', ['x1'], 2],
    [undefined, ['x1', 'x2'], 3],
    [undefined, ['x3'], 4],
    ['cus-a', ['x2'], 5],
    ['cus-b', ['x2'], 6],
  ];
  const entries = bought.map(([customerId, items, day], i) => {
    const purchase: PosPurchase = {
      eventId: `pos-cli-${i + 1}`,
      storeId: STORE,
      terminalId: 'pos-1',
      ...(customerId && { customerId }),
      lines: items.map((itemId) => ({ itemId, quantity: 1, unitPrice: 10 })),
      total: 10 * items.length,
      currency: 'USD',
      ts: T0 + day * 86_400_000,
    };
    return { seq: i + 1, purchase };
  });
  const res = await cloud.app.inject({
    method: 'POST',
    url: `/v1/stores/${STORE}/purchases`,
    headers: { authorization: `Bearer ${storeToken(STORE, storeSecret)}` },
    payload: { storeId: STORE, batchId: `${STORE}:1-${entries.length}`, entries },
  });
  expect(res.statusCode).toBe(200);
  return cloud;
}
