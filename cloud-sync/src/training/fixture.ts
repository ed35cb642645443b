/**
 * A small chain for the training tests: two stores with credentials, a catalog of beauty (b01…) and fashion (f01…)
 * items, consenting customers, and purchases sent the way a gateway sends them (outbox batches). Not for
 * production code.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CustomerProfileInput, PosPurchase, Product, TrainingRun } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import pino from 'pino';
import { type Cloud, type CloudOptions, createCloud } from '../app';
import { operatorToken, storeToken } from '../auth';
import { TEST_ADMIN_SECRET, withCredential } from '../testing';

export const STORE_A = 'seoul-01';
export const STORE_B = 'busan-02';
const secrets = { [STORE_A]: newSecret(), [STORE_B]: newSecret() };
export const tokens = {
  operator: operatorToken(TEST_ADMIN_SECRET),
  [STORE_A]: storeToken(STORE_A, secrets[STORE_A]),
  [STORE_B]: storeToken(STORE_B, secrets[STORE_B]),
};

/** The day the test chain lives on (the cloud's clock starts here and ticks 1 ms per reading). */
export const T0 = Date.UTC(2026, 10, 29, 9);
export const DAY = 86_400_000;

const product = (id: string, category: string): Product => ({
  id,
  name: { en: id, ko: id },
  category,
  brand: 'Aisle',
  price: 10,
  currency: 'USD',
  attributes: {},
});
const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);
export const BEAUTY = ids('b', 12);
export const FASHION = ids('f', 12);

export const profile = (customerId: string, personalization = true): CustomerProfileInput => ({
  customerId,
  consent: { personalization, location: false },
  favouriteCategories: [],
  updatedAt: T0 - 100 * DAY,
});
export const CUSTOMER = 'cus-0001';

export interface Chain {
  cloud: Cloud;
  /** The cloud's clock (ms), read and advanced by every `now()`. */
  clock: { now: number };
  operator: Cloud['app'];
  as(token: string): Cloud['app'];
  /** Sends purchases as one outbox batch of `storeId` (its own credential, its next seqs); asserts 200. */
  buy(storeId: string, purchases: { customerId?: string; items: string[]; ts: number }[]): Promise<void>;
}

/** Starts a cloud with the chain's catalog, customers and store credentials (no purchases yet). */
export async function startChain(database: string, extra: Partial<CloudOptions> = {}): Promise<Chain> {
  const clock = { now: T0 };
  const customers = [
    profile(CUSTOMER),
    ...ids('cus-00', 9)
      .slice(1)
      .map((id) => profile(id)),
    profile('cus-nope', false),
  ];
  const cloud = await createCloud({
    database,
    logger: pino({ level: 'silent' }),
    seed: {
      catalog: {
        items: [...BEAUTY.map((id) => product(id, 'beauty')), ...FASHION.map((id) => product(id, 'fashion'))],
      },
      customers,
    },
    stores: ([STORE_A, STORE_B] as const).map((storeId) => ({ storeId, secretHash: hashSecret(secrets[storeId]) })),
    adminSecret: TEST_ADMIN_SECRET,
    now: () => clock.now++,
    // the clock ticks per reading, not per second: a rate limit on it would refuse the tests' polling
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    ...extra,
  });
  const seqs = new Map<string, number>();
  let events = 0;
  const as = (token: string) => withCredential(cloud.app, token);
  return {
    cloud,
    clock,
    operator: as(tokens.operator),
    as,
    async buy(storeId, purchases) {
      const first = (seqs.get(storeId) ?? 0) + 1;
      seqs.set(storeId, first + purchases.length - 1);
      const entries = purchases.map((p, i) => {
        const purchase: PosPurchase = {
          eventId: `pos-${storeId}-${++events}`,
          storeId,
          terminalId: 'pos-1',
          ...(p.customerId && { customerId: p.customerId }),
          lines: p.items.map((itemId) => ({ itemId, quantity: 1, unitPrice: 10 })),
          total: 10 * p.items.length,
          currency: 'USD',
          ts: p.ts,
        };
        return { seq: first + i, purchase };
      });
      const token = (tokens as Record<string, string | undefined>)[storeId];
      if (!token) throw new Error(`no credential for ${storeId} in the test chain`);
      const res = await as(token).inject({
        method: 'POST',
        url: `/v1/stores/${storeId}/purchases`,
        payload: { storeId, batchId: `${storeId}:${first}-${first + entries.length - 1}`, entries },
      });
      if (res.statusCode !== 200) throw new Error(`purchase batch → ${res.statusCode} ${res.body}`);
    },
  };
}

/**
 * The history the tests train on, all at STORE_A before T0: the customer bought beauty (b01, b02, b03); other
 * customers bought beauty items one after another; fashion items f01, f02, f03 are bought together, in anonymous
 * baskets and by customers who consented.
 */
export async function buyHistory(chain: Chain): Promise<void> {
  const at = (day: number) => T0 - day * DAY;
  const beautyFans = ['cus-0002', 'cus-0003', 'cus-0004', 'cus-0005', 'cus-0006'];
  await chain.buy(STORE_A, [
    { customerId: CUSTOMER, items: ['b01'], ts: at(60) },
    { customerId: CUSTOMER, items: ['b02'], ts: at(50) },
    { customerId: CUSTOMER, items: ['b03'], ts: at(40) },
    ...beautyFans.flatMap((customerId, i) => [
      { customerId, items: ['b01', 'b04'], ts: at(59 - i) },
      { customerId, items: ['b02', 'b05', 'b06'], ts: at(45 - i) },
      { customerId, items: ['b03', 'b07', 'b08'], ts: at(20 - i) },
    ]),
    ...[1, 2, 3, 4].map((i) => ({ items: ['f01', 'f02', 'f03'], ts: at(30 - i) })),
    ...['cus-0007', 'cus-0008', 'cus-0009'].flatMap((customerId, i) => [
      { customerId, items: ['f01'], ts: at(35 - i) },
      { customerId, items: ['f02', 'f03'], ts: at(10 - i) },
    ]),
    { customerId: 'cus-nope', items: ['b09', 'f09'], ts: at(5) },
  ]);
}

/** POSTs a run and polls it until it is over; returns the finished run. */
export async function trainAndWait(chain: Chain, body: object = {}): Promise<TrainingRun> {
  const started = await chain.operator.inject({ method: 'POST', url: '/v1/training/runs', payload: body });
  if (started.statusCode !== 202) throw new Error(`POST /v1/training/runs → ${started.statusCode} ${started.body}`);
  return waitForRun(chain, started.json<TrainingRun>().id);
}

/** Polls a run until it is no longer running (at most ~60 s). */
export async function waitForRun(chain: Chain, id: string): Promise<TrainingRun> {
  for (let i = 0; i < 3000; i++) {
    const run = (await chain.operator.inject({ method: 'GET', url: `/v1/training/runs/${id}` })).json<TrainingRun>();
    if (run.status !== 'running') return run;
    await sleep(20);
  }
  throw new Error(`training run ${id} did not finish`);
}

/** The customer's recommendations as the web shop asks for them. */
export async function recommendations(chain: Chain, customerId = CUSTOMER, limit = 5) {
  const res = await chain.operator.inject({
    method: 'GET',
    url: `/v1/customers/${customerId}/recommendations?limit=${limit}`,
  });
  if (res.statusCode !== 200) throw new Error(`recommendations → ${res.statusCode} ${res.body}`);
  return res.json<{ model: string | null; personalized: boolean; items: { itemId: string; score: number }[] }>();
}
