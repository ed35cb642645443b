import { DeviceId, type DeviceStatus, parseTopic, TOPIC_FAMILIES, type TopicFamily, topics } from '@aisle/contracts';
import mqtt from 'mqtt';
import { z } from 'zod';

/** A simulated device and its secret, as the demo keeps them in `device-secrets.json`. */
export const DeviceCredential = z.object({
  id: DeviceId,
  family: z.enum(Object.keys(TOPIC_FAMILIES) as [TopicFamily]),
  secret: z.string().min(16),
});
export type DeviceCredential = z.infer<typeof DeviceCredential>;

/**
 * One MQTT connection per simulated device, as real devices have, each with its own
 * credentials, an `online` birth message and an `offline` last will. `publish` routes a
 * message to the connection of the device its topic names.
 */
export async function connectFleet(url: string, storeId: string, devices: readonly DeviceCredential[]) {
  const clients = new Map<string, mqtt.MqttClient>();
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
      clients.set(d.id, client);
    }),
  );
  return {
    publish(topic: string, payload: unknown): void {
      const parsed = parseTopic(topic);
      const client = parsed.ok ? clients.get(parsed.topic.deviceId) : undefined;
      if (!client) throw new Error(`no simulated device publishes on ${topic}`);
      client.publish(topic, JSON.stringify(payload));
    },
    /** Says `offline` for every device (a clean disconnect sends no will), then disconnects. */
    async close(): Promise<void> {
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
