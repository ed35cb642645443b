import { topics } from '@aisle/contracts';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import { describe, expect, it } from 'vitest';
import { DeviceRegistry } from './registry';

const registry = new DeviceRegistry({
  storeId: 'store-1',
  devices: [
    { id: 'pos-1', family: 'pos', secretHash: hashSecret(newSecret()) },
    { id: 'pos-2', family: 'pos', secretHash: hashSecret(newSecret()) },
    { id: 'scanner-1', family: 'ble', secretHash: hashSecret(newSecret()) },
  ],
  services: [],
});
const policy = registry.policy();

describe('the device registry’s topic ACL', () => {
  it('lets a till subscribe to the carts handed over to it, and to no other till’s', () => {
    expect(policy.authorizeSubscribe('pos-1', topics.posHandover('store-1', 'pos-1'))).toBe(true);
    expect(policy.authorizeSubscribe('pos-1', topics.posHandover('store-1', 'pos-2'))).toBe(false);
    expect(policy.authorizeSubscribe('pos-1', 'aisle/v1/store-1/gateway/handover/+')).toBe(false);
    expect(policy.authorizeSubscribe('pos-1', 'aisle/v1/store-1/gateway/#')).toBe(false);
    expect(policy.authorizeSubscribe('pos-1', topics.posHandover('store-2', 'pos-1'))).toBe(false);
    // other devices have no hand-over topic
    expect(policy.authorizeSubscribe('scanner-1', topics.posHandover('store-1', 'scanner-1'))).toBe(false);
  });

  it('never lets a till publish a hand-over itself', () => {
    expect(policy.authorizePublish('pos-1', topics.posHandover('store-1', 'pos-1'))).not.toBeNull();
    expect(policy.authorizePublish('pos-1', topics.posPurchase('store-1', 'pos-1'))).toBeNull();
  });
});
