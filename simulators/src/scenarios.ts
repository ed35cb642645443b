/**
 * Scripted scenarios, one per recommendation trigger (issue #5, point 4): what real devices and people do so that a
 * screen shows alternatives to a product put back, nearest sizes at the mirror, an online cart in stock, alternatives
 * after the cart was emptied, or what completes the look of a shopper lingering at a shelf. Each scenario publishes
 * real device messages (`@aisle/contracts` topics and payloads) and returns what the zone's screen should then show.
 *
 * Also a command: `node --import tsx simulators/src/scenarios.ts <name>` plays one against the running demo store
 * (`npm start`) and prints the recommendations its screen received. See simulators/README.md.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type BeaconSighting,
  Catalog,
  type CustomerProfile,
  type DecisionTrigger,
  type DeviceStatus,
  FloorPlan,
  PROTOCOL_VERSION,
  type Product,
  type ProductInteraction,
  ProfilePage,
  parseTopic,
  type RecommendationsPush,
  type RfidRead,
  type ScreenClientToServer,
  type ScreenServerToClient,
  type SizeRequest,
  type SizeRequestResult,
  type StockLevel,
  StoreAssortment,
  topics,
} from '@aisle/contracts';
import { ScreenTokenFile } from '@aisle/contracts/credentials';
import mqtt from 'mqtt';
import type { Socket } from 'socket.io-client';
import { z } from 'zod';
import { readCloudAdminSecret, readCloudCredential } from './cloud-credentials';
import { DeviceCredential } from './fleet';
import { createRng, pick, type Rng, shortId } from './random';
import { SCREEN_TOKENS_FILE } from './screen-tokens';

/** A device message a scenario sends. */
export type ScenarioMessage = BeaconSighting | ProductInteraction | RfidRead;

/** The gateway settings a scenario has to outlast. */
export interface ScenarioTiming {
  /** `triggers.longTouchMs`: a product held at least this long and put back is a long touch. */
  longTouchMs: number;
  /** `presence.dwellThresholdMs`: a shopper in one zone this long is lingering. */
  dwellThresholdMs: number;
}

/** The gateway's defaults (edge-gateway/src/config.ts), which the demo store runs with. */
export const GATEWAY_TIMING: ScenarioTiming = { longTouchMs: 5_000, dwellThresholdMs: 10_000 };

/** The gateway does not recommend what a customer bought this recently (`recommendations.recentPurchaseDays`). */
const RECENT_PURCHASE_MS = 30 * 86_400_000;
/** The gateway's presence timer runs once a second: a dwell is noticed up to a second late. */
const PRESENCE_TICK_MS = 1_000;

/** What a scenario plays with: the store, its data, and how to reach its devices, mirror and cloud. */
export interface ScenarioContext {
  storeId: string;
  plan: FloorPlan;
  catalog: readonly Product[];
  /** This store's stock, aisles and promotions, as the cloud has them. */
  assortment: StoreAssortment;
  /** Customer profiles as the cloud has them now. */
  customers: readonly CustomerProfile[];
  /** Sends one device message over MQTT (the fleet's device connections, or a test client). */
  publish(topic: string, payload: ScenarioMessage): void | Promise<void>;
  /** The fitting-room mirror's socket.io connection, after its hello (size-unavailable). */
  mirror?: { sizeRequest(req: SizeRequest): Promise<SizeRequestResult> };
  /** The cloud's profile service, as the web shop uses it (cart-emptied). */
  cloud?: { putProfile(profile: CustomerProfile): Promise<void> };
  /** Resolves once the store has placed the shopper in the zone; without it, a second of sightings is taken as enough. */
  placed?(deviceId: string, zoneId: string): Promise<void>;
  sleep(ms: number): Promise<void>;
  /** Epoch ms; the devices' clock. */
  now(): number;
  /** The gateway's trigger settings, when not its defaults. */
  timing?: Partial<ScenarioTiming>;
  /** Told what the scenario does, a line at a time. */
  log?(line: string): void;
}

