import { z } from 'zod';
import {
  DEVICE_ID_FIELD,
  DeadLetterNotice,
  DeviceStatus,
  devicePayloadSchemas,
  MAX_DEVICE_PAYLOAD_BYTES,
  PosHandover,
} from './devices';
import { schemaExamples } from './examples';
import { PresenceEvent } from './presence';
import {
  ConnectRefusal,
  Delivery,
  HelloRefusal,
  ScreenAck,
  ScreenAuth,
  type ScreenRequestName,
  type StaffRole,
  screenEventSchemas,
  screenRequests,
} from './screens';
import { ScreenKind } from './store';
import { STATUS_KIND, TOPIC_FAMILIES, TOPIC_ROOT, type TopicFamily } from './topics';
import { PROTOCOL_VERSION } from './version';

/*
 * The AsyncAPI 3.0 description of the store's wire protocol, built from the zod schemas
 * of this package so that it cannot drift from them. `npm run docs -w @aisle/contracts`
 * writes it to docs/protocol/asyncapi.json; a test fails when that file is out of date.
 * Operations are described from the point of view of the application: the edge gateway.
 */

/** How payload schemas are written: JSON Schema draft 2020-12, as `z.toJSONSchema` emits it. */
export const PAYLOAD_SCHEMA_FORMAT = 'application/schema+json;version=draft-2020-12';

type Json = Record<string, unknown>;

/**
 * A contract's JSON Schema as a sender must write it (`io: 'input'`). Refinements (cross-field
 * rules) have no JSON Schema form and are left out; the message descriptions name them.
 */
export function payloadJsonSchema(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
}

const ref = (pointer: string) => ({ $ref: pointer });

type ExampleEntry = { schema: z.ZodType; example: unknown };
const exampleEntries = Object.entries(schemaExamples) as [string, ExampleEntry][];

/** The name of a contract: the first `schemaExamples` entry that uses it. */
function contractName(schema: z.ZodType): string {
  const entry = exampleEntries.find(([, e]) => e.schema === schema);
  if (!entry) throw new Error('a schema on the wire has no example: add one to schemaExamples in examples.ts');
  return entry[0];
}

/** Every `schemaExamples` entry of a contract, as AsyncAPI examples. */
function examplesOf(schema: z.ZodType): { name: string; payload: unknown }[] {
  return exampleEntries.filter(([, e]) => e.schema === schema).map(([name, e]) => ({ name, payload: e.example }));
}

const GENERATED =
  'Payload schema generated from the zod schema of the same name in `@aisle/contracts`, which the receiver validates with.';

function message(schema: z.ZodType, fields: { name?: string; title: string; summary: string; description?: string }) {
  const name = contractName(schema);
  return {
    name: fields.name ?? name,
    title: fields.title,
    summary: fields.summary,
    description: [fields.description, GENERATED].filter(Boolean).join('\n\n'),
    contentType: 'application/json',
    payload: { schemaFormat: PAYLOAD_SCHEMA_FORMAT, schema: payloadJsonSchema(schema) },
    examples: examplesOf(schema),
  };
}

/** What each device family is, for the reader; typed by family so a new family cannot go undocumented. */
const FAMILY_DOCS: Record<TopicFamily, { title: string; publisher: string; description: string }> = {
  ble: {
    title: 'BLE sighting',
    publisher: 'BLE scanner (one per zone)',
    description:
      'A scanner heard a shopper phone advertise. Scanners that understand the shopper app send its pseudonymous ' +
      '`deviceId`; plain scanners send the raw `advertisement` and the gateway derives the pseudonym. Never a MAC ' +
      'address. Beyond this schema: a sighting needs `deviceId` or `advertisement`.',
  },
  sensor: {
    title: 'Sensor reading',
    publisher: 'environment sensor or door counter',
    description: 'Environmental or footfall telemetry.',
  },
  shelf: {
    title: 'Shelf interaction',
    publisher: 'smart shelf',
    description:
      'A product was picked up, put back or moved. The gateway republishes it as a `product_touch` presence event ' +
      'for the shopper the shelf names, or else the newest shopper in the zone.',
  },
  rfid: {
    title: 'RFID read',
    publisher: 'RFID reader (fitting room, smart mirror)',
    description:
      'Tags read at once. Each tag with an `itemId` becomes a `tried_on` product touch presence event for the shopper.',
  },
  pos: {
    title: 'POS purchase',
    publisher: 'till (POS terminal)',
    description:
      'A completed sale. The gateway stores it with an outbox row in one transaction and syncs it to the cloud; ' +
      'a repeated `eventId` is ignored. A sale that paid a cart handed over from a kiosk (`PosHandover`) names its ' +
      '`handoverId`. Beyond this schema: `total` must equal the sum of `quantity × unitPrice`.',
  },
};

