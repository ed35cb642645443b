/**
 * What the bench (ingest.ts) and its publisher process (publisher.ts) say to each other over
 * the Node IPC channel, and the shape of the beacon traffic both sides must agree on.
 */

/** One MQTT connection of the publisher: a scanner, with the credentials it presents. */
export interface ScannerConnection {
  scannerId: string;
  clientId: string;
  username?: string;
  password?: string;
}

export interface TrafficShape {
  storeId: string;
  /** The store's BLE scanners, one per zone (index = zone). */
  scannerIds: string[];
  /** How many pseudonymous phones the scanners hear, round-robin. */
  phones: number;
  /** Every `moveEvery`-th sighting of a phone moves it to its other zone (a decisive one). */
  moveEvery: number;
}

export type BenchRequest =
  | { type: 'connect'; target: string; url: string; connections: ScannerConnection[]; traffic: TrafficShape }
  | { type: 'run'; target: string; rate: number; durationMs: number }
  | { type: 'close'; target: string };

export interface RunResult {
  /** Epoch ms (sub-ms, performance.timeOrigin based) of the first publish. */
  startedAt: number;
  /** Sightings published. */
  sent: number;
  /** How many of them were moves (decisive sightings from the phone's other zone). */
  moves: number;
  /** From the first publish to the last one, ms. */
  publishMs: number;
  /** From the first publish until every connection's socket buffer was written out, ms. */
  flushedMs: number;
  /** Connections the broker closed during the run. */
  disconnects: number;
}

export type BenchReply = { id: number; ok: true; result?: RunResult } | { id: number; ok: false; error: string };

export type Envelope = { id: number; request: BenchRequest };

/**
 * RSSI of the sightings. A phone is heard by its current zone's scanner at STAY_RSSI; a move
 * is one sighting from its other zone's scanner at MOVE_RSSI. With the gateway's smoothing
 * (weight 0.25) the moved-to zone then leads by ≥ 0.25 × (MOVE − STAY) − ε = 10 dB, above the
 * 6 dB hysteresis, and with confirmMs 0 that one sighting moves the shopper. The stays
 * converge on STAY_RSSI, so no stay ever moves anyone (needs moveEvery ≥ 16, checked).
 */
export const STAY_RSSI = -85;
export const MOVE_RSSI = -45;
export const MIN_MOVE_EVERY = 16;

/** The two zones (scanner indexes) phone `i` walks between. */
export function zonesOfPhone(i: number, zoneCount: number): [number, number] {
  const a = i % zoneCount;
  const b = (a + 1 + (Math.floor(i / zoneCount) % (zoneCount - 1))) % zoneCount;
  return [a, b];
}

/**
 * The id of the bench's phone number `i`: the same in the publisher (which sends it) and the gateway target (whose
 * cloud links it to a customer with location consent, so its sightings take the whole write path).
 */
export const benchPhoneId = (i: number): string => `shp-${i.toString(16).padStart(10, '0')}`;
