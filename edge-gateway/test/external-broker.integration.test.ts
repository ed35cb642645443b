import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterNotice, PresenceEvent, topics } from '@aisle/contracts';
import { until } from '@aisle/testkit';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ExternalBroker } from '../src/broker/external';
import { type Fixture, startFixture } from './fixture';

/**
 * The gateway as a client of Mosquitto instead of its embedded broker. The machine's
 * Mosquitto (127.0.0.1:1883, anonymous) shows the pipeline is the same; a private Mosquitto
 * with a password file and an ACL shows devices are held to their topics there too.
 */
const SYSTEM_MOSQUITTO = process.env.AISLE_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function sighting(scannerId: string, deviceId: string, n: number) {
  return JSON.stringify({ eventId: `ble-ext-${deviceId}-${n}`, scannerId, deviceId, rssi: -50, ts: Date.now() });
}

async function gatewayOn(url: string, storeId: string, username?: string, password?: string): Promise<Fixture> {
  const clientId = `gw-${storeId}`;
  const fx = await startFixture({ mqtt: { external: { url, username, password, clientId } } }, {}, storeId);
  // the gateway's session outlives it (persistentSession): ended here so the broker does not keep it
  cleanups.push(() => forgetSession(url, clientId, username, password));
  cleanups.push(() => fx.close());
  return fx;
}

/** Ends a persistent session at the broker: its client id connects once with a clean session. */
async function forgetSession(url: string, clientId: string, username?: string, password?: string): Promise<void> {
  await (await mqtt.connectAsync(url, { clientId, username, password, clean: true, reconnectPeriod: 0 })).endAsync();
}

/** An ExternalBroker of its own (no gateway around it) that records the topics it hands on. */
function bareBroker(storeId: string, clientId: string, persistentSession: boolean) {
  const received: string[] = [];
  const broker = new ExternalBroker({
    url: SYSTEM_MOSQUITTO,
    clientId,
    persistentSession,
    storeId,
    logger: pino({ level: 'silent' }),
    onMessage: (msg) => received.push(msg.payload.toString()),
  });
  return { broker, received };
}

/** Publishes `count` messages at QoS 1 on one till's topic of `storeId`, each acknowledged by the broker. */
async function publishSales(storeId: string, count: number): Promise<string[]> {
  const till = await mqtt.connectAsync(SYSTEM_MOSQUITTO, { clientId: `till-${storeId}` });
  const sent = Array.from({ length: count }, (_, i) => `sale-${i}`);
  for (const body of sent) await till.publishAsync(topics.posPurchase(storeId, 'till-1'), body, { qos: 1 });
  await till.endAsync();
  return sent;
}

