import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySecret } from '@aisle/contracts/credentials';
import { describe, expect, it } from 'vitest';
import {
  CLOUD_ADMIN_SECRET_FILE,
  CLOUD_CREDENTIAL_FILE,
  CLOUD_STORES_FILE,
  ensureCloudCredentials,
  readCloudAdminSecret,
  readCloudCredential,
} from './cloud-credentials';

describe('the demo cloud credentials', () => {
  it('writes a store token matching the registered hash, secrets 0600, and keeps them on the next start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aisle-cc-'));
    ensureCloudCredentials(dir, 'demo-01');
    const token = readCloudCredential(dir);
    const [storeId, secret] = token.split('.');
    expect(storeId).toBe('demo-01');
    const [registered] = JSON.parse(readFileSync(join(dir, CLOUD_STORES_FILE), 'utf8'));
    expect(registered.storeId).toBe('demo-01');
    expect(verifySecret(secret!, registered.secretHash)).toBe(true);
    for (const file of [CLOUD_CREDENTIAL_FILE, CLOUD_ADMIN_SECRET_FILE])
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const admin = readCloudAdminSecret(dir);
    expect(admin.length).toBeGreaterThanOrEqual(16);

    ensureCloudCredentials(dir, 'demo-01');
    expect(readCloudCredential(dir)).toBe(token);
    expect(readCloudAdminSecret(dir)).toBe(admin);

    // a folder missing the registration (or made for another store) gets a new credential
    rmSync(join(dir, CLOUD_STORES_FILE));
    ensureCloudCredentials(dir, 'demo-01');
    expect(readCloudCredential(dir)).not.toBe(token);
    ensureCloudCredentials(dir, 'other-02');
    expect(readCloudCredential(dir).startsWith('other-02.')).toBe(true);
  });
});
