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

export const ReasonCode = z.enum(['popular_in_zone', 'popular_on_your_path']);
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
  })
  .strict();
export type RecommendedItem = z.infer<typeof RecommendedItem>;

/** What a kiosk or mirror shows for the shopper in front of it (or for the zone when nobody is). */
export const RecommendationsPush = z
  .object({
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

/** socket.io events the gateway sends to screens. */
export interface ScreenServerToClient {
  recommendations: (msg: RecommendationsPush) => void;
  zoneContext: (msg: ZoneContext) => void;
  storeOverview: (msg: StoreOverview) => void;
}

/** socket.io events screens send to the gateway; every payload is parsed with its schema on arrival. */
export interface ScreenClientToServer {
  hello: (msg: ScreenHello, ack: (result: HelloResult) => void) => void;
}

export const screenEventSchemas = {
  clientToServer: { hello: ScreenHello },
  serverToClient: { recommendations: RecommendationsPush, zoneContext: ZoneContext, storeOverview: StoreOverview },
} as const;