export interface ScenarioOptions {
  /** Chooses items, customers and new shopper ids; the same seed plays the same scenario (1). */
  seed?: number;
  /** The zone to play in; by default one with a screen that can show the result. */
  zoneId?: string;
  /** The product handled (put-back, lingering) or held at the mirror (size-unavailable). */
  itemId?: string;
  /** The customer whose shopper app walks in (online-cart, cart-emptied). */
  customerId?: string;
  /** The shopper's phone: a new pseudonym, or the customer's app device, by default. */
  shopperDeviceId?: string;
}

/** What a zone's screen should show after a scenario. */
export interface ScenarioResult {
  scenario: ScenarioName;
  /** The zone whose kiosk or mirror gets the push. */
  zoneId: string;
  trigger: Exclude<DecisionTrigger, 'zone'>;
  /**
   * What the push is about: the product put back, the garment at the mirror, the online-cart items in stock
   * here, the items removed from the cart, the products handled while lingering.
   */
  anchors: string[];
  shopperDeviceId: string;
  customerId?: string;
  /** size-unavailable: the size asked for and the gateway's answer. */
  size?: string;
  sizeResult?: SizeRequestResult;
  /** online-cart: where each cart item is in this store. */
  aisles?: Record<string, string>;
}

export type Scenario = (ctx: ScenarioContext, opts?: ScenarioOptions) => Promise<ScenarioResult>;

// --- helpers -----------------------------------------------------------------------

function timing(ctx: ScenarioContext): ScenarioTiming {
  return { ...GATEWAY_TIMING, ...ctx.timing };
}

function stockOf(ctx: ScenarioContext): Map<string, StockLevel> {
  return new Map(ctx.assortment.stock.map((s) => [s.itemId, s]));
}

function inStock(stock: ReadonlyMap<string, StockLevel>, itemId: string): boolean {
  return (stock.get(itemId)?.onHand ?? 0) > 0;
}

/** Zones with a kiosk or mirror, in floor-plan order; `shelved` keeps those that shelve products. */
function screenZones(ctx: ScenarioContext, kind: 'kiosk' | 'mirror' | 'any', shelved: boolean): string[] {
  const zones = new Map(ctx.plan.zones.map((z) => [z.id, z]));
  const ids = ctx.plan.screens.flatMap((s) =>
    s.zoneId && s.kind !== 'staff' && (kind === 'any' || s.kind === kind) ? [s.zoneId] : [],
  );
  return [...new Set(ids)].filter((id) => !shelved || (zones.get(id)?.categories.length ?? 0) > 0);
}

function zoneFor(ctx: ScenarioContext, opts: ScenarioOptions, kind: 'kiosk' | 'mirror' | 'any', shelved: boolean) {
  const zoneId = opts.zoneId ?? screenZones(ctx, kind, shelved)[0];
  const zone = ctx.plan.zones.find((z) => z.id === zoneId);
  if (!zone) throw new Error(`no ${kind === 'any' ? 'screen' : kind} zone${shelved ? ' with shelves' : ''} to play in`);
  return zone;
}

/** The smart shelf or RFID reader that stands in a zone. */
function readerIn(ctx: ScenarioContext, zoneId: string): string {
  const reader = ctx.plan.shelves.find((s) => s.zoneId === zoneId);
  if (!reader) throw new Error(`zone ${zoneId} has no shelf or reader`);
  return reader.id;
}

function product(ctx: ScenarioContext, itemId: string): Product {
  const p = ctx.catalog.find((c) => c.id === itemId);
  if (!p) throw new Error(`unknown item ${itemId}`);
  return p;
}

const label = (p: Product) => `${p.name.en} (${p.id})`;

/** Online-cart items the store has in stock and the gateway would show (not bought in the last 30 days). */
export function cartItemsInStock(ctx: ScenarioContext, customer: CustomerProfile): string[] {
  const stock = stockOf(ctx);
  const recent = new Set(
    customer.recentPurchases.filter((p) => ctx.now() - p.at <= RECENT_PURCHASE_MS).map((p) => p.itemId),
  );
  return customer.onlineCart.map((l) => l.itemId).filter((id) => inStock(stock, id) && !recent.has(id));
}

function customerFor(
  ctx: ScenarioContext,
  opts: ScenarioOptions,
  rng: Rng,
  eligible: (c: CustomerProfile) => boolean,
  what: string,
): CustomerProfile {
  if (opts.customerId) {
    const c = ctx.customers.find((x) => x.customerId === opts.customerId);
    if (!c) throw new Error(`unknown customer ${opts.customerId}`);
    return c;
  }
  const candidates = ctx.customers.filter((c) => c.appDevices.length > 0 && c.consent.personalization && eligible(c));
  if (candidates.length === 0) throw new Error(`no customer ${what}`);
  return pick(rng, candidates);
}

