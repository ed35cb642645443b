import { z } from 'zod';
import { ItemId, ShopperDeviceId, Timestamp, ZoneId } from './common';

/**
 * What the gateway understood of the store floor, published on `topics.presence(store)`:
 * a shopper's visit starts and ends, they enter and leave zones, linger (dwell), and touch
 * products. `at` is when it happened by the gateway's clock; `sourceTs` is the device
 * timestamp of the message that revealed it, so a subscriber can measure end-to-end delay.
 */
export const PresenceEvent = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('session_start'),
      deviceId: ShopperDeviceId,
      at: Timestamp,
      sourceTs: Timestamp.optional(),
    })
    .strict(),
  z.object({ type: z.literal('session_end'), deviceId: ShopperDeviceId, at: Timestamp }).strict(),
  z
    .object({
      type: z.literal('zone_enter'),
      deviceId: ShopperDeviceId,
      zoneId: ZoneId,
      at: Timestamp,
      sourceTs: Timestamp.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('zone_leave'),
      deviceId: ShopperDeviceId,
      zoneId: ZoneId,
      at: Timestamp,
      dwellMs: z.number().int().nonnegative(),
    })
    .strict(),
  z
    .object({
      type: z.literal('dwell'),
      deviceId: ShopperDeviceId,
      zoneId: ZoneId,
      at: Timestamp,
      dwellMs: z.number().int().nonnegative(),
    })
    .strict(),
  z
    .object({
      type: z.literal('product_touch'),
      deviceId: ShopperDeviceId,
      zoneId: ZoneId,
      itemId: ItemId,
      action: z.enum(['picked_up', 'put_back', 'moved', 'tried_on']),
      at: Timestamp,
    })
    .strict(),
]);
export type PresenceEvent = z.infer<typeof PresenceEvent>;
