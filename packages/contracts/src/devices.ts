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

/** A BLE scanner saw a shopper's phone. Topic: `aisle/v1/{store}/ble/{scanner}/sighting`. */
export const BeaconSighting = z
  .object({
    eventId: EventId,
    scannerId: DeviceId,
    deviceId: ShopperDeviceId,
    rssi: z.number().int().min(-127).max(0).describe('received signal strength, dBm'),
    txPower: z.number().int().min(-127).max(20).optional().describe('measured power at 1 m, dBm'),
    ts: Timestamp,
  })
  .strict();
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
    ts: Timestamp,
  })
  .strict()
  .refine((p) => Math.abs(p.lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0) - p.total) < 0.005, {
    message: 'total must equal the sum of the lines',
    path: ['total'],
  });
export type PosPurchase = z.infer<typeof PosPurchase>;

/** Which schema validates the payload of each topic family. */
export const devicePayloadSchemas = {
  ble: BeaconSighting,
  sensor: SensorReading,
  shelf: ProductInteraction,
  pos: PosPurchase,
} as const;
