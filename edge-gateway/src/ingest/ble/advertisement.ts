import { createHmac } from 'node:crypto';

/**
 * Parser for raw BLE advertising data as store scanners report it: a run of AD structures,
 * each `length, type, data[length - 1]`. Recognises iBeacon and Eddystone UID / URL / TLM frames.
 * Pure apart from node:crypto for the shopper pseudonym.
 */

/** Advertising data of a legacy advertisement is at most 31 bytes. */
export const MAX_LEGACY_ADV_BYTES = 31;
/** Extended advertising allows longer data; we accept up to this many bytes and reject more. */
export const MAX_ADV_BYTES = 255;

/** AD types this module reads (Bluetooth Core Specification Supplement, Part A). */
export const AD_TYPE = {
  flags: 0x01,
  completeServiceUuids16: 0x03,
  shortenedLocalName: 0x08,
  completeLocalName: 0x09,
  serviceData16: 0x16,
  manufacturerData: 0xff,
} as const;

/** Apple's Bluetooth SIG company id, sent little-endian (`4C 00`). */
export const APPLE_COMPANY_ID = 0x004c;
/** Eddystone's 16-bit service UUID, sent little-endian (`AA FE`). */
export const EDDYSTONE_SERVICE_UUID = 0xfeaa;
/** Proximity UUID the Aisle shopper app advertises; its major/minor carry a rotating token. */
export const AISLE_APP_UUID = '38fe4d57-bea0-49fe-ab09-2f3375dda11f';

export interface AdStructure {
  type: number;
  data: Uint8Array;
}

export interface IBeaconFrame {
  kind: 'ibeacon';
  /** Proximity UUID, lowercase 8-4-4-4-12. */
  uuid: string;
  major: number;
  minor: number;
  /** Calibrated RSSI at 1 m, dBm. */
  measuredPower: number;
}

export interface EddystoneUidFrame {
  kind: 'eddystone-uid';
  /** Calibrated Tx power at 0 m, dBm. */
  txPowerAt0m: number;
  /** 10-byte namespace, lowercase hex. */
  namespace: string;
  /** 6-byte instance, lowercase hex. */
  instance: string;
}

export interface EddystoneUrlFrame {
  kind: 'eddystone-url';
  txPowerAt0m: number;
  url: string;
}

export interface EddystoneTlmFrame {
  kind: 'eddystone-tlm';
  /** Battery voltage in mV; 0 when the beacon does not report it (e.g. USB powered). */
  batteryMv: number;
  /** null when the beacon reports 0x8000 (not supported). */
  temperatureC: number | null;
  advertisingCount: number;
  /** Time since power-on or reboot, seconds (the frame counts 0.1 s ticks). */
  uptimeS: number;
}

/** Reported once when an advertisement holds no recognised beacon frame. */
export interface UnknownFrame {
  kind: 'unknown';
}

export type BeaconFrame = IBeaconFrame | EddystoneUidFrame | EddystoneUrlFrame | EddystoneTlmFrame | UnknownFrame;

export type AdvertisementResult =
  | {
      ok: true;
      /** Recognised frames in AD-structure order, or a single `{ kind: 'unknown' }`. */
      frames: BeaconFrame[];
      adStructures: AdStructure[];
      /** Data byte of the Flags AD structure (0x01), if present. */
      flags?: number;
      /** Complete (0x09) or else shortened (0x08) local name, if present. */
      localName?: string;
    }
  | { ok: false; reason: string };

type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Parses BLE advertising data given as hex (either case, optionally with spaces or colons
 * between bytes) or as bytes. Never throws: malformed input comes back as `ok: false`
 * with a reason naming the byte offset or the frame.
 */
export function parseAdvertisement(input: string | Uint8Array): AdvertisementResult {
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    const decoded = decodeHex(input);
    if (!decoded.ok) return decoded;
    bytes = decoded.value;
  } else if (input instanceof Uint8Array) {
    bytes = input;
  } else {
    return { ok: false, reason: 'input must be a hex string or a Uint8Array' };
  }
  if (bytes.length === 0) return { ok: false, reason: 'advertisement is empty' };
  if (bytes.length > MAX_ADV_BYTES)
    return { ok: false, reason: `advertisement is ${bytes.length} bytes; at most ${MAX_ADV_BYTES} are accepted` };

  const split = splitAdStructures(bytes);
  if (!split.ok) return split;

  const frames: BeaconFrame[] = [];
  let flags: number | undefined;
  let completeName: string | undefined;
  let shortName: string | undefined;
  for (const { offset, type, data } of split.value) {
    switch (type) {
      case AD_TYPE.flags:
        if (data.length === 0) return { ok: false, reason: `flags AD structure at byte offset ${offset} has no data` };
        flags ??= data[0];
        break;
      case AD_TYPE.completeLocalName:
        completeName ??= utf8.decode(data);
        break;
      case AD_TYPE.shortenedLocalName:
        shortName ??= utf8.decode(data);
        break;
      case AD_TYPE.manufacturerData: {
        const frame = parseManufacturerData(data, offset);
        if (!frame.ok) return frame;
        if (frame.value) frames.push(frame.value);
        break;
      }
      case AD_TYPE.serviceData16: {
        const frame = parseServiceData16(data, offset);
        if (!frame.ok) return frame;
        if (frame.value) frames.push(frame.value);
        break;
      }
    }
  }
  if (frames.length === 0) frames.push({ kind: 'unknown' });

  const localName = completeName ?? shortName;
  return {
    ok: true,
    frames,
    adStructures: split.value.map(({ type, data }) => ({ type, data })),
    ...(flags === undefined ? {} : { flags }),
    ...(localName === undefined ? {} : { localName }),
  };
}

