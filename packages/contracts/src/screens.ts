import { z } from 'zod';
import { Currency, DeviceId, ItemId, LocalizedText, Money, StoreId, Timestamp, ZoneId } from './common';
import { ScreenKind } from './store';

/**
 * What a screen presents when its socket.io connection opens (`socket.handshake.auth`): the device token it was
 * given when it was paired with the gateway (`aisle screens pair`). A connection without a valid token is refused
 * before any event (`connect_error` with message `missingToken` or `invalidToken`).
 */
export const ScreenAuth = z.object({ token: z.string().min(16).max(256) }).strict();
export type ScreenAuth = z.infer<typeof ScreenAuth>;

/** Why a connection was refused before hello: the `message` of the screen's `connect_error`. */
export const ConnectRefusal = z.enum(['missingToken', 'invalidToken']);
export type ConnectRefusal = z.infer<typeof ConnectRefusal>;

/**
 * The screens' Content-Security-Policy: sent by the gateway with the pages it serves, enforced by the Electron shells
 * on every response, and written into the built pages (without `frame-ancestors`, which a `<meta>` cannot carry).
 * Only the app's own scripts and styles, inline `style=""` attributes (React sets CSS variables), socket.io to the
 * page's own origin, no plugins, no `<base>`, no framing, no form posts.
 */
export const SCREEN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** First message of every screen connection. */
export const ScreenHello = z
  .object({
    protocolVersion: z.number().int().nonnegative(),
    screenId: DeviceId,
    kind: ScreenKind,
    /** The store the screen believes it stands in; a screen of another store is refused. */
    storeId: StoreId,
    /** Sequence number of the last message this screen processed (0 when it has none): the gateway replays the rest. */
    lastSeq: z.number().int().nonnegative(),
  })
  .strict();
export type ScreenHello = z.infer<typeof ScreenHello>;

export const HelloRefusal = z.enum([
  'clientTooOld',
  'serverTooOld',
  'unknownScreen',
  'invalidMessage',
  /** The hello names another store than this gateway's. */
  'wrongStore',
  /** The device token was issued to another screen (or kind of screen) than the hello names. */
  'notPaired',
]);
export type HelloRefusal = z.infer<typeof HelloRefusal>;

export const HelloResult = z.discriminatedUnion('ok', [
  z
    .object({
      ok: z.literal(true),
      storeId: StoreId,
      storeName: z.string(),
      zoneId: ZoneId.optional(),
      /** The gateway's latest sequence number for this screen. */
      lastSeq: z.number().int().nonnegative(),
      /** How many messages follow at once to fill the gap since the screen's `lastSeq`. */
      replaying: z.number().int().nonnegative(),
      /**
       * True when messages after the screen's `lastSeq` are no longer kept (or the screen is ahead of the gateway):
       * the screen should start counting from the next message, which carries the current state.
       */
      resync: z.boolean(),
    })
    .strict(),
  z.object({ ok: z.literal(false), reason: HelloRefusal, message: z.string() }).strict(),
]);
export type HelloResult = z.infer<typeof HelloResult>;

/**
 * The second argument of every event the gateway sends a screen. Each screen has its own gap-free sequence,
 * kept in the gateway's database, so a screen that reconnects — also after the gateway restarted — gets exactly
 * what it missed.
 */
export const Delivery = z.object({ seq: z.number().int().positive(), sentAt: Timestamp }).strict();
export type Delivery = z.infer<typeof Delivery>;

/** A screen confirms it processed every message up to `seq` (no acknowledgement). */
export const ScreenAck = z.object({ seq: z.number().int().nonnegative() }).strict();
export type ScreenAck = z.infer<typeof ScreenAck>;

/** Why an item is shown; every code has a sentence in both languages (`reason.text`). */
export const ReasonCode = z.enum([
  'popular_in_zone',
  'popular_on_your_path',
  'because_you_touched',
  'because_you_bought',
  'similar_item',
  'other_size',
  'completes_your_look',
  'in_your_online_cart',
  'matches_your_taste',
  'on_promotion',
]);
export type ReasonCode = z.infer<typeof ReasonCode>;

