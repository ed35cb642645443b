import { Id } from './common';
import { PROTOCOL_VERSION } from './version';

/**
 * The MQTT topic tree: `aisle/v{PROTOCOL_VERSION}/{storeId}/{family}/{deviceId}/{kind}`.
 * Each device publishes only below its own `{family}/{deviceId}`.
 */
export const TOPIC_ROOT = `aisle/v${PROTOCOL_VERSION}`;

export const TOPIC_FAMILIES = {
  ble: 'sighting',
  sensor: 'reading',
  shelf: 'interaction',
  pos: 'purchase',
} as const;

export type TopicFamily = keyof typeof TOPIC_FAMILIES;
export type ParsedTopic = { storeId: string; family: TopicFamily; deviceId: string; kind: string };
export type TopicParseResult = { ok: true; topic: ParsedTopic } | { ok: false; reason: string };

function build(family: TopicFamily) {
  return (storeId: string, deviceId: string): string =>
    `${TOPIC_ROOT}/${checkLevel(storeId, 'storeId')}/${family}/${checkLevel(deviceId, 'deviceId')}/${TOPIC_FAMILIES[family]}`;
}

function checkLevel(value: string, name: string): string {
  if (!Id.safeParse(value).success) throw new TypeError(`${name} "${value}" cannot be used in a topic`);
  return value;
}

export const topics = {
  beaconSighting: build('ble'),
  sensorReading: build('sensor'),
  productInteraction: build('shelf'),
  posPurchase: build('pos'),
  /** Subscription filter for every device message of one store (or all stores with `+`). */
  storeFilter: (storeId = '+') => `${TOPIC_ROOT}/${storeId}/#`,
};

/** Parses a device topic; never throws. */
export function parseTopic(topic: string): TopicParseResult {
  const parts = topic.split('/');
  if (parts.length !== 6) return { ok: false, reason: 'topic must have 6 levels' };
  const [root, version, storeId, family, deviceId, kind] = parts as [string, string, string, string, string, string];
  if (`${root}/${version}` !== TOPIC_ROOT) return { ok: false, reason: `topic root must be ${TOPIC_ROOT}` };
  if (!(family in TOPIC_FAMILIES)) return { ok: false, reason: `unknown family "${family}"` };
  const f = family as TopicFamily;
  if (TOPIC_FAMILIES[f] !== kind)
    return { ok: false, reason: `family "${family}" carries "${TOPIC_FAMILIES[f]}", not "${kind}"` };
  if (!Id.safeParse(storeId).success) return { ok: false, reason: 'bad store id' };
  if (!Id.safeParse(deviceId).success) return { ok: false, reason: 'bad device id' };
  return { ok: true, topic: { storeId, family: f, deviceId, kind } };
}
