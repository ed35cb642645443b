import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BeaconSighting, topics } from '@aisle/contracts';
import { type DeviceRegistryFile, hashSecret, newSecret } from '@aisle/contracts/credentials';
import { until } from '@aisle/testkit';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './fixture';

const secrets = { 'scanner-beauty': newSecret(), 'scanner-menswear': newSecret(), monitor: newSecret() };
let fx: Fixture;
const clients: mqtt.MqttClient[] = [];

function connect(clientId: string, password?: string) {
  const client = mqtt.connect(fx.urls.mqttUrl, {
    clientId,
    username: clientId,
    password,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  clients.push(client);
  return new Promise<mqtt.MqttClient>((resolve, reject) => {
    client.once('connect', () => resolve(client));
    // refusals after connecting (e.g. SUBACK 0x80) are asserted where they happen
    client.on('error', reject);
  });
}

/** The QoS the broker granted for one filter; 128 (0x80) is a refusal, which mqtt.js reports as an error. */
async function grantedQos(client: mqtt.MqttClient, filter: string): Promise<number> {
  try {
    return (await client.subscribeAsync(filter))[0]!.qos;
  } catch (err) {
    return (err as { packet?: { granted?: number[] } }).packet?.granted?.[0] ?? Number.NaN;
  }
}

const sighting = (scannerId: string, n: number): BeaconSighting => ({
  eventId: `ble-auth-${scannerId}-${n}`,
  scannerId,
  deviceId: 'shp-authtest1',
  rssi: -55,
  ts: Date.now(),
});

beforeAll(async () => {
  const registry: DeviceRegistryFile = {
    storeId: 'test-store',
    devices: [
      { id: 'scanner-beauty', family: 'ble', secretHash: hashSecret(secrets['scanner-beauty']) },
      { id: 'scanner-menswear', family: 'ble', secretHash: hashSecret(secrets['scanner-menswear']) },
    ],
    services: [{ id: 'monitor', secretHash: hashSecret(secrets.monitor) }],
  };
  // the fixture writes its floor plan first; the registry goes beside it
  const registryPath = join(process.env.TMPDIR ?? '/tmp', `aisle-registry-${process.pid}.json`);
  writeFileSync(registryPath, JSON.stringify(registry));
  fx = await startFixture({ auth: { mode: 'registry', registryPath } });
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await fx?.close();
});

describe('device credentials and topic ACL on the embedded broker', () => {
  it('refuses a client without credentials, or with a wrong secret, at CONNACK', async () => {
    await expect(connect('scanner-beauty')).rejects.toMatchObject({ code: 4 });
    await expect(connect('scanner-beauty', 'not-the-secret')).rejects.toMatchObject({ code: 4 });
    await expect(connect('intruder', 'whatever')).rejects.toMatchObject({ code: 4 });
  });

  it('refuses a client whose client id is not its account', async () => {
    const client = mqtt.connect(fx.urls.mqttUrl, {
      clientId: 'someone-else',
      username: 'scanner-beauty',
      password: secrets['scanner-beauty'],
      reconnectPeriod: 0,
    });
    clients.push(client);
    await expect(new Promise((_r, reject) => client.once('error', reject))).rejects.toMatchObject({ code: 4 });
  });

  it('lets a registered scanner publish its own sightings, which reach presence', async () => {
    const scanner = await connect('scanner-beauty', secrets['scanner-beauty']);
    for (let i = 0; i < 3; i++)
      await scanner.publishAsync(
        topics.beaconSighting('test-store', 'scanner-beauty'),
        JSON.stringify(sighting('scanner-beauty', i)),
        { qos: 1 },
      );
    await until('shopper placed', () => fx.gateway.presence.get('shp-authtest1')?.zoneId === 'beauty');
  });

  it('disconnects a device that publishes on another device’s topic, and counts it', async () => {
    const scanner = await connect('scanner-menswear', secrets['scanner-menswear']);
    const closed = new Promise<void>((resolve) => scanner.once('close', () => resolve()));
    scanner.publish(
      topics.beaconSighting('test-store', 'scanner-beauty'),
      JSON.stringify(sighting('scanner-beauty', 99)),
      { qos: 1 },
    );
    await closed;
    const metrics = await (await fetch(`${fx.urls.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/aisle_broker_refused_publishes_total\{service="edge-gateway"\} 1/);
    expect(fx.logLines.some((l) => l.includes('publish refused'))).toBe(true);
  });

  it('grants a service account the store’s topics but never $SYS, and devices nothing beyond their own', async () => {
    const monitor = await connect('monitor', secrets.monitor);
    expect(await grantedQos(monitor, topics.storeFilter('test-store'))).toBe(0);
    expect(await grantedQos(monitor, '$SYS/#')).toBe(128);
    expect(await grantedQos(monitor, 'aisle/v1/other-store/#')).toBe(128);
    const scanner = await connect('scanner-beauty', secrets['scanner-beauty']);
    expect(await grantedQos(scanner, `${topics.deviceSubtree('test-store', 'ble', 'scanner-beauty')}#`)).toBe(0);
    expect(await grantedQos(scanner, topics.storeFilter('test-store'))).toBe(128);
  });
});
