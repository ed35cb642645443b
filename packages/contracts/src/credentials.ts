import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DeviceId, StoreId } from './common';
import { ScreenKind } from './store';
import { TOPIC_FAMILIES, type TopicFamily } from './topics';

/*
 * Device provisioning: the registry file a store's gateway reads, and the secret format.
 * Node only (node:crypto): import it as `@aisle/contracts/credentials`, never from screens.
 */
const SecretHash = z.string().regex(/^hmac-sha256\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'hmac-sha256$<salt>$<hash>');

/**
 * The store's devices and their credentials. A device connects with its id as both MQTT
 * client id and user name, and its secret as password. Secrets are random 256-bit tokens
 * (`newSecret()`), so a salted HMAC is enough to keep them off disk in the clear.
 */
export const DeviceRegistryFile = z
  .object({
    storeId: StoreId,
    devices: z.array(
      z
        .object({ id: DeviceId, family: z.enum(Object.keys(TOPIC_FAMILIES) as [TopicFamily]), secretHash: SecretHash })
        .strict(),
    ),
    /** Back-office clients that may read the store's topics (monitoring, benchmarks); they publish nothing. */
    services: z.array(z.object({ id: DeviceId, secretHash: SecretHash }).strict()).default([]),
  })
  .strict();
export type DeviceRegistryFile = z.infer<typeof DeviceRegistryFile>;

/** A new device secret: 256 random bits. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string, salt = randomBytes(16).toString('base64')): string {
  return `hmac-sha256$${salt}$${createHmac('sha256', salt).update(secret).digest('base64')}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const [, salt, hash] = stored.split('$');
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha256', salt).update(secret).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A store's credential as cloud-sync keeps it (`AISLE_CLOUD_STORES`): the store and the salted hash of its secret. */
export const StoreCredential = z.object({ storeId: StoreId, secretHash: SecretHash }).strict();
export type StoreCredential = z.infer<typeof StoreCredential>;

/**
 * Screens paired ahead of the gateway's start (`AISLE_SCREEN_TOKENS`, written by the demo): each screen's device
 * token (`newSecret()`), which the gateway keeps only as a hash.
 */
export const ScreenTokenFile = z.array(
  z.object({ screenId: DeviceId, kind: ScreenKind, token: z.string().min(16).max(256) }).strict(),
);
export type ScreenTokenFile = z.infer<typeof ScreenTokenFile>;

// --- staff PINs (screens) ---------------------------------------------------------------------------------------

const PinHash = z.string().regex(/^scrypt\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'scrypt$<salt>$<hash>');
const SCRYPT_KEYLEN = 32;

/**
 * The store's staff who may log in on a staff screen with a PIN (`aisle screens staff-pin`). PINs are short, so
 * they are kept as a salted scrypt hash (deliberately slow), and the gateway locks a screen after wrong tries.
 */
export const StaffFile = z.array(
  z
    .object({
      id: DeviceId,
      name: z.string().min(1).max(40),
      role: z.enum(['associate', 'manager']),
      pinHash: PinHash,
    })
    .strict(),
);
export type StaffFile = z.infer<typeof StaffFile>;

export function hashPin(pin: string, salt = randomBytes(16).toString('base64')): string {
  return `scrypt$${salt}$${scryptSync(pin, salt, SCRYPT_KEYLEN).toString('base64')}`;
}

/** Whether `pin` matches a `hashPin` result; asynchronous, so checking a PIN never blocks the gateway's event loop. */
export function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [kind, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return Promise.resolve(false);
  const expected = Buffer.from(hash, 'base64');
  return new Promise((resolve) => {
    scrypt(pin, salt, expected.length || SCRYPT_KEYLEN, (err, actual) => {
      resolve(!err && expected.length === actual.length && timingSafeEqual(expected, actual));
    });
  });
}
