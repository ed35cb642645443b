import { ShopperDeviceId } from '@aisle/contracts';
import { describe, expect, it } from 'vitest';
import {
  type AdvertisementResult,
  AISLE_APP_UUID,
  type BeaconFrame,
  MAX_ADV_BYTES,
  parseAdvertisement,
  shopperPseudonym,
} from './advertisement';

function parsed(input: string | Uint8Array) {
  const result = parseAdvertisement(input);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result;
}

function reason(input: string | Uint8Array): string {
  const result = parseAdvertisement(input);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.frames)}`);
  return result.reason;
}

/** Flags (LE General Discoverable, BR/EDR not supported) as most beacons send them. */
const FLAGS = '02 01 06';
/**
 * Eddystone common header from google/eddystone protocol-specification.md: flags, then the
 * complete 16-bit service UUID list with FEAA. The service data block (`len 16 AA FE`) follows.
 */
const EDDYSTONE_HEAD = '02 01 06 03 03 AA FE';

/** Wraps an Eddystone frame (hex, after AA FE) into a full advertisement with the right length byte. */
function eddystone(frameHex: string): string {
  const frameLen = frameHex.split(' ').filter(Boolean).length;
  const adLen = (frameLen + 3).toString(16).padStart(2, '0');
  return `${EDDYSTONE_HEAD} ${adLen} 16 AA FE ${frameHex}`;
}

describe('parseAdvertisement: iBeacon', () => {
  // Widely published layout example: Apple's AirLocate sample UUID E2C56DB5-DFFB-48D2-B060-D0F5A71096E0,
  // major 0, minor 0, measured power 0xC5. Bytes as given in the task brief.
  const AIRLOCATE = '02 01 06 1A FF 4C 00 02 15 E2 C5 6D B5 DF FB 48 D2 B0 60 D0 F5 A7 10 96 E0 00 00 00 00 C5';

  it('decodes the AirLocate example frame', () => {
    const r = parsed(AIRLOCATE);
    expect(r.frames).toEqual([
      { kind: 'ibeacon', uuid: 'e2c56db5-dffb-48d2-b060-d0f5a71096e0', major: 0, minor: 0, measuredPower: -59 },
    ]);
    expect(r.flags).toBe(0x06);
    expect(r.localName).toBeUndefined();
    expect(r.adStructures.map((s) => [s.type, s.data.length])).toEqual([
      [0x01, 1],
      [0xff, 25],
    ]);
    expect(Array.from(r.adStructures[0]!.data)).toEqual([0x06]);
  });

  it('accepts lower case, colons and the zero padding hcitool-style dumps carry', () => {
    // The same frame as it circulates in `hcitool cmd 0x08 0x0008 1e ...` recipes: flags 0x1A and
    // a trailing 00 padding byte (31 bytes in all).
    const r = parsed('02:01:1a:1a:ff:4c:00:02:15:e2:c5:6d:b5:df:fb:48:d2:b0:60:d0:f5:a7:10:96:e0:00:00:00:00:c5:00');
    expect(r.flags).toBe(0x1a);
    expect(r.frames).toEqual(parsed(AIRLOCATE).frames);
    expect(r.adStructures).toHaveLength(2);
  });

  it('gives the same result for a Uint8Array, unspaced hex and a Buffer', () => {
    const bytes = Uint8Array.from(Buffer.from(AIRLOCATE.replaceAll(' ', ''), 'hex'));
    const fromBytes = parsed(bytes);
    expect(fromBytes.frames).toEqual(parsed(AIRLOCATE.replaceAll(' ', '')).frames);
    expect(parsed(Buffer.from(bytes)).frames).toEqual(fromBytes.frames);
    // The structures are copies: later writes to the caller's buffer do not change them.
    bytes[2] = 0x1a;
    expect(fromBytes.flags).toBe(0x06);
    expect(Array.from(fromBytes.adStructures[0]!.data)).toEqual([0x06]);
  });

  it('decodes a published scanner dump with non-zero major/minor', () => {
    // Raw advertisement from the April Brother wireless iBeacon receiver docs (wiki.aprbrother.com).
    const r = parsed('02 01 06 1a ff 4c 00 02 15 b5 b1 82 c7 ea b1 49 88 aa 99 b5 c1 51 70 08 d9 00 01 cf 64 c5');
    expect(r.frames).toEqual([
      { kind: 'ibeacon', uuid: 'b5b182c7-eab1-4988-aa99-b5c1517008d9', major: 1, minor: 0xcf64, measuredPower: -59 },
    ]);
    expect(r.frames[0]).toMatchObject({ minor: 53092 });
  });

  it('reads big-endian major/minor and a positive measured power (constructed)', () => {
    const r = parsed(`${FLAGS} 1A FF 4C 00 02 15 ${'11 '.repeat(16)} FF FE 01 00 05`);
    expect(r.frames[0]).toEqual({
      kind: 'ibeacon',
      uuid: '11111111-1111-1111-1111-111111111111',
      major: 65534,
      minor: 256,
      measuredPower: 5,
    });
  });

  it('treats other Apple manufacturer data (e.g. nearby-info type 0x10) as unknown', () => {
    const r = parsed('02 01 1A 07 FF 4C 00 10 02 0A 00');
    expect(r.frames).toEqual([{ kind: 'unknown' }]);
    expect(r.adStructures.map((s) => s.type)).toEqual([0x01, 0xff]);
  });

  it('treats an iBeacon-shaped payload from another company as unknown', () => {
    const r = parsed(`${FLAGS} 1A FF 59 00 02 15 ${'22 '.repeat(16)} 00 01 00 02 C5`);
    expect(r.frames).toEqual([{ kind: 'unknown' }]);
  });
});

describe('parseAdvertisement: Eddystone-UID', () => {
  it('decodes the UID service data of google/eddystone UidValidatorTest', () => {
    // Service data fields from google/eddystone tools/eddystone-validator UidValidatorTest.java
    // (namespace 00..09, instance AABBCCDDEEFF, Tx -20 dBm, RFU 00 00) in the spec's common header.
    const adv = '02 01 06 03 03 AA FE 17 16 AA FE 00 EC 00 01 02 03 04 05 06 07 08 09 AA BB CC DD EE FF 00 00';
    expect(eddystone('00 EC 00 01 02 03 04 05 06 07 08 09 AA BB CC DD EE FF 00 00')).toBe(adv);
    const r = parsed(adv);
    expect(r.adStructures.reduce((n, s) => n + 2 + s.data.length, 0)).toBe(31);
    expect(r.frames).toEqual([
      { kind: 'eddystone-uid', txPowerAt0m: -20, namespace: '00010203040506070809', instance: 'aabbccddeeff' },
    ]);
    expect(r.adStructures.map((s) => s.type)).toEqual([0x01, 0x03, 0x16]);
  });

  it('accepts the truncated 18-byte UID frame (length 0x15) that omits RFU', () => {
    // Namespace is the spec's elided-UUID example (eddystone-uid/README.md); Tx 0x12 = +18 dBm.
    const r = parsed(eddystone('00 12 8B 0C A7 50 09 54 77 CB 3E 77 00 00 00 00 00 01'));
    expect(r.frames).toEqual([
      { kind: 'eddystone-uid', txPowerAt0m: 18, namespace: '8b0ca750095477cb3e77', instance: '000000000001' },
    ]);
  });
});

describe('parseAdvertisement: Eddystone-TLM', () => {
  it('decodes the TLM service data of google/eddystone TlmValidatorTest', () => {
    // 0x1388 = 5000 mV, 0x1500 = 21 °C, ADV_CNT 1, SEC_CNT 1 (= 0.1 s).
    const r = parsed(eddystone('20 00 13 88 15 00 00 00 00 01 00 00 00 01'));
    expect(r.frames).toEqual([
      { kind: 'eddystone-tlm', batteryMv: 5000, temperatureC: 21, advertisingCount: 1, uptimeS: 0.1 },
    ]);
  });

  it('decodes hand-computed values (constructed frame)', () => {
    // 0x0BB8 = 3000 mV; 0x1580 = 21 + 0x80/256 = 21.5 °C; ADV_CNT 0xFFFFFFFF stays unsigned;
    // SEC_CNT 0x00002710 = 10000 ticks of 0.1 s = 1000 s.
    const r = parsed(eddystone('20 00 0B B8 15 80 FF FF FF FF 00 00 27 10'));
    expect(r.frames).toEqual([
      { kind: 'eddystone-tlm', batteryMv: 3000, temperatureC: 21.5, advertisingCount: 4294967295, uptimeS: 1000 },
    ]);
  });

  it.each([
    ['FF 00', -1],
    ['FE 80', -1.5],
    ['00 40', 0.25],
    ['7F FF', 127 + 255 / 256],
    ['80 01', -128 + 1 / 256],
    ['80 00', null],
  ])('reads temperature %s as %s', (temp, expected) => {
    const r = parsed(eddystone(`20 00 00 00 ${temp} 00 00 00 00 00 00 00 00`));
    expect(r.frames[0]).toMatchObject({ kind: 'eddystone-tlm', batteryMv: 0, temperatureC: expected });
  });

  it('leaves encrypted TLM (version 0x01) unrecognised', () => {
    const r = parsed(eddystone(`20 01 ${'AB '.repeat(12)} 12 34 56 78`));
    expect(r.frames).toEqual([{ kind: 'unknown' }]);
  });
});

describe('parseAdvertisement: Eddystone-URL', () => {
  it("decodes the spec's example URL https://goo.gl/Aq18zF (constructed bytes, Tx 0xEE = -18 dBm)", () => {
    const r = parsed(eddystone('10 EE 03 67 6F 6F 2E 67 6C 2F 41 71 31 38 7A 46'));
    expect(r.frames).toEqual([{ kind: 'eddystone-url', txPowerAt0m: -18, url: 'https://goo.gl/Aq18zF' }]);
  });

  it.each([
    ['00 6D 69 6E 65 77 74 65 63 68 00', 'http://www.minewtech.com/'],
    ['01 61 69 73 6C 65 07', 'https://www.aisle.com'],
    ['02 61 69 73 6C 65 08', 'http://aisle.org'],
    ['03 78 04 79', 'https://x.info/y'],
    ['03 78 0D', 'https://x.gov'],
    ['02', 'http://'],
  ])('expands scheme and text codes in %s', (encoded, url) => {
    const r = parsed(eddystone(`10 12 ${encoded}`));
    expect(r.frames).toEqual([{ kind: 'eddystone-url', txPowerAt0m: 18, url }]);
  });
});

describe('parseAdvertisement: other data', () => {
  it('reports unknown plus the structures, flags and local name', () => {
    const r = parsed('02 01 06 06 09 41 69 73 6C 65 03 03 0F 18');
    expect(r.frames).toEqual([{ kind: 'unknown' }]);
    expect(r.flags).toBe(6);
    expect(r.localName).toBe('Aisle');
    expect(r.adStructures.map((s) => s.type)).toEqual([0x01, 0x09, 0x03]);
    expect(Array.from(r.adStructures[2]!.data)).toEqual([0x0f, 0x18]);
  });

  it('prefers the complete local name and decodes UTF-8', () => {
    expect(parsed('03 08 EB A7 07 09 EB A7 A4 EC 9E A5').localName).toBe('매장');
    expect(parsed('03 08 41 69').localName).toBe('Ai');
  });

  it('keeps the local name next to a beacon frame', () => {
    const r = parsed(`${eddystone('20 00 0B B8 15 80 00 00 00 01 00 00 00 01')} 03 09 41 42`);
    expect(r.frames.map((f) => f.kind)).toEqual(['eddystone-tlm']);
    expect(r.localName).toBe('AB');
  });

  it('reports every beacon frame of an extended advertisement, in order', () => {
    const ibeacon = `1A FF 4C 00 02 15 ${'33 '.repeat(16)} 00 07 00 08 C5`;
    const r = parsed(`${eddystone('10 12 03 61 62')} ${ibeacon}`);
    expect(r.adStructures.reduce((n, s) => n + 2 + s.data.length, 0)).toBeGreaterThan(31);
    expect(r.frames.map((f) => f.kind)).toEqual(['eddystone-url', 'ibeacon']);
  });

  it('ignores other service data and unknown Eddystone frame types', () => {
    expect(parsed('05 16 9F FE 01 02').frames).toEqual([{ kind: 'unknown' }]);
    expect(parsed(eddystone(`30 EC ${'01 '.repeat(8)}`)).frames).toEqual([{ kind: 'unknown' }]);
  });

  it('accepts all-zero padding and up to 255 bytes', () => {
    const r = parsed('00 00 00');
    expect(r.adStructures).toEqual([]);
    expect(r.frames).toEqual([{ kind: 'unknown' }]);
    const max = new Uint8Array(MAX_ADV_BYTES);
    max[0] = 0xfe;
    max[1] = 0xff;
    expect(parsed(max).adStructures[0]!.data).toHaveLength(253);
  });
});

describe('parseAdvertisement: malformed input', () => {
  it.each([
    ['non-hex', 'GG 01', 'non-hex character "G" at index 0'],
    ['0x prefix', '0x020106', 'non-hex character "x" at index 1'],
    ['odd length', '0201060', 'odd number of hex digits (7)'],
    ['separator inside a byte', '0 20106', 'hex group "0" has an odd number of digits'],
    ['empty string', '', 'advertisement is empty'],
    ['only separators', ' : ', 'advertisement is empty'],
    [
      'length past end',
      '02 01 06 1A FF 4C 00',
      'AD structure at byte offset 3 declares length 26 but only 3 bytes follow',
    ],
    ['lone length byte', '02 01 06 05', 'AD structure at byte offset 3 declares length 5 but only 0 bytes follow'],
    ['zero length mid-way', '02 01 06 00 03 03 AA FE', 'zero-length AD structure at byte offset 3'],
    ['empty flags', '01 01', 'flags AD structure at byte offset 0 has no data'],
    [
      'short iBeacon',
      `${FLAGS} 19 FF 4C 00 02 15 ${'44 '.repeat(16)} 00 00 00 00`,
      'iBeacon at byte offset 3: manufacturer data is 24 bytes, expected 25',
    ],
    [
      'long iBeacon',
      `${FLAGS} 1B FF 4C 00 02 15 ${'44 '.repeat(16)} 00 00 00 00 C5 00`,
      'iBeacon at byte offset 3: manufacturer data is 26 bytes, expected 25',
    ],
    [
      'wrong iBeacon length byte',
      `${FLAGS} 1A FF 4C 00 02 16 ${'44 '.repeat(16)} 00 00 00 00 C5`,
      'iBeacon at byte offset 3: payload length byte is 0x16, expected 0x15',
    ],
    ['iBeacon cut after type', '04 FF 4C 00 02', 'iBeacon at byte offset 0: payload length byte is missing'],
    ['Eddystone without frame', '03 16 AA FE', 'Eddystone service data at byte offset 0 has no frame type'],
    [
      'UID of 19 bytes',
      eddystone(`00 EC ${'01 '.repeat(17)}`),
      'Eddystone-UID frame at byte offset 11 is 19 bytes, expected 20 (or 18 without RFU)',
    ],
    ['UID of 2 bytes', eddystone('00 EC'), 'Eddystone-UID frame at byte offset 11 is 2 bytes'],
    [
      'TLM of 13 bytes',
      eddystone('20 00 0B B8 15 80 00 00 00 01 00 00 00'),
      'Eddystone-TLM frame at byte offset 11 is 13 bytes, expected 14',
    ],
    [
      'TLM of 15 bytes',
      eddystone('20 00 0B B8 15 80 00 00 00 01 00 00 00 01 00'),
      'Eddystone-TLM frame at byte offset 11 is 15 bytes',
    ],
    ['URL too short', eddystone('10 EE'), 'Eddystone-URL frame at byte offset 11 is 2 bytes, expected at least 3'],
    [
      'URL too long',
      eddystone(`10 EE 03 ${'61 '.repeat(18)}`),
      'Eddystone-URL frame at byte offset 11 carries 18 URL bytes, at most 17 allowed',
    ],
    ['URL scheme', eddystone('10 EE 04 61'), 'Eddystone-URL frame at byte offset 11: unknown URL scheme 0x04'],
    ['URL reserved byte', eddystone('10 EE 03 61 7F'), 'reserved URL byte 0x7f at frame byte 4'],
    ['URL control byte', eddystone('10 EE 03 0E'), 'reserved URL byte 0x0e at frame byte 3'],
    ['URL space', eddystone('10 EE 03 20'), 'reserved URL byte 0x20'],
  ])('rejects %s', (_name, input, expected) => {
    expect(reason(input)).toContain(expected);
  });

  it('rejects empty bytes and more than 255 bytes', () => {
    expect(reason(new Uint8Array(0))).toBe('advertisement is empty');
    expect(reason(new Uint8Array(MAX_ADV_BYTES + 1))).toBe('advertisement is 256 bytes; at most 255 are accepted');
    expect(reason('00'.repeat(MAX_ADV_BYTES + 1))).toContain('256 bytes');
  });

  it('rejects a non-string, non-byte input instead of throwing', () => {
    for (const bad of [42, null, undefined, [2, 1, 6], { length: 3 }]) {
      expect(reason(bad as unknown as string)).toBe('input must be a hex string or a Uint8Array');
    }
  });

  it('never throws on arbitrary bytes', () => {
    // Deterministic xorshift so a failure reproduces.
    let seed = 0x2545f491;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const templates = [
      '02 01 06 1A FF 4C 00 02 15',
      EDDYSTONE_HEAD,
      `${EDDYSTONE_HEAD} 11 16 AA FE 20 00`,
      `${EDDYSTONE_HEAD} 10 16 AA FE 10`,
    ].map((h) => Buffer.from(h.replaceAll(' ', ''), 'hex'));
    let oks = 0;
    for (let n = 0; n < 3000; n++) {
      const size = next() % 40;
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = next() & 0xff;
      const head = templates[n % (templates.length + 1)];
      if (head) bytes.set(head.subarray(0, size));
      let result: AdvertisementResult | undefined;
      expect(() => {
        result = parseAdvertisement(bytes);
      }).not.toThrow();
      expect(typeof result?.ok).toBe('boolean');
      if (result?.ok) oks++;
    }
    expect(oks).toBeGreaterThan(0);
  });
});

describe('shopperPseudonym', () => {
  const SALT = 'seoul-01/2025-06-01';
  // Aisle app iBeacon with major 0x1234 (4660) and minor 0x5678 (22136).
  const AISLE_ADV = '02 01 06 1A FF 4C 00 02 15 38 FE 4D 57 BE A0 49 FE AB 09 2F 33 75 DD A1 1F 12 34 56 78 C5';
  const aisleFrame = (): BeaconFrame => parsed(AISLE_ADV).frames[0]!;

  it('parses the Aisle app frame', () => {
    expect(aisleFrame()).toEqual({
      kind: 'ibeacon',
      uuid: AISLE_APP_UUID,
      major: 4660,
      minor: 22136,
      measuredPower: -59,
    });
  });

  it('matches an HMAC computed independently with openssl', () => {
    // printf '%s' '38fe4d57-bea0-49fe-ab09-2f3375dda11f:4660:22136' | openssl dgst -sha256 -hmac 'seoul-01/2025-06-01'
    //   = b28b820e369f44c8938927cd7dafc01ef2a61fc1684581977e136bda4037564b
    expect(shopperPseudonym(aisleFrame(), SALT)).toBe('shp-b28b820e369f44c8');
  });

  it('is a valid ShopperDeviceId and changes with salt, major and minor', () => {
    const frame = aisleFrame();
    const id = shopperPseudonym(frame, SALT)!;
    expect(id).toMatch(/^shp-[0-9a-f]{16}$/);
    expect(ShopperDeviceId.safeParse(id).success).toBe(true);
    expect(shopperPseudonym(frame, 'seoul-01/2025-06-02')).not.toBe(id);
    expect(shopperPseudonym({ ...frame, major: 4661 } as BeaconFrame, SALT)).not.toBe(id);
    expect(shopperPseudonym({ ...frame, minor: 22137 } as BeaconFrame, SALT)).not.toBe(id);
    expect(shopperPseudonym({ ...frame, uuid: AISLE_APP_UUID.toUpperCase() } as BeaconFrame, SALT)).toBe(id);
  });

  it('returns null for frames that are not Aisle app frames', () => {
    const others: BeaconFrame[] = [
      { kind: 'ibeacon', uuid: 'e2c56db5-dffb-48d2-b060-d0f5a71096e0', major: 4660, minor: 22136, measuredPower: -59 },
      { kind: 'eddystone-uid', txPowerAt0m: -20, namespace: '00010203040506070809', instance: 'aabbccddeeff' },
      { kind: 'eddystone-url', txPowerAt0m: -18, url: 'https://goo.gl/Aq18zF' },
      { kind: 'eddystone-tlm', batteryMv: 3000, temperatureC: 21.5, advertisingCount: 1, uptimeS: 0.1 },
      { kind: 'unknown' },
    ];
    for (const frame of others) expect(shopperPseudonym(frame, SALT)).toBeNull();
  });

  it('refuses an empty salt', () => {
    expect(() => shopperPseudonym(aisleFrame(), '')).toThrow(/non-empty salt/);
  });
});
