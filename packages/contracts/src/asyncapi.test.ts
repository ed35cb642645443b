import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  buildAsyncApi,
  dataChannelKey,
  PAYLOAD_SCHEMA_FORMAT,
  SCREEN_EVENTS_BEGIN,
  SCREEN_EVENTS_END,
  screenEventsMarkdown,
} from './asyncapi';
import { devicePayloadSchemas, PosHandover } from './devices';
import { schemaExamples } from './examples';
import { ConnectRefusal, Delivery, ScreenAck, ScreenAuth, screenEventSchemas, screenRequests } from './screens';
import { parseTopic, STATUS_KIND, TOPIC_FAMILIES, TOPIC_ROOT, type TopicFamily, topics } from './topics';

type Json = Record<string, unknown>;
type Message = {
  name: string;
  payload: { schemaFormat: string; schema: Json };
  headers?: { $ref: string };
  examples: { name: string; payload: unknown; headers?: unknown }[];
};
type Channel = {
  address: string;
  messages: Record<string, { $ref: string }>;
  parameters?: Record<string, Json>;
  servers: { $ref: string }[];
};
type Operation = {
  action: 'send' | 'receive';
  channel: { $ref: string };
  messages: { $ref: string }[];
  reply?: { channel: { $ref: string }; messages: { $ref: string }[] };
  tags?: { name: string }[];
};
type Doc = {
  asyncapi: string;
  servers: Record<string, Json>;
  channels: Record<string, Channel>;
  operations: Record<string, Operation>;
  components: { messages: Record<string, Message>; schemas: Record<string, { schemaFormat: string; schema: Json }> };
};

// a JSON round trip, as the committed file goes through one
const doc = JSON.parse(JSON.stringify(buildAsyncApi())) as Doc;
const messages = Object.entries(doc.components.messages);
const examplesByName = schemaExamples as Record<string, { schema: z.ZodType; example: unknown }>;

/** Follows a local JSON pointer (`#/a/b`) in the document, and the references it leads to. */
function resolvePointer(pointer: string): unknown {
  expect(pointer.startsWith('#/'), pointer).toBe(true);
  const node = pointer
    .slice(2)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((n, key) => (n as Json | undefined)?.[key], doc) as Json | undefined;
  return typeof node?.$ref === 'string' ? resolvePointer(node.$ref) : node;
}

/**
 * A small JSON Schema (2020-12) checker for the keywords `z.toJSONSchema` emits. It throws on
 * any other keyword, so a schema it does not understand can never pass unchecked.
 */
