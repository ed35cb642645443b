import { z } from 'zod';

/** An id that is safe inside an MQTT topic level and a URL path segment. */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'ids are 1-64 chars of letters, digits, "_", "." or "-"');

export const StoreId = Id.describe('store id');
export const ZoneId = Id.describe('zone id within a store');
export const DeviceId = Id.describe('device id (scanner, shelf, POS terminal, screen)');
export const ItemId = Id.describe('catalog item id');
export const CustomerId = Id.describe('customer id in the cloud profile service');
/** Rotating pseudonymous id a shopper's phone advertises; never a raw MAC address. */
export const ShopperDeviceId = Id.describe('pseudonymous shopper device id');
export const EventId = z.string().min(8).max(64).describe('unique event id, used for de-duplication');
/** Epoch milliseconds. */
export const Timestamp = z.number().int().nonnegative().describe('epoch milliseconds');

/** Text in both of the languages every screen supports. */
export const LocalizedText = z.object({ en: z.string().min(1), ko: z.string().min(1) });
export type LocalizedText = z.infer<typeof LocalizedText>;

export const Money = z.number().nonnegative().multipleOf(0.01);
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code');