function itemIn(ctx: ScenarioContext, opts: ScenarioOptions, rng: Rng, categories: readonly string[]): Product {
  if (opts.itemId) return product(ctx, opts.itemId);
  const stock = stockOf(ctx);
  const items = ctx.catalog.filter((p) => categories.includes(p.category) && inStock(stock, p.id));
  if (items.length === 0) throw new Error(`nothing in stock in ${categories.join(', ')}`);
  return pick(rng, items);
}

/** A phone heard by the zone's scanner, loud: the shopper stands there. */
async function hear(ctx: ScenarioContext, deviceId: string, zoneId: string): Promise<void> {
  const scanner = ctx.plan.scanners.find((s) => s.zoneId === zoneId);
  if (!scanner) throw new Error(`zone ${zoneId} has no scanner`);
  const msg: BeaconSighting = {
    eventId: `ble-${randomUUID()}`,
    scannerId: scanner.id,
    deviceId,
    rssi: -48,
    txPower: -59,
    ts: ctx.now(),
  };
  await ctx.publish(topics.beaconSighting(ctx.storeId, scanner.id), msg);
}

/** The shopper walks into the zone: heard there until the store has placed them. */
async function walkIn(ctx: ScenarioContext, deviceId: string, zoneId: string): Promise<void> {
  let placed = false;
  const done = (ctx.placed ? ctx.placed(deviceId, zoneId) : ctx.sleep(1_000)).then(() => {
    placed = true;
  });
  for (let i = 0; i < 40 && !placed; i++) {
    await hear(ctx, deviceId, zoneId);
    await Promise.race([done, ctx.sleep(500)]);
  }
  await done;
  ctx.log?.(`shopper ${deviceId} is in ${zoneId}`);
}

/** The shopper stays in the zone for `ms`, their phone heard every `everyMs`. */
export async function stay(
  ctx: ScenarioContext,
  deviceId: string,
  zoneId: string,
  ms: number,
  everyMs = 500,
): Promise<void> {
  const until = ctx.now() + ms;
  for (;;) {
    await hear(ctx, deviceId, zoneId);
    const left = until - ctx.now();
    if (left <= 0) return;
    await ctx.sleep(Math.min(everyMs, left));
  }
}

async function shelf(
  ctx: ScenarioContext,
  zoneId: string,
  item: Product,
  action: ProductInteraction['action'],
  shopperDeviceId: string,
): Promise<void> {
  const shelfId = readerIn(ctx, zoneId);
  const msg: ProductInteraction = {
    eventId: `shelf-${randomUUID()}`,
    shelfId,
    zoneId,
    itemId: item.id,
    action,
    shopperDeviceId,
    ts: ctx.now(),
  };
  await ctx.publish(topics.productInteraction(ctx.storeId, shelfId), msg);
  ctx.log?.(`${shelfId}: ${label(item)} ${action.replace('_', ' ')}`);
}

/** An EPC-96 for a garment's tag: the item's own 20 hex digits after an SGTIN-like header. */
function epcOf(itemId: string): string {
  return `3034${createHash('sha256').update(itemId).digest('hex').slice(0, 20)}`.toUpperCase();
}

const newShopper = (rng: Rng) => `shp-${shortId(rng, 10)}`;

// --- the scenarios -----------------------------------------------------------------

/** A shopper (new, or the one asked for) walks into a zone with shelves and picks a product up there. */
async function pickUpAtShelf(ctx: ScenarioContext, opts: ScenarioOptions) {
  const rng = createRng(opts.seed ?? 1);
  const zone = zoneFor(ctx, opts, 'any', true);
  const item = itemIn(ctx, opts, rng, zone.categories);
  const shopper = opts.shopperDeviceId ?? newShopper(rng);
  await walkIn(ctx, shopper, zone.id);
  await shelf(ctx, zone.id, item, 'picked_up', shopper);
  return { zone, item, shopper };
}

