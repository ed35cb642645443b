import { z } from 'zod';
import { Currency, DeviceId, ItemId, LocalizedText, Money, StoreId, Timestamp, ZoneId } from './common';
import { ScreenKind } from './store';

/** First message of every screen connection. */
export const ScreenHello = z
  .object({
    protocolVersion: z.number().int().nonnegative(),
    screenId: DeviceId,
    kind: ScreenKind,
  })
  .strict();
export type ScreenHello = z.infer<typeof ScreenHello>;

export const HelloRefusal = z.enum(['clientTooOld', 'serverTooOld', 'unknownScreen', 'invalidMessage']);
export type HelloRefusal = z.infer<typeof HelloRefusal>;

export const HelloResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), storeId: StoreId, storeName: z.string(), zoneId: ZoneId.optional() }).strict(),
  z.object({ ok: z.literal(false), reason: HelloRefusal, message: z.string() }).strict(),
]);
export type HelloResult = z.infer<typeof HelloResult>;

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
  z.object({ ok: z.literal(true), inStock: z.boolean(), variantId: ItemId.optional() }).strict(),
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

/** socket.io events the gateway sends to screens. */
export interface ScreenServerToClient {
  recommendations: (msg: RecommendationsPush) => void;
  zoneContext: (msg: ZoneContext) => void;
  storeOverview: (msg: StoreOverview) => void;
}

/** socket.io events screens send to the gateway; every payload is parsed with its schema on arrival. */
export interface ScreenClientToServer {
  hello: (msg: ScreenHello, ack: (result: HelloResult) => void) => void;
  sizeRequest: (msg: SizeRequest, ack: (result: SizeRequestResult) => void) => void;
  personalization: (msg: PersonalizationRequest, ack: (result: PersonalizationResult) => void) => void;
}

export const screenEventSchemas = {
  clientToServer: { hello: ScreenHello, sizeRequest: SizeRequest, personalization: PersonalizationRequest },
  serverToClient: { recommendations: RecommendationsPush, zoneContext: ZoneContext, storeOverview: StoreOverview },
} as const;