/** Contracts that travel by HTTP or as files, not on a channel of this document. */
const OTHER_CONTRACTS: Record<string, string> = {
  Product: 'One catalog item (cloud-sync `GET /v1/catalog`).',
  Catalog: 'Body of cloud-sync `GET /v1/catalog`; the gateway caches it in SQLite.',
  FloorPlan: "The store's floor plan file the gateway reads at start: zones, scanners, screens.",
  PurchaseBatch:
    'Body of cloud-sync `POST /v1/stores/{storeId}/purchases` (store → cloud): entries of the store outbox with their ' +
    'gap-free `seq`; idempotent by `batchId` (and by `eventId`). A `seq` the cloud holds for another `eventId` is ' +
    'answered 409 `seq_conflict` (the store database was reset).',
  PurchaseBatchResult:
    'Answer of cloud-sync `POST /v1/stores/{storeId}/purchases`: what the batch added and the cloud watermark for ' +
    'the store (`gaps` should always be empty).',
  StoreSyncStatus: 'Body of cloud-sync `GET /v1/stores/{storeId}/sync`: the cloud watermark for the store.',
  CustomerProfile: 'Body of cloud-sync `GET /v1/customers/{customerId}` (cloud → store).',
  ApiError: 'Body of every HTTP error answer.',
  ScreenAuth:
    'What a screen presents as the `auth` of its socket.io handshake: the device token it got when it was paired ' +
    'with the gateway (`aisle screens pair`).',
  ConnectRefusal:
    "Why the gateway refused a screen's connection before any event: the `message` of the screen's `connect_error`.",
  Delivery:
    'The second argument of every event the gateway sends a screen: its own gap-free sequence number and when it ' +
    'was sent.',
  KioskSession: 'A shopper session at one kiosk (part of `IdentifyResult`).',
  CartItemHere: 'An item of the online cart, as this store has it (part of `KioskSession` and `CustomerCard`).',
  GarmentVariant: 'Another size or colour of a garment, and whether this store has it (part of `MirrorGarment`).',
  StaffRole: 'What a logged-in staff member may do: managers also see `staffInsights`.',
  CustomerInStore: 'One consented, identified customer in the store now (part of `StaffCustomersResult`).',
  CustomerCard: 'What a logged-in staff member sees of one customer (part of `CustomerCardResult`).',
  StaffInsights: 'Store aggregates for managers (part of `StaffInsightsResult`).',
};

// --- the screens' socket.io events --------------------------------------------------------

type EventDoc = { title: string; summary: string; description?: string };
type ServerEventName = keyof typeof screenEventSchemas.serverToClient;

/** What each screen request is for; typed by event so a new request cannot go undocumented. */
const SCREEN_REQUEST_DOCS: Record<
  ScreenRequestName,
  EventDoc & {
    operation: string;
    ack: string;
    ackDescription?: string;
    /** Who must be logged in on the (staff) screen's connection. */
    login?: StaffRole;
  }