/**
 * The gateway's pseudonymous id for a shopper's phone: `shp-` + the first 16 hex chars of
 * HMAC-SHA256(salt, `${uuid}:${major}:${minor}`). null for anything but an Aisle app iBeacon,
 * so raw beacon identifiers never leave the gateway as shopper ids.
 */
export function shopperPseudonym(frame: BeaconFrame, salt: string): string | null {
  if (frame.kind !== 'ibeacon') return null;
  const uuid = frame.uuid.toLowerCase();
  if (uuid !== AISLE_APP_UUID) return null;
  if (salt.length === 0) throw new Error('shopperPseudonym needs a non-empty salt');
  const mac = createHmac('sha256', salt).update(`${uuid}:${frame.major}:${frame.minor}`).digest('hex');
  return `shp-${mac.slice(0, 16)}`;
}

// --- hex input -------------------------------------------------------------------------------

function decodeHex(text: string): Parsed<Uint8Array> {
  const bad = /[^0-9a-fA-F\s:]/.exec(text);
  if (bad) return { ok: false, reason: `non-hex character ${JSON.stringify(bad[0])} at index ${bad.index}` };
  const groups = text.split(/[\s:]+/).filter((g) => g.length > 0);
  if (groups.length === 0) return { ok: false, reason: 'advertisement is empty' };
  for (const group of groups) {
    if (group.length % 2 === 0) continue;
    return {
      ok: false,
      reason:
        groups.length === 1
          ? `odd number of hex digits (${group.length})`
          : `hex group "${group}" has an odd number of digits; separators must fall between bytes`,
    };
  }
  const hex = groups.join('');
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return { ok: true, value: bytes };
}

// --- AD structures ---------------------------------------------------------------------------

interface LocatedAdStructure extends AdStructure {
  /** Byte offset of the structure's length byte. */
  offset: number;
}

/**
 * Splits advertising data into AD structures. A zero length byte ends the significant part;
 * what follows must be zero padding (scanners often report legacy data padded to 31 bytes).
 */
function splitAdStructures(bytes: Uint8Array): Parsed<LocatedAdStructure[]> {
  const out: LocatedAdStructure[] = [];
  let i = 0;
  while (i < bytes.length) {
    const length = bytes[i]!;
    if (length === 0) {
      if (bytes.subarray(i).some((b) => b !== 0))
        return { ok: false, reason: `zero-length AD structure at byte offset ${i} is followed by non-zero data` };
      break;
    }
    const end = i + 1 + length;
    if (end > bytes.length)
      return {
        ok: false,
        reason: `AD structure at byte offset ${i} declares length ${length} but only ${bytes.length - i - 1} bytes follow`,
      };
    out.push({ offset: i, type: bytes[i + 1]!, data: bytes.slice(i + 2, end) });
    i = end;
  }
  return { ok: true, value: out };
}

// --- iBeacon ---------------------------------------------------------------------------------

const IBEACON_TYPE = 0x02;
const IBEACON_LENGTH = 0x15;
/** Company id (2) + type (1) + length (1) + UUID (16) + major (2) + minor (2) + power (1). */
const IBEACON_DATA_BYTES = 25;

function parseManufacturerData(data: Uint8Array, offset: number): Parsed<BeaconFrame | undefined> {
  if (data.length < 3 || u16le(data, 0) !== APPLE_COMPANY_ID || data[2] !== IBEACON_TYPE)
    return { ok: true, value: undefined };
  const where = `iBeacon at byte offset ${offset}`;
  if (data[3] !== IBEACON_LENGTH)
    return { ok: false, reason: `${where}: payload length byte is ${hexByte(data[3])}, expected 0x15` };
  if (data.length !== IBEACON_DATA_BYTES)
    return {
      ok: false,
      reason: `${where}: manufacturer data is ${data.length} bytes, expected ${IBEACON_DATA_BYTES}`,
    };
  return {
    ok: true,
    value: {
      kind: 'ibeacon',
      uuid: formatUuid(data.subarray(4, 20)),
      major: u16be(data, 20),
      minor: u16be(data, 22),
      measuredPower: i8(data[24]!),
    },
  };
}

// --- Eddystone -------------------------------------------------------------------------------

const EDDYSTONE_UID = 0x00;
const EDDYSTONE_URL = 0x10;
const EDDYSTONE_TLM = 0x20;

