import { createRng, type Rng } from '@aisle/simulators';
import { describe, expect, it } from 'vitest';
import { PresenceEngine, type PresenceSighting, type ZoneChange } from './engine';

const scanners = new Map([
  ['scanner-a', 'a'],
  ['scanner-b', 'b'],
  ['scanner-c', 'c'],
]);
const opts = { windowMs: 5_000, leaveAfterMs: 15_000, hysteresisDb: 6, confirmMs: 2_000, smoothing: 0.25 };
let n = 0;
const sighting = (scannerId: string, rssi: number, deviceId = 'shp-1'): PresenceSighting => ({
  scannerId,
  deviceId,
  rssi: Math.round(rssi),
  ts: n++,
});
const noise = (rng: Rng, sd: number) => (rng() + rng() + rng() - 1.5) * 2 * sd;

describe('PresenceEngine', () => {
  it('turns a noisy walk A→B→C into exactly enter A, B, C with dwell close to the truth', () => {
    const rng = createRng(42);
    const engine = new PresenceEngine(scanners, opts);
    const changes: ZoneChange[] = [];
    const route = [
      ['a', 20_000],
      ['b', 30_000],
      ['c', 25_000],
    ] as const;
    let t = 0;
    for (const [zone, dwell] of route) {
      for (const end = t + dwell; t < end; t += 500) {
        // the zone's own scanner hears the phone well, the others faintly
        for (const [scanner, z] of scanners) {
          const rssi = (z === zone ? -60 : -78) + noise(rng, 4);
          const c = engine.observe(sighting(scanner, rssi), t);
          if (c) changes.push(c);
        }
      }
    }
    changes.push(...engine.expire(t + opts.leaveAfterMs));
    // exactly: enter A; leave A, enter B; leave B, enter C; leave C
    expect(changes.map((c) => [c.from, c.to])).toEqual([
      [null, 'a'],
      ['a', 'b'],
      ['b', 'c'],
      ['c', null],
    ]);
    const dwell = changes.slice(1).map((c, i) => c.at - changes[i]!.at);
    for (const [i, [, truth]] of route.entries()) expect(Math.abs(dwell[i]! - truth) / truth).toBeLessThan(0.1);
  });

  it('does not flap for a shopper standing on the boundary between two zones', () => {
    const rng = createRng(7);
    const engine = new PresenceEngine(scanners, opts);
    const changes: ZoneChange[] = [];
    for (let t = 0; t < 60_000; t += 500) {
      for (const scanner of ['scanner-a', 'scanner-b']) {
        const c = engine.observe(sighting(scanner, -70 + noise(rng, 4)), t);
        if (c) changes.push(c);
      }
    }
    expect(changes).toHaveLength(1);
  });

  it('forgets readings older than the window and lets a shopper leave after the timeout', () => {
    const engine = new PresenceEngine(scanners, opts);
    engine.observe(sighting('scanner-a', -50), 0);
    // weak readings from B much later win, because A's strong one is stale
    expect(engine.observe(sighting('scanner-b', -85), 10_000)).toBeUndefined(); // not confirmed yet
    // …and the move is dated from when B began to lead
    expect(engine.observe(sighting('scanner-b', -85), 12_000)).toMatchObject({ from: 'a', to: 'b', at: 10_000 });
    expect(engine.occupancy()).toEqual(new Map([['b', 1]]));
    expect(engine.expire(12_000 + opts.leaveAfterMs - 1)).toEqual([]);
    expect(engine.expire(12_000 + opts.leaveAfterMs)).toEqual([
      { deviceId: 'shp-1', from: 'b', fromSince: 10_000, to: null, at: 12_000 },
    ]);
    expect(engine.get('shp-1')).toBeUndefined();
  });

  it('ignores a reading that arrives after a newer one from the same scanner', () => {
    const engine = new PresenceEngine(scanners, { ...opts, confirmMs: 0 });
    engine.observe({ scannerId: 'scanner-a', deviceId: 'shp-1', rssi: -60, ts: 100 }, 0);
    engine.observe({ scannerId: 'scanner-b', deviceId: 'shp-1', rssi: -80, ts: 100 }, 0);
    // a late, strong reading from B taken before the one we have must not move the shopper
    const late = { scannerId: 'scanner-b', deviceId: 'shp-1', rssi: -40, ts: 50 };
    expect(engine.observe(late, 100)).toBeUndefined();
    expect(engine.get('shp-1')?.zoneId).toBe('a');
    // the same reading in order counts (the -40 is smoothed into B's -80 and B still trails A)
    let moved: unknown;
    for (let ts = 150; !moved && ts < 1_000; ts += 50) moved = engine.observe({ ...late, ts }, ts);
    expect(moved).toMatchObject({ from: 'a', to: 'b' });
  });

  it('reports a shopper lingering in a zone once per visit', () => {
    const engine = new PresenceEngine(scanners, opts);
    engine.observe(sighting('scanner-a', -50), 0);
    expect(engine.dwells(9_000, 10_000)).toEqual([]);
    expect(engine.dwells(10_000, 10_000).map((p) => p.zoneId)).toEqual(['a']);
    expect(engine.dwells(20_000, 10_000)).toEqual([]);
  });

  it('names the newest arrival of a zone as the shopper in front of its screen', () => {
    const engine = new PresenceEngine(scanners, opts);
    engine.observe(sighting('scanner-a', -55, 'shp-1'), 0);
    engine.observe(sighting('scanner-a', -55, 'shp-2'), 1_000);
    expect(engine.newestIn('a')?.deviceId).toBe('shp-2');
    for (let t = 2_000; t <= 4_000; t += 500) engine.observe(sighting('scanner-b', -40, 'shp-2'), t);
    expect(engine.newestIn('a')?.deviceId).toBe('shp-1');
    expect(engine.get('shp-2')?.path).toEqual(['a', 'b']);
  });
});
