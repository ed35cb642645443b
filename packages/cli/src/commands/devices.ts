import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TOPIC_FAMILIES, type TopicFamily } from '@aisle/contracts';
import { DeviceRegistryFile, hashSecret, newSecret } from '@aisle/contracts/credentials';
import { type Command, parsing, UsageError } from '../command';

const FAMILIES = Object.keys(TOPIC_FAMILIES) as TopicFamily[];

const help = `Usage: aisle devices <add|list|remove> --registry <file> [options]

Manages the gateway's device registry: each device's id, family and hashed secret.

  add     --id <id> --family <${FAMILIES.join('|')}> [--store <storeId>]
          Registers a device and prints its new secret, once: give it to the device.
          --store is needed when the registry file does not exist yet.
  add     --id <id> --service   Registers a back-office (read-only) account instead.
  list    Lists the registered devices and services.
  remove  --id <id>             Removes a device or service.

The gateway reads the registry at start (AISLE_DEVICES, default data/devices.json).`;

function load(path: string): DeviceRegistryFile | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = DeviceRegistryFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a valid device registry: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Writes beside the file, then renames: a crash never leaves half a registry. */
function save(path: string, registry: DeviceRegistryFile): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(DeviceRegistryFile.parse(registry), null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export const devices: Command = {
  name: 'devices',
  summary: 'add, list and remove devices in the gateway’s device registry',
  help,
  async run(args) {
    const { values, positionals } = parsing('devices', () =>
      parseArgs({
        args,
        options: {
          registry: { type: 'string' },
          id: { type: 'string' },
          family: { type: 'string' },
          store: { type: 'string' },
          service: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
        strict: true,
      }),
    );
    if (values.help) {
      console.log(help);
      return 0;
    }
    const [action, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`, 'devices');
    if (!values.registry) throw new UsageError('--registry <file> is required', 'devices');
    const path = values.registry;
    const registry = load(path);

    switch (action) {
      case 'list': {
        if (!registry) throw new Error(`no registry at ${path}`);
        console.log(`store ${registry.storeId}`);
        for (const d of registry.devices) console.log(`${d.family.padEnd(7)} ${d.id}`);
        for (const s of registry.services) console.log(`service ${s.id}`);
        return 0;
      }
      case 'add': {
        const id = values.id;
        if (!id) throw new UsageError('--id is required', 'devices');
        const next = registry ?? (values.store ? { storeId: values.store, devices: [], services: [] } : undefined);
        if (!next) throw new UsageError(`${path} does not exist; give --store to create it`, 'devices');
        if ([...next.devices, ...next.services].some((d) => d.id === id))
          throw new UsageError(`'${id}' is already registered`, 'devices');
        const secret = newSecret();
        if (values.service) next.services.push({ id, secretHash: hashSecret(secret) });
        else {
          const family = values.family as TopicFamily | undefined;
          if (!family || !FAMILIES.includes(family))
            throw new UsageError(`--family must be one of ${FAMILIES.join(', ')}`, 'devices');
          next.devices.push({ id, family, secretHash: hashSecret(secret) });
        }
        save(path, next);
        console.log(`registered ${id}; its secret (shown once): ${secret}`);
        return 0;
      }
      case 'remove': {
        if (!registry) throw new Error(`no registry at ${path}`);
        const id = values.id;
        const kept = {
          ...registry,
          devices: registry.devices.filter((d) => d.id !== id),
          services: registry.services.filter((s) => s.id !== id),
        };
        if (kept.devices.length + kept.services.length === registry.devices.length + registry.services.length)
          throw new UsageError(`'${id}' is not registered`, 'devices');
        save(path, kept);
        console.log(`removed ${id}; restart the gateway to apply`);
        return 0;
      }
      default:
        throw new UsageError(
          action ? `unknown action '${action}'` : 'an action is required (add, list, remove)',
          'devices',
        );
    }
  },
};