const URL_SCHEMES = ['http://www.', 'https://www.', 'http://', 'https://'] as const;
const URL_EXPANSIONS = [
  '.com/',
  '.org/',
  '.edu/',
  '.net/',
  '.info/',
  '.biz/',
  '.gov/',
  '.com',
  '.org',
  '.edu',
  '.net',
  '.info',
  '.biz',
  '.gov',
] as const;
const MAX_URL_BYTES = 17;

/** `data` is the service data after the AD type: UUID (2, LE) then the Eddystone frame. */
function parseServiceData16(data: Uint8Array, offset: number): Parsed<BeaconFrame | undefined> {
  if (data.length < 2 || u16le(data, 0) !== EDDYSTONE_SERVICE_UUID) return { ok: true, value: undefined };
  const frame = data.subarray(2);
  const frameOffset = offset + 4;
  if (frame.length === 0)
    return { ok: false, reason: `Eddystone service data at byte offset ${offset} has no frame type` };
  switch (frame[0]) {
    case EDDYSTONE_UID:
      return parseEddystoneUid(frame, frameOffset);
    case EDDYSTONE_URL:
      return parseEddystoneUrl(frame, frameOffset);
    case EDDYSTONE_TLM:
      return parseEddystoneTlm(frame, frameOffset);
    default:
      // EID, encrypted or future frame types: not ours to read.
      return { ok: true, value: undefined };
  }
}

function parseEddystoneUid(frame: Uint8Array, at: number): Parsed<EddystoneUidFrame> {
  // 20 bytes with the two RFU bytes; older beacons truncate to 18 (service data length 0x15).
  if (frame.length !== 20 && frame.length !== 18)
    return {
      ok: false,
      reason: `Eddystone-UID frame at byte offset ${at} is ${frame.length} bytes, expected 20 (or 18 without RFU)`,
    };
  return {
    ok: true,
    value: {
      kind: 'eddystone-uid',
      txPowerAt0m: i8(frame[1]!),
      namespace: toHex(frame.subarray(2, 12)),
      instance: toHex(frame.subarray(12, 18)),
    },
  };
}

function parseEddystoneUrl(frame: Uint8Array, at: number): Parsed<EddystoneUrlFrame> {
  const where = `Eddystone-URL frame at byte offset ${at}`;
  if (frame.length < 3) return { ok: false, reason: `${where} is ${frame.length} bytes, expected at least 3` };
  if (frame.length > 3 + MAX_URL_BYTES)
    return { ok: false, reason: `${where} carries ${frame.length - 3} URL bytes, at most ${MAX_URL_BYTES} allowed` };
  const scheme = URL_SCHEMES[frame[2]!];
  if (scheme === undefined) return { ok: false, reason: `${where}: unknown URL scheme ${hexByte(frame[2])}` };
  let url = scheme;
  for (let i = 3; i < frame.length; i++) {
    const b = frame[i]!;
    const expansion = URL_EXPANSIONS[b];
    if (expansion !== undefined) url += expansion;
    else if (b > 0x20 && b < 0x7f) url += String.fromCharCode(b);
    else return { ok: false, reason: `${where}: reserved URL byte ${hexByte(b)} at frame byte ${i}` };
  }
  return { ok: true, value: { kind: 'eddystone-url', txPowerAt0m: i8(frame[1]!), url } };
}

const TLM_PLAIN_VERSION = 0x00;
const TLM_PLAIN_BYTES = 14;
const TEMPERATURE_NOT_SUPPORTED = 0x8000;

function parseEddystoneTlm(frame: Uint8Array, at: number): Parsed<EddystoneTlmFrame | undefined> {
  // Version 0x01 is encrypted TLM (needs the beacon's key); later versions are unknown to us.
  if (frame[1] !== TLM_PLAIN_VERSION) return { ok: true, value: undefined };
  if (frame.length !== TLM_PLAIN_BYTES)
    return {
      ok: false,
      reason: `Eddystone-TLM frame at byte offset ${at} is ${frame.length} bytes, expected ${TLM_PLAIN_BYTES}`,
    };
  const rawTemp = u16be(frame, 4);
  return {
    ok: true,
    value: {
      kind: 'eddystone-tlm',
      batteryMv: u16be(frame, 2),
      // Signed 8.8 fixed point.
      temperatureC: rawTemp === TEMPERATURE_NOT_SUPPORTED ? null : ((rawTemp << 16) >> 16) / 256,
      advertisingCount: u32be(frame, 6),
      uptimeS: u32be(frame, 10) / 10,
    },
  };
}

// --- byte helpers (callers check lengths first) ----------------------------------------------

const utf8 = new TextDecoder('utf-8');

function u16le(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8);
}

function u16be(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

function u32be(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

function i8(b: number): number {
  return b > 0x7f ? b - 0x100 : b;
}

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function hexByte(b: number | undefined): string {
  return b === undefined ? 'missing' : `0x${b.toString(16).padStart(2, '0')}`;
}

function formatUuid(b: Uint8Array): string {
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
