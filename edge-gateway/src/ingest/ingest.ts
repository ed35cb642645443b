import {
  type BeaconSighting,
  devicePayloadSchemas,
  MAX_DEVICE_PAYLOAD_BYTES,
  type PosPurchase,
  type ProductInteraction,
  parseTopic,
  type SensorReading,
  type TopicFamily,
} from '@aisle/contracts';

export const REJECT_REASONS = [
  'bad_topic',
  'wrong_store',
  'oversized',
  'bad_json',
  'invalid_payload',
  'unknown_device',
  'device_mismatch',
  'handler_error',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  reason: RejectReason;
  detail?: string;
}

/** One handler per topic family; each receives a payload already validated against its contract. */
export interface IngestHandlers {
  ble(msg: BeaconSighting, receivedAt: number): void;
  sensor(msg: SensorReading, receivedAt: number): void;
  shelf(msg: ProductInteraction, receivedAt: number): void;
  pos(msg: PosPurchase, receivedAt: number): void;
}

export interface IngestOptions {
  storeId: string;
  /** Whether a device id is registered for a family (floor plan / device registry). */
  knownDevice(family: TopicFamily, deviceId: string): boolean;
  handlers: IngestHandlers;
}

/** The field of each payload that names the publishing device; it must match the topic. */
const DEVICE_FIELD = { ble: 'scannerId', sensor: 'sensorId', shelf: 'shelfId', pos: 'terminalId' } as const;

/**
 * Validates one device message and hands it to its family's handler.
 * Never throws: anything wrong comes back as a Rejection for the dead-letter path.
 */
export function createIngest(opts: IngestOptions) {
  return function ingest(topic: string, payload: Buffer, receivedAt: number): Rejection | undefined {
    const parsed = parseTopic(topic);
    if (!parsed.ok) return { reason: 'bad_topic', detail: parsed.reason };
    const { family, storeId, deviceId } = parsed.topic;
    if (storeId !== opts.storeId) return { reason: 'wrong_store', detail: `topic is for store "${storeId}"` };
    if (payload.length > MAX_DEVICE_PAYLOAD_BYTES)
      return { reason: 'oversized', detail: `${payload.length} bytes > ${MAX_DEVICE_PAYLOAD_BYTES}` };
    if (!opts.knownDevice(family, deviceId)) return { reason: 'unknown_device', detail: `${family}/${deviceId}` };

    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      return { reason: 'bad_json', detail: (err as Error).message };
    }
    const result = devicePayloadSchemas[family].safeParse(json);
    if (!result.success) {
      const detail = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      return { reason: 'invalid_payload', detail };
    }
    const msg = result.data as Record<string, unknown>;
    if (msg[DEVICE_FIELD[family]] !== deviceId)
      return { reason: 'device_mismatch', detail: `${DEVICE_FIELD[family]} differs from the topic's device` };

    try {
      (opts.handlers[family] as (m: unknown, at: number) => void)(result.data, receivedAt);
    } catch (err) {
      return { reason: 'handler_error', detail: (err as Error).message };
    }
    return undefined;
  };
}