const ANNOTATIONS = new Set(['$schema', 'description', 'title', 'examples', 'default']);
function jsonSchemaErrors(schema: Json, value: unknown, path = '(root)'): string[] {
  const errors: string[] = [];
  const fail = (msg: string) => errors.push(`${path}: ${msg}`);
  const typeOf = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case 'type': {
        const t = typeOf(value);
        const allowed = ([] as unknown[]).concat(arg);
        if (!allowed.some((a) => a === t || (a === 'number' && t === 'integer'))) fail(`expected ${arg}, got ${t}`);
        break;
      }
      case 'const':
        if (JSON.stringify(value) !== JSON.stringify(arg)) fail(`expected ${JSON.stringify(arg)}`);
        break;
      case 'enum':
        if (!(arg as unknown[]).some((a) => JSON.stringify(a) === JSON.stringify(value))) fail('not in enum');
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value)) fail(`does not match ${arg}`);
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (arg as number)) fail(`shorter than ${arg}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (arg as number)) fail(`longer than ${arg}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number)) fail(`< ${arg}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (arg as number)) fail(`> ${arg}`);
        break;
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= (arg as number)) fail(`<= ${arg}`);
        break;
      case 'exclusiveMaximum':
        if (typeof value === 'number' && value >= (arg as number)) fail(`>= ${arg}`);
        break;
      case 'multipleOf':
        if (typeof value === 'number') {
          const q = value / (arg as number);
          if (Math.abs(q - Math.round(q)) > 1e-8) fail(`not a multiple of ${arg}`);
        }
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number)) fail(`fewer than ${arg} items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (arg as number)) fail(`more than ${arg} items`);
        break;
      case 'items':
        if (Array.isArray(value))
          for (const [i, v] of value.entries()) errors.push(...jsonSchemaErrors(arg as Json, v, `${path}/${i}`));
        break;
      case 'required':
        if (typeOf(value) === 'object')
          for (const k of arg as string[]) if (!Object.hasOwn(value as Json, k)) fail(`missing ${k}`);
        break;
      case 'properties':
        if (typeOf(value) === 'object')
          for (const [k, s] of Object.entries(arg as Json))
            if (Object.hasOwn(value as Json, k))
              errors.push(...jsonSchemaErrors(s as Json, (value as Json)[k], `${path}/${k}`));
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const known = Object.keys((schema.properties as Json | undefined) ?? {});
          for (const [k, v] of Object.entries(value as Json)) {
            if (known.includes(k)) continue;
            if (arg === false) fail(`unknown property ${k}`);
            else if (arg !== true) errors.push(...jsonSchemaErrors(arg as Json, v, `${path}/${k}`));
          }
        }
        break;
      case 'propertyNames':
        if (typeOf(value) === 'object')
          for (const k of Object.keys(value as Json)) errors.push(...jsonSchemaErrors(arg as Json, k, `${path}/${k}`));
        break;
      case 'anyOf':
      case 'oneOf': {
        const passing = (arg as Json[]).filter((s) => jsonSchemaErrors(s, value, path).length === 0).length;
        if (keyword === 'anyOf' ? passing === 0 : passing !== 1) fail(`${keyword}: ${passing} branches match`);
        break;
      }
      case 'allOf':
        for (const s of arg as Json[]) errors.push(...jsonSchemaErrors(s, value, path));
        break;
      default:
        throw new Error(`the test's JSON Schema checker does not know "${keyword}" (at ${path}): teach it`);
    }
  }
  return errors;
}

/** The keys a zod object requires of its input, per object branch (a union gives one list per option). */
function requiredKeys(schema: z.ZodType): string[][] {
  const def = (schema as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; options?: z.ZodType[] } })
    .def;
  if (def.type === 'enum') return [[]];
  if (def.type === 'object' && def.shape)
    return [Object.keys(def.shape).filter((k) => !def.shape![k]!.safeParse(undefined).success)];
  if (def.type === 'union' && def.options) return def.options.flatMap(requiredKeys);
  throw new Error(`requiredKeys: unexpected zod type ${def.type}`);
}

function jsonRequiredKeys(schema: Json): string[][] {
  if (schema.type === 'string' && Array.isArray(schema.enum)) return [[]];
  if (schema.type === 'object') return [(schema.required as string[] | undefined) ?? []];
  const branches = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
  if (branches) return branches.flatMap(jsonRequiredKeys);
  throw new Error('jsonRequiredKeys: neither an object nor a union');
}

const sorted = (lists: string[][]) => lists.map((l) => [...l].sort());

