import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { closeServer, listen } from '../net';

export interface DeviceMessage {
  topic: string;
  payload: Buffer;
  clientId: string;
}

/** The MQTT broker embedded in the gateway (aedes on a TCP port). */
export class EmbeddedBroker {
  private server: Server | undefined;
  private constructor(private readonly aedes: Aedes) {}

  static async create(logger: Logger, onMessage: (msg: DeviceMessage) => void): Promise<EmbeddedBroker> {
    const aedes = await Aedes.createBroker();
    aedes.on('publish', (packet, client) => {
      // client is null for the broker's own messages ($SYS, wills it sends itself)
      if (!client) return;
      onMessage({ topic: packet.topic, payload: Buffer.from(packet.payload), clientId: client.id });
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

  async listen(host: string, port: number): Promise<number> {
    this.server = createServer(this.aedes.handle);
    return listen(this.server, host, port, 'MQTT');
  }

  async close(): Promise<void> {
    // aedes first: it ends client connections, which the TCP server waits for
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    if (this.server) await closeServer(this.server);
  }
}
