import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testBackends } from '../testing';
import { buildTrainingSet } from './dataset';
import { buyHistory, type Chain, CUSTOMER, DAY, STORE_A, startChain, T0 } from './fixture';
import { timeHoldout } from './model';

describe.each(testBackends())('the training set on $name', (backend) => {
  let chain: Chain | undefined;
  afterEach(async () => {
    await chain?.cloud.app.close();
    chain = undefined;
  });
  afterAll(() => backend.cleanup());

  it('links consenting customers’ purchases in time order and keeps the rest as anonymous baskets', async () => {
    chain = await startChain(await backend.fresh());
    await buyHistory(chain);
    await chain.buy(STORE_A, [{ customerId: CUSTOMER, items: ['b10', 'gone-item', 'b10'], ts: T0 - 70 * DAY }]);
    const set = await buildTrainingSet(chain.cloud.store, { until: chain.clock.now });
    expect(set.items).toHaveLength(24);
    // the oldest purchase comes first although it arrived last; an item outside the catalog is dropped
    expect(set.customers.get(CUSTOMER)?.map((b) => b.items)).toEqual([['b10'], ['b01'], ['b02'], ['b03']]);
    expect(set.customers.has('cus-nope')).toBe(false); // no personalization consent
    expect(set.baskets.map((b) => b.items)).toContainEqual(['b09', 'f09']);
    expect(set.counts).toMatchObject({ purchases: 30, customers: 9, anonymousBaskets: 5, skipped: 1, unreadable: 0 });
    expect(set.counts.from).toBe(T0 - 70 * DAY);

    const recent = await buildTrainingSet(chain.cloud.store, { since: T0 - 30 * DAY });
    expect(recent.counts.purchases).toBeLessThan(set.counts.purchases);
    expect(recent.counts.from).toBeGreaterThanOrEqual(T0 - 30 * DAY);
    // a snapshot taken before the purchases arrived has none of them
    expect((await buildTrainingSet(chain.cloud.store, { until: T0 - 1 })).counts.purchases).toBe(0);
  });
});

describe('the time-based holdout', () => {
  it('scores each customer on the new items they bought after the split, trained on what came before', () => {
    const basket = (ts: number, ...items: string[]) => ({ ts, items });
    const split = timeHoldout({
      customers: new Map([
        ['a', [basket(1, 'x'), basket(2, 'y'), basket(9, 'x', 'z')]],
        ['b', [basket(8, 'y')]], // nothing after the split
        ['c', [basket(3, 'x'), basket(10, 'x')]], // only a repeat after it
      ]),
      baskets: [basket(4, 'x', 'y'), basket(5, 'y', 'z'), basket(6, 'z'), basket(7, 'x')],
    });
    expect(split.splitAt).toBe(9); // 80 % of the 10 purchases are before it
    expect(split.holdout).toEqual({ users: ['a'], histories: [['x', 'y']], targets: [['z']], excludeHistory: true });
    expect(split.sequences).toEqual([['x', 'y'], ['y'], ['x'], ['x', 'y'], ['y', 'z'], ['z'], ['x']]);
  });
});
