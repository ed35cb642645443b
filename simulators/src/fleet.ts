import { randomBytes } from 'node:crypto';
import {
  DeviceId,
  type DeviceStatus,
  PosHandover,
  type PosPurchase,
  parseTopic,
  TOPIC_FAMILIES,
  type TopicFamily,
  topics,
} from '@aisle/contracts';
import mqtt from 'mqtt';
import { z } from 'zod';

/** A simulated device and its secret, as the demo keeps them in `device-secrets.json`. */
export const DeviceCredential = z.object({
  id: DeviceId,
  family: z.enum(Object.keys(TOPIC_FAMILIES) as [TopicFamily]),
  secret: z.string().min(16),
});
export type DeviceCredential = z.infer<typeof DeviceCredential>;

export interface FleetOptions {
  /** How long after a kiosk hands a cart over to a till the shopper has paid there, ms (1 500). */
  payAfterMs?: number;
  /** Told about each hand-over a till received and each sale it made of one (logs, tests). */
  onHandover?: (event: { handover: PosHandover; purchase?: PosPurchase }) => void;
}

/**
 * One MQTT connection per simulated device, as real devices have, each with its own
 * credentials, an `online` birth message and an `offline` last will. `publish` routes a
 * message to the connection of the device its topic names. Each till subscribes to the carts
 * kiosks hand over to it (`PosHandover`) and, a moment later, sells them: a `PosPurchase`
 * with the hand-over's id and customer.
 */
export async function connectFleet(
  url: string,
  storeId: string,
  devices: readonly DeviceCredential[],
  opts: FleetOptions = {},
) {
  const clients = new Map<string, mqtt.MqttClient>();
  const payments = new Set<NodeJS.Timeout>();
  const status = (d: DeviceCredential, state: DeviceStatus['state']) =>
    JSON.stringify({ deviceId: d.id, state, firmware: 'sim-1.0', ts: Date.now() } satisfies DeviceStatus);
  await Promise.all(
    devices.map(async (d) => {
      const topic = topics.deviceStatus(storeId, d.family, d.id);
      const client = await mqtt.connectAsync(url, {
        clientId: d.id,
        username: d.id,
        password: d.secret,
        reconnectPeriod: 1_000,
        will: { topic, payload: Buffer.from(status(d, 'offline')), qos: 1, retain: true },
      });
      client.on('error', () => {}); // reconnects on its own; the gateway's log has the reason
      await client.publishAsync(topic, status(d, 'online'), { qos: 1, retain: true });
      if (d.family === 'pos') await actAsTill(client, d.id);
      clients.set(d.id, client);
    }),
  );
  /** The till sells each cart handed over to it, once, `payAfterMs` after it arrived. */
  async function actAsTill(client: mqtt.MqttClient, terminalId: string): Promise<void> {
    const inbox = topics.posHandover(storeId, terminalId);
    const paid = new Set<string>();
    client.on('message', (topic, payload) => {
      if (topic !== inbox) return;
      let handover: PosHandover;
      try {
        handover = PosHandover.parse(JSON.parse(payload.toString('utf8')));
      } catch {
        return; // not a hand-over this till understands: a real till would show an error
      }
      if (handover.terminalId !== terminalId || paid.has(handover.handoverId)) return; // QoS 1 may redeliver
      paid.add(handover.handoverId);
      opts.onHandover?.({ handover });
      const timer = setTimeout(() => {
        payments.delete(timer);
        const total = handover.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
        const purchase: PosPurchase = {
          eventId: `pos-${randomBytes(8).toString('hex')}`,
          storeId,
          terminalId,
          ...(handover.customerId && { customerId: handover.customerId }),
          lines: handover.lines,
          total: Math.round(total * 100) / 100,
          currency: handover.currency,
          handoverId: handover.handoverId,
          ts: Date.now(),
        };
        client.publish(topics.posPurchase(storeId, terminalId), JSON.stringify(purchase), { qos: 1 });
        opts.onHandover?.({ handover, purchase });
      }, opts.payAfterMs ?? 1_500);
      payments.add(timer);
    });
    const granted = await client.subscribeAsync(inbox, { qos: 1 });
    if (granted[0]?.qos === 128) throw new Error(`the broker refused till ${terminalId} its hand-over topic ${inbox}`);
  }

  return {
    publish(topic: string, payload: unknown): void {
      const parsed = parseTopic(topic);
      const client = parsed.ok ? clients.get(parsed.topic.deviceId) : undefined;
      if (!client) throw new Error(`no simulated device publishes on ${topic}`);
      client.publish(topic, JSON.stringify(payload));
    },
    /** Says `offline` for every device (a clean disconnect sends no will), then disconnects. */
    async close(): Promise<void> {
      for (const t of payments) clearTimeout(t);
      payments.clear();
      await Promise.all(
        devices.map(async (d) => {
          const client = clients.get(d.id);
          if (!client?.connected) return client?.endAsync(true);
          await client.publishAsync(topics.deviceStatus(storeId, d.family, d.id), status(d, 'offline'), {
            qos: 1,
            retain: true,
          });
          await client.endAsync();
        }),
      );
    },
  };
}
export type Fleet = Awaited<ReturnType<typeof connectFleet>>;