> = {
  hello: {
    title: 'Hello',
    operation: 'Accept a screen',
    summary:
      'First event of every screen connection: protocol version, screen id and kind, store, and the sequence ' +
      'number of the last message the screen processed.',
    description:
      'Only a connection whose device token was issued to this screen gets an answer other than a refusal. On ' +
      'success the gateway first replays, in order, the messages after `lastSeq` (`replaying` of them), then ' +
      "keeps the screen up to date: a kiosk or mirror joins its zone's room (`zoneContext`, `recommendations`), " +
      'a staff screen the staff room (`storeOverview`).',
    ack: 'the store and where its sequence stands (`lastSeq`, `replaying`, `resync`), or a named refusal.',
    ackDescription:
      `Refusal reasons: ${HelloRefusal.options.map((r) => `\`${r}\``).join(', ')} (\`clientTooOld\` / ` +
      `\`serverTooOld\` when the screen speaks an older / newer protocol than ${PROTOCOL_VERSION}). With ` +
      '`resync`, the messages after `lastSeq` are no longer kept (or the screen is ahead of the gateway): the ' +
      'screen counts on from the next message, which carries the current state.',
  },
  sizeRequest: {
    title: 'Size request',
    operation: 'Answer a size request from a mirror',
    summary: 'A mirror asks for another size of the garment the shopper holds.',
    description:
      'When the size is in stock here, staff screens get a `staffRequest` (its `requestId` is in the ack); when it ' +
      "is not, the gateway pushes `recommendations` with trigger `size_unavailable` to the mirror's zone (nearest " +
      'sizes in stock, then similar items).',
    ack: 'whether that size is in stock here (with the variant and the staff request), or why not.',
  },
  personalization: {
    title: 'Personalization switch',
    operation: 'Switch personalization for the shopper at a screen',
    summary: 'The shopper in front of a kiosk or mirror switches personalization on or off for their visit.',
    description:
      "Off means non-personal cards at once (a trigger's held cards are replaced) and no personal triggers for the " +
      'rest of the visit.',
    ack: 'the shopper it applied to, or why it could not.',
  },
  identify: {
    title: 'Identify',
    operation: 'Start a shopper session at a kiosk',
    summary:
      'The shopper at a kiosk identifies with a loyalty card (QR code or NFC tag), a phone number, or stays ' +
      'anonymous.',
    description:
      "A card's code is matched against the profiles' `loyaltyId`; a phone number by `phoneHash`, the sha256 of " +
      'its digits (`phoneDigits`). An anonymous session personalizes from its own taps only and is forgotten at ' +
      'its end.',
    ack:
      'the session (first name, whether it is personalized, the online cart as this store has it), or `unknown` / ' +
      '`invalid` / `refused`.',
  },
  viewItem: {
    title: 'View item',
    operation: 'Note an item the shopper opened',
    summary: "The shopper opened an item's details at the kiosk: a signal for this session only.",
    ack: 'done, or why not.',
  },
  endSession: {
    title: 'End session',
    operation: 'End a kiosk session',
    summary: 'The shopper, or the inactivity timer, ends the kiosk session; the gateway forgets it.',
    ack: 'done, or why not.',
  },
  handover: {
    title: 'Hand-over',
    operation: "Hand the shopper's online cart over to a till",
    summary: 'The identified shopper sends the online-cart items in stock here to a till, to pay in store.',
    description:
      'The gateway publishes a `PosHandover` on the MQTT topic of the till (`gateway/handover/{terminalId}`) and ' +
      "tells the kiosk what became of it with `handoverStatus`. The till's sale of the cart carries `handoverId`.",
    ack: 'the hand-over id, the till, the 4-digit code to say there and the number of lines, or why not.',
  },
  myDataLink: {
    title: 'My data link',
    operation: "Get a personal link to the shopper's data",
    summary: 'The identified shopper at a kiosk asks to see and manage their data on their phone.',
    description:
      'The gateway asks the cloud for a personal "my data" link for the customer of the kiosk\'s session ' +
      '(`POST /v1/stores/{storeId}/customers/{customerId}/my-data-link`); the kiosk shows it as a QR code. The ' +
      "token is in the link's fragment and expires after 15 minutes.",
    ack: 'the link and its expiry, or `noSession` / `unavailable` (the cloud cannot be reached right now).',
  },
  staffLogin: {
    title: 'Staff login',
    operation: 'Log a staff member in on a staff screen',
    summary: 'A staff member enters their PIN (4 to 8 digits).',
    description: 'Repeated wrong PINs lock the screen for a while (`locked`, with `retryAfterMs`).',
    ack: "the staff member's name and role, or `wrongPin` / `locked` / `invalid`.",
  },
  staffLogout: {
    title: 'Staff logout',
    operation: 'Log the staff member out',
    summary: 'The staff member logged in on this screen, if any, logs out.',
    ack: 'done, or why not.',
  },
  staffCustomers: {
    title: 'Customers in store',
    operation: 'List the consented customers in the store',
    summary: 'A logged-in staff member asks which identified, consented customers are in the store now.',
    ack: 'the customers (`CustomerInStore`), or why not.',
    login: 'associate',
  },
  customerCard: {
    title: 'Customer card',
    operation: 'Show one customer to staff',
    summary: 'A logged-in staff member opens everything they may see about one consented customer in the store.',
    ack: 'the card (`CustomerCard`), or why not.',
    login: 'associate',
  },
  resolveRequest: {
    title: 'Resolve request',
    operation: 'Accept or finish a fitting-room request',
    summary: 'A staff member accepts a request from a fitting room, or marks it done.',
    description: 'Staff screens and the mirror that asked then get the updated `staffRequest`.',
    ack: 'done, or why not.',
    login: 'associate',
  },
  staffInsights: {
    title: 'Store insights',
    operation: 'Show store aggregates to a manager',
    summary: 'A manager asks for store aggregates; a figure about fewer than `k` shoppers is withheld.',
    ack: 'the aggregates (`StaffInsights`), or why not.',
    login: 'manager',
  },
};