export const RecommendedItem = z
  .object({
    itemId: ItemId,
    name: LocalizedText,
    category: z.string(),
    brand: z.string(),
    price: Money,
    currency: Currency,
    score: z.number().finite(),
    reason: z.object({ code: ReasonCode, text: LocalizedText }).strict(),
    /** Where the item is in this store, when known. */
    aisle: z.string().optional(),
    /** Units on hand in this store, when known. */
    inStock: z.number().int().nonnegative().optional(),
  })
  .strict();
export type RecommendedItem = z.infer<typeof RecommendedItem>;

/**
 * What made the gateway decide: a screen's zone changed (`zone`), or an event about one shopper — a product put
 * back after a long touch, a size not in stock at the mirror, an online-cart item in stock here, the cart emptied,
 * lingering at a shelf.
 */
export const DecisionTrigger = z.enum([
  'zone',
  'put_back',
  'size_unavailable',
  'online_cart_in_stock',
  'cart_emptied',
  'lingering',
]);
export type DecisionTrigger = z.infer<typeof DecisionTrigger>;

/** What a kiosk or mirror shows for the shopper in front of it (or for the zone when nobody is). */
export const RecommendationsPush = z
  .object({
    /** Logged with the model version and propensities; screens send it back with feedback. */
    decisionId: z.string().min(1).max(64),
    trigger: DecisionTrigger,
    /** False when the ranking ignored the shopper (personalization off, or nobody there). */
    personalized: z.boolean(),
    /** One sentence about the whole list when a trigger produced it ("Not in size M here; these are"). */
    headline: LocalizedText.optional(),
    zoneId: ZoneId,
    /** Short pseudonymous reference of the shopper the cards are for; null when no shopper is present. */
    shopper: z
      .object({ ref: z.string().min(1).max(16), dwellMs: z.number().int().nonnegative() })
      .strict()
      .nullable(),
    items: z.array(RecommendedItem),
    modelVersion: z.string(),
    generatedAt: Timestamp,
  })
  .strict();
export type RecommendationsPush = z.infer<typeof RecommendationsPush>;

export const ZoneOccupancy = z
  .object({ zoneId: ZoneId, name: LocalizedText, shoppers: z.number().int().nonnegative() })
  .strict();
export type ZoneOccupancy = z.infer<typeof ZoneOccupancy>;

/** The zone a screen stands in, as it is now. */
export const ZoneContext = ZoneOccupancy.extend({ updatedAt: Timestamp }).strict();
export type ZoneContext = z.infer<typeof ZoneContext>;

/** Whole-store view for the staff screen. */
export const StoreOverview = z
  .object({ storeId: StoreId, storeName: z.string(), zones: z.array(ZoneOccupancy), updatedAt: Timestamp })
  .strict();
export type StoreOverview = z.infer<typeof StoreOverview>;

/** A mirror asks for another size of the garment the shopper holds. */
export const SizeRequest = z.object({ itemId: ItemId, size: z.string().min(1).max(16) }).strict();
export type SizeRequest = z.infer<typeof SizeRequest>;

export const SizeRequestResult = z.discriminatedUnion('ok', [
  z
    .object({
      ok: z.literal(true),
      inStock: z.boolean(),
      variantId: ItemId.optional(),
      /** When the size is in stock here: the request staff screens now show (`staffRequest`). */
      requestId: z.string().min(1).max(64).optional(),
    })
    .strict(),
  z.object({ ok: z.literal(false), message: z.string() }).strict(),
]);
export type SizeRequestResult = z.infer<typeof SizeRequestResult>;

/** A shopper at a kiosk or mirror switches personalization on or off for themselves. */
export const PersonalizationRequest = z.object({ on: z.boolean() }).strict();
export type PersonalizationRequest = z.infer<typeof PersonalizationRequest>;

export const PersonalizationResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), personalized: z.boolean(), shopper: z.string().min(1).max(16) }).strict(),
  z.object({ ok: z.literal(false), message: z.string() }).strict(),
]);
export type PersonalizationResult = z.infer<typeof PersonalizationResult>;

// --- shopper sessions at the kiosk ---------------------------------------------------------------------------

