/**
 * Who may connect, publish and subscribe. The broker (embedded aedes, or the gateway's
 * client of an external broker) asks these questions; the answers live here, not in the
 * broker code. Everything answers synchronously from memory.
 */
export interface BrokerPolicy {
  /** true to accept the connection; false refuses it with CONNACK 0x04 (bad user name or password). */
  authenticate(clientId: string, username: string | undefined, password: Buffer | undefined): boolean;
  /** null to allow, else the reason the publish is refused (the client is disconnected, as MQTT 3.1.1 has no PUBACK error). */
  authorizePublish(clientId: string, topic: string): string | null;
  /** true to grant the subscription; false answers SUBACK 0x80 for it. */
  authorizeSubscribe(clientId: string, topicFilter: string): boolean;
}

/** Lets everyone in and everything through except `$SYS`; for tests and local tools only. */
export const openPolicy: BrokerPolicy = {
  authenticate: () => true,
  authorizePublish: (_clientId, topic) => (topic.startsWith('$') ? 'topics starting with $ are reserved' : null),
  authorizeSubscribe: (_clientId, filter) => !filter.startsWith('$'),
};
