import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { closeServer, listen } from '../net';
import type { BrokerPolicy } from './policy';

export interface DeviceMessage {
  topic: string;
  payload: Buffer;
  clientId: string;
}

export interface EmbeddedBrokerOptions {
  logger: Logger;
  policy: BrokerPolicy;
  onMessage(msg: DeviceMessage): void;
  /** Called when the policy refuses a publish (the client is then disconnected). */
  onRefusedPublish?(clientId: string, topic: string, reason: string): void;
}

function connackError(returnCode: 2 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** The MQTT broker embedded in the gateway (aedes on a TCP port), with the policy as its hooks. */
export interface ExtraListeners {
  /** MQTT over TLS (mqtts), with PEM files. */
  tls?: { port: number; certPath: string; keyPath: string } | undefined;
  /** MQTT over WebSocket (for browser-based devices), at path /mqtt. */
  wsPort?: number | undefined;
}

export class EmbeddedBroker {
  private server: Server | undefined;
  private readonly extra: Server[] = [];
  private constructor(private readonly aedes: Aedes) {}

  static async create(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const { logger, policy } = opts;
    // clients that connected with an empty client id and clean session off
    const emptyIdWithSession = new WeakSet<Client>();
    const aedes = await Aedes.createBroker({
      preConnect(client, packet, done) {
        if (packet.clientId === '' && !packet.clean) emptyIdWithSession.add(client);
        done(null, true);
      },
      authenticate(client, username, password, done) {
        // [MQTT-3.1.3-8] a zero-byte client id with CleanSession 0 gets CONNACK 0x02 (identifier rejected)
        if (emptyIdWithSession.has(client))
          return done(connackError(2, 'a client id is required unless clean session is set'), false);
        if (!policy.authenticate(client.id, username, password))
          return done(connackError(4, 'bad user name or password'), false);
        done(null, true);
      },
      authorizePublish(client, packet, done) {
        if (!client) return done(null); // the broker's own messages
        const reason = policy.authorizePublish(client.id, packet.topic);
        if (reason === null) return done(null);
        opts.onRefusedPublish?.(client.id, packet.topic, reason);
        done(new Error(reason));
      },
      authorizeSubscribe(client, subscription, done) {
        done(null, policy.authorizeSubscribe(client.id, subscription.topic) ? subscription : null);
      },
    });
    aedes.on('publish', (packet, client) => {
      // client is null for the broker's own messages ($SYS, wills it sends itself)
      if (!client) return;
      opts.onMessage({ topic: packet.topic, payload: Buffer.from(packet.payload), clientId: client.id });
    });
    // A misbehaving client is logged and dropped by aedes; it never takes the broker down.
    aedes.on('clientError', (client, err) =>
      logger.debug({ clientId: client.id, err: err.message }, 'mqtt client error'),
    );
    aedes.on('connectionError', (_client, err) => logger.debug({ err: err.message }, 'mqtt connection error'));
    return new EmbeddedBroker(aedes);
  }

  get connectedClients(): number {
    return this.aedes.connectedClients;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Publishes as the broker itself (not retained; QoS 0 unless asked), e.g. the dead-letter notices. */
  publish(topic: string, payload: string, qos: 0 | 1 = 0): void {
    this.aedes.publish(
      { cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false },
      () => {},
    );
  }

  async listen(host: string, port: number): Promise<number> {
    this.server = createServer(this.aedes.handle);
    return listen(this.server, host, port, 'MQTT');
  }

  /** Starts the optional TLS and WebSocket listeners; resolves with the ports they got. */
  async listenExtra(host: string, opts: ExtraListeners): Promise<{ tlsPort?: number; wsPort?: number }> {
    const ports: { tlsPort?: number; wsPort?: number } = {};
    if (opts.tls) {
      const server = createTlsServer(
        { cert: readFileSync(opts.tls.certPath), key: readFileSync(opts.tls.keyPath) },
        this.aedes.handle,
      );
      this.extra.push(server);
      ports.tlsPort = await listen(server, host, opts.tls.port, 'MQTT over TLS');
    }
    if (opts.wsPort !== undefined) {
      const http = createHttpServer();
      const wss = new WebSocketServer({ server: http, path: '/mqtt' });
      wss.on('connection', (socket, req) => this.aedes.handle(createWebSocketStream(socket), req));
      this.extra.push(http);
      ports.wsPort = await listen(http, host, opts.wsPort, 'MQTT over WebSocket');
    }
    return ports;
  }

  async close(): Promise<void> {
    // aedes first: it ends client connections, which the servers wait for
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    for (const server of [this.server, ...this.extra]) if (server) await closeServer(server);
  }
}
