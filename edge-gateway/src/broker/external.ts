import { TOPIC_ROOT } from '@aisle/contracts';
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import type { DeviceMessage } from './embedded';

export interface ExternalBrokerOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  clientId: string;
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

  /** Connects and subscribes (host and port are the embedded broker's; unused here). */
  async listen(_host?: string, _port?: number): Promise<number> {
    const { url, username, password, clientId, logger } = this.opts;
    try {
      this.client = await mqtt.connectAsync(url, {
        clientId,
        username,
        password,
        clean: true,
        reconnectPeriod: 2_000,
        connectTimeout: 10_000,
      });
    } catch (err) {
      throw new Error(`cannot connect to the external broker at ${url}: ${(err as Error).message}`);
    }
    this.connected = true;
    const client = this.client;
    client.on('message', (topic, payload) => this.opts.onMessage({ topic, payload, clientId: '' }));
    client.on('connect', () => {
      this.connected = true;
      logger.info({ url }, 'reconnected to the external broker');
    });
    client.on('offline', () => {
      this.connected = false;
      logger.warn({ url }, 'external broker unreachable; reconnecting');
    });
    client.on('error', (err) => logger.warn({ err: err.message }, 'external broker error'));
    // clean session + resubscribe on reconnect: mqtt.js restores subscriptions itself
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
