import { schemaExamples, topics } from '@aisle/contracts';
import { describe, expect, it, vi } from 'vitest';
import { createIngest, type IngestHandlers, type IngestResult } from './ingest';

const sighting = schemaExamples.BeaconSighting.example;
const good = topics.beaconSighting('seoul-01', sighting.scannerId);

function setup(rateLimit = { perSecond: 1_000, burst: 1_000 }) {
  const handlers: IngestHandlers = {
    ble: vi.fn(),
    sensor: vi.fn(),
    shelf: vi.fn(),
    rfid: vi.fn(),
    pos: vi.fn(),
    status: vi.fn(),
  };
  const ingest = createIngest({
    storeId: 'seoul-01',
    knownDevice: (family, id) => family !== 'ble' || id === sighting.scannerId || id === 'scanner-other',
    handlers,
    rateLimit,
  });
  return { ingest, handlers };
}
const buf = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x));
const reason = (r: IngestResult) => (r.ok ? 'ok' : r.reason);

describe('ingest', () => {
  it('hands a valid sighting to the BLE handler', () => {
    const { ingest, handlers } = setup();
    expect(ingest(good, buf(sighting), sighting.ts + 5)).toEqual({
      ok: true,
      family: 'ble',
      deviceId: sighting.scannerId,
      skewMs: 5,
    });
    expect(handlers.ble).toHaveBeenCalledWith(sighting, sighting.ts + 5);
  });

  it.each([
    ['bad_topic', 'aisle/v1/seoul-01/ble', buf(sighting)],
    ['wrong_store', topics.beaconSighting('busan-02', sighting.scannerId), buf(sighting)],
    ['oversized', good, Buffer.alloc(20_000, 0x20)],
    ['bad_json', good, buf('{"rssi": -60,')],
    ['bad_json', good, Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37])],
    ['invalid_payload', good, buf({ ...sighting, rssi: 'strong' })],
    ['unknown_device', topics.beaconSighting('seoul-01', 'scanner-rogue'), buf(sighting)],
    ['device_mismatch', good, buf({ ...sighting, scannerId: 'scanner-other' })],
  ])('rejects with %s', (expected, topic, payload) => {
    const { ingest, handlers } = setup();
    expect(reason(ingest(topic, payload, 0))).toBe(expected);
    expect(handlers.ble).not.toHaveBeenCalled();
  });

  it('names the failing field of an invalid payload', () => {
    const { ingest } = setup();
    const r = ingest(good, buf({ ...sighting, rssi: 40 }), 0);
    expect(!r.ok && r.detail).toMatch(/^rssi:/);
  });

  it('drops a second message with the same event id', () => {
    const { ingest, handlers } = setup();
    expect(reason(ingest(good, buf(sighting), 0))).toBe('ok');
    expect(reason(ingest(good, buf({ ...sighting, rssi: -70 }), 1))).toBe('duplicate');
    expect(handlers.ble).toHaveBeenCalledTimes(1);
  });

  it('takes every family’s status, checking that it speaks for the topic’s device', () => {
    const { ingest, handlers } = setup();
    const status = { ...schemaExamples.DeviceStatus.example, deviceId: 'pos-1' };
    expect(reason(ingest(topics.deviceStatus('seoul-01', 'pos', 'pos-1'), buf(status), 3))).toBe('ok');
    expect(handlers.status).toHaveBeenCalledWith('pos', status, 3);
    expect(reason(ingest(topics.deviceStatus('seoul-01', 'pos', 'pos-2'), buf(status), 3))).toBe('device_mismatch');
  });

  it('refuses a shelf message naming another zone than the floor plan gives the shelf', () => {
    const handlers = { ble: vi.fn(), sensor: vi.fn(), shelf: vi.fn(), rfid: vi.fn(), pos: vi.fn(), status: vi.fn() };
    const ingest = createIngest({
      storeId: 'seoul-01',
      knownDevice: () => true,
      zoneOf: (id) => (id === 'shelf-beauty-1' ? 'beauty' : undefined),
      handlers,
    });
    const touch = schemaExamples.ProductInteraction.example;
    const topic = topics.productInteraction('seoul-01', touch.shelfId);
    expect(reason(ingest(topic, buf(touch), 0))).toBe('ok');
    expect(reason(ingest(topic, buf({ ...touch, eventId: 'shelf-other-01', zoneId: 'menswear' }), 0))).toBe(
      'wrong_zone',
    );
  });

  it('passes RFID reads to their handler', () => {
    const { ingest, handlers } = setup();
    const read = schemaExamples.RfidRead.example;
    expect(reason(ingest(topics.rfidRead('seoul-01', read.readerId), buf(read), 0))).toBe('ok');
    expect(handlers.rfid).toHaveBeenCalledWith(read, 0);
  });

  it('rate-limits a flooding device without touching the others', () => {
    const { ingest } = setup({ perSecond: 10, burst: 20 });
    const flood = (i: number) => buf({ ...sighting, eventId: `ble-flood-${String(i).padStart(4, '0')}` });
    const results = Array.from({ length: 100 }, (_, i) => reason(ingest(good, flood(i), 0)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(20);
    expect(results.filter((r) => r === 'rate_limited')).toHaveLength(80);
    const other = topics.beaconSighting('seoul-01', 'scanner-other');
    const fromOther = { ...sighting, scannerId: 'scanner-other', eventId: 'ble-other-0001' };
    expect(reason(ingest(other, buf(fromOther), 0))).toBe('ok');
    // a second later the flooder has 10 more tokens
    const later = Array.from({ length: 15 }, (_, i) => reason(ingest(good, flood(1_000 + i), 1_000)));
    expect(later.filter((r) => r === 'ok')).toHaveLength(10);
  });

  it('turns a handler exception into a rejection instead of throwing', () => {
    const { ingest, handlers } = setup();
    vi.mocked(handlers.ble).mockImplementation(() => {
      throw new Error('disk full');
    });
    expect(ingest(good, buf(sighting), 0)).toMatchObject({ ok: false, reason: 'handler_error', detail: 'disk full' });
    // the event was not stored: the same message again (a device or broker redelivering it) is handled, not dropped
    vi.mocked(handlers.ble).mockImplementation(() => {});
    expect(ingest(good, buf(sighting), 0)).toMatchObject({ ok: true });
    expect(ingest(good, buf(sighting), 0)).toMatchObject({ ok: false, reason: 'duplicate' });
  });
});
