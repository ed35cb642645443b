import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { DeviceRegistryFile } from '@aisle/contracts/credentials';
import { hashSecret, newSecret } from '@aisle/contracts/credentials';
import { demoCustomers } from '@aisle/simulators';
import pino from 'pino';
import { createGateway, type GatewayConfigInput } from '../src/index';
import { demoStoreFiles } from '../test/fixture';
import { benchPhoneId, type ScannerConnection } from './protocol';

export const PRESENCE_ACCOUNT = 'bench-presence';

export interface GatewayTargetOptions {
  dir: string;
  storeId: string;
  ingest: { ratePerSecond: number; burst: number };
  /** Presence settings; those left out keep the gateway's defaults. */
  presence?: GatewayConfigInput['presence'];
  /** Scanners added to the demo floor plan and the registry (e.g. a prober's own); none by default. */
  extraScanners?: { id: string; zoneId: string }[];
  /**
   * How many of the bench's phones (`benchPhoneId(0…n-1)`) belong to customers with location consent, so their
   * sightings, visits and sessions are written as a store writes a consenting shopper's; the others are anonymous.
   */
  consentedPhones?: number;
}

/**
 * A real gateway as the store runs it: device registry auth (one account per scanner, and a
 * service account for the presence subscriber), the demo floor plan, a model trained on the
 * demo history, an in-process cloud-sync, SQLite in a file. Its warnings and errors are kept.
 */
export async function startGatewayTarget(opts: GatewayTargetOptions, onCleanup: (fn: () => Promise<void>) => void) {
  const { dir, storeId } = opts;
  const consented = opts.consentedPhones ?? 0;
  const customers = demoCustomers(consented, 11).map((c, i) => ({
    ...c,
    customerId: `cus-bench-${i}`,
    appDevices: [benchPhoneId(i)],
    consent: { personalization: true, location: true },
  }));
  const { plan, cloud, cloudUrl, cloudCredential, floorPlanPath, modelDir } = await demoStoreFiles(dir, storeId, {
    customers,
  });
  onCleanup(() => cloud.app.close());
  if (opts.extraScanners?.length) {
    plan.scanners.push(...opts.extraScanners);
    writeFileSync(floorPlanPath, JSON.stringify(plan));
  }

  const scanners: ScannerConnection[] = plan.scanners.map((s) => ({
    scannerId: s.id,
    clientId: s.id,
    username: s.id,
    password: newSecret(),
  }));
  const presenceSecret = newSecret();
  const registry: DeviceRegistryFile = {
    storeId,
    devices: scanners.map((s) => ({ id: s.scannerId, family: 'ble', secretHash: hashSecret(s.password!) })),
    services: [{ id: PRESENCE_ACCOUNT, secretHash: hashSecret(presenceSecret) }],
  };
  writeFileSync(join(dir, 'devices.json'), JSON.stringify(registry));

  const logs = { count: 0, first: [] as string[] };
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.count++;
      if (logs.first.length < 5) logs.first.push(chunk.toString().trim());
      done();
    },
  });
  const config: GatewayConfigInput = {
    databasePath: join(dir, 'gateway.db'),
    floorPlanPath,
    modelDir,
    cloudUrl,
    cloudCredential,
    http: { port: 0 },
    mqtt: { port: 0 },
    auth: { mode: 'registry', registryPath: join(dir, 'devices.json') },
    ingest: opts.ingest,
    ...(opts.presence && { presence: opts.presence }),
    // the bench's phones are anonymous: track them in memory, as the ingest path measured here has always done
    privacy: { unconsentedPresence: 'transient' },
  };
  const gateway = await createGateway(config, { logger: pino({ level: 'warn' }, sink) });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await gateway.close();
  };
  onCleanup(close);
  const urls = await gateway.listen();
  // the consenting customers' profiles arrive with the first pull: traffic starts once the last one is cached
  for (
    const deadline = Date.now() + 60_000;
    consented > 0 && !gateway.locationConsent.allows(benchPhoneId(consented - 1));
  ) {
    if (Date.now() > deadline)
      throw new Error(`the gateway did not cache the ${consented} bench customers within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }

  async function counter(name: 'ingested' | 'rejected'): Promise<{ total: number; byLabel: Record<string, number> }> {
    const m = await gateway.metrics[name].get();
    const byLabel: Record<string, number> = {};
    let total = 0;
    for (const v of m.values) {
      const key = Object.values(v.labels).join('/');
      byLabel[key] = (byLabel[key] ?? 0) + v.value;
      total += v.value;
    }
    return { total, byLabel };
  }

  return {
    gateway,
    plan,
    urls,
    scanners,
    presence: { username: PRESENCE_ACCOUNT, password: presenceSecret },
    logs,
    /** aisle_ingest_messages_total{family="ble"}, read in process. */
    async ingestedBle(): Promise<number> {
      return (await counter('ingested')).byLabel.ble ?? 0;
    },
    /** aisle_ingest_rejected_total by reason/device. */
    rejected: () => counter('rejected'),
    close,
  };
}
export type GatewayTarget = Awaited<ReturnType<typeof startGatewayTarget>>;
