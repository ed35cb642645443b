import type { BrokerPolicy } from './policy';

/** The topic filter the Eclipse Paho MQTT 3.1.1 interoperability suite expects to be refused. */
export const NOSUBSCRIBE_FILTER = 'test/nosubscribe';

/**
 * The policy the Eclipse Paho interoperability suite (eclipse/paho.mqtt.testing,
 * interoperability/client_test.py) runs against: anonymous clients, any publish except to
 * `$`-prefixed topics (reserved for the broker, so such a publish disconnects the client), every
 * subscription except {@link NOSUBSCRIBE_FILTER} (SUBACK 0x80), `$SYS/#` included so a client can
 * read the broker's own topics. Only for `aisle gateway --conformance` and tests; never the real
 * gateway's default.
 */
export const conformancePolicy: BrokerPolicy = {
  authenticate: () => true,
  authorizePublish: (_clientId, topic) => (topic.startsWith('$') ? 'topics starting with $ are reserved' : null),
  authorizeSubscribe: (_clientId, filter) => filter !== NOSUBSCRIBE_FILTER,
};