/**
 * The shopper at a kiosk identifies: a loyalty card's QR code or NFC tag (both carry the loyalty id), a phone
 * number, or not at all (`anonymous`: personalization from this session's taps only, forgotten at its end).
 */
export const IdentifyRequest = z.discriminatedUnion('method', [
  z.object({ method: z.enum(['qr', 'nfc']), code: z.string().min(4).max(64) }).strict(),
  z.object({ method: z.literal('phone'), phone: z.string().regex(/^\+?[0-9 ()-]{6,24}$/, 'a phone number') }).strict(),
  z.object({ method: z.literal('anonymous') }).strict(),
]);
export type IdentifyRequest = z.infer<typeof IdentifyRequest>;

/** An item of the shopper's online cart, as this store has it. */
export const CartItemHere = z
  .object({
    itemId: ItemId,
    name: LocalizedText,
    price: Money,
    currency: Currency,
    quantity: z.number().int().positive().max(999),
    /** Units on hand here (0 = not in stock here). */
    inStock: z.number().int().nonnegative(),
    aisle: z.string().optional(),
  })
  .strict();
export type CartItemHere = z.infer<typeof CartItemHere>;

/** A shopper's session at one kiosk, from identify (or anonymous start) to reset. */
export const KioskSession = z
  .object({
    sessionId: z.string().min(1).max(64),
    /** Null for an anonymous session. */
    customer: z
      .object({
        /** Short reference for this visit, never the customer id. */
        ref: z.string().min(1).max(16),
        firstName: z.string().max(40).optional(),
        /** False when the customer has not consented to personalization (or switched it off). */
        personalized: z.boolean(),
      })
      .strict()
      .nullable(),
    /** The customer's open online cart (empty when anonymous). */
    onlineCart: z.array(CartItemHere),
  })
  .strict();
export type KioskSession = z.infer<typeof KioskSession>;

export const IdentifyResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), session: KioskSession }).strict(),
  z.object({ ok: z.literal(false), reason: z.enum(['unknown', 'invalid', 'refused']), message: z.string() }).strict(),
]);
export type IdentifyResult = z.infer<typeof IdentifyResult>;

/** The shopper opened an item's details at the kiosk: a session-only signal for personalization. */
export const ViewItemRequest = z.object({ itemId: ItemId }).strict();
export type ViewItemRequest = z.infer<typeof ViewItemRequest>;

/** The shopper (or the inactivity timer) ends the kiosk session: the gateway forgets it. */
export const EndSessionRequest = z.object({ reason: z.enum(['done', 'inactivity']) }).strict();
export type EndSessionRequest = z.infer<typeof EndSessionRequest>;

/** The identified shopper sends the online-cart items in stock here to a till, to pay in store. */
export const HandoverRequest = z.object({}).strict();
export type HandoverRequest = z.infer<typeof HandoverRequest>;

export const HandoverResult = z.discriminatedUnion('ok', [
  z
    .object({
      ok: z.literal(true),
      handoverId: z.string().min(1).max(64),
      terminalId: DeviceId,
      /** Said at the till to find the cart. */
      code: z.string().regex(/^[0-9]{4}$/),
      lines: z.number().int().positive(),
    })
    .strict(),
  z.object({ ok: z.literal(false), message: z.string() }).strict(),
]);
export type HandoverResult = z.infer<typeof HandoverResult>;

/**
 * The identified shopper at a kiosk asks to see and manage their data: the gateway asks the cloud for a personal
 * "my data" link (valid 15 minutes) that the kiosk shows as a QR code for their phone.
 */
export const MyDataLinkRequest = z.object({}).strict();
export type MyDataLinkRequest = z.infer<typeof MyDataLinkRequest>;

export const MyDataLinkResult = z.discriminatedUnion('ok', [
  // the address as the cloud gave it (the gateway checked it against the cloud's MyDataLink)
  z.object({ ok: z.literal(true), url: z.string().min(1).max(2048), expiresAt: Timestamp }).strict(),
  z
    .object({
      ok: z.literal(false),
      /** `noSession`: nobody identified at this kiosk; `unavailable`: the cloud cannot be reached right now. */
      reason: z.enum(['noSession', 'unavailable']),
      message: z.string(),
    })
    .strict(),
]);
export type MyDataLinkResult = z.infer<typeof MyDataLinkResult>;

