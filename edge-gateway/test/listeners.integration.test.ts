import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topics } from '@aisle/contracts';
import { until } from '@aisle/testkit';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './fixture';

let fx: Fixture;
let certPath: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-tls-'));
  certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  fx = await startFixture({ mqtt: { port: 0, tls: { port: 0, certPath, keyPath }, wsPort: 0 } });
});

afterAll(async () => {
  await fx?.close();
});

async function placeThrough(url: string, options: mqtt.IClientOptions, deviceId: string) {
  const client = await mqtt.connectAsync(url, { clientId: `via-${deviceId}`, reconnectPeriod: 0, ...options });
  const msg = { eventId: `ble-${deviceId}`, scannerId: 'scanner-menswear', deviceId, rssi: -52, ts: Date.now() };
  await client.publishAsync(topics.beaconSighting('test-store', 'scanner-menswear'), JSON.stringify(msg), { qos: 1 });
  await until(`${deviceId} placed`, () => fx.gateway.presence.get(deviceId)?.zoneId === 'menswear');
  await client.endAsync();
}

describe('extra broker listeners', () => {
  it('takes device messages over TLS, verified against the store’s certificate', async () => {
    expect(fx.urls.mqttTlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    await placeThrough(fx.urls.mqttTlsUrl!, { ca: readFileSync(certPath), rejectUnauthorized: true }, 'shp-overtls1');
    // a client that does not trust the certificate cannot connect
    await expect(
      mqtt.connectAsync(fx.urls.mqttTlsUrl!, { reconnectPeriod: 0, rejectUnauthorized: true, connectTimeout: 3_000 }),
    ).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it('takes device messages over WebSocket, for browser-based devices', async () => {
    expect(fx.urls.mqttWsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    await placeThrough(fx.urls.mqttWsUrl!, {}, 'shp-overws01');
  });
});