const SCREEN_ACK_DOC: EventDoc = {
  title: 'Ack',
  summary: 'A screen confirms it processed every message up to `seq`.',
  description:
    'Sent without an acknowledgement callback. The gateway records how far each screen is; what it replays is ' +
    'decided by the `lastSeq` of the next `hello`.',
};

/** What each push is for and which screens get it; typed by event so a new push cannot go undocumented. */
const SCREEN_PUSH_DOCS: Record<ServerEventName, EventDoc & { operation: string; to: string; kinds: ScreenKind[] }> = {
  recommendations: {
    title: 'Recommendations',
    operation: 'Push recommendations',
    summary: 'Cards for the shopper in front of a kiosk or mirror (or for the zone when nobody is).',
    to: 'the kiosks and mirrors of the zone',
    kinds: ['kiosk', 'mirror'],
  },
  zoneContext: {
    title: 'Zone context',
    operation: 'Push zone context',
    summary: 'The zone a screen stands in, as it is now.',
    to: 'the kiosks and mirrors of the zone',
    kinds: ['kiosk', 'mirror'],
  },
  storeOverview: {
    title: 'Store overview',
    operation: 'Push store overview',
    summary: 'Whole-store occupancy.',
    to: 'staff screens',
    kinds: ['staff'],
  },
  mirrorGarment: {
    title: 'Mirror garment',
    operation: 'Push the garment in the fitting room',
    summary:
      "The garment the fitting room's RFID reader just read, its other sizes and colours, what completes the " +
      'look, and what the shopper tried and bought before (only when identified and consented).',
    to: "the mirrors of the reader's zone",
    kinds: ['mirror'],
  },
  staffRequest: {
    title: 'Staff request',
    operation: 'Push a fitting-room request',
    summary: 'A request from a fitting room (another size), and its progress: `open`, `accepted`, `done`.',
    to: 'staff screens, and the mirror that asked',
    kinds: ['staff', 'mirror'],
  },
  staffAlert: {
    title: 'Staff alert',
    operation: 'Alert staff',
    summary:
      'Something worth walking over for: a loyal customer arrived, or an online cart is at risk. No name; the ' +
      'customer card has the rest.',
    to: 'staff screens',
    kinds: ['staff'],
  },
  handoverStatus: {
    title: 'Hand-over status',
    operation: 'Report what became of a hand-over',
    summary: 'The till received a hand-over, or the shopper paid it.',
    to: 'the kiosk that made the hand-over',
    kinds: ['kiosk'],
  },
};

const requestEntries = Object.entries(screenRequests) as [
  ScreenRequestName,
  { request: z.ZodType; result: z.ZodType; kinds: readonly ScreenKind[] },
][];
const pushEntries = Object.entries(screenEventSchemas.serverToClient) as [ServerEventName, z.ZodType][];
const kindList = (kinds: readonly string[]) => kinds.map((k) => `\`${k}\``).join(', ');
const loginNote = (login: StaffRole | undefined) =>
  login === 'manager' ? ', with a manager logged in' : login ? ', with a staff member logged in' : '';

const ask = (event: string) =>
  `Sent with a socket.io acknowledgement callback, which gets the result (\`${event}Ack\`). A malformed request, ` +
  'or one from a kind of screen it is not for, is answered `{ ok: false, … }`, never dropped.';
const DELIVERED =
  "Second argument: `Delivery` (`seq`, `sentAt`), the screen's own gap-free sequence number (shown as this " +
  "message's `headers`: socket.io has none). The screen confirms it with `ack` and names it as `lastSeq` in its " +
  'next `hello`.';

const storeIdParameter = {
  description: 'Store id (1-64 letters, digits, `_`, `.` or `-`).',
  examples: ['seoul-01'],
};