/** (1) A shopper picks a product up, holds it past the long-touch threshold and puts it back: alternatives. */
export const putBack: Scenario = async (ctx, opts = {}) => {
  const { zone, item, shopper } = await pickUpAtShelf(ctx, opts);
  const heldFrom = ctx.now();
  await stay(ctx, shopper, zone.id, timing(ctx).longTouchMs + 500);
  await shelf(ctx, zone.id, item, 'put_back', shopper);
  ctx.log?.(`held for ${ctx.now() - heldFrom} ms, then put back`);
  return { scenario: 'put-back', zoneId: zone.id, trigger: 'put_back', anchors: [item.id], shopperDeviceId: shopper };
};

/** A garment in stock here whose neighbouring size is not, and another size that is. */
function garmentMissingASize(ctx: ScenarioContext, rng: Rng): { held: Product; size: string } {
  const stock = stockOf(ctx);
  const styles = new Map<string, Product[]>();
  for (const p of ctx.catalog)
    if (p.attributes.style && p.attributes.size)
      styles.set(p.attributes.style, [...(styles.get(p.attributes.style) ?? []), p]);
  const options: { held: Product; size: string }[] = [];
  for (const sizes of styles.values())
    sizes.forEach((missing, i) => {
      if (inStock(stock, missing.id)) return;
      for (const held of [sizes[i - 1], sizes[i + 1]]) {
        if (!held || !inStock(stock, held.id)) continue;
        const others = sizes.filter((p) => p !== held && p !== missing && inStock(stock, p.id));
        if (others.length > 0) options.push({ held, size: missing.attributes.size! });
      }
    });
  if (options.length === 0) throw new Error('every size of every style is in stock: nothing to ask the mirror for');
  return pick(rng, options);
}

/** (2) At the mirror, a shopper tries a garment on and asks for a size the store does not have: nearest sizes. */
export const sizeUnavailable: Scenario = async (ctx, opts = {}) => {
  if (!ctx.mirror) throw new Error('size-unavailable needs the mirror’s socket.io connection');
  const rng = createRng(opts.seed ?? 1);
  const zone = zoneFor(ctx, opts, 'mirror', false);
  let held: Product;
  let size: string;
  if (opts.itemId) {
    held = product(ctx, opts.itemId);
    const stock = stockOf(ctx);
    const style = held.attributes.style;
    const missing = ctx.catalog.find((p) => style && p.attributes.style === style && !inStock(stock, p.id));
    if (!missing?.attributes.size) throw new Error(`every size of ${held.id} is in stock`);
    size = missing.attributes.size;
  } else ({ held, size } = garmentMissingASize(ctx, rng));
  const shopper = opts.shopperDeviceId ?? newShopper(rng);
  await walkIn(ctx, shopper, zone.id);
  const readerId = readerIn(ctx, zone.id);
  const read: RfidRead = {
    eventId: `rfid-${randomUUID()}`,
    readerId,
    zoneId: zone.id,
    tags: [{ epc: epcOf(held.id), itemId: held.id, rssi: -45 }],
    shopperDeviceId: shopper,
    ts: ctx.now(),
  };
  await ctx.publish(topics.rfidRead(ctx.storeId, readerId), read);
  ctx.log?.(`${readerId}: ${label(held)} tried on, size ${held.attributes.size}`);
  const sizeResult = await ctx.mirror.sizeRequest({ itemId: held.id, size });
  ctx.log?.(`mirror: asked for size ${size}; the gateway says ${JSON.stringify(sizeResult)}`);
  return {
    scenario: 'size-unavailable',
    zoneId: zone.id,
    trigger: 'size_unavailable',
    anchors: [held.id],
    shopperDeviceId: shopper,
    size,
    sizeResult,
  };
};

