import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';

/*
 * The demo's cloud-sync credentials, kept in its data folder (the secrets with mode 0600):
 * - cloud-stores.json: `[{ storeId, secretHash }]`, registered by cloud-sync at start (`AISLE_CLOUD_STORES`);
 * - cloud-credential: the store's token `<storeId>.<secret>`, sent by its gateway (`AISLE_CLOUD_CREDENTIAL`);
 * - cloud-admin-secret: the operator's secret (`AISLE_CLOUD_ADMIN_SECRET`; requests send `admin.<secret>`);
 * - cloud-link-secret: the key "my data" links are signed with (`AISLE_CLOUD_LINK_SECRET`), so a link a kiosk showed
 *   still opens after the demo's cloud restarts.
 */
export const CLOUD_STORES_FILE = 'cloud-stores.json';
export const CLOUD_CREDENTIAL_FILE = 'cloud-credential';
export const CLOUD_ADMIN_SECRET_FILE = 'cloud-admin-secret';
export const CLOUD_LINK_SECRET_FILE = 'cloud-link-secret';

/** Writes the store's and the operator's cloud credentials into `dataDir` unless they are there already. */
export function ensureCloudCredentials(dataDir: string, storeId: string): void {
  const stores = join(dataDir, CLOUD_STORES_FILE);
  const credential = join(dataDir, CLOUD_CREDENTIAL_FILE);
  const current = existsSync(credential) ? readFileSync(credential, 'utf8').trim() : '';
  if (!existsSync(stores) || !current.startsWith(`${storeId}.`)) {
    const secret = newSecret();
    writeFileSync(credential, `${storeId}.${secret}\n`, { mode: 0o600 });
    writeFileSync(stores, `${JSON.stringify([{ storeId, secretHash: hashSecret(secret) }], null, 2)}\n`);
  }
  const admin = join(dataDir, CLOUD_ADMIN_SECRET_FILE);
  if (!existsSync(admin)) writeFileSync(admin, `${newSecret()}\n`, { mode: 0o600 });
  const link = join(dataDir, CLOUD_LINK_SECRET_FILE);
  if (!existsSync(link)) writeFileSync(link, `${newSecret()}\n`, { mode: 0o600 });
}

/** The store's cloud token from `dataDir`, for `Authorization: Bearer …`. */
export const readCloudCredential = (dataDir: string) =>
  readFileSync(join(dataDir, CLOUD_CREDENTIAL_FILE), 'utf8').trim();

/** The operator's secret from `dataDir`. */
export const readCloudAdminSecret = (dataDir: string) =>
  readFileSync(join(dataDir, CLOUD_ADMIN_SECRET_FILE), 'utf8').trim();

/** The key the demo's cloud signs "my data" links with, from `dataDir`. */
export const readCloudLinkSecret = (dataDir: string) =>
  readFileSync(join(dataDir, CLOUD_LINK_SECRET_FILE), 'utf8').trim();
