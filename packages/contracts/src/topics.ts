import { Id } from './common';
import { PROTOCOL_VERSION } from './version';

/**
 * The MQTT topic tree: `aisle/v{PROTOCOL_VERSION}/{storeId}/{family}/{deviceId}/{kind}`.
 * Each device publishes only below its own `{family}/{deviceId}`: its family's data kind,
 * and `status` (birth, heartbeat, and death as its last will).
 */
export const TOPIC_ROOT = `aisle/v${PROTOCOL_VERSION}`;

/** Each device family and the kind of data message its devices publish. */
export const TOPIC_FAMILIES = {
  ble: 'sighting',
  sensor: 'reading',
  shelf: 'interaction',
  rfid: 'read',
  pos: 'purchase',
} as const;

export const STATUS_KIND = 'status';

export type TopicFamily = keyof typeof TOPIC_FAMILIES;
export type TopicKind = (typeof TOPIC_FAMILIES)[TopicFamily] | typeof STATUS_KIND;
export type ParsedTopic = { storeId: string; family: TopicFamily; deviceId: string; kind: TopicKind };
export type TopicParseResult = { ok: true; topic: ParsedTopic } | { ok: false; reason: string };

function checkLevel(value: string, name: string): string {
  if (!Id.safeParse(value).success) throw new TypeError(`${name} "${value}" cannot be used in a topic`);
  return value;
}

/** The topic one device publishes a kind of message on. */
export function deviceTopic(storeId: string, family: TopicFamily, deviceId: string, kind: TopicKind): string {
  return `${TOPIC_ROOT}/${checkLevel(storeId, 'storeId')}/${family}/${checkLevel(deviceId, 'deviceId')}/${kind}`;
}

const data = (family: TopicFamily) => (storeId: string, deviceId: string) =>
  deviceTopic(storeId, family, deviceId, TOPIC_FAMILIES[family]);

export const topics = {
  beaconSighting: data('ble'),
  sensorReading: data('sensor'),
  productInteraction: data('shelf'),
  rfidRead: data('rfid'),
  posPurchase: data('pos'),
  deviceStatus: (storeId: string, family: TopicFamily, deviceId: string) =>
    deviceTopic(storeId, family, deviceId, STATUS_KIND),
  /** Everything below one device; what its credentials allow it to publish to. */
  deviceSubtree: (storeId: string, family: TopicFamily, deviceId: string) =>
    `${TOPIC_ROOT}/${checkLevel(storeId, 'storeId')}/${family}/${checkLevel(deviceId, 'deviceId')}/`,
  /** Where the gateway publishes what it understood: visits, zones, dwell, touches. */
  presence: (storeId: string) => `${TOPIC_ROOT}/${checkLevel(storeId, 'storeId')}/gateway/presence`,
  /** Where the gateway hands a kiosk cart over to one till (`PosHandover`); the till subscribes. */
  posHandover: (storeId: string, terminalId: string) =>
    `${TOPIC_ROOT}/${checkLevel(storeId, 'storeId')}/gateway/handover/${checkLevel(terminalId, 'terminalId')}`,
  /** Where the gateway republishes rejected messages, with the reason. */
  deadLetter: (storeId: string) => `${TOPIC_ROOT}/${checkLevel(storeId, 'storeId')}/gateway/dead-letter`,
  /** Subscription filter for every device message of one store (or all stores with `+`). */
  storeFilter: (storeId = '+') => `${TOPIC_ROOT}/${storeId}/#`,
};

/** Parses a device topic; never throws. */
export function parseTopic(topic: string): TopicParseResult {
  const parts = topic.split('/');
  if (parts.length !== 6) return { ok: false, reason: 'topic must have 6 levels' };
  const [root, version, storeId, family, deviceId, kind] = parts as [string, string, string, string, string, string];
  if (`${root}/${version}` !== TOPIC_ROOT) return { ok: false, reason: `topic root must be ${TOPIC_ROOT}` };
  if (!Object.hasOwn(TOPIC_FAMILIES, family)) return { ok: false, reason: `unknown family "${family}"` };
  const f = family as TopicFamily;
  if (kind !== TOPIC_FAMILIES[f] && kind !== STATUS_KIND)
    return {
      ok: false,
      reason: `family "${family}" carries "${TOPIC_FAMILIES[f]}" or "${STATUS_KIND}", not "${kind}"`,
    };
  if (!Id.safeParse(storeId).success) return { ok: false, reason: 'bad store id' };
  if (!Id.safeParse(deviceId).success) return { ok: false, reason: 'bad device id' };
  return { ok: true, topic: { storeId, family: f, deviceId, kind: kind as TopicKind } };
}