/** (3) A known customer's shopper app walks in; items in their online cart are in stock here: "it's in aisle N". */
export const onlineCart: Scenario = async (ctx, opts = {}) => {
  const rng = createRng(opts.seed ?? 1);
  const customer = customerFor(ctx, opts, rng, (c) => cartItemsInStock(ctx, c).length > 0, 'with cart items in stock');
  const zone = zoneFor(ctx, opts, 'kiosk', false);
  const shopper = opts.shopperDeviceId ?? customer.appDevices[0];
  if (!shopper) throw new Error(`${customer.customerId} has no shopper app`);
  const anchors = cartItemsInStock(ctx, customer);
  const stock = stockOf(ctx);
  const aisles = Object.fromEntries(
    anchors.flatMap((id) => (stock.get(id)?.aisle ? [[id, stock.get(id)!.aisle!]] : [])),
  );
  ctx.log?.(
    `${customer.customerId} (app ${shopper}) has ${customer.onlineCart.length} item(s) in the online cart, ${anchors.length} in stock here`,
  );
  await walkIn(ctx, shopper, zone.id);
  return {
    scenario: 'online-cart',
    zoneId: zone.id,
    trigger: 'online_cart_in_stock',
    anchors,
    shopperDeviceId: shopper,
    customerId: customer.customerId,
    aisles,
  };
};

/**
 * (4) A known customer is in the store when their online cart is emptied (on the web shop, i.e. in the cloud):
 * alternatives to what was in it. The gateway notices on its next profile pull.
 */
export const cartEmptied: Scenario = async (ctx, opts = {}) => {
  if (!ctx.cloud) throw new Error('cart-emptied needs the cloud’s profile service');
  const rng = createRng(opts.seed ?? 1);
  const customer = customerFor(ctx, opts, rng, (c) => c.onlineCart.length > 0, 'with an online cart');
  if (customer.onlineCart.length === 0) throw new Error(`${customer.customerId}'s online cart is already empty`);
  const zone = zoneFor(ctx, opts, 'kiosk', false);
  const shopper = opts.shopperDeviceId ?? customer.appDevices[0];
  if (!shopper) throw new Error(`${customer.customerId} has no shopper app`);
  await walkIn(ctx, shopper, zone.id);
  const removed = customer.onlineCart.map((l) => l.itemId);
  await ctx.cloud.putProfile({ ...customer, onlineCart: [], updatedAt: Math.max(ctx.now(), customer.updatedAt + 1) });
  ctx.log?.(`cloud: ${customer.customerId} emptied the online cart (${removed.join(', ')})`);
  return {
    scenario: 'cart-emptied',
    zoneId: zone.id,
    trigger: 'cart_emptied',
    anchors: removed,
    shopperDeviceId: shopper,
    customerId: customer.customerId,
  };
};

/** (5) A shopper picks a product up and stays at the shelf past the dwell threshold: what completes the look. */
export const lingering: Scenario = async (ctx, opts = {}) => {
  const { zone, item, shopper } = await pickUpAtShelf(ctx, opts);
  const { dwellThresholdMs } = timing(ctx);
  await stay(ctx, shopper, zone.id, dwellThresholdMs + PRESENCE_TICK_MS + 500);
  ctx.log?.(`stayed in ${zone.id} for over ${dwellThresholdMs} ms with it`);
  return { scenario: 'lingering', zoneId: zone.id, trigger: 'lingering', anchors: [item.id], shopperDeviceId: shopper };
};

export const scenarios = {
  'put-back': putBack,
  'size-unavailable': sizeUnavailable,
  'online-cart': onlineCart,
  'cart-emptied': cartEmptied,
  lingering,
} as const satisfies Record<string, Scenario>;
export type ScenarioName = keyof typeof scenarios;
export const SCENARIO_NAMES = Object.keys(scenarios) as ScenarioName[];

// --- the command -------------------------------------------------------------------

/**
 * Publishes each message on a short MQTT connection of the device it comes from, as a battery device that wakes up
 * to send would. The demo's own connection for that device is taken over (its last will says `offline`) and comes
 * back a second later, so this one says `online` again before it leaves.
 */
export function deviceConnections(url: string, storeId: string, credentials: readonly DeviceCredential[]) {
  const byId = new Map(credentials.map((c) => [c.id, c]));
  return async (topic: string, payload: ScenarioMessage): Promise<void> => {
    const parsed = parseTopic(topic);
    const device = parsed.ok ? byId.get(parsed.topic.deviceId) : undefined;
    if (!parsed.ok || !device) throw new Error(`no device credentials publish on ${topic}`);
    const status: DeviceStatus = { deviceId: device.id, state: 'online', firmware: 'scenario-1.0', ts: Date.now() };
    for (let attempt = 1; ; attempt++) {
      const client = await mqtt.connectAsync(url, {
        clientId: device.id,
        username: device.id,
        password: device.secret,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      });
      try {
        await client.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
        await client.publishAsync(topics.deviceStatus(storeId, device.family, device.id), JSON.stringify(status), {
          qos: 1,
          retain: true,
        });
        return;
      } catch (err) {
        if (attempt >= 3) throw err; // taken over in turn by the demo's reconnect: try again
      } finally {
        await client.endAsync(true).catch(() => {});
      }
    }
  };
}

