import { topics } from '@aisle/contracts';
import { until } from '@aisle/testkit';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './fixture';

const HOUR = 3_600_000;
let clock = Date.UTC(2026, 10, 29, 10);
let fx: Fixture;
let device: mqtt.MqttClient;
const count = (table: string) => fx.gateway.store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

let sent = 0;
async function publishSightings(n: number, scannerId = 'scanner-beauty') {
  for (let i = 0; i < n; i++) {
    const msg = { eventId: `ble-storage-${sent++}`, scannerId, deviceId: 'shp-storage01', rssi: -55, ts: clock };
    await device.publishAsync(topics.beaconSighting('test-store', scannerId), JSON.stringify(msg), { qos: 1 });
  }
}

beforeAll(async () => {
  fx = await startFixture(
    { storage: { rawRetentionHours: 24, maxRawSightingsPerDay: 8, flushIntervalMs: 60_000 } },
    { now: () => clock },
  );
  // only devices with location consent are stored (privacy/location-consent.ts): this one is a consented app's
  fx.gateway.profiles.upsert([
    {
      customerId: 'cust-storage',
      consent: { personalization: true, location: true },
      favouriteCategories: [],
      tastes: {},
      excludedCategories: [],
      recentPurchases: [],
      onlineCart: [],
      appDevices: ['shp-storage01'],
      updatedAt: clock,
    },
  ]);
  device = await mqtt.connectAsync(fx.urls.mqttUrl, { clientId: 'test-storage' });
});

afterAll(async () => {
  await device?.endAsync();
  await fx?.close();
});

describe('storage of raw sightings', () => {
  it('buffers sightings and writes them in one batch', async () => {
    await publishSightings(5);
    await until('sightings ingested', async () => {
      const m = await (await fetch(`${fx.urls.httpUrl}/metrics`)).text();
      return m.includes('aisle_ingest_messages_total{family="ble",service="edge-gateway"} 5');
    });
    expect(count('sightings')).toBe(0); // still buffered
    fx.gateway.flushSightings();
    expect(count('sightings')).toBe(5);
    expect(count('visits')).toBe(1);
    expect(count('sessions')).toBe(1);
  });

  it('caps raw sightings per day, counting what it drops', async () => {
    await publishSightings(6);
    await until('flushed', () => {
      fx.gateway.flushSightings();
      return count('sightings') === 8;
    });
    const m = await (await fetch(`${fx.urls.httpUrl}/metrics`)).text();
    expect(m).toMatch(/aisle_storage_sightings_dropped_total\{service="edge-gateway"\} 3/);
    expect(m).toMatch(/aisle_storage_rows\{table="sightings",service="edge-gateway"\} 8/);
    expect(m).toMatch(/aisle_storage_bytes\{service="edge-gateway"\} [1-9]/);
  });

  it('purges raw sightings past the retention and keeps visits and sessions', async () => {
    clock += 23 * HOUR;
    expect(fx.gateway.purgeRawData(clock)).toBe(0);
    clock += 2 * HOUR;
    expect(fx.gateway.purgeRawData(clock)).toBe(8);
    expect(count('sightings')).toBe(0);
    expect(count('visits')).toBe(1);
    expect(count('sessions')).toBe(1);
  });
});

describe('device clocks', () => {
  it('counts a sighting whose device clock is far off, and still places the shopper by the gateway clock', async () => {
    const msg = {
      eventId: 'ble-skewed-0001',
      scannerId: 'scanner-footwear',
      deviceId: 'shp-skewed01',
      rssi: -50,
      ts: clock - 3_600_000,
    };
    await device.publishAsync(topics.beaconSighting('test-store', 'scanner-footwear'), JSON.stringify(msg), { qos: 1 });
    await until('placed', () => fx.gateway.presence.get('shp-skewed01')?.zoneId === 'footwear');
    const m = await (await fetch(`${fx.urls.httpUrl}/metrics`)).text();
    expect(m).toMatch(/aisle_ingest_clock_skew_total\{family="ble",service="edge-gateway"\} 1/);
    expect(fx.logLines.filter((l) => l.includes('device clock is off'))).toHaveLength(1);
  });
});
