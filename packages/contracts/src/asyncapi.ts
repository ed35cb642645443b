import { z } from 'zod';
import {
  DEVICE_ID_FIELD,
  DeadLetterNotice,
  DeviceStatus,
  devicePayloadSchemas,
  MAX_DEVICE_PAYLOAD_BYTES,
} from './devices';
import { schemaExamples } from './examples';
import { PresenceEvent } from './presence';
import { HelloRefusal, HelloResult, PersonalizationResult, SizeRequestResult, screenEventSchemas } from './screens';
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
      'a repeated `eventId` is ignored. Beyond this schema: `total` must equal the sum of `quantity × unitPrice`.',
  },
};

/** Contracts that travel by HTTP or as files, not on a channel of this document. */
const OTHER_CONTRACTS: Record<string, string> = {
  Product: 'One catalog item (cloud-sync `GET /v1/catalog`).',
  Catalog: 'Body of cloud-sync `GET /v1/catalog`; the gateway caches it in SQLite.',
  FloorPlan: "The store's floor plan file the gateway reads at start: zones, scanners, screens.",
  PurchaseBatch: 'Body of cloud-sync `POST /v1/stores/{storeId}/purchases` (store → cloud, idempotent by `eventId`).',
  PurchaseBatchResult: 'Answer of cloud-sync `POST /v1/stores/{storeId}/purchases`.',
  CustomerProfile: 'Body of cloud-sync `GET /v1/customers/{customerId}` (cloud → store).',
  ApiError: 'Body of every HTTP error answer.',
};

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

  // --- socket.io: the store's screens --------------------------------------------------
  const screenMessages: Json = {};
  const screenDocs: Record<string, { title: string; summary: string; description?: string }> = {
    hello: {
      title: 'Hello',
      summary: 'First event of every screen connection: protocol version, screen id and kind.',
      description:
        'The gateway answers with the socket.io acknowledgement (`HelloResult`). On success the screen joins its ' +
        "zone's room (kiosk, mirror) or the staff room and at once receives the latest `zoneContext` (and " +
        '`recommendations` if any) or `storeOverview`.',
    },
    recommendations: {
      title: 'Recommendations',
      summary:
        "Cards for the shopper in front of a kiosk or mirror (or for the zone when nobody is); to the zone's room.",
    },
    sizeRequest: {
      title: 'Size request',
      summary: 'A mirror asks for another size of the garment the shopper holds.',
      description:
        'Only a mirror that said hello may ask. The acknowledgement (`SizeRequestResult`) says whether that size is ' +
        'in stock here; when it is not, the gateway also pushes `recommendations` with trigger `size_unavailable` ' +
        "(nearest sizes in stock, then similar items) to the mirror's zone.",
    },
    personalization: {
      title: 'Personalization switch',
      summary: 'The shopper in front of a kiosk or mirror switches personalization on or off for their visit.',
      description:
        'The acknowledgement (`PersonalizationResult`) names the shopper it applied to. Off means non-personal ' +
        "cards at once (a trigger's held cards are replaced) and no personal triggers for the rest of the visit.",
    },
    zoneContext: { title: 'Zone context', summary: "The zone a screen stands in, as it is now; to the zone's room." },
    storeOverview: { title: 'Store overview', summary: 'Whole-store occupancy; to the staff room.' },
  };
  const eventMessage = (event: string, schema: z.ZodType) => {
    const doc = screenDocs[event] ?? { title: event, summary: `socket.io event \`${event}\`.` };
    const name = contractName(schema);
    messages[name] = message(schema, { ...doc, name: event });
    screenMessages[event] = ref(`#/components/messages/${name}`);
  };
  for (const [event, schema] of Object.entries(screenEventSchemas.clientToServer)) eventMessage(event, schema);
  for (const [event, schema] of Object.entries(screenEventSchemas.serverToClient)) eventMessage(event, schema);
  const helloResultName = contractName(HelloResult);
  messages[helloResultName] = message(HelloResult, {
    title: 'Hello result',
    summary: 'The acknowledgement of `hello`: the store, or a named refusal.',
    description:
      `Not an event of its own: the argument of the socket.io acknowledgement callback of \`hello\`. Refusal reasons: ` +
      `${HelloRefusal.options.map((r) => `\`${r}\``).join(', ')} (\`clientTooOld\` / \`serverTooOld\` when the ` +
      `screen speaks an older / newer protocol than ${PROTOCOL_VERSION}).`,
  });
  screenMessages.helloAck = ref(`#/components/messages/${helloResultName}`);
  const sizeResultName = contractName(SizeRequestResult);
  messages[sizeResultName] = message(SizeRequestResult, {
    title: 'Size request result',
    summary: 'The acknowledgement of `sizeRequest`: in stock here (with the variant), or not, or a refusal.',
  });
  screenMessages.sizeRequestAck = ref(`#/components/messages/${sizeResultName}`);
  const personalizationResultName = contractName(PersonalizationResult);
  messages[personalizationResultName] = message(PersonalizationResult, {
    title: 'Personalization result',
    summary: 'The acknowledgement of `personalization`: the shopper it applied to, or why it could not.',
  });
  screenMessages.personalizationAck = ref(`#/components/messages/${personalizationResultName}`);
  channels.screens = {
    address: '/',
    title: 'Screens (socket.io default namespace)',
    description:
      'Kiosks, mirrors and staff screens connect here. Every event a screen sends is parsed with its schema; ' +
      'events are routed to rooms: `recommendations` and `zoneContext` to the screens of one zone, `storeOverview` ' +
      'to staff screens.',
    servers: screenServer,
    messages: screenMessages,
  };
  operations.receiveHello = {
    action: 'receive',
    channel: ref('#/channels/screens'),
    title: 'Accept a screen',
    messages: [ref('#/channels/screens/messages/hello')],
    reply: { channel: ref('#/channels/screens'), messages: [ref('#/channels/screens/messages/helloAck')] },
  };
  operations.receivePersonalization = {
    action: 'receive',
    channel: ref('#/channels/screens'),
    title: 'Switch personalization for the shopper at a screen',
    messages: [ref('#/channels/screens/messages/personalization')],
    reply: {
      channel: ref('#/channels/screens'),
      messages: [ref('#/channels/screens/messages/personalizationAck')],
    },
  };
  operations.receiveSizeRequest = {
    action: 'receive',
    channel: ref('#/channels/screens'),
    title: 'Answer a size request from a mirror',
    messages: [ref('#/channels/screens/messages/sizeRequest')],
    reply: { channel: ref('#/channels/screens'), messages: [ref('#/channels/screens/messages/sizeRequestAck')] },
  };
  for (const event of Object.keys(screenEventSchemas.serverToClient))
    operations[`send${capitalize(event)}`] = {
      action: 'send',
      channel: ref('#/channels/screens'),
      title: `Push ${event}`,
      messages: [ref(`#/channels/screens/messages/${event}`)],
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
        'understood and what it refused, and talks socket.io to the screens. Operations are those of the edge ' +
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
          'No credentials: a screen names itself in `hello`, and the gateway accepts only screens of its floor plan.',
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
