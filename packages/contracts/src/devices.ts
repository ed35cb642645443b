import { z } from 'zod';
import {
  Currency,
  CustomerId,
  DeviceId,
  EventId,
  ItemId,
  Money,
  ShopperDeviceId,
  StoreId,
  Timestamp,
  ZoneId,
} from './common';

/** Largest MQTT payload the gateway accepts from a device, in bytes. */
export const MAX_DEVICE_PAYLOAD_BYTES = 16 * 1024;

/** Raw BLE advertising data as hex (legacy 31 bytes, extended up to 255). */
export const AdvertisementHex = z
  .string()
  .regex(/^([0-9a-fA-F]{2}){2,255}$/, 'advertisement must be 2-255 bytes of hex')
  .describe('raw BLE advertising data, hex');

/**
 * A BLE scanner heard an advertisement. Topic: `aisle/v1/{store}/ble/{scanner}/sighting`.
 * Scanners that understand the shopper app send its pseudonymous `deviceId`; plain scanners
 * send the raw `advertisement` and the gateway derives the pseudonym. Never a MAC address.
 */
export const BeaconSighting = z
  .object({
    eventId: EventId,
    scannerId: DeviceId,
    deviceId: ShopperDeviceId.optional(),
    advertisement: AdvertisementHex.optional(),
    rssi: z.number().int().min(-127).max(0).describe('received signal strength, dBm'),
    txPower: z.number().int().min(-127).max(20).optional().describe('measured power at 1 m, dBm'),
    ts: Timestamp,
  })
  .strict()
  .refine((s) => s.deviceId !== undefined || s.advertisement !== undefined, {
    message: 'a sighting needs a deviceId or the raw advertisement',
    path: ['deviceId'],
  });
export type BeaconSighting = z.infer<typeof BeaconSighting>;

/** Environmental or counter telemetry. Topic: `aisle/v1/{store}/sensor/{device}/reading`. */
export const SensorReading = z
  .object({
    eventId: EventId,
    sensorId: DeviceId,
    metric: z.enum(['temperature', 'humidity', 'footfall_in', 'footfall_out', 'noise', 'light']),
    value: z.number().finite(),
    unit: z.string().min(1).max(16),
    ts: Timestamp,
  })
  .strict();
export type SensorReading = z.infer<typeof SensorReading>;

/** A smart shelf or RFID reader saw a product move. Topic: `aisle/v1/{store}/shelf/{device}/interaction`. */
export const ProductInteraction = z
  .object({
    eventId: EventId,
    shelfId: DeviceId,
    zoneId: ZoneId,
    itemId: ItemId,
    action: z.enum(['picked_up', 'put_back', 'moved']),
    shopperDeviceId: ShopperDeviceId.optional(),
    ts: Timestamp,
  })
  .strict();
export type ProductInteraction = z.infer<typeof ProductInteraction>;

export const PurchaseLine = z
  .object({
    itemId: ItemId,
    quantity: z.number().int().positive().max(999),
    unitPrice: Money,
  })
  .strict();
export type PurchaseLine = z.infer<typeof PurchaseLine>;

/** A completed sale at a till. Topic: `aisle/v1/{store}/pos/{terminal}/purchase`. */
export const PosPurchase = z
  .object({
    eventId: EventId,
    storeId: StoreId,
    terminalId: DeviceId,
    customerId: CustomerId.optional(),
    shopperDeviceId: ShopperDeviceId.optional(),
    lines: z.array(PurchaseLine).min(1).max(200),
    total: Money,
    currency: Currency,
    /** Set when the sale paid a cart a kiosk handed over to this till (`PosHandover`). */
    handoverId: z.string().min(1).max(64).optional(),
    ts: Timestamp,
  })
  .strict()
  .refine((p) => Math.abs(p.lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0) - p.total) < 0.005, {
    message: 'total must equal the sum of the lines',
    path: ['total'],
  });
export type PosPurchase = z.infer<typeof PosPurchase>;

/**
 * Gateway → till: a cart a shopper handed over at a kiosk, to be paid at this till. Topic:
 * `aisle/v1/{store}/gateway/handover/{terminal}` (QoS 1). The till's sale of it carries `handoverId`.
 */
export const PosHandover = z
  .object({
    handoverId: z.string().min(1).max(64),
    storeId: StoreId,
    terminalId: DeviceId,
    /** Said at the till to find the cart. */
    code: z.string().regex(/^[0-9]{4}$/),
    customerId: CustomerId.optional(),
    lines: z.array(PurchaseLine).min(1).max(200),
    currency: Currency,
    ts: Timestamp,
  })
  .strict();
export type PosHandover = z.infer<typeof PosHandover>;

/** RFID tags read at once by a fitting-room or mirror reader. Topic: `aisle/v1/{store}/rfid/{reader}/read`. */
export const RfidRead = z
  .object({
    eventId: EventId,
    readerId: DeviceId,
    zoneId: ZoneId,
    tags: z
      .array(
        z
          .object({
            epc: z.string().regex(/^[0-9A-F]{24}$/, 'EPC-96 as 24 upper-case hex digits'),
            itemId: ItemId.optional(),
            rssi: z.number().int().min(-127).max(0).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(64),
    shopperDeviceId: ShopperDeviceId.optional(),
    ts: Timestamp,
  })
  .strict();
export type RfidRead = z.infer<typeof RfidRead>;

/**
 * A device's state. Topic: `aisle/v1/{store}/{family}/{device}/status`. Devices publish
 * `online` when they connect (retained), `heartbeat` now and then, and register `offline`
 * as their MQTT last will so the broker announces their death.
 */
export const DeviceStatus = z
  .object({
    deviceId: DeviceId,
    state: z.enum(['online', 'heartbeat', 'offline']),
    firmware: z.string().max(32).optional(),
    uptimeS: z.number().int().nonnegative().optional(),
    batteryPct: z.number().min(0).max(100).optional(),
    ts: Timestamp,
  })
  .strict();
export type DeviceStatus = z.infer<typeof DeviceStatus>;

/** Which schema validates the data payload of each topic family. */
export const devicePayloadSchemas = {
  ble: BeaconSighting,
  sensor: SensorReading,
  shelf: ProductInteraction,
  rfid: RfidRead,
  pos: PosPurchase,
} as const;

/** The field of each data payload that names the publishing device; it must match the topic. */
export const DEVICE_ID_FIELD = {
  ble: 'scannerId',
  sensor: 'sensorId',
  shelf: 'shelfId',
  rfid: 'readerId',
  pos: 'terminalId',
} as const;

/** Why the gateway did not accept a device message. */
export const RejectReason = z.enum([
  'bad_topic',
  'wrong_store',
  'oversized',
  'bad_json',
  'invalid_payload',
  'unknown_device',
  'device_mismatch',
  'wrong_zone',
  'handler_error',
  // counted, but neither logged one by one nor dead-lettered: they come in floods
  'duplicate',
  'rate_limited',
]);
export type RejectReason = z.infer<typeof RejectReason>;

/** A message the gateway could not accept, republished on `topics.deadLetter(store)`. */
export const DeadLetterNotice = z
  .object({
    topic: z.string(),
    clientId: z.string().optional(),
    reason: RejectReason,
    detail: z.string().optional(),
    receivedAt: Timestamp,
  })
  .strict();
export type DeadLetterNotice = z.infer<typeof DeadLetterNotice>;
