import { readFileSync } from 'node:fs';
import { type TopicFamily, topics } from '@aisle/contracts';
import { DeviceRegistryFile, verifySecret } from '@aisle/contracts/credentials';
import type { BrokerPolicy } from '../broker/policy';
import { GatewayError } from '../errors';

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
    // each device's own subtree, built once: publish checks run for every message
    const subtree = new Map<string, string>();
    // and what else a device may subscribe to: a till, the carts kiosks hand over to it
    const inbox = new Map<string, string>();
    for (const a of this.accounts.values()) {
      if (a.family !== 'service') subtree.set(a.id, topics.deviceSubtree(storeId, a.family, a.id));
      if (a.family === 'pos') inbox.set(a.id, topics.posHandover(storeId, a.id));
    }
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
        return topic.startsWith(subtree.get(account.id)!)
          ? null
          : `device ${account.id} may publish only below its own topics`;
      },
      authorizeSubscribe: (clientId, filter) => {
        const account = this.accounts.get(clientId);
        if (!account || filter.startsWith('$')) return false;
        if (account.family === 'service') return filter.startsWith(storePrefix);
        return filter.startsWith(subtree.get(account.id)!) || filter === inbox.get(account.id);
      },
    };
  }

  private add(account: Account): void {
    if (this.accounts.has(account.id))
      throw new GatewayError('bad_config', `device id "${account.id}" is registered twice`);
    this.accounts.set(account.id, account);
  }
}
