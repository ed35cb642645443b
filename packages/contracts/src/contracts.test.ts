import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BeaconSighting,
  CustomerProfile,
  Delivery,
  FloorPlan,
  HelloResult,
  IdentifyRequest,
  MirrorGarment,
  PosHandover,
  PosPurchase,
  PROTOCOL_VERSION,
  parseTopic,
  phoneDigits,
  ScreenAuth,
  ScreenHello,
  StaffLoginRequest,
  schemaExamples,
  screenEventSchemas,
  screenRequests,
  TOPIC_ROOT,
  topics,
} from './index';

describe('schema examples', () => {
  for (const [name, { schema, example }] of Object.entries(schemaExamples)) {
    it(`${name} example is valid`, () => {
      expect(schema.safeParse(example).error).toBeUndefined();
    });
  }
});

describe('topics', () => {
  it('builds versioned topics and parses them back', () => {
    const t = topics.beaconSighting('seoul-01', 'scanner-a');
    expect(t).toBe(`aisle/v${PROTOCOL_VERSION}/seoul-01/ble/scanner-a/sighting`);
    expect(parseTopic(t)).toEqual({
      ok: true,
      topic: { storeId: 'seoul-01', family: 'ble', deviceId: 'scanner-a', kind: 'sighting' },
    });
    expect(parseTopic(topics.posPurchase('s', 'pos-1'))).toMatchObject({ ok: true, topic: { family: 'pos' } });
  });

  it('refuses ids that would break the topic tree', () => {
    expect(() => topics.beaconSighting('a/b', 'x')).toThrow(/storeId/);
    expect(() => topics.beaconSighting('a', '#')).toThrow(/deviceId/);
  });

  it.each([
    ['too few levels', `${TOPIC_ROOT}/s/ble/x`, /6 levels/],
    ['other version', 'aisle/v0/s/ble/x/sighting', /root/],
    ['unknown family', `${TOPIC_ROOT}/s/radio/x/sighting`, /unknown family/],
    ['wrong kind for family', `${TOPIC_ROOT}/s/ble/x/purchase`, /carries/],
    ['inherited property as family', `${TOPIC_ROOT}/s/constructor/x/sighting`, /unknown family/],
    ['wildcard device', `${TOPIC_ROOT}/s/ble/+/sighting`, /device id/],
  ])('rejects %s', (_name, topic, reason) => {
    const r = parseTopic(topic);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

it('gives every family a status topic beside its data topic', () => {
  expect(topics.deviceStatus('s', 'rfid', 'r-1')).toBe(`${TOPIC_ROOT}/s/rfid/r-1/status`);
  expect(parseTopic(topics.deviceStatus('s', 'pos', 'pos-1'))).toMatchObject({ ok: true, topic: { kind: 'status' } });
  expect(parseTopic(topics.rfidRead('s', 'r-1'))).toMatchObject({ ok: true, topic: { family: 'rfid', kind: 'read' } });
  expect(parseTopic(topics.deadLetter('s')).ok).toBe(false); // the gateway's own topic is no device topic
});

describe('payload rules', () => {
  const sighting = schemaExamples.BeaconSighting.example;

  it('rejects RSSI outside the radio range and unknown fields', () => {
    expect(BeaconSighting.safeParse({ ...sighting, rssi: 12 }).success).toBe(false);
    expect(BeaconSighting.safeParse({ ...sighting, mac: 'aa:bb' }).success).toBe(false);
  });

  it('needs either the pseudonymous device id or the raw advertisement, which must be hex', () => {
    const { deviceId: _omitted, ...anonymous } = sighting;
    expect(BeaconSighting.safeParse(anonymous).error?.issues[0]?.message).toMatch(/deviceId or the raw advertisement/);
    expect(BeaconSighting.safeParse({ ...anonymous, advertisement: '02010' }).success).toBe(false);
    expect(BeaconSighting.safeParse({ ...anonymous, advertisement: 'zz01' }).success).toBe(false);
    expect(BeaconSighting.safeParse({ ...anonymous, advertisement: '020106' }).success).toBe(true);
  });

  it('rejects a purchase whose total does not add up', () => {
    const p = schemaExamples.PosPurchase.example;
    expect(PosPurchase.safeParse({ ...p, total: p.total + 1 }).success).toBe(false);
  });

  it('rejects a floor plan that places a scanner in an unknown zone', () => {
    const plan = schemaExamples.FloorPlan.example;
    const bad = { ...plan, scanners: [{ id: 'scanner-x', zoneId: 'nowhere' }] };
    const r = FloorPlan.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/unknown zone "nowhere"/);
  });

  it('requires kiosks and mirrors to stand in a zone', () => {
    const plan = schemaExamples.FloorPlan.example;
    const r = FloorPlan.safeParse({ ...plan, screens: [{ id: 'kiosk-9', kind: 'kiosk' }] });
    expect(r.error?.issues[0]?.message).toMatch(/kiosk screen needs a zoneId/);
  });
});

/** The paths of the issues a schema reports for a value (empty when it is valid). */
const issuePaths = (
  schema: { safeParse: (v: unknown) => { error?: { issues: { path: PropertyKey[] }[] } } },
  v: unknown,
) => (schema.safeParse(v).error?.issues ?? []).map((i) => i.path.join('.'));

describe('screen payload rules', () => {
  it('refuses a hello without the store it believes it stands in, or without lastSeq', () => {
    const { storeId: _storeId, ...noStore } = schemaExamples.ScreenHello.example;
    expect(issuePaths(ScreenHello, noStore)).toEqual(['storeId']);
    const { lastSeq: _lastSeq, ...noSeq } = schemaExamples.ScreenHello.example;
    expect(issuePaths(ScreenHello, noSeq)).toEqual(['lastSeq']);
    expect(issuePaths(ScreenHello, { ...schemaExamples.ScreenHello.example, lastSeq: -1 })).toEqual(['lastSeq']);
    expect(issuePaths(ScreenHello, { ...schemaExamples.ScreenHello.example, storeId: 'a/b' })).toEqual(['storeId']);
  });

  it('refuses a hello result that leaves out the replay fields', () => {
    const { replaying: _replaying, ...partial } = schemaExamples.HelloResult.example;
    expect(HelloResult.safeParse(partial).success).toBe(false);
    expect(HelloResult.safeParse({ ok: false, reason: 'nope', message: 'x' }).success).toBe(false);
  });

  it('refuses a device token that is too short, and anything else in the handshake', () => {
    expect(ScreenAuth.safeParse({ token: 'short' }).success).toBe(false);
    expect(ScreenAuth.safeParse({}).success).toBe(false);
    expect(ScreenAuth.safeParse({ ...schemaExamples.ScreenAuth.example, screenId: 'kiosk-1' }).success).toBe(false);
  });

  it('numbers deliveries from 1', () => {
    expect(Delivery.safeParse({ seq: 0, sentAt: 1 }).success).toBe(false);
    expect(Delivery.safeParse({ seq: 1.5, sentAt: 1 }).success).toBe(false);
    expect(Delivery.safeParse({ seq: 1, sentAt: 1 }).success).toBe(true);
  });

  it.each([
    ['letters', '+82 10-CALL-ME'],
    ['too few digits', '12345'],
    ['too long', `+${'1'.repeat(30)}`],
    ['an empty string', ''],
  ])('refuses a phone number with %s', (_name, phone) => {
    expect(issuePaths(IdentifyRequest, { method: 'phone', phone })).toEqual(['phone']);
  });

  it('accepts the usual ways to write a phone number, and only the fields of its method', () => {
    for (const phone of ['+82 10-1234-5678', '010 1234 5678', '(02) 555-0199'])
      expect(IdentifyRequest.safeParse({ method: 'phone', phone }).success, phone).toBe(true);
    expect(IdentifyRequest.safeParse({ method: 'phone', code: 'LOY-2048-7731' }).success).toBe(false);
    expect(IdentifyRequest.safeParse({ method: 'qr', code: 'abc' }).success).toBe(false);
    expect(IdentifyRequest.safeParse({ method: 'anonymous', phone: '+82 10-1234-5678' }).success).toBe(false);
    expect(IdentifyRequest.safeParse({ method: 'face' }).success).toBe(false);
  });

  it.each([
    ['3 digits', '123'],
    ['9 digits', '123456789'],
    ['letters', '12a4'],
    ['spaces', '12 34'],
    ['a number instead of a string', 1234],
  ])('refuses a staff PIN of %s', (_name, pin) => {
    expect(issuePaths(StaffLoginRequest, { pin })).toEqual(['pin']);
  });

  it('refuses a mirror garment without its variants, look or history', () => {
    const garment = schemaExamples.MirrorGarment.example;
    for (const field of ['variants', 'look', 'history', 'itemId', 'name', 'price'] as const) {
      const { [field]: _omitted, ...partial } = garment;
      expect(issuePaths(MirrorGarment, partial), field).toEqual([field]);
    }
    expect(MirrorGarment.safeParse({ ...garment, history: null }).success).toBe(true);
    expect(issuePaths(MirrorGarment, { ...garment, variants: [{ itemId: 'sku-1', inStock: 1.5 }] })).toEqual([
      'variants.0.inStock',
    ]);
  });

  it('lets each screen kind send only its own requests, and parses every client event with a schema', () => {
    expect(Object.keys(screenEventSchemas.clientToServer).sort()).toEqual(
      ['ack', ...Object.keys(screenRequests)].sort(),
    );
    expect(screenRequests.hello.kinds).toEqual(['kiosk', 'mirror', 'staff']);
    expect(screenRequests.identify.kinds).toEqual(['kiosk']);
    expect(screenRequests.sizeRequest.kinds).toEqual(['mirror']);
    for (const [event, r] of Object.entries(screenRequests))
      if (event.startsWith('staff') || event === 'customerCard' || event === 'resolveRequest')
        expect(r.kinds, event).toEqual(['staff']);
  });
});

describe('hand-over to a till', () => {
  const handover = schemaExamples.PosHandover.example;

  it.each([
    ['3 digits', '482'],
    ['5 digits', '48213'],
    ['letters', 'ABCD'],
    ['a number', 4821],
  ])('refuses a code of %s', (_name, code) => {
    expect(issuePaths(PosHandover, { ...handover, code })).toEqual(['code']);
  });

  it('refuses an empty cart and a terminal id that would break its topic', () => {
    expect(issuePaths(PosHandover, { ...handover, lines: [] })).toEqual(['lines']);
    expect(issuePaths(PosHandover, { ...handover, terminalId: 'pos/1' })).toEqual(['terminalId']);
  });

  it("is published on the till's own gateway topic, which is no device topic", () => {
    expect(topics.posHandover('seoul-01', 'pos-1')).toBe(`${TOPIC_ROOT}/seoul-01/gateway/handover/pos-1`);
    expect(() => topics.posHandover('seoul-01', '#')).toThrow(/terminalId/);
    expect(parseTopic(topics.posHandover('seoul-01', 'pos-1')).ok).toBe(false);
  });

  it('lets the sale that paid a hand-over name it', () => {
    expect(schemaExamples.HandedOverPurchase.example.handoverId).toBe(handover.handoverId);
    expect(PosPurchase.safeParse({ ...schemaExamples.PosPurchase.example, handoverId: '' }).success).toBe(false);
  });
});

describe('customer identities in the profile', () => {
  it('hashes the digits of a phone number, so every way of writing it finds the same customer', () => {
    expect(phoneDigits('+82 10-1234-5678')).toBe('821012345678');
    expect(phoneDigits('(02) 555-0199')).toBe('025550199');
    const hash = createHash('sha256').update(phoneDigits('+82 (10) 1234 5678')).digest('hex');
    expect(schemaExamples.CustomerProfile.example.phoneHash).toBe(hash);
  });

  it('refuses a phone hash that is not a lowercase sha256, and a loyalty id too short', () => {
    const profile = schemaExamples.CustomerProfile.example;
    expect(issuePaths(CustomerProfile, { ...profile, phoneHash: '+821012345678' })).toEqual(['phoneHash']);
    expect(issuePaths(CustomerProfile, { ...profile, phoneHash: profile.phoneHash.toUpperCase() })).toEqual([
      'phoneHash',
    ]);
    expect(issuePaths(CustomerProfile, { ...profile, loyaltyId: 'abc' })).toEqual(['loyaltyId']);
  });
});
