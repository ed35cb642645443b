import { schemaExamples, topics } from '@aisle/contracts';
import { describe, expect, it, vi } from 'vitest';
import { createIngest, type IngestHandlers } from './ingest';

const sighting = schemaExamples.BeaconSighting.example;
const good = topics.beaconSighting('seoul-01', sighting.scannerId);

function setup() {
  const handlers: IngestHandlers = { ble: vi.fn(), sensor: vi.fn(), shelf: vi.fn(), pos: vi.fn() };
  const ingest = createIngest({
    storeId: 'seoul-01',
    knownDevice: (family, id) => family !== 'ble' || id === sighting.scannerId,
    handlers,
  });
  return { ingest, handlers };
}
const buf = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x));

describe('ingest', () => {
  it('hands a valid sighting to the BLE handler', () => {
    const { ingest, handlers } = setup();
    expect(ingest(good, buf(sighting), 5)).toBeUndefined();
    expect(handlers.ble).toHaveBeenCalledWith(sighting, 5);
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
  ])('rejects with %s', (reason, topic, payload) => {
    const { ingest, handlers } = setup();
    expect(ingest(topic, payload, 0)?.reason).toBe(reason);
    expect(handlers.ble).not.toHaveBeenCalled();
  });

  it('names the failing field of an invalid payload', () => {
    const { ingest } = setup();
    expect(ingest(good, buf({ ...sighting, rssi: 40 }), 0)?.detail).toMatch(/^rssi:/);
  });

  it('turns a handler exception into a rejection instead of throwing', () => {
    const { ingest, handlers } = setup();
    vi.mocked(handlers.ble).mockImplementation(() => {
      throw new Error('disk full');
    });
    expect(ingest(good, buf(sighting), 0)).toEqual({ reason: 'handler_error', detail: 'disk full' });
  });
});
