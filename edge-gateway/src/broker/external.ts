import { TOPIC_ROOT } from '@aisle/contracts';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import type { DeviceMessage } from './embedded';

export interface ExternalBrokerOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  clientId: string;
  /** Keep the session at the broker across disconnects (clean session off); see `mqtt.external` in config.ts. */
  persistentSession: boolean;
  storeId: string;
  logger: Logger;
  onMessage(msg: DeviceMessage): void;
}

/**
 * The gateway as a client of a broker it does not run (e.g. the store's Mosquitto): it
 * subscribes to the store's device topics and publishes its own on the same broker.
 * Who may connect and publish where is that broker's configuration (password file, ACL);
 * the gateway still validates every message exactly as with the embedded broker.
 */
export class ExternalBroker {
  private client: mqtt.MqttClient | undefined;
  private connected = false;

  constructor(private readonly opts: ExternalBrokerOptions) {}

  get listening(): boolean {
    return this.connected;
  }

  /** Not known for a broker we do not run. */
  get connectedClients(): number {
    return Number.NaN;
  }

  /** Device topics have six levels: root (2), store, family, device, kind. */
  get subscription(): string {
    return `${TOPIC_ROOT}/${this.opts.storeId}/+/+/+`;
  }

  /**
   * Connects and subscribes (host and port are the embedded broker's; unused here). With `persistentSession` the
   * broker keeps the session while the gateway is away and delivers the QoS 1 messages it queued meanwhile as soon
   * as the gateway is back.
   */
  async listen(_host?: string, _port?: number): Promise<number> {
    const { url, username, password, clientId, persistentSession, logger } = this.opts;
    const client = mqtt.connect(url, {
      clientId,
      username,
      password,
      clean: !persistentSession,
      reconnectPeriod: 2_000,
      connectTimeout: 10_000,
    });
    this.client = client;
    // Attached before the first CONNACK: a persistent session's queued messages follow right behind it, and mqtt.js
    // acks each QoS 1 message (PUBACK) as soon as it has emitted it, whether anyone listened or not. Attached after
    // `await connectAsync(…)`, the first few were acked unseen: sales lost while the broker thought them delivered.
    // The handler is synchronous (a sale is committed in it), so the PUBACK leaves only after the commit.
    client.on('message', (topic, payload) => this.opts.onMessage({ topic, payload, clientId: '' }));
    let sessionPresent: boolean;
    try {
      sessionPresent = await firstConnack(client);
    } catch (err) {
      throw new Error(`cannot connect to the external broker at ${url}: ${(err as Error).message}`);
    }
    this.connected = true;
    logger.info({ url, clientId, persistentSession, sessionPresent }, 'connected to the external broker');
    client.on('connect', () => {
      this.connected = true;
      logger.info({ url }, 'reconnected to the external broker');
    });
    client.on('offline', () => {
      this.connected = false;
      logger.warn({ url }, 'external broker unreachable; reconnecting');
    });
    client.on('error', (err) => logger.warn({ err: err.message }, 'external broker error'));
    // mqtt.js subscribes again after a reconnect itself; a kept session has the subscription already
    const granted = await client.subscribeAsync(this.subscription, { qos: 1 });
    if (granted[0]?.qos === 128) throw new Error(`the external broker refused the subscription ${this.subscription}`);
    return Number(new URL(url).port || 1883);
  }

  publish(topic: string, payload: string, qos: 0 | 1 = 0): void {
    this.client?.publish(topic, payload, { qos });
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.client?.endAsync();
  }
}

/** Resolves with CONNACK's session-present flag on the first connect; rejects (and ends the client) on an error. */
function firstConnack(client: mqtt.MqttClient): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onConnect = (connack: { sessionPresent: boolean }) => {
      client.off('error', onError);
      resolve(connack.sessionPresent);
    };
    const onError = (err: Error) => {
      client.off('connect', onConnect);
      client.end(true);
      reject(err);
    };
    client.once('connect', onConnect);
    client.once('error', onError);
  });
}
