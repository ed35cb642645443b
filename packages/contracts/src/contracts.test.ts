import { describe, expect, it } from 'vitest';
import {
  BeaconSighting,
  FloorPlan,
  PosPurchase,
  PROTOCOL_VERSION,
  parseTopic,
  schemaExamples,
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
