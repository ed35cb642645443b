import { type Cloud, createCloud, storeToken } from '@aisle/cloud-sync';
import { type PosPurchase, type PurchaseBatch, schemaExamples } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics';
import { GatewayStore } from '../store/db';
import { CloudClient } from './cloud-client';
import { Backoff, createOutboxSync } from './outbox';

const purchase = (eventId: string): PosPurchase => ({ ...schemaExamples.PosPurchase.example, eventId });
const silent = pino({ level: 'silent' });

/** Uniform draws taken from `values` in turn. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('Backoff', () => {
  it('draws each delay from 0..min(cap, base·2^(n-1)), growing until the cap, and starts over after reset', () => {
    const top = new Backoff({ baseMs: 1_000, capMs: 8_000, random: () => 0.999 });
    expect(Array.from({ length: 6 }, () => top.fail())).toEqual([999, 1_998, 3_996, 7_992, 7_992, 7_992]);
    const jittered = new Backoff({ baseMs: 1_000, capMs: 8_000, random: draws(0.5, 0.1, 0.9, 0.25, 0) });
    expect(Array.from({ length: 5 }, () => jittered.fail())).toEqual([500, 200, 3_600, 2_000, 0]);
    top.reset();
    expect(top.attempts).toBe(0);
    expect(top.fail()).toBe(999);
  });
});

describe('the outbox sync', () => {
  let cloud: Cloud;
  let client: CloudClient;
  const secret = newSecret();
  beforeAll(async () => {
    cloud = await createCloud({
      database: ':memory:',
      logger: silent,
      seed: {
        catalog: schemaExamples.Catalog.example,
        stores: [{ storeId: 'seoul-01', secretHash: hashSecret(secret) }],
      },
    });
    const url = await cloud.app.listen({ host: '127.0.0.1', port: 0 });
    client = new CloudClient(url, 2_000, storeToken('seoul-01', secret));
  });
  afterAll(() => cloud.app.close());

  /** A cloud link that can be cut: while `down`, every push goes to a port nobody listens on. */
  function link() {
    const unreachable = new CloudClient('http://127.0.0.1:9', 1_000);
    const sent: PurchaseBatch[] = [];
    const state = {
      down: false,
      sent,
      pushPurchases(batch: PurchaseBatch) {
        sent.push(batch);
        return (state.down ? unreachable : client).pushPurchases(batch);
      },
    };
    return state;
  }

  it('backs off after each failure with growing, jittered, capped delays, and resumes at once after a success', async () => {
    const store = new GatewayStore(':memory:');
    let clock = 10_000;
    const cloudLink = link();
    const sync = createOutboxSync({
      store,
      cloud: cloudLink,
      storeId: 'seoul-01',
      batchSize: 10,
      backoff: { baseMs: 1_000, capMs: 4_000, random: draws(0.5, 0.9, 0.75, 0.9, 0.5) },
      logger: silent,
      now: () => clock,
    });
    store.recordPurchase(purchase('pos-bo-0001'), clock);
    cloudLink.down = true;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const attempts = cloudLink.sent.length;
      await sync.tick();
      expect(cloudLink.sent.length).toBe(attempts + 1);
      waits.push(sync.nextAttemptAt - clock);
      // until the delay has passed a tick sends nothing
      clock = sync.nextAttemptAt - 1;
      await sync.tick();
      expect(cloudLink.sent.length).toBe(attempts + 1);
      clock = sync.nextAttemptAt;
    }
    // ceilings 1 s, 2 s, 4 s, then the 4 s cap; each delay a draw below its ceiling
    expect(waits).toEqual([500, 1_800, 3_000, 3_600, 2_000]);
    expect(sync.failures).toBe(5);

    cloudLink.down = false;
    await sync.tick();
    expect(store.outboxDepth()).toBe(0);
    expect(sync.failures).toBe(0);
    expect(sync.nextAttemptAt).toBe(0);
    // the next sale goes on the very next tick, without waiting
    store.recordPurchase(purchase('pos-bo-0002'), clock);
    await sync.tick();
    expect(store.outboxDepth()).toBe(0);
    expect(cloudLink.sent.map((b) => b.batchId)).toEqual([...Array(6).fill('seoul-01:1-1'), 'seoul-01:2-2']);
    expect(await cloud.store.syncStatus('seoul-01')).toEqual({ highestContiguousSeq: 2, highestSeenSeq: 2, gaps: [] });
    store.close();
  });

  it('shows the backlog age rising while the cloud is unreachable, and 0 once the backlog drained', async () => {
    // a store of its own in the same cloud, so the watermark starts at 0
    const storeId = 'busan-02';
    const busanSecret = newSecret();
    await cloud.store.putStoreCredentials([{ storeId, secretHash: hashSecret(busanSecret) }], 0);
    const busan = new CloudClient(client.baseUrl, 2_000, storeToken(storeId, busanSecret));
    const unreachable = new CloudClient('http://127.0.0.1:9', 1_000);
    let down = true;
    const store = new GatewayStore(':memory:');
    let clock = 50_000;
    const sync = createOutboxSync({
      store,
      cloud: { pushPurchases: (b) => (down ? unreachable : busan).pushPurchases(b) },
      storeId,
      batchSize: 3,
      backoff: { baseMs: 1_000, capMs: 2_000, random: () => 0.5 },
      logger: silent,
      now: () => clock,
    });
    const metrics = createMetrics({
      outboxDepth: () => store.outboxDepth(),
      outboxOldestAgeSeconds: () => sync.oldestAgeSeconds(),
      screensConnected: () => 0,
      shoppersPresent: () => 0,
      storage: () => ({ rows: {}, bytes: 0 }),
      queues: () => ({}),
    });
    const age = async () => (await metrics.outboxOldestAge.get()).values[0]!.value;
    expect(await age()).toBe(0);

    const ages: number[] = [];
    for (let i = 0; i < 8; i++) {
      store.recordPurchase({ ...purchase(`pos-busan-${i}`), storeId }, clock);
      await sync.tick();
      ages.push(await age());
      clock += 1_500;
    }
    // the store kept selling; the oldest sale waited longer at every tick
    expect(store.outboxDepth()).toBe(8);
    expect(ages).toEqual([0, 1.5, 3, 4.5, 6, 7.5, 9, 10.5]);

    down = false;
    clock += 2_000;
    await sync.tick();
    expect(store.outboxDepth()).toBe(0);
    expect(await age()).toBe(0);
    expect(await cloud.store.purchaseCount(storeId)).toBe(8);
    expect(await cloud.store.syncStatus(storeId)).toEqual({ highestContiguousSeq: 8, highestSeenSeq: 8, gaps: [] });
    store.close();
  });
});