describe('external-broker mode', () => {
  it('ingests from the machine’s Mosquitto and publishes presence and dead letters back to it', async () => {
    const storeId = `ext-${process.pid}`;
    const fx = await gatewayOn(SYSTEM_MOSQUITTO, storeId);
    const observer = await mqtt.connectAsync(SYSTEM_MOSQUITTO, { clientId: `observer-${process.pid}` });
    cleanups.push(() => observer.endAsync());
    const events: PresenceEvent[] = [];
    const notices: DeadLetterNotice[] = [];
    observer.on('message', (topic, payload) => {
      const json = JSON.parse(payload.toString());
      if (topic === topics.presence(storeId)) events.push(PresenceEvent.parse(json));
      else notices.push(DeadLetterNotice.parse(json));
    });
    await observer.subscribeAsync([topics.presence(storeId), topics.deadLetter(storeId)]);

    const device = await mqtt.connectAsync(SYSTEM_MOSQUITTO, { clientId: `scanner-ext-${process.pid}` });
    cleanups.push(() => device.endAsync());
    await device.publishAsync(
      topics.beaconSighting(storeId, 'scanner-footwear'),
      sighting('scanner-footwear', 'shp-external1', 1),
      { qos: 1 },
    );
    await until('zone_enter from Mosquitto', () =>
      events.find((e) => e.type === 'zone_enter' && e.deviceId === 'shp-external1' && e.zoneId === 'footwear'),
    );
    expect(fx.gateway.presence.get('shp-external1')?.zoneId).toBe('footwear');

    await device.publishAsync(topics.beaconSighting(storeId, 'scanner-footwear'), '{not json', { qos: 1 });
    const notice = await until('dead letter on Mosquitto', () => notices[0]);
    expect(notice).toMatchObject({ reason: 'bad_json', topic: topics.beaconSighting(storeId, 'scanner-footwear') });
    const health = (await (await fetch(`${fx.urls.httpUrl}/health`)).json()) as { checks: Record<string, unknown[]> };
    expect(health.checks.broker?.[0]).toMatchObject({ status: 'pass', output: `external broker ${SYSTEM_MOSQUITTO}` });
  });

  it('keeps its session: QoS 1 messages published while it is away all reach it when it is back, none acked unseen', async () => {
    const storeId = `keep-${process.pid}`;
    const clientId = `gw-${storeId}`;
    cleanups.push(() => forgetSession(SYSTEM_MOSQUITTO, clientId));
    const first = bareBroker(storeId, clientId, true);
    await first.broker.listen();
    await first.broker.close();
    // the broker queues these for the absent gateway and sends them right behind its next CONNACK: mqtt.js acks
    // each one as soon as it emitted it, so a gateway that listened only after connecting lost the first few
    const sent = await publishSales(storeId, 50);
    const second = bareBroker(storeId, clientId, true);
    cleanups.push(() => second.broker.close());
    await second.broker.listen();
    await until('every queued message', () => second.received.length >= sent.length);
    expect(second.received).toEqual(sent);
  });

  it('with persistentSession off, starts afresh: what was published while it was away is not delivered', async () => {
    const storeId = `fresh-${process.pid}`;
    const clientId = `gw-${storeId}`;
    const first = bareBroker(storeId, clientId, false);
    await first.broker.listen();
    await first.broker.close();
    await publishSales(storeId, 3);
    const second = bareBroker(storeId, clientId, false);
    cleanups.push(() => second.broker.close());
    await second.broker.listen();
    await publishSales(storeId, 1); // delivered: published while it listens, and after the three
    await until('the sale published while it listens', () => second.received.length > 0);
    expect(second.received).toEqual(['sale-0']);
  });

  it('with a Mosquitto that requires credentials and an ACL: refuses strangers and other devices’ topics', async () => {
    const storeId = `acl-${process.pid}`;
    const url = await privateMosquitto(storeId, {
      gateway: 'gw-secret-0123456789',
      'scanner-beauty': 'beauty-secret-0123456789',
      'scanner-menswear': 'menswear-secret-0123456789',
    });
    const fx = await gatewayOn(url, storeId, 'gateway', 'gw-secret-0123456789');

    await expect(mqtt.connectAsync(url, { clientId: 'stranger', reconnectPeriod: 0 })).rejects.toMatchObject({
      code: 5,
    });
    await expect(
      mqtt.connectAsync(url, { clientId: 'x', username: 'scanner-beauty', password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toMatchObject({ code: 5 });

    const menswear = await mqtt.connectAsync(url, {
      clientId: 'scanner-menswear',
      username: 'scanner-menswear',
      password: 'menswear-secret-0123456789',
    });
    cleanups.push(() => menswear.endAsync());
    // its own topic reaches the gateway…
    await menswear.publishAsync(
      topics.beaconSighting(storeId, 'scanner-menswear'),
      sighting('scanner-menswear', 'shp-aclok', 1),
      { qos: 1 },
    );
    await until('own topic ingested', () => fx.gateway.presence.get('shp-aclok')?.zoneId === 'menswear');
    // …another device's topic does not: Mosquitto drops it (MQTT 3.1.1 has no way to say no)
    await menswear.publishAsync(
      topics.beaconSighting(storeId, 'scanner-beauty'),
      sighting('scanner-beauty', 'shp-aclforged', 1),
      { qos: 1 },
    );
    await menswear.publishAsync(
      topics.beaconSighting(storeId, 'scanner-menswear'),
      sighting('scanner-menswear', 'shp-aclafter', 2),
      { qos: 1 },
    );
    await until('later message ingested', () => fx.gateway.presence.get('shp-aclafter') !== undefined);
    expect(fx.gateway.presence.get('shp-aclforged')).toBeUndefined();
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A Mosquitto of our own on a free port, with a password file and an ACL derived from the device ids. */
async function privateMosquitto(storeId: string, users: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-mosquitto-'));
  chmodSync(dir, 0o755); // mosquitto started as root drops to its own user, which must read these
  const passwords = join(dir, 'passwords');
  writeFileSync(passwords, '');
  for (const [user, secret] of Object.entries(users)) execFileSync('mosquitto_passwd', ['-b', passwords, user, secret]);
  chmodSync(passwords, 0o644);
  writeFileSync(
    join(dir, 'acl'),
    [
      'user gateway',
      `topic read aisle/v1/${storeId}/#`,
      `topic write aisle/v1/${storeId}/gateway/#`,
      '',
      // every other account is a device: it writes only below its own id (%u)
      `pattern write aisle/v1/${storeId}/+/%u/#`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwords}`,
      `acl_file ${join(dir, 'acl')}`,
      'persistence false',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  const url = `mqtt://127.0.0.1:${port}`;
  await until(
    'private Mosquitto to listen',
    async () => {
      try {
        await mqtt
          .connectAsync(url, { username: 'gateway', password: users.gateway, reconnectPeriod: 0 })
          .then((c) => c.endAsync());
        return true;
      } catch {
        return false;
      }
    },
    10_000,
  );
  return url;
}