function deviceIdParameter(field: string, example: unknown) {
  return {
    description: `Id of the publishing device: its MQTT client id and user name. Must equal the payload's \`${field}\`.`,
    ...(typeof example === 'string' && { examples: [example] }),
    location: `$message.payload#/${field}`,
  };
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const families = Object.keys(TOPIC_FAMILIES) as TopicFamily[];

/** Channel key of a family's data topic, e.g. `bleSighting`. */
export const dataChannelKey = (family: TopicFamily) => `${family}${capitalize(TOPIC_FAMILIES[family])}`;

const MQTT_BINDING_VERSION = '0.2.0';

export function buildAsyncApi(): Json {
  const messages: Json = {};
  const channels: Json = {};
  const operations: Json = {};
  const mqttServer = [ref('#/servers/mqtt')];
  const screenServer = [ref('#/servers/screens')];

  // --- device data topics, one channel per family ------------------------------------
  for (const family of families) {
    const kind = TOPIC_FAMILIES[family];
    const schema = devicePayloadSchemas[family];
    const name = contractName(schema);
    const doc = FAMILY_DOCS[family];
    messages[name] = message(schema, {
      title: doc.title,
      summary: `Published by a ${doc.publisher}.`,
      description: doc.description,
    });
    const field = DEVICE_ID_FIELD[family];
    const exampleDevice = (examplesOf(schema)[0]?.payload as Record<string, unknown> | undefined)?.[field];
    const key = dataChannelKey(family);
    channels[key] = {
      address: `${TOPIC_ROOT}/{storeId}/${family}/{deviceId}/${kind}`,
      title: `${doc.title} (${family}/${kind})`,
      description:
        `Published by a ${doc.publisher}, below its own subtree only. At most ${MAX_DEVICE_PAYLOAD_BYTES} bytes of ` +
        'JSON; the gateway drops repeated `eventId`s and rate-limits each device. Rejected messages are republished ' +
        'on the dead-letter channel, except duplicates and rate-limited ones (only counted).',
      servers: mqttServer,
      parameters: {
        storeId: ref('#/components/parameters/storeId'),
        deviceId: deviceIdParameter(field, exampleDevice),
      },
      messages: { [name]: ref(`#/components/messages/${name}`) },
    };
    operations[`receive${capitalize(key)}`] = {
      action: 'receive',
      channel: ref(`#/channels/${key}`),
      title: `Receive ${family}/${kind}`,
      messages: [ref(`#/channels/${key}/messages/${name}`)],
    };
  }

  // --- device status: birth, heartbeat, death (last will) ----------------------------
  const statusName = contractName(DeviceStatus);
  messages[statusName] = message(DeviceStatus, {
    title: 'Device status',
    summary: 'Birth (`online`), `heartbeat`, and death (`offline`, the last will).',
    description:
      'On connecting, a device publishes `online`, retained, and registers `offline` as its MQTT last will (retained) ' +
      'so the broker announces its death; while connected it sends `heartbeat` now and then. A clean disconnect sends ' +
      'no will, so a device publishes `offline` itself before disconnecting.',
  });
  channels.deviceStatus = {
    address: `${TOPIC_ROOT}/{storeId}/{family}/{deviceId}/${STATUS_KIND}`,
    title: `Device status (every family, ${STATUS_KIND})`,
    description: 'Every device family has a status topic beside its data topic.',
    servers: mqttServer,
    parameters: {
      storeId: ref('#/components/parameters/storeId'),
      family: { description: 'Device family.', enum: families },
      deviceId: deviceIdParameter('deviceId', schemaExamples.DeviceStatus.example.deviceId),
    },
    messages: { [statusName]: ref(`#/components/messages/${statusName}`) },
  };
  operations.receiveDeviceStatus = {
    action: 'receive',
    channel: ref('#/channels/deviceStatus'),
    title: 'Track device health',
    description: 'The gateway counts devices whose last status is `online` or `heartbeat`, by family.',
    messages: [ref(`#/channels/deviceStatus/messages/${statusName}`)],
    bindings: { mqtt: { qos: 1, retain: true, bindingVersion: MQTT_BINDING_VERSION } },
  };

  // --- what the gateway publishes ------------------------------------------------------
  const gatewayPublish = { mqtt: { qos: 0, retain: false, bindingVersion: MQTT_BINDING_VERSION } };
  const presenceName = contractName(PresenceEvent);
  messages[presenceName] = message(PresenceEvent, {
    title: 'Presence event',
    summary: 'What the gateway understood of the store floor.',
    description:
      "A shopper's visit starts and ends (`session_start`, `session_end`), they enter and leave zones (`zone_enter`, " +
      '`zone_leave` with the time spent), linger (`dwell`), and touch products (`product_touch`). `at` is when it ' +
      "happened by the gateway's clock; `sourceTs` is the device timestamp of the message that revealed it.",
  });
  channels.gatewayPresence = {
    address: `${TOPIC_ROOT}/{storeId}/gateway/presence`,
    title: 'Presence events',
    description: 'Published by the gateway only (devices may not publish here). Subscribe to follow the store floor.',
    servers: mqttServer,
    parameters: { storeId: ref('#/components/parameters/storeId') },
    messages: { [presenceName]: ref(`#/components/messages/${presenceName}`) },
  };
  operations.sendPresence = {
    action: 'send',
    channel: ref('#/channels/gatewayPresence'),
    title: 'Publish presence events',
    messages: [ref(`#/channels/gatewayPresence/messages/${presenceName}`)],
    bindings: gatewayPublish,
  };

  const deadLetterName = contractName(DeadLetterNotice);
  messages[deadLetterName] = message(DeadLetterNotice, {
    title: 'Dead-letter notice',
    summary: 'A device message the gateway could not accept, and why.',
    description:
      'Sent for every rejected device message except duplicates and rate-limited ones (counted only). `reason` is ' +
      "one of the gateway's rejection reasons (e.g. `bad_topic`, `bad_json`, `invalid_payload`, `unknown_device`, " +
      '`device_mismatch`); `detail` says what exactly. The payload itself is kept in the gateway database.',
  });
  channels.gatewayDeadLetter = {
    address: `${TOPIC_ROOT}/{storeId}/gateway/dead-letter`,
    title: 'Dead letters',
    description: 'Published by the gateway only. Subscribe to see which devices send what the gateway refuses.',
    servers: mqttServer,
    parameters: { storeId: ref('#/components/parameters/storeId') },
    messages: { [deadLetterName]: ref(`#/components/messages/${deadLetterName}`) },
  };
  operations.sendDeadLetter = {
    action: 'send',
    channel: ref('#/channels/gatewayDeadLetter'),
    title: 'Publish dead letters',
    messages: [ref(`#/channels/gatewayDeadLetter/messages/${deadLetterName}`)],
    bindings: gatewayPublish,
  };

  const handoverName = contractName(PosHandover);
  messages[handoverName] = message(PosHandover, {
    title: 'POS hand-over',
    summary: 'A cart a shopper handed over at a kiosk, to be paid at one till.',
    description:
      'The online-cart items in stock here that the shopper sent from a kiosk (`handover`). The shopper says the ' +
      "4-digit `code` at the till; the till's sale of the cart (`PosPurchase`) carries the `handoverId`.",
  });
  channels.gatewayHandover = {
    address: `${TOPIC_ROOT}/{storeId}/gateway/handover/{terminalId}`,
    title: 'Hand-overs to a till',
    description:
      'Published by the gateway only, one topic per till. The till (a `pos` device) subscribes to its own topic at ' +
      'QoS 1.',
    servers: mqttServer,
    parameters: {
      storeId: ref('#/components/parameters/storeId'),
      terminalId: {
        description: "Id of the till the cart is handed to. Equals the payload's `terminalId`.",
        examples: [schemaExamples.PosHandover.example.terminalId],
        location: '$message.payload#/terminalId',
      },
    },
    messages: { [handoverName]: ref(`#/components/messages/${handoverName}`) },
  };
  operations.sendPosHandover = {
    action: 'send',
    channel: ref('#/channels/gatewayHandover'),
    title: 'Hand a kiosk cart over to a till',
    messages: [ref(`#/channels/gatewayHandover/messages/${handoverName}`)],
    bindings: { mqtt: { qos: 1, retain: false, bindingVersion: MQTT_BINDING_VERSION } },
  };

  // --- socket.io: the store's screens --------------------------------------------------
  const screenMessages: Json = {};
  const onScreens = (pointer: string) => ref(`#/channels/screens/messages/${pointer}`);
  const eventMessage = (event: string, schema: z.ZodType, doc: EventDoc, extra: Json = {}) => {
    const name = contractName(schema);
    messages[name] = { ...message(schema, { ...doc, name: event }), ...extra };
    screenMessages[event] = ref(`#/components/messages/${name}`);
  };

  // client → gateway: one message per request, its acknowledgement, and one operation with the ack as reply
  const resultUsers = new Map<z.ZodType, ScreenRequestName[]>();
  for (const [event, r] of requestEntries) resultUsers.set(r.result, [...(resultUsers.get(r.result) ?? []), event]);
  for (const [event, r] of requestEntries) {
    const doc = SCREEN_REQUEST_DOCS[event];
    eventMessage(event, r.request, {
      title: doc.title,
      summary: doc.summary,
      description: [doc.description, `Sent by: ${kindList(r.kinds)}${loginNote(doc.login)}.`, ask(event)]
        .filter(Boolean)
        .join('\n\n'),
    });
    const users = resultUsers.get(r.result)!;
    const resultName = contractName(r.result);
    messages[resultName] ??= message(
      r.result,
      users.length === 1
        ? { title: `${doc.title} result`, summary: doc.ack, description: doc.ackDescription }
        : {
            title: 'Simple result',
            summary: `The acknowledgement of ${users.map((u) => `\`${u}\``).join(', ')}: done, or why not.`,
          },
    );
    screenMessages[`${event}Ack`] = ref(`#/components/messages/${resultName}`);
    operations[`receive${capitalize(event)}`] = {
      action: 'receive',
      channel: ref('#/channels/screens'),
      title: doc.operation,
      summary: doc.summary,
      description: `Accepted from: ${kindList(r.kinds)}${loginNote(doc.login)}. The socket.io acknowledgement: ${doc.ack}`,
      tags: r.kinds.map((kind) => ({ name: kind })),
      messages: [onScreens(event)],
      reply: { channel: ref('#/channels/screens'), messages: [onScreens(`${event}Ack`)] },
    };
  }
  eventMessage('ack', ScreenAck, SCREEN_ACK_DOC);
  operations.receiveAck = {
    action: 'receive',
    channel: ref('#/channels/screens'),
    title: 'Record what a screen processed',
    summary: SCREEN_ACK_DOC.summary,
    tags: ScreenKind.options.map((kind) => ({ name: kind })),
    messages: [onScreens('ack')],
  };

  // gateway → screens: every push carries its Delivery as the second argument
  const deliveryName = contractName(Delivery);
  for (const [event, schema] of pushEntries) {
    const doc = SCREEN_PUSH_DOCS[event];
    const delivery = examplesOf(Delivery)[0]!.payload;
    eventMessage(
      event,
      schema,
      { ...doc, description: [doc.description, `Sent to: ${doc.to}.`, DELIVERED].filter(Boolean).join('\n\n') },
      {
        headers: ref(`#/components/schemas/${deliveryName}`),
        examples: examplesOf(schema).map((e) => ({ ...e, headers: delivery })),
      },
    );
    operations[`send${capitalize(event)}`] = {
      action: 'send',
      channel: ref('#/channels/screens'),
      title: doc.operation,
      summary: doc.summary,
      description: `Sent to: ${doc.to}. Second argument: \`Delivery\` (\`seq\`, \`sentAt\`).`,
      tags: doc.kinds.map((kind) => ({ name: kind })),
      messages: [onScreens(event)],
    };
  }

  channels.screens = {
    address: '/',
    title: 'Screens (socket.io default namespace)',
    description:
      'Kiosks, mirrors and staff screens connect here with their device token (`ScreenAuth`) and say `hello` ' +
      'first. Every event a screen sends is parsed with its schema and refused (in its acknowledgement) when it is ' +
      'malformed or comes from a kind of screen it is not for; staff requests other than `staffLogin` also need a ' +
      'staff member logged in on the connection (`staffInsights`: a manager). Every event the gateway sends carries ' +
      "a `Delivery` second: the screen's own gap-free sequence number, which the screen confirms with `ack` and " +
      'names as `lastSeq` in its next `hello`, so that the gateway replays exactly what it missed. Messages keyed ' +
      '`{event}Ack` are not events but the argument of the acknowledgement callback of `{event}`.',
    servers: screenServer,
    messages: screenMessages,
  };

  // --- contracts that are not on a channel --------------------------------------------
  const onChannels = new Set(Object.keys(messages));
  const schemas: Json = {};
  for (const [name, { schema }] of exampleEntries) {
    const contract = contractName(schema);
    if (onChannels.has(contract) || contract !== name) continue;
    schemas[name] = {
      schemaFormat: PAYLOAD_SCHEMA_FORMAT,
      schema: {
        ...payloadJsonSchema(schema),
        description: OTHER_CONTRACTS[name] ?? `The \`${name}\` contract of \`@aisle/contracts\`.`,
        examples: examplesOf(schema).map((e) => e.payload),
      },
    };
  }

  return {
    asyncapi: '3.0.0',
    id: 'urn:aisle:edge-gateway',
    info: {
      title: 'Aisle store protocol',
      version: String(PROTOCOL_VERSION),
      description:
        'The wire protocol of one Aisle store: devices publish on MQTT to the gateway, the gateway publishes what it ' +
        'understood and what it refused and hands kiosk carts over to tills, and talks socket.io to the screens. ' +
        'Operations are those of the edge ' +
        'gateway. Generated from `packages/contracts` by `npm run docs -w @aisle/contracts`; do not edit by hand. ' +
        'See docs/protocol.md.',
    },
    defaultContentType: 'application/json',
    servers: {
      mqtt: {
        host: '{host}:{port}',
        protocol: 'mqtt',
        protocolVersion: '3.1.1',
        title: "Gateway's embedded MQTT broker",
        description:
          'Devices connect with their id as client id and user name and their secret as password; each may publish ' +
          'only below its own `{family}/{deviceId}/` subtree, and a refused publish disconnects it. The gateway can ' +
          "instead use the store's own broker, whose configuration then enforces the same rules.",
        variables: {
          host: { default: '127.0.0.1', description: 'Gateway host (`mqtt.host`).' },
          port: { default: '1883', description: 'MQTT port (`mqtt.port`).' },
        },
        security: [ref('#/components/securitySchemes/deviceCredentials')],
      },
      screens: {
        host: '{host}:{port}',
        pathname: '/socket.io/',
        protocol: 'socket.io',
        protocolVersion: '5',
        title: "Gateway's socket.io endpoint for screens",
        description:
          'socket.io 4 (protocol 5) on the gateway HTTP server, over engine.io (long-polling upgraded to WebSocket). ' +
          'A screen connects with the device token it got when it was paired (`aisle screens pair`) as the `auth` ' +
          'of the handshake (`ScreenAuth`, referenced by `x-handshake-auth`); without a valid token the connection ' +
          `is refused before any event, with a \`connect_error\` whose message is ${kindList(ConnectRefusal.options)} ` +
          '(`ConnectRefusal`). Then the screen names itself in `hello`, which must match the screen the token was ' +
          'issued to and a screen of the floor plan.',
        'x-handshake-auth': ref(`#/components/schemas/${contractName(ScreenAuth)}`),
        variables: {
          host: { default: '127.0.0.1', description: 'Gateway host (`http.host`).' },
          port: { default: '8080', description: 'Gateway HTTP port (`http.port`).' },
        },
      },
    },
    channels,
    operations,
    components: {
      messages,
      schemas,
      parameters: { storeId: storeIdParameter },
      securitySchemes: {
        deviceCredentials: {
          type: 'userPassword',
          description:
            'Per-device credentials from the store device registry (`DeviceRegistryFile`): client id = user name = ' +
            'device id, password = the device secret. Back-office service accounts may subscribe to the whole store ' +
            'and publish nothing. (A gateway started with `auth.mode = open`, for tests and local tools, lets anyone in.)',
        },
      },
    },
  };
}

// --- the list of screen events in docs/protocol.md ------------------------------------------

/** The markers around the generated list of screen events in docs/protocol.md. */
export const SCREEN_EVENTS_BEGIN = '<!-- screen-events:begin (generated: npm run docs -w @aisle/contracts) -->';
export const SCREEN_EVENTS_END = '<!-- screen-events:end -->';

function markdownTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

const code = (s: string) => `\`${s}\``;

/** Every screen event with its schemas and the screens it is for, as markdown tables (between the markers). */
export function screenEventsMarkdown(): string {
  const requests = markdownTable(
    ['event', 'payload', 'acknowledgement', 'sent by', 'what'],
    [
      ...requestEntries.map(([event, r]) => {
        const doc = SCREEN_REQUEST_DOCS[event];
        return [
          code(event),
          code(contractName(r.request)),
          code(contractName(r.result)),
          `${kindList(r.kinds)}${loginNote(doc.login)}`,
          doc.summary,
        ];
      }),
      [code('ack'), code(contractName(ScreenAck)), 'none', kindList(ScreenKind.options), SCREEN_ACK_DOC.summary],
    ],
  );
  const pushes = markdownTable(
    ['event', 'payload', 'sent to', 'what'],
    pushEntries.map(([event, schema]) => {
      const doc = SCREEN_PUSH_DOCS[event];
      return [code(event), code(contractName(schema)), doc.to, doc.summary];
    }),
  );
  return [
    'Screens send (each with an acknowledgement callback, except `ack`):',
    '',
    requests,
    '',
    'The gateway sends (each with `Delivery`, `{ seq, sentAt }`, as its second argument):',
    '',
    pushes,
  ].join('\n');
}