/** Gateway → kiosk: what became of a hand-over (the till received it; the shopper paid). */
export const HandoverStatus = z
  .object({
    handoverId: z.string().min(1).max(64),
    terminalId: DeviceId,
    status: z.enum(['received', 'paid']),
    at: Timestamp,
  })
  .strict();
export type HandoverStatus = z.infer<typeof HandoverStatus>;

/** Ack-only answer of requests that return nothing else. */
export const SimpleResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true) }).strict(),
  z.object({ ok: z.literal(false), message: z.string() }).strict(),
]);
export type SimpleResult = z.infer<typeof SimpleResult>;

// --- the mirror ---------------------------------------------------------------------------------------------

/** Another size or colour of a garment, and whether this store has it. */
export const GarmentVariant = z
  .object({ itemId: ItemId, size: z.string().optional(), colour: z.string().optional(), inStock: z.number().int() })
  .strict();
export type GarmentVariant = z.infer<typeof GarmentVariant>;

/** Gateway → mirror: the garment the fitting room's RFID reader just read, with what goes with it. */
export const MirrorGarment = z
  .object({
    zoneId: ZoneId,
    itemId: ItemId,
    name: LocalizedText,
    brand: z.string(),
    price: Money,
    currency: Currency,
    size: z.string().optional(),
    colour: z.string().optional(),
    /** Other sizes and colours of the same style, in stock here or not. */
    variants: z.array(GarmentVariant),
    /** "Complete the look": items bought together with it (the bundles model), in stock here. */
    look: z.array(RecommendedItem),
    /**
     * What this shopper tried and bought before, newest first — only for an identified shopper who consented to
     * personalization; null otherwise.
     */
    history: z
      .array(z.object({ itemId: ItemId, name: LocalizedText, kind: z.enum(['bought', 'tried']), at: Timestamp }))
      .nullable(),
    at: Timestamp,
  })
  .strict();
export type MirrorGarment = z.infer<typeof MirrorGarment>;

// --- staff ------------------------------------------------------------------------------------------------------

export const StaffRole = z.enum(['associate', 'manager']);
export type StaffRole = z.infer<typeof StaffRole>;

export const StaffLoginRequest = z.object({ pin: z.string().regex(/^[0-9]{4,8}$/, '4 to 8 digits') }).strict();
export type StaffLoginRequest = z.infer<typeof StaffLoginRequest>;

export const StaffLoginResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), staff: z.object({ name: z.string(), role: StaffRole }).strict() }).strict(),
  z
    .object({
      ok: z.literal(false),
      reason: z.enum(['wrongPin', 'locked', 'invalid']),
      message: z.string(),
      /** When locked: how long until the screen may try again. */
      retryAfterMs: z.number().int().nonnegative().optional(),
    })
    .strict(),
]);
export type StaffLoginResult = z.infer<typeof StaffLoginResult>;

/** Gateway → staff (and the asking mirror): a request from a fitting room, and its progress. */
export const StaffRequest = z
  .object({
    requestId: z.string().min(1).max(64),
    kind: z.literal('size'),
    mirrorId: DeviceId,
    zoneId: ZoneId,
    itemId: ItemId,
    name: LocalizedText,
    size: z.string().min(1).max(16),
    status: z.enum(['open', 'accepted', 'done']),
    at: Timestamp,
  })
  .strict();
export type StaffRequest = z.infer<typeof StaffRequest>;

export const ResolveRequest = z
  .object({ requestId: z.string().min(1).max(64), status: z.enum(['accepted', 'done']) })
  .strict();
export type ResolveRequest = z.infer<typeof ResolveRequest>;

/** Gateway → staff: something worth walking over for. Carries no name; the customer card has the rest. */
export const StaffAlert = z
  .object({
    alertId: z.string().min(1).max(64),
    kind: z.enum(['loyal_arrived', 'cart_at_risk']),
    zoneId: ZoneId,
    customerRef: z.string().min(1).max(16),
    text: LocalizedText,
    at: Timestamp,
  })
  .strict();
