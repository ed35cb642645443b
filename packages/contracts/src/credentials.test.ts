import { describe, expect, it } from 'vitest';
import { DeviceRegistryFile, hashSecret, newSecret, verifySecret } from './credentials';

describe('device credentials', () => {
  it('verifies the secret a hash was made from, and nothing else', () => {
    const secret = newSecret();
    const stored = hashSecret(secret);
    expect(stored).not.toContain(secret);
    expect(verifySecret(secret, stored)).toBe(true);
    expect(verifySecret(`${secret}x`, stored)).toBe(false);
    expect(verifySecret(secret, 'hmac-sha256$broken')).toBe(false);
    expect(hashSecret(secret)).not.toBe(stored); // salted
  });

  it('validates the registry file, naming a bad family', () => {
    const ok = { storeId: 's', devices: [{ id: 'scanner-a', family: 'ble', secretHash: hashSecret('x') }] };
    expect(DeviceRegistryFile.parse(ok).services).toEqual([]);
    const bad = DeviceRegistryFile.safeParse({ ...ok, devices: [{ ...ok.devices[0], family: 'radio' }] });
    expect(bad.error?.issues[0]?.path).toEqual(['devices', 0, 'family']);
  });
});
