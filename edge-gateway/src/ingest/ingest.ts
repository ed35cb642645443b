import {
  type BeaconSighting,
  DEVICE_ID_FIELD,
  DeviceStatus,
  devicePayloadSchemas,
  MAX_DEVICE_PAYLOAD_BYTES,
  type PosPurchase,
  type ProductInteraction,
  parseTopic,
  type RejectReason,
  type RfidRead,
  type SensorReading,
  STATUS_KIND,
  type TopicFamily,
} from '@aisle/contracts';
import { RateLimiter, RecentIds } from './guards';

export type { RejectReason };

/** Reasons that are expected in normal operation and would only amplify a flood if stored. */
export const QUIET_REASONS: ReadonlySet<RejectReason> = new Set(['duplicate', 'rate_limited']);

export type IngestResult =
  | {
      ok: true;
      family: TopicFamily;
      deviceId: string;
      /** Receive time minus the device's timestamp, ms (positive: the device is behind or the message was slow). */
      skewMs: number;
    }
  | { ok: false; reason: RejectReason; detail?: string; deviceId?: string };

/** One handler per topic family; each receives a payload already validated against its contract. */
export interface IngestHandlers {
  ble(msg: BeaconSighting, receivedAt: number): void;
  sensor(msg: SensorReading, receivedAt: number): void;
  shelf(msg: ProductInteraction, receivedAt: number): void;
  rfid(msg: RfidRead, receivedAt: number): void;
  pos(msg: PosPurchase, receivedAt: number): void;
  status(family: TopicFamily, msg: DeviceStatus, receivedAt: number): void;
}

export interface IngestOptions {
  storeId: string;
  /** Whether a device id is registered for a family (device registry / floor plan). */
  knownDevice(family: TopicFamily, deviceId: string): boolean;
  /** The zone the floor plan places a shelf or reader in, if it does. */
  zoneOf?(deviceId: string): string | undefined;
  handlers: IngestHandlers;
  /** Messages per second each device may send, and the burst it may save up. */
  rateLimit?: { perSecond: number; burst: number };
  /** How many recent event ids are remembered to drop duplicates. */
  dedupCapacity?: number;
}

const issuesOf = (error: { issues: { path: PropertyKey[]; message: string }[] }) =>
  error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

/**
 * Validates one device message and hands it to its family's handler.
 * Never throws: anything wrong comes back as a rejection with its reason.
 */
export function createIngest(opts: IngestOptions) {
  const limiter = new RateLimiter(opts.rateLimit?.perSecond ?? 50, opts.rateLimit?.burst ?? 200);
  const recent = new RecentIds(opts.dedupCapacity ?? 100_000);

  return function ingest(topic: string, payload: Buffer, receivedAt: number): IngestResult {
    const parsed = parseTopic(topic);
    if (!parsed.ok) return { ok: false, reason: 'bad_topic', detail: parsed.reason };
    const { family, storeId, deviceId, kind } = parsed.topic;
    const reject = (reason: RejectReason, detail?: string): IngestResult => ({ ok: false, reason, detail, deviceId });
    if (storeId !== opts.storeId) return reject('wrong_store', `topic is for store "${storeId}"`);
    if (!opts.knownDevice(family, deviceId)) return reject('unknown_device', `${family}/${deviceId}`);
    if (!limiter.take(`${family}/${deviceId}`, receivedAt)) return reject('rate_limited');
    if (payload.length > MAX_DEVICE_PAYLOAD_BYTES)
      return reject('oversized', `${payload.length} bytes > ${MAX_DEVICE_PAYLOAD_BYTES}`);

    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      return reject('bad_json', (err as Error).message);
    }

    if (kind === STATUS_KIND) {
      const status = DeviceStatus.safeParse(json);
      if (!status.success) return reject('invalid_payload', issuesOf(status.error));
      if (status.data.deviceId !== deviceId)
        return reject('device_mismatch', "deviceId differs from the topic's device");
      return handle(status.data.ts, () => opts.handlers.status(family, status.data, receivedAt));
    }

    const result = devicePayloadSchemas[family].safeParse(json);
    if (!result.success) return reject('invalid_payload', issuesOf(result.error));
    const msg = result.data as { eventId: string; ts: number } & Record<string, unknown>;
    if (msg[DEVICE_ID_FIELD[family]] !== deviceId)
      return reject('device_mismatch', `${DEVICE_ID_FIELD[family]} differs from the topic's device`);
    const zone = opts.zoneOf?.(deviceId);
    if (zone !== undefined && 'zoneId' in msg && msg.zoneId !== zone)
      return reject('wrong_zone', `${deviceId} stands in "${zone}", not "${String(msg.zoneId)}"`);
    if (!recent.add(msg.eventId)) return reject('duplicate');
    return handle(
      msg.ts,
      () => (opts.handlers[family] as (m: unknown, at: number) => void)(result.data, receivedAt),
      msg.eventId,
    );

    function handle(deviceTs: number, run: () => void, eventId?: string): IngestResult {
      try {
        run();
      } catch (err) {
        // not kept (a storage fault): a redelivery of the same event must be handled, not dropped as a duplicate
        if (eventId !== undefined) recent.forget(eventId);
        return reject('handler_error', (err as Error).message);
      }
      return { ok: true, family, deviceId, skewMs: receivedAt - deviceTs };
    }
  };
}