export type StaffAlert = z.infer<typeof StaffAlert>;

/** A consented, identified customer in the store now, as a logged-in staff member sees the list. */
export const CustomerInStore = z
  .object({
    customerRef: z.string().min(1).max(16),
    firstName: z.string().max(40).optional(),
    segment: z.string().max(32).optional(),
    zoneId: ZoneId,
    arrivedAt: Timestamp,
    onlineCartItems: z.number().int().nonnegative(),
  })
  .strict();
export type CustomerInStore = z.infer<typeof CustomerInStore>;

export const StaffCustomersRequest = z.object({}).strict();
export type StaffCustomersRequest = z.infer<typeof StaffCustomersRequest>;

export const StaffCustomersResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), customers: z.array(CustomerInStore) }).strict(),
  z.object({ ok: z.literal(false), message: z.string() }).strict(),
]);
export type StaffCustomersResult = z.infer<typeof StaffCustomersResult>;

export const CustomerCardRequest = z.object({ customerRef: z.string().min(1).max(16) }).strict();
export type CustomerCardRequest = z.infer<typeof CustomerCardRequest>;

/** Everything a staff member may see about one consented customer in the store, to help them well. */
export const CustomerCard = CustomerInStore.extend({
  favouriteCategories: z.array(z.string()),
  recentPurchases: z.array(
    z.object({ itemId: ItemId, name: LocalizedText, channel: z.enum(['online', 'store']), at: Timestamp }).strict(),
  ),
  onlineCart: z.array(CartItemHere),
  /** Suggested openers, from the profile and this visit. */
  talkingPoints: z.array(LocalizedText),
  /** Bundles to suggest: items that go with what they bought or hold. */
  bundles: z.array(RecommendedItem),
}).strict();
export type CustomerCard = z.infer<typeof CustomerCard>;

export const CustomerCardResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), card: CustomerCard }).strict(),
  z.object({ ok: z.literal(false), message: z.string() }).strict(),
]);
export type CustomerCardResult = z.infer<typeof CustomerCardResult>;

export const StaffInsightsRequest = z.object({}).strict();
export type StaffInsightsRequest = z.infer<typeof StaffInsightsRequest>;

/**
 * Store aggregates for managers. Any figure computed from fewer than `k` shoppers is withheld (null), so no
 * figure describes one or a few people.
 */
export const StaffInsights = z
  .object({
    k: z.number().int().positive(),
    zones: z.array(
      z
        .object({
          zoneId: ZoneId,
          name: LocalizedText,
          /** Shoppers who visited the zone in the window; null when fewer than k. */
          visitors: z.number().int().nonnegative().nullable(),
          /** Median dwell in ms; null when fewer than k visitors. */
          medianDwellMs: z.number().int().nonnegative().nullable(),
        })
        .strict(),
    ),
    /** Categories touched by at least k distinct shoppers in the window, most first. */
    topCategories: z.array(z.object({ category: z.string(), shoppers: z.number().int().positive() }).strict()),
    windowMs: z.number().int().positive(),
    at: Timestamp,
  })
  .strict();
export type StaffInsights = z.infer<typeof StaffInsights>;

export const StaffInsightsResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), insights: StaffInsights }).strict(),
  z.object({ ok: z.literal(false), message: z.string() }).strict(),
]);
export type StaffInsightsResult = z.infer<typeof StaffInsightsResult>;

/** socket.io events the gateway sends to screens; each carries its `Delivery` (sequence number) second. */
export interface ScreenServerToClient {
  recommendations: (msg: RecommendationsPush, delivery: Delivery) => void;
  zoneContext: (msg: ZoneContext, delivery: Delivery) => void;
  storeOverview: (msg: StoreOverview, delivery: Delivery) => void;
  mirrorGarment: (msg: MirrorGarment, delivery: Delivery) => void;
  staffRequest: (msg: StaffRequest, delivery: Delivery) => void;
  staffAlert: (msg: StaffAlert, delivery: Delivery) => void;
  handoverStatus: (msg: HandoverStatus, delivery: Delivery) => void;
}

type Ask<Req, Res> = (msg: Req, ack: (result: Res) => void) => void;