type ScreenSocket = Socket<ScreenServerToClient, ScreenClientToServer>;

async function getJson<T>(url: string, schema: z.ZodType<T>, authorization: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return schema.parse(await res.json());
}

function describePush(push: RecommendationsPush): string {
  const lines = [
    `screen in ${push.zoneId} got "${push.trigger}"${push.personalized ? ' (personal)' : ''}: ${push.headline?.en ?? '(no headline)'}`,
  ];
  for (const i of push.items)
    lines.push(
      `  ${i.itemId.padEnd(16)} ${i.name.en.padEnd(24)} ${i.category.padEnd(14)} ${i.reason.code.padEnd(20)}` +
        `${i.aisle ? ` aisle ${i.aisle}` : ''}${i.inStock !== undefined ? `, ${i.inStock} on hand` : ''}`,
    );
  return lines.join('\n');
}

const USAGE = `usage: node --import tsx simulators/src/scenarios.ts <${SCENARIO_NAMES.join('|')}>
  [--gateway http://127.0.0.1:8080] [--mqtt mqtt://127.0.0.1:1883] [--cloud http://127.0.0.1:8090]
  [--data data] [--seed N] [--customer cus-0001] [--wait-ms MS]`;

/** Plays one scenario against a running demo store and prints what its screen received. Returns the exit code. */
export async function runScenarioCommand(argv: readonly string[], say = (line: string) => console.log(line)) {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      gateway: { type: 'string', default: 'http://127.0.0.1:8080' },
      mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      cloud: { type: 'string', default: 'http://127.0.0.1:8090' },
      data: { type: 'string', default: process.env.AISLE_DATA_DIR ?? 'data' },
      seed: { type: 'string' },
      customer: { type: 'string' },
      'wait-ms': { type: 'string' },
    },
  });
  const name = positionals[0] as ScenarioName | undefined;
  if (!name || !(name in scenarios)) {
    say(USAGE);
    return 2;
  }
  const plan = FloorPlan.parse(JSON.parse(readFileSync(join(values.data, 'floor-plan.json'), 'utf8')));
  const credentials = z
    .array(DeviceCredential)
    .parse(JSON.parse(readFileSync(join(values.data, 'device-secrets.json'), 'utf8')));
  const storeId = plan.storeId;
  const cloudUrl = values.cloud.replace(/\/$/, '');
  // the store reads as its gateway does; the web shop's profile edits are the operator's
  const asStore = `Bearer ${readCloudCredential(values.data)}`;
  const asOperator = `Bearer admin.${readCloudAdminSecret(values.data)}`;
  const catalog = (await getJson(`${cloudUrl}/v1/catalog`, Catalog, asStore)).items;
  const assortment = await getJson(`${cloudUrl}/v1/stores/${storeId}/assortment`, StoreAssortment, asStore);
  const customers: CustomerProfile[] = [];
  for (let cursor = 0, more = true; more; ) {
    const page = await getJson(
      `${cloudUrl}/v1/stores/${storeId}/profiles?cursor=${cursor}&limit=2000`,
      ProfilePage,
      asStore,
    );
    customers.push(...page.profiles);
    ({ cursor, more } = page);
  }

  // every kiosk and mirror of the plan, as the screens would connect: with the device tokens the demo paired them with
  const tokens = ScreenTokenFile.parse(JSON.parse(readFileSync(join(values.data, SCREEN_TOKENS_FILE), 'utf8')));
  const tokenOf = (screenId: string) => {
    const token = tokens.find((t) => t.screenId === screenId)?.token;
    if (!token) throw new Error(`no device token for screen ${screenId} in ${SCREEN_TOKENS_FILE}`);
    return token;
  };
  const { io } = await import('socket.io-client');
  const pushes: RecommendationsPush[] = [];
  const sockets = plan.screens
    .filter((s) => s.kind !== 'staff' && s.zoneId)
    .map((s) => {
      const socket: ScreenSocket = io(values.gateway, {
        transports: ['websocket'],
        forceNew: true,
        auth: { token: tokenOf(s.id) },
      });
      socket.on('recommendations', (m) => pushes.push(m));
      const hello = new Promise<void>((resolve, reject) => {
        socket.once('connect_error', reject);
        const hello = { protocolVersion: PROTOCOL_VERSION, screenId: s.id, kind: s.kind, storeId, lastSeq: 0 };
        socket.emit('hello', hello, (r) => (r.ok ? resolve() : reject(new Error(`${s.id}: ${r.message}`))));
      });
      return { screen: s, socket, hello };
    });
  try {
    await Promise.all(sockets.map((s) => s.hello));
    const mirror = sockets.find((s) => s.screen.kind === 'mirror');
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    /** The newest push since `since` (to a zone, of a trigger, for the shopper with `deviceId`, when given). */
    const pushFor = (zoneId: string | undefined, since: number, deviceId?: string, trigger?: string) =>
      pushes.findLast(
        (p) =>
          (zoneId === undefined || p.zoneId === zoneId) &&
          p.generatedAt >= since &&
          (deviceId === undefined || p.shopper?.ref === deviceId.slice(-4)) &&
          (trigger === undefined || p.trigger === trigger),
      );
    const ctx: ScenarioContext = {
      storeId,
      plan,
      catalog,
      assortment,
      customers,
      publish: deviceConnections(values.mqtt, storeId, credentials),
      mirror: mirror && {
        sizeRequest: (req) => new Promise((resolve) => mirror.socket.emit('sizeRequest', req, resolve)),
      },
      cloud: {
        async putProfile(profile) {
          const res = await fetch(`${cloudUrl}/v1/customers/${profile.customerId}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json', authorization: asOperator },
            body: JSON.stringify(profile),
          });
          if (!res.ok) throw new Error(`PUT profile ${profile.customerId}: ${res.status} ${await res.text()}`);
        },
      },
      // a zone with a screen shows the shopper it was told about; elsewhere, two seconds of sightings will do
      async placed(deviceId, zoneId) {
        const since = Date.now() - 1_000;
        for (const deadline = Date.now() + 2_000; Date.now() < deadline && !pushFor(zoneId, since, deviceId); )
          await sleep(100);
      },
      sleep,
      now: Date.now,
      log: say,
    };
    const started = Date.now();
    const result = await scenarios[name](ctx, {
      seed: values.seed ? Number(values.seed) : Date.now(),
      ...(values.customer && { customerId: values.customer }),
    });
    say(`expecting "${result.trigger}" on the screen in ${result.zoneId} (about ${result.anchors.join(', ')})`);
    // the mirror's push is for whoever entered the fitting rooms last; the others are for this shopper, wherever
    // they are (the demo's simulated shoppers may walk the same customer elsewhere)
    const shopper = result.trigger === 'size_unavailable' ? undefined : result.shopperDeviceId;
    const zone = shopper ? undefined : result.zoneId;
    // the shopper stays while the store reacts (the gateway pulls profile changes every 30 s)
    const waitMs = Number(values['wait-ms'] ?? (name === 'cart-emptied' ? 45_000 : 15_000));
    let heardAt = Date.now();
    for (const deadline = Date.now() + waitMs; Date.now() < deadline; await sleep(200)) {
      const push = pushFor(zone, started, shopper, result.trigger);
      if (push) {
        say(describePush(push));
        return 0;
      }
      if (Date.now() - heardAt >= 3_000) {
        await stay(ctx, result.shopperDeviceId, result.zoneId, 0);
        heardAt = Date.now();
      }
    }
    say(`no "${result.trigger}" push reached a screen within ${waitMs} ms`);
    if (result.customerId)
      say(
        `(the demo's simulated shoppers carry the customers' apps too: if ${result.customerId} was in the store ` +
          'already, walking in was no arrival; run it again, or choose another with --customer)',
      );
    return 1;
  } finally {
    for (const s of sockets) s.socket.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  runScenarioCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`scenario failed: ${err.message}`);
      process.exit(1);
    },
  );
