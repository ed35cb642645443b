import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DeviceId, StoreId, TOPIC_FAMILIES, type TopicFamily, topics } from '@aisle/contracts';
import { z } from 'zod';
import type { BrokerPolicy } from '../broker/policy';
import { GatewayError } from '../errors';

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

interface Account {
  id: string;
  family: TopicFamily | 'service';
  secretHash: string;
}

export class DeviceRegistry {
  private readonly accounts = new Map<string, Account>();

  constructor(readonly file: DeviceRegistryFile) {
    for (const d of file.devices) this.add({ ...d });
    for (const s of file.services) this.add({ ...s, family: 'service' });
  }

  static load(path: string): DeviceRegistry {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new GatewayError('bad_config', `cannot read the device registry ${path}: ${(err as Error).message}`);
    }
    const parsed = DeviceRegistryFile.safeParse(json);
    if (!parsed.success)
      throw new GatewayError(
        'bad_config',
        `device registry ${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    return new DeviceRegistry(parsed.data);
  }

  has(family: TopicFamily, id: string): boolean {
    return this.accounts.get(id)?.family === family;
  }

  /** The broker policy these credentials imply for one store. */
  policy(): BrokerPolicy {
    const storeId = this.file.storeId;
    const storePrefix = topics.storeFilter(storeId).slice(0, -1); // 'aisle/v1/{store}/'
    return {
      authenticate: (clientId, username, password) => {
        const account = username === undefined ? undefined : this.accounts.get(username);
        // the client id must be the account, so that publish and subscribe checks can trust it
        return (
          account !== undefined &&
          clientId === username &&
          password !== undefined &&
          verifySecret(password.toString('utf8'), account.secretHash)
        );
      },
      authorizePublish: (clientId, topic) => {
        const account = this.accounts.get(clientId);
        if (!account) return 'unknown client';
        if (account.family === 'service') return 'service accounts do not publish';
        return topic.startsWith(topics.deviceSubtree(storeId, account.family, account.id))
          ? null
          : `device ${account.id} may publish only below its own topics`;
      },
      authorizeSubscribe: (clientId, filter) => {
        const account = this.accounts.get(clientId);
        if (!account || filter.startsWith('$')) return false;
        if (account.family === 'service') return filter.startsWith(storePrefix);
        return filter.startsWith(topics.deviceSubtree(storeId, account.family, account.id));
      },
    };
  }

  private add(account: Account): void {
    if (this.accounts.has(account.id))
      throw new GatewayError('bad_config', `device id "${account.id}" is registered twice`);
    this.accounts.set(account.id, account);
  }
}