describe('AsyncAPI document', () => {
  it('is AsyncAPI 3.0 with the MQTT broker and the socket.io endpoint', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.servers.mqtt).toMatchObject({ host: '{host}:{port}', protocol: 'mqtt', protocolVersion: '3.1.1' });
    expect(doc.servers.screens).toMatchObject({ protocol: 'socket.io', pathname: '/socket.io/' });
  });

  it('documents every schema of schemaExamples, with its example', () => {
    const documented = new Map<string, unknown>();
    for (const [, m] of messages) for (const e of m.examples) documented.set(e.name, e.payload);
    for (const [name, s] of Object.entries(doc.components.schemas)) documented.set(name, s.schema.examples);
    for (const [name, { example }] of Object.entries(schemaExamples)) {
      expect(documented.has(name), `${name} is missing from the AsyncAPI document`).toBe(true);
      const shown = documented.get(name);
      if (Array.isArray(shown) && doc.components.schemas[name]) expect(shown).toContainEqual(example);
      else expect(shown).toEqual(example);
    }
  });

  describe.each(messages)('message %s', (key, m) => {
    const zodSchema = examplesByName[m.examples[0]?.name ?? '']?.schema;

    it('has a draft 2020-12 payload schema and at least one example from schemaExamples', () => {
      expect(m.payload.schemaFormat).toBe(PAYLOAD_SCHEMA_FORMAT);
      expect(m.payload.schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(m.examples.length).toBeGreaterThan(0);
      expect(zodSchema, `${key}'s first example is not named after a schemaExamples entry`).toBeDefined();
    });

    it('has examples valid against its JSON schema and the zod schema it came from', () => {
      for (const e of m.examples) {
        expect(jsonSchemaErrors(m.payload.schema, e.payload), e.name).toEqual([]);
        const source = examplesByName[e.name];
        expect(source?.schema, `${e.name} shares ${key}'s zod schema`).toBe(zodSchema);
        expect(source?.schema.safeParse(e.payload).error).toBeUndefined();
      }
    });

    it('requires the same keys as the zod schema', () => {
      expect(sorted(jsonRequiredKeys(m.payload.schema))).toEqual(sorted(requiredKeys(zodSchema!)));
    });
  });

  it('gives the other contracts (HTTP bodies, files) valid schemas too', () => {
    for (const [name, { schemaFormat, schema }] of Object.entries(doc.components.schemas)) {
      expect(schemaFormat).toBe(PAYLOAD_SCHEMA_FORMAT);
      for (const e of schema.examples as unknown[]) expect(jsonSchemaErrors(schema, e), name).toEqual([]);
      expect(sorted(jsonRequiredKeys(schema))).toEqual(sorted(requiredKeys(examplesByName[name]!.schema)));
    }
  });

  it('has a checker that does catch a bad payload', () => {
    const m = doc.components.messages.BeaconSighting!;
    const good = schemaExamples.BeaconSighting.example;
    expect(jsonSchemaErrors(m.payload.schema, good)).toEqual([]);
    expect(jsonSchemaErrors(m.payload.schema, { ...good, mac: 'aa:bb' })).toEqual(['(root): unknown property mac']);
    expect(jsonSchemaErrors(m.payload.schema, { ...good, rssi: 3 })).toEqual(['(root)/rssi: > 0']);
    const { eventId: _eventId, ...noId } = good;
    expect(jsonSchemaErrors(m.payload.schema, noId)).toEqual(['(root): missing eventId']);
    const push = doc.components.messages.RecommendationsPush!;
    expect(
      jsonSchemaErrors(push.payload.schema, { ...schemaExamples.RecommendationsPush.example, shopper: 1 }),
    ).toEqual(['(root)/shopper: anyOf: 0 branches match']);
  });

  it.each(Object.keys(TOPIC_FAMILIES) as TopicFamily[])('has a channel for the %s family', (family) => {
    const kind = TOPIC_FAMILIES[family];
    const channel = doc.channels[dataChannelKey(family)];
    expect(channel?.address).toBe(`${TOPIC_ROOT}/{storeId}/${family}/{deviceId}/${kind}`);
    const [ref] = Object.values(channel!.messages);
    const message = resolvePointer(ref!.$ref) as Message;
    const zodSchema = examplesByName[message.examples[0]!.name]!.schema;
    expect(zodSchema).toBe(devicePayloadSchemas[family]);
  });

  it('has one status channel for every family', () => {
    const status = doc.channels.deviceStatus!;
    expect(status.address).toBe(`${TOPIC_ROOT}/{storeId}/{family}/{deviceId}/${STATUS_KIND}`);
    expect(status.parameters?.family?.enum).toEqual(Object.keys(TOPIC_FAMILIES));
  });

  it('addresses MQTT channels with the topics of topics.ts', () => {
    const fill = (address: string, family = 'ble') =>
      address.replace('{storeId}', 'seoul-01').replace('{family}', family).replace('{deviceId}', 'dev-1');
    for (const family of Object.keys(TOPIC_FAMILIES) as TopicFamily[]) {
      expect(fill(doc.channels[dataChannelKey(family)]!.address)).toBe(
        topics.deviceSubtree('seoul-01', family, 'dev-1') + TOPIC_FAMILIES[family],
      );
      expect(fill(doc.channels.deviceStatus!.address, family)).toBe(topics.deviceStatus('seoul-01', family, 'dev-1'));
    }
    for (const [key, channel] of Object.entries(doc.channels))
      if (channel.servers[0]?.$ref === '#/servers/mqtt' && !key.startsWith('gateway'))
        expect(parseTopic(fill(channel.address)).ok, channel.address).toBe(true);
    expect(fill(doc.channels.gatewayPresence!.address)).toBe(topics.presence('seoul-01'));
    expect(fill(doc.channels.gatewayDeadLetter!.address)).toBe(topics.deadLetter('seoul-01'));
    expect(fill(doc.channels.gatewayHandover!.address).replace('{terminalId}', 'pos-1')).toBe(
      topics.posHandover('seoul-01', 'pos-1'),
    );
  });

  it('publishes hand-overs to one till at QoS 1, as PosHandover', () => {
    const op = doc.operations.sendPosHandover!;
    expect(op).toMatchObject({ action: 'send', channel: { $ref: '#/channels/gatewayHandover' } });
    expect((op as unknown as { bindings: { mqtt: { qos: number } } }).bindings.mqtt.qos).toBe(1);
    const m = resolvePointer(op.messages[0]!.$ref) as Message;
    expect(examplesByName[m.examples[0]!.name]!.schema).toBe(PosHandover);
    expect(doc.channels.gatewayHandover!.parameters?.terminalId?.location).toBe('$message.payload#/terminalId');
  });

  it('describes the screen events both ways, with the hello acknowledgement as its reply', () => {
    const ops = Object.values(doc.operations).filter((o) => o.channel.$ref === '#/channels/screens');
    const eventsOf = (action: string) =>
      ops.filter((o) => o.action === action).flatMap((o) => o.messages.map((m) => m.$ref.split('/').at(-1)));
    expect(eventsOf('receive').sort()).toEqual(Object.keys(screenEventSchemas.clientToServer).sort());
    expect(eventsOf('send').sort()).toEqual(Object.keys(screenEventSchemas.serverToClient).sort());
    const hello = doc.operations.receiveHello!;
    const ack = resolvePointer(hello.reply!.messages[0]!.$ref) as Message;
    expect(ack.examples.map((e) => e.name)).toContain('HelloResult');
    for (const [event, schema] of Object.entries({
      ...screenEventSchemas.clientToServer,
      ...screenEventSchemas.serverToClient,
    })) {
      const m = resolvePointer(doc.channels.screens!.messages[event]!.$ref) as Message;
      expect(m.name, 'a socket.io message is named after its event').toBe(event);
      expect(examplesByName[m.examples[0]!.name]!.schema).toBe(schema);
    }
  });

  it.each(Object.entries(screenRequests))('answers %s with its result schema, to the kinds it allows', (event, r) => {
    const op = doc.operations[`receive${event.charAt(0).toUpperCase()}${event.slice(1)}`]!;
    expect(op.messages).toEqual([{ $ref: `#/channels/screens/messages/${event}` }]);
    expect(op.reply?.messages).toEqual([{ $ref: `#/channels/screens/messages/${event}Ack` }]);
    const ack = resolvePointer(op.reply!.messages[0]!.$ref) as Message;
    expect(examplesByName[ack.examples[0]!.name]!.schema).toBe(r.result);
    expect(op.tags?.map((t) => t.name)).toEqual([...r.kinds]);
  });

  it('takes the ack event without a reply', () => {
    const op = doc.operations.receiveAck!;
    expect(op.reply).toBeUndefined();
    const m = resolvePointer(op.messages[0]!.$ref) as Message;
    expect(examplesByName[m.examples[0]!.name]!.schema).toBe(ScreenAck);
  });

  it('gives every server → client event its Delivery as second argument (its headers), with an example', () => {
    for (const event of Object.keys(screenEventSchemas.serverToClient)) {
      const m = resolvePointer(doc.channels.screens!.messages[event]!.$ref) as Message;
      expect(m.headers, event).toEqual({ $ref: '#/components/schemas/Delivery' });
      const delivery = resolvePointer(m.headers!.$ref) as { schema: Json };
      for (const e of m.examples) {
        expect(Delivery.safeParse(e.headers).success, `${event}: ${e.name}`).toBe(true);
        expect(jsonSchemaErrors(delivery.schema, e.headers)).toEqual([]);
      }
    }
  });

  it('says how a screen authenticates, and why a connection is refused', () => {
    const screens = doc.servers.screens as Json & { description: string };
    const auth = resolvePointer((screens['x-handshake-auth'] as { $ref: string }).$ref) as { schema: Json };
    expect(sorted(jsonRequiredKeys(auth.schema))).toEqual(sorted(requiredKeys(ScreenAuth)));
    for (const reason of ConnectRefusal.options) expect(screens.description).toContain(`\`${reason}\``);
    expect(doc.components.schemas.ConnectRefusal?.schema.enum).toEqual(ConnectRefusal.options);
  });

  it('has operations only with messages of their own channel, and every channel used', () => {
    const used = new Set<string>();
    for (const [key, op] of Object.entries(doc.operations)) {
      expect(resolvePointer(op.channel.$ref), key).toBeDefined();
      used.add(op.channel.$ref);
      for (const m of [...op.messages, ...(op.reply?.messages ?? [])])
        expect(m.$ref.startsWith(`${op.channel.$ref}/messages/`), `${key}: ${m.$ref}`).toBe(true);
    }
    expect([...used].sort()).toEqual(
      Object.keys(doc.channels)
        .map((k) => `#/channels/${k}`)
        .sort(),
    );
  });

  it('has no dangling $ref', () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object')
        for (const [k, v] of Object.entries(node)) k === '$ref' ? refs.push(v as string) : walk(v);
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(resolvePointer(r), r).toBeDefined();
  });

  it('is what docs/protocol/asyncapi.json says', () => {
    const file = new URL('../../../docs/protocol/asyncapi.json', import.meta.url);
    const stale = 'docs/protocol/asyncapi.json is out of date: run `npm run docs -w @aisle/contracts` and commit it';
    let committed: unknown;
    try {
      committed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      expect.fail(`${stale} (${(err as Error).message})`);
    }
    expect(committed, stale).toStrictEqual(doc);
  });

  it('is what the generated list of screen events in docs/protocol.md says', () => {
    const md = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    const begin = md.indexOf(SCREEN_EVENTS_BEGIN);
    const end = md.indexOf(SCREEN_EVENTS_END);
    expect(begin, 'docs/protocol.md lost the markers of its screen event list').toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(begin);
    const listed = md.slice(begin + SCREEN_EVENTS_BEGIN.length, end).trim();
    expect(listed, 'docs/protocol.md is out of date: run `npm run docs -w @aisle/contracts`').toBe(
      screenEventsMarkdown(),
    );
    for (const event of [...Object.keys(screenRequests), ...Object.keys(screenEventSchemas.serverToClient), 'ack'])
      expect(listed).toContain(`| \`${event}\` `);
  });
});