/** socket.io events screens send to the gateway; every payload is parsed with its schema on arrival. */
export interface ScreenClientToServer {
  hello: Ask<ScreenHello, HelloResult>;
  ack: (msg: ScreenAck) => void;
  sizeRequest: Ask<SizeRequest, SizeRequestResult>;
  personalization: Ask<PersonalizationRequest, PersonalizationResult>;
  identify: Ask<IdentifyRequest, IdentifyResult>;
  viewItem: Ask<ViewItemRequest, SimpleResult>;
  endSession: Ask<EndSessionRequest, SimpleResult>;
  handover: Ask<HandoverRequest, HandoverResult>;
  myDataLink: Ask<MyDataLinkRequest, MyDataLinkResult>;
  staffLogin: Ask<StaffLoginRequest, StaffLoginResult>;
  staffLogout: Ask<z.infer<typeof StaffLogoutRequest>, SimpleResult>;
  staffCustomers: Ask<StaffCustomersRequest, StaffCustomersResult>;
  customerCard: Ask<CustomerCardRequest, CustomerCardResult>;
  resolveRequest: Ask<ResolveRequest, SimpleResult>;
  staffInsights: Ask<StaffInsightsRequest, StaffInsightsResult>;
}

export const StaffLogoutRequest = z.object({}).strict();

/**
 * Which kinds of screen may send each request. Staff requests other than `staffLogin` also need a staff member
 * logged in on that connection (`staffInsights`: a manager).
 */
export const screenRequests = {
  hello: { request: ScreenHello, result: HelloResult, kinds: ['kiosk', 'mirror', 'staff'] },
  sizeRequest: { request: SizeRequest, result: SizeRequestResult, kinds: ['mirror'] },
  personalization: { request: PersonalizationRequest, result: PersonalizationResult, kinds: ['kiosk', 'mirror'] },
  identify: { request: IdentifyRequest, result: IdentifyResult, kinds: ['kiosk'] },
  viewItem: { request: ViewItemRequest, result: SimpleResult, kinds: ['kiosk'] },
  endSession: { request: EndSessionRequest, result: SimpleResult, kinds: ['kiosk'] },
  handover: { request: HandoverRequest, result: HandoverResult, kinds: ['kiosk'] },
  myDataLink: { request: MyDataLinkRequest, result: MyDataLinkResult, kinds: ['kiosk'] },
  staffLogin: { request: StaffLoginRequest, result: StaffLoginResult, kinds: ['staff'] },
  staffLogout: { request: StaffLogoutRequest, result: SimpleResult, kinds: ['staff'] },
  staffCustomers: { request: StaffCustomersRequest, result: StaffCustomersResult, kinds: ['staff'] },
  customerCard: { request: CustomerCardRequest, result: CustomerCardResult, kinds: ['staff'] },
  resolveRequest: { request: ResolveRequest, result: SimpleResult, kinds: ['staff'] },
  staffInsights: { request: StaffInsightsRequest, result: StaffInsightsResult, kinds: ['staff'] },
} as const satisfies Record<
  Exclude<keyof ScreenClientToServer, 'ack'>,
  { request: z.ZodType; result: z.ZodType; kinds: readonly ScreenKind[] }
>;
export type ScreenRequestName = keyof typeof screenRequests;
export type ScreenRequestOf<E extends ScreenRequestName> = z.infer<(typeof screenRequests)[E]['request']>;
export type ScreenResultOf<E extends ScreenRequestName> = z.infer<(typeof screenRequests)[E]['result']>;

export const screenEventSchemas = {
  clientToServer: {
    ack: ScreenAck,
    ...(Object.fromEntries(Object.entries(screenRequests).map(([event, r]) => [event, r.request])) as {
      [E in ScreenRequestName]: (typeof screenRequests)[E]['request'];
    }),
  },
  serverToClient: {
    recommendations: RecommendationsPush,
    zoneContext: ZoneContext,
    storeOverview: StoreOverview,
    mirrorGarment: MirrorGarment,
    staffRequest: StaffRequest,
    staffAlert: StaffAlert,
    handoverStatus: HandoverStatus,
  },
} as const;
